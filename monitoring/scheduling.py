"""The monitoring jobs the scheduler enqueues (called from recordings.scheduling.tick)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from core.jobs import due

ALERTS_JOB = "alerts"


def enqueue_due(now: datetime) -> list[str]:
    """Enqueue alert evaluation every ALERTS_INTERVAL seconds; returns what was enqueued."""
    from monitoring import tasks

    if due(ALERTS_JOB, settings.ALERTS_INTERVAL, now):
        tasks.evaluate_alerts.enqueue()
        return [ALERTS_JOB]
    return []
