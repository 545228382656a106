from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()

STEP_STATUS_LABELS = {
    "pending": "Waiting",
    "running": "Running…",
    "ok": "Passed",
    "failed": "Failed",
    "skipped": "Not checked",
}


@register.filter
def step_status_label(status: str) -> str:
    return STEP_STATUS_LABELS.get(status, status)


@register.filter
def milliseconds(value: int | None) -> str:
    if value is None:
        return ""
    return f"{value} ms" if value < 1000 else f"{value / 1000:.1f} s"


@register.filter
def ago(moment) -> str:
    """“just now” under a minute, else Django's “3 minutes ago”."""
    if moment is None:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment)} ago"
