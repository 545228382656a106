from __future__ import annotations

import re
from urllib.parse import urlsplit

from django import forms

from core.forms import KeepSecretsMixin, SecretField
from storage_profiles import vendors
from storage_profiles.models import StorageProfile, Vendor

DEFAULT_VENDOR = Vendor.S3_COMPATIBLE
VENDOR_SPECIFIC = (
    "endpoint",
    "region",
    "bucket",
    "access_key_id",
    "secret",
    "path_prefix",
    "vod_title",
    "vod_storage_location",
    "vod_sub_app_id",
)
# Form field -> key in StorageProfile.extras (ZEGO's own names).
EXTRAS = {
    "vod_title": "Title",
    "vod_storage_location": "StorageLocation",
    "vod_sub_app_id": "SubAppId",
}
PREFIX_CHARACTERS = re.compile(r"[A-Za-z0-9!_.*'()/=-]*")


class VendorChoiceForm(forms.Form):
    """Which vendor's fields to show (from ?vendor= or the posted form)."""

    vendor = forms.TypedChoiceField(choices=Vendor.choices, coerce=int)

    @classmethod
    def chosen(cls, data, fallback: int) -> int:
        form = cls(data)
        return form.cleaned_data["vendor"] if form.is_valid() else fallback


class StorageProfileForm(KeepSecretsMixin, forms.ModelForm):
    secret = SecretField(required=False, max_length=500)
    vod_title = forms.CharField(required=False, max_length=128)
    vod_storage_location = forms.CharField(required=False, max_length=200)
    vod_sub_app_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    class Meta:
        model = StorageProfile
        fields = [
            "name",
            "vendor",
            "endpoint",
            "region",
            "bucket",
            "access_key_id",
            "secret",
            "path_prefix",
            "is_default",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"name": "How people pick this profile, e.g. “Production S3 (eu)”."}

    def __init__(self, *args, vendor: int, switch_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = vendors.spec_for(vendor)
        self.fields["vendor"].initial = vendor
        self.initial["vendor"] = vendor
        if switch_url:
            self.fields["vendor"].widget.attrs.update(
                {
                    "hx-get": switch_url,
                    "hx-target": "#profile-form",
                    "hx-swap": "outerHTML",
                    "hx-trigger": "change",
                }
            )
        for name, key in EXTRAS.items():
            self.initial.setdefault(name, self.instance.extras.get(key, ""))
        self._show_only_vendor_fields()

    def _show_only_vendor_fields(self) -> None:
        shown = self.spec.fields
        for name in VENDOR_SPECIFIC:
            if name not in shown:
                del self.fields[name]
                continue
            field = self.fields[name]
            text = self.spec.text[name]
            field.label = text.label
            field.help_text = text.help.format(derived=self._derived_endpoint_pattern())
            field.required = name in self.spec.required
        # A stored secret may be kept by leaving the box blank, so only a new profile needs one.
        secret = self.fields["secret"]
        secret.required = not self.instance.secret
        secret.error_messages["required"] = (
            f"Enter the {secret.label.lower()}: it is stored encrypted and never shown again."
        )
        order = ["name", "vendor", *shown, "is_default", "notes"]
        self.order_fields(order)

    def _derived_endpoint_pattern(self) -> str:
        template = self.spec.endpoint_template
        return template.format(region="<region>", s3_region="<Kodo S3 region>") or "none"

    @property
    def vendor(self) -> int:
        return self.spec.vendor

    def clean_region(self) -> str:
        region = self.cleaned_data["region"].strip()
        if self.vendor != Vendor.S3_COMPATIBLE:
            region = region.lower()
        if region and (problem := vendors.region_problem(self.vendor, region)):
            raise forms.ValidationError(problem)
        return region

    def clean_bucket(self) -> str:
        bucket = self.cleaned_data["bucket"].strip()
        if bucket and (problem := vendors.bucket_problem(self.vendor, bucket)):
            raise forms.ValidationError(problem)
        return bucket

    def clean_endpoint(self) -> str:
        endpoint = self.cleaned_data["endpoint"].strip()
        if not endpoint:
            return ""
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https"):
            raise forms.ValidationError("Use an http:// or https:// URL.")
        if parts.username or parts.password:
            raise forms.ValidationError("Leave keys out of the URL; use the key fields below.")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise forms.ValidationError(
                "Give only the scheme and host (and port), e.g. https://lon1.digitaloceanspaces.com "
                "— the bucket goes in its own field."
            )
        return f"{parts.scheme}://{parts.netloc}"

    def clean_path_prefix(self) -> str:
        prefix = normalise_prefix(self.cleaned_data["path_prefix"])
        limit = StorageProfile._meta.get_field("path_prefix").max_length
        if len(prefix) > limit:
            raise forms.ValidationError(
                f"Use at most {limit - 1} characters: a / is added at the end, and the folder "
                f"may be {limit} characters long with it (this one would be {len(prefix)})."
            )
        return prefix

    def clean_secret(self) -> str:
        return self.cleaned_data["secret"] or self.instance.secret

    def clean_vod_storage_location(self) -> str:
        location = self.cleaned_data["vod_storage_location"].strip().lower()
        location = re.sub(r"^https?://", "", location).rstrip("/")
        if location and not re.fullmatch(r"[a-z0-9][a-z0-9.-]*\.aliyuncs\.com", location):
            raise forms.ValidationError(
                "The storage location is a host name ending in .aliyuncs.com, e.g. "
                "outin-xxxx.oss-cn-shanghai.aliyuncs.com."
            )
        return location

    def _get_validation_exclusions(self):
        # "At most one default" is kept by storage_profile_save, which moves the flag atomically.
        return super()._get_validation_exclusions() | {"is_default"}

    def _post_clean(self):
        # Fields the vendor does not use are cleared, so a vendor change leaves nothing stale.
        for name in VENDOR_SPECIFIC:
            if name not in self.fields and name not in EXTRAS:
                setattr(self.instance, name, "")
        self.instance.extras = {
            EXTRAS[name]: value
            for name, value in self.cleaned_data.items()
            if name in EXTRAS and value not in (None, "")
        }
        super()._post_clean()


def normalise_prefix(value: str) -> str:
    """`/a//b` -> `a/b/`: no leading slash, single slashes, a trailing slash unless empty."""
    value = value.strip()
    if not PREFIX_CHARACTERS.fullmatch(value):
        raise forms.ValidationError(
            "Use letters, digits, / and the characters ! _ . * ' ( ) = - only (no spaces)."
        )
    parts = [part for part in value.split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise forms.ValidationError("“.” and “..” are not allowed as folder names.")
    return "/".join(parts) + "/" if parts else ""
