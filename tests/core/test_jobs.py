"""core.jobs: a periodic job is enqueued once per period and runs one pass at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core import jobs
from core.models import PeriodicJob

pytestmark = pytest.mark.django_db


def test_a_job_is_due_once_per_period():
    now = timezone.now()
    assert jobs.due("reports", 60, now)
    assert not jobs.due("reports", 60, now)  # claimed: a second scheduler gets nothing
    assert not jobs.due("reports", 60, now + timedelta(seconds=59))
    assert jobs.due("reports", 60, now + timedelta(seconds=60))
    assert jobs.last_enqueued("reports") == now + timedelta(seconds=60)
    assert jobs.due("other", 60, now)  # each job has its own clock


def test_a_scheduler_that_read_the_clock_before_another_claimed_it_does_not_enqueue_again(
    monkeypatch,
):
    now = timezone.now()
    PeriodicJob.objects.create(name="reports", last_enqueued_at=now - timedelta(minutes=5))
    stale = PeriodicJob.objects.get(name="reports")
    PeriodicJob.objects.filter(name="reports").update(last_enqueued_at=now)  # the other one
    monkeypatch.setattr(jobs, "_job", lambda name: stale)  # read before the other's claim
    assert not jobs.due("reports", 60, now)
    assert jobs.last_enqueued("reports") == now


def test_never_enqueued_has_no_time():
    assert jobs.last_enqueued("never") is None


def test_one_pass_at_a_time_and_the_hold_is_released_after_it():
    with jobs.one_pass_at_a_time("sweep", timedelta(minutes=5)) as first:
        with jobs.one_pass_at_a_time("sweep", timedelta(minutes=5)) as second:
            assert first and not second
        assert PeriodicJob.objects.get(name="sweep").running_until is not None
    assert PeriodicJob.objects.get(name="sweep").running_until is None
    with jobs.one_pass_at_a_time("sweep", timedelta(minutes=5)) as again:
        assert again


def test_a_pass_that_raises_releases_its_hold():
    with pytest.raises(RuntimeError), jobs.one_pass_at_a_time("sweep", timedelta(minutes=5)):
        raise RuntimeError("crash")
    assert PeriodicJob.objects.get(name="sweep").running_until is None


def test_a_dead_passs_hold_runs_out_and_a_skipped_pass_leaves_the_hold_alone():
    held_until = timezone.now() + timedelta(minutes=1)
    PeriodicJob.objects.create(name="sweep", running_until=held_until)
    with jobs.one_pass_at_a_time("sweep", timedelta(minutes=5)) as held:
        assert not held
    assert PeriodicJob.objects.get(name="sweep").running_until == held_until
    PeriodicJob.objects.filter(name="sweep").update(running_until=timezone.now())
    with jobs.one_pass_at_a_time("sweep", timedelta(minutes=5)) as held:
        assert held
