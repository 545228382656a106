from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.forms import DateRangeForm
from core.keyset import KeysetFormMixin, ordered
from recordings.models import RecordingFile, ZegoApp

PAGE_SIZE = 50

FORMATS = [
    ("", "Any format"),
    ("mp4", "MP4"),
    ("hls", "HLS"),
    ("flv", "FLV"),
    ("mp3", "MP3"),
    ("aac", "AAC (separate audio)"),
    ("jpg", "JPG snapshot"),
]

# sort name -> (label, field). Each is a keyset over (field, id) in that direction; each field
# has an index with id (RecordingFile.Meta.indexes), so any page costs one index range scan.
SORTS = {
    "newest": ("Newest first", "-created_at"),
    "oldest": ("Oldest first", "created_at"),
    "largest": ("Largest first", "-size"),
    "longest": ("Longest first", "-duration_ms"),
}


class FileFilterForm(KeysetFormMixin, DateRangeForm):
    keyset_model = RecordingFile
    page_size = PAGE_SIZE

    app = forms.ModelChoiceField(
        queryset=ZegoApp.objects.order_by("name"), required=False, empty_label="Any app"
    )
    room = forms.CharField(required=False, max_length=128, label="Room ID")
    who = forms.CharField(required=False, max_length=256, label="User or stream ID")
    format = forms.ChoiceField(required=False, choices=FORMATS)
    upload_status = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any upload status"), *RecordingFile.UploadStatus.choices],
        label="Upload",
    )
    min_seconds = forms.IntegerField(
        required=False, min_value=0, label="Longer than (s)", widget=forms.NumberInput()
    )
    max_seconds = forms.IntegerField(
        required=False, min_value=0, label="Shorter than (s)", widget=forms.NumberInput()
    )
    sort = forms.ChoiceField(
        required=False, choices=[(key, label) for key, (label, _) in SORTS.items()]
    )

    def clean_sort(self) -> str:
        return self.cleaned_data["sort"] or "newest"

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_seconds"), cleaned.get("max_seconds")
        if low is not None and high is not None and low >= high:
            self.add_error("max_seconds", "Make this larger than “Longer than”.")
        return cleaned

    def sort_field(self, sort: str | None = None) -> str:
        return SORTS.get(sort or "newest", SORTS["newest"])[1]

    def filter(self, queryset: QuerySet[RecordingFile]) -> QuerySet[RecordingFile]:
        """The filtered files, in the chosen order (no paging)."""
        data = self.cleaned_data
        if data["app"]:
            queryset = queryset.filter(app=data["app"])
        if data["room"]:
            queryset = queryset.filter(task__room__room_id=data["room"].strip())
        if data["who"]:
            who = data["who"].strip()
            queryset = queryset.filter(Q(user_id=who) | Q(stream_id=who))
        queryset = self.filter_dates(queryset)
        if data["format"]:
            queryset = queryset.filter(output_format=data["format"])
        if data["upload_status"] is not None:
            queryset = queryset.filter(upload_status=data["upload_status"])
        if data["min_seconds"] is not None:
            queryset = queryset.filter(duration_ms__gt=data["min_seconds"] * 1000)
        if data["max_seconds"] is not None:
            queryset = queryset.filter(duration_ms__lt=data["max_seconds"] * 1000)
        return ordered(queryset, self.sort_field(data["sort"]))


class ShareLinkForm(forms.Form):
    EXPIRY_CHOICES = [
        ("1h", "in 1 hour"),
        ("1d", "in 1 day"),
        ("7d", "in 7 days"),
        ("at", "at a chosen time"),
    ]
    DELTAS = {"1h": dt.timedelta(hours=1), "1d": dt.timedelta(days=1), "7d": dt.timedelta(days=7)}
    MAX_LIFETIME = dt.timedelta(days=30)

    expires = forms.ChoiceField(choices=EXPIRY_CHOICES, initial="1d", label="Expires")
    expires_at = forms.DateTimeField(
        required=False,
        label="Expiry time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def clean(self):
        cleaned = super().clean()
        now = timezone.now()
        choice = cleaned.get("expires")
        if choice in self.DELTAS:
            cleaned["expires_at"] = now + self.DELTAS[choice]
        elif choice == "at":
            at = cleaned.get("expires_at")
            if at is None:
                self.add_error("expires_at", "Choose when the link stops working.")
            elif at <= now:
                self.add_error("expires_at", "Choose a time in the future.")
            elif at > now + self.MAX_LIFETIME:
                self.add_error("expires_at", "A link may live 30 days at most.")
        return cleaned
