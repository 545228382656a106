"""The scheduler enqueues alert evaluation every ALERTS_INTERVAL, beside reconcile."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.models import Alert, AlertRule
from recordings import scheduling
from recordings.models import RecordingTask

pytestmark = pytest.mark.django_db


def test_the_leader_enqueues_alert_evaluation_once_per_interval(
    app, room, settings, mailoutbox, monkeypatch
):
    settings.ALERTS_INTERVAL = 30
    # The presence refresh the same tick enqueues would wait on this app's unreachable ZEGO.
    monkeypatch.setattr("recordings.services.presence_refresh", lambda **kwargs: 0)
    AlertRule.objects.create(app=app, kind=AlertRule.Kind.RECORDING_FAILED, email_to="a@b.c")
    RecordingTask.objects.create(
        app=app,
        room=room,
        click_token=uuid.uuid4(),
        record_mode=2,
        stream_type=3,
        status=RecordingTask.Status.FAILED_TO_START,
        ended_at=timezone.now(),
    )
    now = timezone.now()

    assert "alerts" in scheduling.tick("leader", now)  # run inline by the tests' task backend
    assert Alert.objects.count() == 1 and len(mailoutbox) == 1
    assert "alerts" not in scheduling.tick("leader", now + timedelta(seconds=10))
    assert "alerts" in scheduling.tick("leader", now + timedelta(seconds=31))
    assert scheduling.tick("follower", now + timedelta(seconds=45)) == []  # not the leader
    assert Alert.objects.count() == 1 and len(mailoutbox) == 1


def test_the_leader_enqueues_reconcile_and_presence_each_on_its_own_interval(
    app, settings, monkeypatch
):
    from core.jobs import last_enqueued

    settings.RECONCILE_INTERVAL, settings.PRESENCE_INTERVAL = 5, 10
    reconciled, refreshed = [], []
    monkeypatch.setattr("recordings.services.reconcile_all", lambda: reconciled.append(1))
    monkeypatch.setattr(
        "recordings.services.presence_refresh", lambda app: refreshed.append(app.pk) or 0
    )
    now = timezone.now()

    first = scheduling.tick("leader", now)
    assert {"reconcile", f"presence:{app.pk}"} <= set(first)
    assert not {"reconcile", f"presence:{app.pk}"} & set(
        scheduling.tick("leader", now + timedelta(seconds=4))
    )
    later = scheduling.tick("leader", now + timedelta(seconds=6))
    assert "reconcile" in later and f"presence:{app.pk}" not in later
    assert last_enqueued("reconcile") == now + timedelta(seconds=6)  # /metrics reports it
    assert f"presence:{app.pk}" in scheduling.tick("leader", now + timedelta(seconds=11))
    assert (len(reconciled), refreshed) == (3, [app.pk, app.pk])  # at 0, 6 and 11 s


def test_a_failing_tick_is_logged_and_the_scheduler_carries_on(monkeypatch, caplog):
    from django.core.management import call_command

    calls = []

    def tick(holder, now=None):
        calls.append(holder)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        return []

    monkeypatch.setattr(scheduling, "tick", tick)
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    call_command("scheduler", iterations=3, stdout=io.StringIO())
    assert len(calls) == 3
    assert "this tick failed" in caplog.text
