from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from core.forms import KeepSecretsMixin, SecretField
from core.keyset import KeysetFormMixin
from monitoring.delivery import literal_host_problem
from monitoring.models import Alert, AlertRule, split_addresses
from recordings.models import ZegoApp
from storage_profiles.models import StorageProfile

MIN_SECRET_LENGTH = 16


class AlertRuleForm(KeepSecretsMixin, forms.ModelForm):
    # The URL of a Slack incoming webhook is its credential: write-only, like the secret.
    webhook_url = SecretField(
        required=False,
        max_length=500,
        label="Webhook URL",
        help_text='Receives a signed POST of {"text": …, "alerts": […]} (a Slack incoming '
        "webhook works). Blank keeps the stored one; it is never shown again.",
    )
    remove_webhook = forms.BooleanField(
        required=False,
        label="Remove the webhook",
        help_text="Stop posting to the stored webhook and forget its URL and secret.",
    )
    webhook_secret = SecretField(
        required=False,
        max_length=200,
        label="Webhook signing secret",
        help_text="At least 16 characters; the receiver checks X-Recdesk-Signature with it "
        "(HMAC-SHA256 of “<X-Recdesk-Timestamp>.<X-Recdesk-Delivery>.<body>”). Blank keeps the "
        "stored one.",
    )

    class Meta:
        model = AlertRule
        fields = [
            "app",
            "kind",
            "enabled",
            "minutes",
            "threshold_percent",
            "min_calls",
            "storage_profile",
            "email_to",
            "webhook_url",
            "webhook_secret",
        ]
        labels = {
            "minutes": "Minutes",
            "threshold_percent": "Error threshold (%)",
            "min_calls": "Minimum calls",
        }
        widgets = {"email_to": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["app"].queryset = ZegoApp.objects.order_by("name")
        self.fields["storage_profile"].queryset = StorageProfile.objects.order_by("name")
        self.fields["storage_profile"].empty_label = "Default and recently used profiles"
        if not self.instance.webhook_url:
            del self.fields["remove_webhook"]

    def clean_email_to(self):
        addresses = split_addresses(self.cleaned_data["email_to"])
        bad = [address for address in addresses if not _is_email(address)]
        if bad:
            raise ValidationError(f"Not an email address: {', '.join(bad)}.")
        return ", ".join(addresses)

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"].strip()
        if url and not url.lower().startswith(("http://", "https://")):
            raise ValidationError("Use an http:// or https:// URL.")
        if url:
            URLValidator(schemes=["http", "https"])(url)
        if problem := literal_host_problem(url):
            raise ValidationError(problem)
        return url

    def clean_webhook_secret(self):
        secret = self.cleaned_data["webhook_secret"]
        if secret and len(secret) < MIN_SECRET_LENGTH:
            raise ValidationError(f"Use at least {MIN_SECRET_LENGTH} characters.")
        return secret

    def clean(self):
        cleaned = super().clean()
        removing = cleaned.get("remove_webhook")
        webhook_url = "" if removing else cleaned.get("webhook_url") or self.instance.webhook_url
        no_channel = not cleaned.get("email_to") and not webhook_url
        if no_channel and not self.has_error("email_to") and not self.has_error("webhook_url"):
            raise ValidationError("Give at least one email address or a webhook URL.")
        has_secret = cleaned.get("webhook_secret") or self.instance.webhook_secret
        if webhook_url and not has_secret and not self.has_error("webhook_secret"):
            self.add_error("webhook_secret", "A webhook needs a signing secret.")
        if cleaned.get("storage_profile") and cleaned.get("kind") != AlertRule.Kind.PROBE_FAILING:
            self.add_error("storage_profile", "Only a storage probe rule watches one profile.")
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if self.cleaned_data.get("remove_webhook"):
            self.instance.webhook_url = ""
            self.instance.webhook_secret = ""


def _is_email(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


class AlertFilterForm(KeysetFormMixin, forms.Form):
    keyset_model = Alert
    page_size = 50

    app = forms.ModelChoiceField(
        queryset=ZegoApp.objects.order_by("name"), required=False, empty_label="Any app"
    )
    state = forms.ChoiceField(
        required=False, choices=[("", "Open and cleared"), *Alert.State.choices]
    )

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        if self.cleaned_data["app"]:
            queryset = queryset.filter(app=self.cleaned_data["app"])
        if self.cleaned_data["state"]:
            queryset = queryset.filter(state=self.cleaned_data["state"])
        return queryset

    def sort_field(self, sort: str | None = None) -> str:
        return "-opened_at"
