"""Background work run by the worker (django.tasks + django-tasks-db)."""

from __future__ import annotations

import logging

from django.tasks import task

from recordings import services
from recordings.models import RecordingTask, ZegoApp

logger = logging.getLogger(__name__)


@task()
def reconcile() -> dict:
    report = services.reconcile_all()
    return vars(report)


@task()
def refresh_presence(app_pk: int) -> int:
    app = ZegoApp.objects.filter(pk=app_pk, is_active=True).first()
    return services.presence_refresh(app=app) if app else 0


@task()
def reconcile_one(task_pk: int) -> str:
    task = RecordingTask.objects.select_related("app", "room").filter(pk=task_pk).first()
    return services.reconcile_one(task).status if task else ""
