from __future__ import annotations

from django import forms


class SecretInput(forms.PasswordInput):
    """A password box that never renders the stored value, only whether one is set."""

    template_name = "core/widgets/secret_input.html"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=False
        )

    is_set = False  # whether a value is stored; set by KeepSecretsMixin from the instance

    def get_context(self, name, value, attrs):
        context = super().get_context(name, None, attrs)
        context["widget"]["is_set"] = self.is_set
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
    """For ModelForms with SecretFields: an empty secret on an existing object keeps the old one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, SecretField):
                field.widget.is_set = bool(getattr(self.instance, name, ""))

    def _post_clean(self):
        for name, field in self.fields.items():
            if (
                isinstance(field, SecretField)
                and self.instance.pk
                and not self.cleaned_data.get(name)
            ):
                self.cleaned_data[name] = getattr(self.instance, name)
        super()._post_clean()
