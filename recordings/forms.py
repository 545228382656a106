from __future__ import annotations

from django import forms

from core.forms import KeepSecretsMixin, SecretField
from recordings.models import ZegoApp


class ZegoAppForm(KeepSecretsMixin, forms.ModelForm):
    server_secret = SecretField(
        required=False,
        max_length=200,
        help_text=ZegoApp._meta.get_field("server_secret").help_text,
    )
    callback_secret = SecretField(
        required=False,
        max_length=200,
        help_text=ZegoApp._meta.get_field("callback_secret").help_text,
    )

    class Meta:
        model = ZegoApp
        fields = [
            "name",
            "app_id",
            "server_secret",
            "callback_secret",
            "api_url",
            "rtc_api_url",
            "default_max_idle_time",
            "default_max_record_time",
            "is_active",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def clean_server_secret(self):
        secret = self.cleaned_data["server_secret"]
        if not secret and not self.instance.server_secret:
            raise forms.ValidationError("The server secret is required to sign requests to ZEGO.")
        if secret and len(secret) < 16:
            raise forms.ValidationError("A ZEGO server secret is 32 characters long.")
        return secret
