"""An alert's life: it clears only after its condition stayed away a while, comes back as the same
alert (not a new report) if the condition returns soon, and passes never overlap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import PeriodicJob
from monitoring import conditions
from monitoring.conditions import Finding
from monitoring.models import Alert, AlertRule
from monitoring.scheduling import ALERTS_JOB
from monitoring.services import CLEAR_AFTER, REOPEN_WITHIN, alerts_evaluate

pytestmark = pytest.mark.django_db
Kind = AlertRule.Kind


@pytest.fixture
def condition(monkeypatch, make_rule):
    """A rule whose condition the test switches on and off: the set of subjects present."""
    present: set[str] = set()

    def findings(rule, now):
        return [Finding(subject=s, title=f"trouble with {s}", message="m") for s in present]

    make_rule(Kind.RECORDING_FAILED)
    monkeypatch.setitem(conditions.CONDITIONS, Kind.RECORDING_FAILED, findings)
    return present


def test_a_condition_missing_for_one_pass_does_not_clear_its_alert(condition, mailoutbox):
    now = timezone.now()
    condition.add("task:1")
    assert alerts_evaluate(now).opened == 1

    condition.clear()
    assert alerts_evaluate(now + timedelta(seconds=30)).cleared == 0
    condition.add("task:1")
    later = now + timedelta(seconds=30) + CLEAR_AFTER
    report = alerts_evaluate(later)
    assert (report.opened, report.cleared) == (0, 0)

    condition.clear()
    alerts_evaluate(later + timedelta(seconds=30))  # the absence clock starts again from here
    assert alerts_evaluate(later + CLEAR_AFTER).cleared == 0
    assert alerts_evaluate(later + timedelta(seconds=30) + CLEAR_AFTER).cleared == 1
    assert Alert.objects.get().state == Alert.State.CLEARED and len(mailoutbox) == 1


def test_a_condition_back_soon_after_clearing_reopens_its_alert_without_a_new_message(
    condition, mailoutbox
):
    now = timezone.now()
    condition.add("task:1")
    alerts_evaluate(now)
    condition.clear()
    alerts_evaluate(now + timedelta(minutes=1))
    cleared_at = now + timedelta(minutes=1) + CLEAR_AFTER
    assert alerts_evaluate(cleared_at).cleared == 1

    condition.add("task:1")
    report = alerts_evaluate(cleared_at + REOPEN_WITHIN - timedelta(minutes=1))
    assert (report.opened, report.reopened, report.delivered) == (0, 1, 0)
    alert = Alert.objects.get()
    assert alert.is_open and alert.cleared_at is None and alert.opened_at == now
    assert len(mailoutbox) == 1


def test_a_condition_back_long_after_clearing_is_a_new_alert(condition, mailoutbox):
    now = timezone.now()
    condition.add("task:1")
    alerts_evaluate(now)
    condition.clear()
    alerts_evaluate(now + timedelta(minutes=1))
    cleared_at = now + timedelta(minutes=1) + CLEAR_AFTER
    alerts_evaluate(cleared_at)

    condition.add("task:1")
    report = alerts_evaluate(cleared_at + REOPEN_WITHIN + timedelta(minutes=1))
    assert (report.opened, report.reopened, report.delivered) == (1, 0, 1)
    assert Alert.objects.count() == 2 and len(mailoutbox) == 2


def test_a_pass_is_skipped_while_another_one_runs(condition, mailoutbox):
    condition.add("task:1")
    PeriodicJob.objects.create(name=ALERTS_JOB, running_until=timezone.now() + timedelta(minutes=5))
    report = alerts_evaluate()
    assert report.skipped and report.opened == 0 and not Alert.objects.exists()


def test_a_crashed_passs_lease_runs_out_and_a_finished_pass_releases_it(condition):
    condition.add("task:1")
    PeriodicJob.objects.create(name=ALERTS_JOB, running_until=timezone.now() - timedelta(seconds=1))
    assert alerts_evaluate().opened == 1
    assert PeriodicJob.objects.get(name=ALERTS_JOB).running_until is None
    assert not alerts_evaluate().skipped
