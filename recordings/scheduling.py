"""Leader election and periodic enqueueing for the scheduler process."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.jobs import due
from monitoring import scheduling as monitoring_scheduling
from policies import scheduling as policies_scheduling
from recordings import retention
from recordings.models import SchedulerLease, ZegoApp

LEASE_NAME = "scheduler"
RECONCILE_JOB = "reconcile"
PRESENCE_JOB = "presence"
LEASE_SECONDS = 30


def hold_lease(holder: str, now=None) -> bool:
    """Take or renew the lease; True when `holder` leads."""
    now = now or timezone.now()
    expires = now + timedelta(seconds=LEASE_SECONDS)
    taken = SchedulerLease.objects.filter(
        Q(holder=holder) | Q(expires_at__lt=now), name=LEASE_NAME
    ).update(holder=holder, expires_at=expires)
    if taken:
        return True
    try:
        with transaction.atomic():
            SchedulerLease.objects.create(name=LEASE_NAME, holder=holder, expires_at=expires)
    except IntegrityError:
        return False
    return True


def tick(holder: str, now=None) -> list[str]:
    """Enqueue what is due; returns what was enqueued."""
    from recordings import tasks

    now = now or timezone.now()
    if not hold_lease(holder, now):
        return []
    enqueued = []
    if due(RECONCILE_JOB, settings.RECONCILE_INTERVAL, now):
        tasks.reconcile.enqueue()
        enqueued.append(RECONCILE_JOB)
    if due(PRESENCE_JOB, settings.PRESENCE_INTERVAL, now):
        for app_pk in ZegoApp.objects.filter(is_active=True).values_list("pk", flat=True):
            tasks.refresh_presence.enqueue(app_pk)
            enqueued.append(f"presence:{app_pk}")
    enqueued += monitoring_scheduling.enqueue_due(now)
    enqueued += policies_scheduling.enqueue_due(now)
    enqueued += retention.enqueue_due(now)
    return enqueued
