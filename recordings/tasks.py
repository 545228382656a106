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


@task()
def apply_retention(app_pk: int, *, scheduled: bool, user_pk: int | None = None) -> dict:
    from django.contrib.auth import get_user_model

    from recordings import retention

    app = ZegoApp.objects.filter(pk=app_pk, retention_days__isnull=False).first()
    # A daily run queued before automatic deletion was turned off (or the app retired) does not run.
    if app is None or (scheduled and not (app.retention_enabled and app.is_active)):
        return {}
    user = get_user_model().objects.filter(pk=user_pk).first() if user_pk else None
    label = user.get_username() if user else "retention (scheduled)"
    outcome = retention.run(app, actor_label=label, actor=user)
    return {"deleted": outcome.deleted, "held": outcome.held, "failed": outcome.failed}
