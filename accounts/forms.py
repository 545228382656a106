from __future__ import annotations

from django import forms
from django.db.models import Q

from accounts.models import AuditEntry
from core.forms import DateRangeForm
from core.keyset import KeysetFormMixin


class AuditFilterForm(KeysetFormMixin, DateRangeForm):
    keyset_model = AuditEntry

    q = forms.CharField(required=False, max_length=100, label="Search")
    action = forms.CharField(required=False, max_length=80)
    outcome = forms.ChoiceField(
        required=False, choices=[("", "Any outcome"), *AuditEntry.Outcome.choices]
    )
    field_order = ["q", "action", "outcome", "since", "until"]

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
        queryset = self.filter_dates(queryset)
        return queryset
