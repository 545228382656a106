"""Periodic jobs: enqueued when due by the scheduler's leader, one pass at a time in the workers.

Each job has one PeriodicJob row. Both steps claim the row with a conditional UPDATE, so two
schedulers never enqueue the same period twice and two workers never run overlapping passes. A
pass's hold expires instead of trusting its holder to release it: a worker killed mid-pass must
not stop every later pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from core.models import PeriodicJob


def due(name: str, every_seconds: float, now: datetime) -> bool:
    """True (once) if `name` was last enqueued at least `every_seconds` before `now`: the caller
    enqueues it; the period is claimed for it."""
    last = _job(name).last_enqueued_at
    if last is not None and (now - last).total_seconds() < every_seconds:
        return False
    claimed = PeriodicJob.objects.filter(name=name, last_enqueued_at=last)  # None: IS NULL
    return bool(claimed.update(last_enqueued_at=now))  # 0: another scheduler was first


def last_enqueued(name: str) -> datetime | None:
    return PeriodicJob.objects.filter(name=name).values_list("last_enqueued_at", flat=True).first()


@contextmanager
def one_pass_at_a_time(name: str, hold: timedelta) -> Iterator[bool]:
    """Yield whether this pass may run: True unless another pass holds `name` now."""
    _job(name)
    started = timezone.now()
    until = started + hold
    free = Q(running_until__isnull=True) | Q(running_until__lt=started)
    held = bool(PeriodicJob.objects.filter(free, name=name).update(running_until=until))
    try:
        yield held
    finally:
        if held:
            PeriodicJob.objects.filter(name=name, running_until=until).update(running_until=None)


def _job(name: str) -> PeriodicJob:
    job, _ = PeriodicJob.objects.get_or_create(name=name)
    return job
