"""Delivery: email and a signed webhook; failures are kept on the alert and retried, never lost."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from devtools.seaweed import free_port
from monitoring import conditions
from monitoring.delivery import signature
from monitoring.models import Alert, AlertRule
from monitoring.services import alerts_evaluate, retry_delay
from recordings.models import RecordingTask
from tests.monitoring.conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db
Kind = AlertRule.Kind


def failed_task(app, room) -> RecordingTask:
    return RecordingTask.objects.create(
        app=app,
        room=room,
        click_token=uuid.uuid4(),
        record_mode=2,
        stream_type=3,
        status=RecordingTask.Status.FAILED_TO_START,
        error_message="ZEGO refused the storage parameters",
        ended_at=timezone.now(),
    )


def test_the_webhook_gets_slack_json_signed_with_the_rules_secret(
    app, room, make_rule, webhook_receiver
):
    make_rule(
        Kind.RECORDING_FAILED,
        email_to="",
        webhook_url=webhook_receiver.url,
        webhook_secret=WEBHOOK_SECRET,
    )
    failed_task(app, room)
    alerts_evaluate()

    (post,) = webhook_receiver.all
    assert set(post["json"]) == {"text"}
    assert "failed to start: ZEGO refused the storage parameters" in post["json"]["text"]
    headers = post["headers"]
    assert headers["Content-Type"] == "application/json"
    timestamp = headers["X-Recdesk-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    expected = hmac.new(
        WEBHOOK_SECRET.encode(), timestamp.encode() + b"." + post["raw"], hashlib.sha256
    ).hexdigest()
    assert headers["X-Recdesk-Signature"] == f"sha256={expected}"
    assert (
        signature("another-secret-entirely", timestamp, post["raw"])
        != (headers["X-Recdesk-Signature"])
    )
    alert = Alert.objects.get()
    assert alert.delivered_at and alert.webhook_sent_at and alert.delivery_error == ""


def test_the_webhook_secret_is_stored_encrypted(app, make_rule):
    from django.db import connection

    rule = make_rule(Kind.NO_CALLBACK, webhook_url="http://x.test/", webhook_secret=WEBHOOK_SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_secret FROM monitoring_alertrule WHERE id = %s", [rule.pk])
        stored = cursor.fetchone()[0]
    assert WEBHOOK_SECRET not in stored
    assert AlertRule.objects.get().webhook_secret == WEBHOOK_SECRET


def test_a_failed_webhook_is_recorded_and_retried_while_email_is_sent_once(
    app, room, make_rule, webhook_receiver, mailoutbox
):
    make_rule(
        Kind.RECORDING_FAILED, webhook_url=webhook_receiver.url, webhook_secret=WEBHOOK_SECRET
    )
    failed_task(app, room)
    webhook_receiver.status = 503

    report = alerts_evaluate()
    assert (report.opened, report.delivered, report.delivery_failures) == (1, 0, 1)
    alert = Alert.objects.get()
    assert "HTTP 503" in alert.delivery_error
    assert alert.email_sent_at and alert.delivered_at is None and alert.delivery_attempts == 1
    assert alert.next_delivery_at > timezone.now()
    assert len(mailoutbox) == 1

    alerts_evaluate()  # not due yet: nothing is sent
    assert len(webhook_receiver.all) == 1

    webhook_receiver.status = 200
    report = alerts_evaluate(alert.next_delivery_at + timedelta(seconds=1))
    assert report.delivered == 1
    alert.refresh_from_db()
    assert alert.delivered_at and alert.delivery_error == "" and alert.delivery_attempts == 2
    assert len(webhook_receiver.all) == 2 and len(mailoutbox) == 1  # email not repeated


def test_an_alert_that_cleared_before_its_delivery_worked_is_still_delivered(
    app, room, make_rule, webhook_receiver
):
    make_rule(
        Kind.RECORDING_FAILED,
        minutes=1,
        email_to="",
        webhook_url=f"http://127.0.0.1:{free_port()}/down",
        webhook_secret=WEBHOOK_SECRET,
    )
    failed_task(app, room)
    alerts_evaluate()
    alert = Alert.objects.get()
    assert "could not be reached" in alert.delivery_error

    AlertRule.objects.update(webhook_url=webhook_receiver.url)
    later = timezone.now() + timedelta(minutes=5)
    alerts_evaluate(later)
    alert.refresh_from_db()
    assert alert.state == Alert.State.CLEARED and alert.delivered_at
    assert len(webhook_receiver.all) == 1


def test_one_broken_rule_does_not_stop_the_others(app, room, make_rule, mailoutbox, monkeypatch):
    make_rule(Kind.NO_CALLBACK)
    make_rule(Kind.RECORDING_FAILED)
    failed_task(app, room)

    def broken(rule, now):
        raise RuntimeError("a bug in one condition")

    monkeypatch.setitem(conditions.CONDITIONS, Kind.NO_CALLBACK, broken)
    report = alerts_evaluate()
    assert (report.errors, report.opened, report.delivered) == (1, 1, 1)
    assert len(mailoutbox) == 1


def test_retries_back_off_to_at_most_an_hour():
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert retry_delay(30) == timedelta(hours=1)


def test_the_email_names_the_problem_and_links_to_the_task(app, room, make_rule, mailoutbox):
    make_rule(Kind.RECORDING_FAILED, email_to="a@example.com, b@example.com")
    task = failed_task(app, room)
    alerts_evaluate()
    (mail,) = mailoutbox
    assert mail.subject.startswith("[Recdesk] Monitored: task #")
    assert mail.to == ["a@example.com", "b@example.com"]
    assert f"/recordings/{task.pk}/" in mail.body
