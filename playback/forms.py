from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.forms import DateRangeForm
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


@dataclass(frozen=True)
class Cursor:
    value: object
    pk: int


class FileFilterForm(DateRangeForm):
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
    after = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)
    before = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def clean_sort(self) -> str:
        return self.cleaned_data["sort"] or "newest"

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_seconds"), cleaned.get("max_seconds")
        if low is not None and high is not None and low >= high:
            self.add_error("max_seconds", "Make this larger than “Longer than”.")
        for name in ("after", "before"):
            raw = cleaned.get(name)
            cleaned[name] = None
            if raw:
                # A stale or hand-edited page link shows the first page.
                with contextlib.suppress(ValueError):
                    cleaned[name] = parse_cursor(raw, self.sort_field(cleaned.get("sort")))
        return cleaned

    @staticmethod
    def sort_field(sort: str | None) -> str:
        return SORTS.get(sort or "newest", SORTS["newest"])[1]

    def filter(self, queryset: QuerySet[RecordingFile]) -> QuerySet[RecordingFile]:
        """The filtered files, in the chosen order (no paging)."""
        data = self.cleaned_data
        if data["app"]:
            queryset = queryset.filter(task__app=data["app"])
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
        field = self.sort_field(data["sort"])
        return queryset.order_by(field, f"{'-' if field.startswith('-') else ''}id")


def parse_cursor(raw: str, field: str) -> Cursor:
    value, _, pk = raw.rpartition("~")
    name = field.lstrip("-")
    if name == "created_at":
        parsed: object = dt.datetime.fromisoformat(value)
        if timezone.is_naive(parsed):
            raise ValueError("naive cursor")
    else:
        parsed = int(value)
    return Cursor(parsed, int(pk))


def cursor_for(file: RecordingFile, field: str) -> str:
    value = getattr(file, field.lstrip("-"))
    text = value.isoformat() if isinstance(value, dt.datetime) else str(value)
    return f"{text}~{file.pk}"


def _beyond(field: str, cursor: Cursor, forwards: bool) -> Q:
    """Rows after the cursor in the listing's order (`forwards`) or before it.

    Written as `field <= v AND (field < v OR id < pk)` (for a descending order) rather than the
    plain OR, so the database can start an index range scan at the cursor instead of filtering.
    """
    name = field.lstrip("-")
    descending = field.startswith("-") == forwards
    op = "lt" if descending else "gt"
    return Q(**{f"{name}__{op}e": cursor.value}) & (
        Q(**{f"{name}__{op}": cursor.value}) | Q(**{f"pk__{op}": cursor.pk})
    )


@dataclass
class KeysetPage:
    rows: list[RecordingFile]
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def keyset_page(
    form: FileFilterForm, queryset: QuerySet[RecordingFile], size: int = PAGE_SIZE
) -> KeysetPage:
    """One page without COUNT or OFFSET: the cost does not grow with the table or the page."""
    field = form.sort_field(form.cleaned_data["sort"])
    ordered = form.filter(queryset)
    after, before = form.cleaned_data["after"], form.cleaned_data["before"]
    if before is not None:
        rows = list(ordered.filter(_beyond(field, before, False)).reverse()[: size + 1])
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(
            rows,
            cursor_for(rows[-1], field) if rows else None,
            cursor_for(rows[0], field) if rows and more_before else None,
        )
    if after is not None:
        ordered = ordered.filter(_beyond(field, after, True))
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows,
        cursor_for(rows[-1], field) if more else None,
        cursor_for(rows[0], field) if rows and after is not None else None,
    )


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
