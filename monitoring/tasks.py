"""Background work run by the worker (django.tasks), enqueued by the scheduler."""

from __future__ import annotations

from django.tasks import task

from monitoring import services


@task()
def evaluate_alerts() -> dict:
    return vars(services.alerts_evaluate())
