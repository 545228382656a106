"""The monitoring jobs the scheduler enqueues (called from recordings.scheduling.tick)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from monitoring.models import ScheduledJob

ALERTS_JOB = "alerts"


def enqueue_due(now: datetime) -> list[str]:
    """Enqueue alert evaluation every ALERTS_INTERVAL seconds; returns what was enqueued."""
    from monitoring import tasks

    job, _ = ScheduledJob.objects.get_or_create(name=ALERTS_JOB)
    last = job.last_enqueued_at
    if last is not None and (now - last).total_seconds() < settings.ALERTS_INTERVAL:
        return []
    job.last_enqueued_at = now
    job.save(update_fields=["last_enqueued_at"])
    tasks.evaluate_alerts.enqueue()
    return [ALERTS_JOB]
