"""Background work run by the worker (django.tasks + django-tasks-db)."""

from __future__ import annotations

from django.tasks import task

from policies import services


@task()
def evaluate_policies() -> dict:
    report = services.policies_evaluate()
    return {
        "rooms": report.rooms,
        "started": report.started,
        "stopped": report.stopped,
        "skipped": report.skipped,
    }
