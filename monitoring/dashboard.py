"""The support dashboard (home page): what is live, what needs attention, what went wrong.

A fixed number of queries whatever the number of tasks or alerts: each list is capped and
fetched with the relations its rows show.
"""

from __future__ import annotations

import datetime
from datetime import timedelta

from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.access import has_capability
from monitoring.models import Alert
from recordings.models import RecordingTask

Status = RecordingTask.Status
LIST_LENGTH = 8
# Problems of older tasks can no longer be acted on (ZEGO's backup keeps files 3 days).
ATTENTION_WINDOW = timedelta(days=3)
FAILURES_WINDOW = timedelta(days=1)
ROW_FIELDS = (
    "created_at",
    "task_id",
    "status",
    "record_mode",
    "output_format",
    "record_began_at",
    "ended_at",
    "quit_reason",
    "error_message",
    "started_by_label",
    "problems",
    "room__room_id",
    "app__name",
)


def dashboard(user, now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    tasks = RecordingTask.objects.select_related("app", "room").only(*ROW_FIELDS)
    live = tasks.filter(status__in=RecordingTask.RUNNING_STATUSES).order_by("-created_at", "-id")
    context = {
        "now": now,
        "live_tasks": list(live[:LIST_LENGTH]),
        "live_count": live.count(),
        "attention": list(_needing_attention(tasks, now)[:LIST_LENGTH]),
        "attention_count": _needing_attention(tasks, now).count(),
        "recorded_today_minutes": int(recorded_since(_today_start(now), now).total_seconds() // 60),
        "recent_failures": list(
            tasks.filter(
                status__in=[Status.FAILED_TO_START, Status.ENDED_ABNORMALLY],
                created_at__gte=now - FAILURES_WINDOW,
            ).order_by("-created_at", "-id")[:LIST_LENGTH]
        ),
        "show_alerts": has_capability(user, "view_alerts"),
    }
    if context["show_alerts"]:
        open_alerts = Alert.objects.filter(state=Alert.State.OPEN).select_related("app")
        context["open_alerts"] = list(open_alerts.order_by("-opened_at", "-id")[:LIST_LENGTH])
        context["open_alert_count"] = open_alerts.count()
    return context


def _needing_attention(tasks, now):
    """Recent tasks whose stored problems (recordings.ledger.compute_problems) are not empty."""
    return (
        tasks.filter(created_at__gte=now - ATTENTION_WINDOW)
        .exclude(problems=[])
        .order_by("-created_at", "-id")
    )


def _today_start(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def recorded_since(start: datetime.datetime, now: datetime.datetime) -> timedelta:
    """Recording time since `start`, summed over tasks (a task still running counts until now)."""
    moment = Value(now, output_field=DateTimeField())
    began = Greatest(F("record_began_at"), Value(start, output_field=DateTimeField()))
    span = ExpressionWrapper(Coalesce("ended_at", moment) - began, output_field=DurationField())
    total = (
        RecordingTask.objects.filter(record_began_at__isnull=False)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .exclude(status__in=[Status.STARTING, Status.UNKNOWN, Status.FAILED_TO_START])
        .aggregate(total=Sum(span))["total"]
    )
    return max(total or timedelta(0), timedelta(0))
