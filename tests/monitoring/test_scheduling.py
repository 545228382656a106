"""The scheduler enqueues alert evaluation every ALERTS_INTERVAL, beside reconcile."""

from __future__ import annotations

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
