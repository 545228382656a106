from __future__ import annotations

from django import template
from django.utils import timezone

register = template.Library()

STATUS_BADGES = {
    "starting": "badge-warn",
    "unknown": "badge-warn",
    "initialising": "badge-warn",
    "recording": "badge-rec",
    "paused": "badge-paused",
    "stopping": "badge-warn",
    "ended": "badge-ok",
    "ended_abnormally": "badge-failed",
    "failed_to_start": "badge-failed",
}
UPLOAD_BADGES = {
    1: "badge-rec",
    2: "badge-warn",
    3: "badge-ok",
    4: "badge-failed",
    5: "badge-failed",
}


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "")


@register.filter
def upload_badge(status: int) -> str:
    return UPLOAD_BADGES.get(status, "")


@register.filter
def duration(seconds) -> str:
    """Seconds as H:MM:SS (or M:SS)."""
    if seconds in (None, ""):
        return "–"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


@register.filter
def ms_duration(milliseconds) -> str:
    return duration((milliseconds or 0) // 1000)


@register.filter
def filesize(size) -> str:
    size = float(size or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


@register.simple_tag
def elapsed_seconds(task) -> int | None:
    start = task.record_began_at or task.created_at
    end = task.ended_at or timezone.now()
    return max(0, int((end - start).total_seconds())) if start else None
