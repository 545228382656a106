from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone


class SecretInput(forms.PasswordInput):
    """A password box that never renders the stored value, only whether one is set."""

    template_name = "core/widgets/secret_input.html"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=False
        )

    is_set = False  # whether a value is stored; set by KeepSecretsMixin from the instance
    # A value was typed but the form came back with errors: the box is empty again (the value is
    # never echoed into the page), so the person must be told to type it again.
    ask_to_retype = False

    def get_context(self, name, value, attrs):
        attrs = attrs or {}
        if self.ask_to_retype and attrs.get("id"):
            described_by = f"{attrs.get('aria-describedby', '')} {attrs['id']}_retype".strip()
            attrs = {**attrs, "aria-describedby": described_by}
        context = super().get_context(name, None, attrs)
        context["widget"]["is_set"] = self.is_set
        context["widget"]["ask_to_retype"] = self.ask_to_retype
        return context


class SecretField(forms.CharField):
    """Write-only secret: blank on an edit form keeps the stored value."""

    widget = SecretInput

    def __init__(self, *, keep_blank=True, **kwargs):
        self.keep_blank = keep_blank
        kwargs.setdefault("strip", True)
        super().__init__(**kwargs)

    def has_changed(self, initial, data):
        return bool(data)


class KeepSecretsMixin:
    """For ModelForms with SecretFields: an empty secret on an existing object keeps the old one,
    and a secret typed into a form that has errors is asked for again (it is not sent back)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, SecretField):
                field.widget.is_set = bool(getattr(self.instance, name, ""))

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self._errors:
            for name, field in self.fields.items():
                if isinstance(field, SecretField) and self[name].data:
                    field.widget.ask_to_retype = True

    def _post_clean(self):
        for name, field in self.fields.items():
            if (
                isinstance(field, SecretField)
                and self.instance.pk
                and not self.cleaned_data.get(name)
            ):
                self.cleaned_data[name] = getattr(self.instance, name)
        super()._post_clean()


class DateRangeForm(forms.Form):
    """A filter form's "From"/"To" dates: validated together, applied to one datetime field."""

    since = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From"
    )
    until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To"
    )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        for name, day in (("since", since), ("until", until)):
            # The range's end is the next day's midnight: the last dates a datetime holds overflow.
            if day and not datetime.date(1, 1, 2) <= day <= datetime.date(9999, 12, 30):
                self.add_error(name, "Choose a date between the years 1 and 9999.")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned

    def filter_dates(self, queryset, field: str = "created_at"):
        """Whole days in the current time zone, as a plain range so an index on `field` serves it."""
        data = self.cleaned_data
        if data.get("since"):
            queryset = queryset.filter(**{f"{field}__gte": day_start(data["since"])})
        if data.get("until"):
            next_day = data["until"] + datetime.timedelta(days=1)
            queryset = queryset.filter(**{f"{field}__lt": day_start(next_day)})
        return queryset


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
