from __future__ import annotations

from django import forms
from django.db.models import Q

from accounts.models import AuditEntry


class AuditFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    action = forms.CharField(required=False, max_length=80)
    outcome = forms.ChoiceField(
        required=False, choices=[("", "Any outcome"), *AuditEntry.Outcome.choices]
    )
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if data["q"]:
            queryset = queryset.filter(
                Q(object_repr__icontains=data["q"]) | Q(actor_label__icontains=data["q"])
            )
        if data["action"]:
            queryset = queryset.filter(action=data["action"])
        if data["outcome"]:
            queryset = queryset.filter(outcome=data["outcome"])
        if data["since"]:
            queryset = queryset.filter(created_at__date__gte=data["since"])
        if data["until"]:
            queryset = queryset.filter(created_at__date__lte=data["until"])
        return queryset
