"""Delivery: email and a signed webhook; failures are kept on the alert and retried, never lost."""

from __future__ import annotations

import hashlib
import hmac
import socket
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from urllib3.util import Timeout

from devtools.seaweed import free_port
from monitoring import conditions, delivery
from monitoring.delivery import signature
from monitoring.models import Alert, AlertRule
from monitoring.services import (
    CLEAR_AFTER,
    DELIVERY_CLAIM,
    GIVE_UP_AFTER,
    SINGLE_DELIVERIES_PER_RULE,
    alerts_evaluate,
    retry_delay,
)
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


def test_the_webhook_gets_slack_json_with_the_alert_signed_with_the_rules_secret(
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
    alert = Alert.objects.get()
    assert "failed to start: ZEGO refused the storage parameters" in post["json"]["text"]
    (sent,) = post["json"]["alerts"]
    assert sent["id"] == alert.pk and sent["state"] == "open" and sent["app_id"] == 777
    assert sent["opened_at"] == alert.opened_at.isoformat()
    headers = post["headers"]
    assert headers["Content-Type"] == "application/json"
    timestamp, delivery = headers["X-Recdesk-Timestamp"], headers["X-Recdesk-Delivery"]
    assert abs(int(timestamp) - time.time()) < 60 and uuid.UUID(delivery)
    signed = f"{timestamp}.{delivery}.".encode() + post["raw"]
    expected = hmac.new(WEBHOOK_SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Recdesk-Signature"] == f"sha256={expected}"
    assert (
        signature(WEBHOOK_SECRET, timestamp, str(uuid.uuid4()), post["raw"])
        != (headers["X-Recdesk-Signature"])
    )
    assert alert.delivered_at and alert.webhook_sent_at and alert.delivery_error == ""


def test_the_webhook_url_is_stored_encrypted(app, make_rule):
    from django.db import connection

    url = "https://hooks.slack.test/services/T000/B000/very-secret-token"
    rule = make_rule(Kind.NO_CALLBACK, webhook_url=url, webhook_secret=WEBHOOK_SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_url FROM monitoring_alertrule WHERE id = %s", [rule.pk])
        stored = cursor.fetchone()[0]
    assert "very-secret-token" not in stored
    assert AlertRule.objects.get().webhook_url == url


def test_a_refusing_webhook_leaves_only_its_status_in_the_error_support_sees(
    app, room, make_rule, webhook_receiver
):
    make_rule(
        Kind.RECORDING_FAILED,
        email_to="",
        webhook_url=webhook_receiver.url,
        webhook_secret=WEBHOOK_SECRET,
    )
    webhook_receiver.status = 403
    webhook_receiver.answer = "invalid_token: xoxb-internal-detail"
    failed_task(app, room)
    alerts_evaluate()
    alert = Alert.objects.get()
    assert alert.delivery_error == "The webhook answered HTTP 403 FORBIDDEN."


def test_a_webhook_that_never_answers_is_given_up_on_by_the_deadline(monkeypatch, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts the connection, never answers
    monkeypatch.setattr(delivery, "WEBHOOK_TIMEOUT", Timeout(connect=1, read=5, total=0.5))
    started = time.monotonic()
    try:
        with pytest.raises(delivery.DeliveryError, match="did not answer"):
            delivery.send_webhook(
                f"http://127.0.0.1:{listener.getsockname()[1]}/", WEBHOOK_SECRET, {"text": "t"}
            )
    finally:
        listener.close()
    assert time.monotonic() - started < 2


def test_email_is_sent_with_a_timeout_below_the_delivery_claim(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1"},
        }
    }
    assert delivery._mailer_with_timeout().timeout == delivery.EMAIL_TIMEOUT
    assert timedelta(seconds=delivery.EMAIL_TIMEOUT) < DELIVERY_CLAIM
    settings.MAILERS["default"]["OPTIONS"]["timeout"] = 5
    assert delivery._mailer_with_timeout().timeout == 5


def test_a_title_with_newlines_makes_a_one_line_subject(app, room, make_rule, mailoutbox):
    make_rule(Kind.RECORDING_FAILED)
    task = failed_task(app, room)
    room.room_id = "evil\r\nBcc: someone@example.com\x07"  # (PostgreSQL stores no NUL)
    room.save()
    task.refresh_from_db()
    report = alerts_evaluate()
    assert report.delivered == 1
    (mail,) = mailoutbox
    assert "\n" not in mail.subject and "\r" not in mail.subject and "\x07" not in mail.subject
    assert "evil Bcc: someone@example.com" in mail.subject
    assert mail.to == ["oncall@example.com"] and not mail.bcc


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


def test_an_alert_that_cleared_before_its_delivery_worked_is_not_sent_late(
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
    Alert.objects.update(next_delivery_at=later + timedelta(hours=1))  # backed off by then
    alerts_evaluate(later)
    alerts_evaluate(later + CLEAR_AFTER)
    alerts_evaluate(later + timedelta(hours=2))
    alert.refresh_from_db()
    assert alert.state == Alert.State.CLEARED and alert.delivered_at is None
    assert alert.next_delivery_at is None and webhook_receiver.all == []


def test_delivery_stops_after_a_day_and_the_alert_is_marked_undeliverable(
    app, room, make_rule, webhook_receiver
):
    make_rule(
        Kind.RECORDING_FAILED,
        minutes=3 * 24 * 60,
        email_to="",
        webhook_url=webhook_receiver.url,
        webhook_secret=WEBHOOK_SECRET,
    )
    webhook_receiver.status = 500
    failed_task(app, room)
    alerts_evaluate()
    alert = Alert.objects.get()

    report = alerts_evaluate(alert.opened_at + GIVE_UP_AFTER + timedelta(minutes=1))
    assert report.undeliverable == 1
    alert.refresh_from_db()
    assert alert.undeliverable_at and alert.next_delivery_at is None
    assert alert.delivered_at is None and alert.is_open
    alerts_evaluate(alert.opened_at + GIVE_UP_AFTER + timedelta(hours=3))
    assert len(webhook_receiver.all) == 2


def test_a_condition_on_many_subjects_sends_a_few_alerts_and_one_digest(
    app, room, make_rule, mailoutbox, webhook_receiver
):
    make_rule(
        Kind.RECORDING_FAILED, webhook_url=webhook_receiver.url, webhook_secret=WEBHOOK_SECRET
    )
    for _ in range(SINGLE_DELIVERIES_PER_RULE + 7):
        failed_task(app, room)

    report = alerts_evaluate()
    assert report.opened == report.delivered == SINGLE_DELIVERIES_PER_RULE + 7
    assert len(mailoutbox) == SINGLE_DELIVERIES_PER_RULE + 1
    digest = mailoutbox[-1]
    assert digest.subject.startswith("[Recdesk] 7 more alerts: Recording failed")
    assert digest.body.count("\n- Monitored: task #") == 7
    assert len(webhook_receiver.all) == SINGLE_DELIVERIES_PER_RULE + 1
    assert len(webhook_receiver.all[-1]["json"]["alerts"]) == 7
    assert not Alert.objects.filter(delivered_at__isnull=True).exists()


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


def hostile_listener():
    """A loopback port that notices whether anything so much as connected."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    return listener


def nobody_connected(listener) -> bool:
    try:
        conn, _ = listener.accept()
    except TimeoutError:
        return True
    conn.close()
    return False


def resolving(monkeypatch, names: dict[str, list[str]]) -> None:
    """Make DNS answer these names with these addresses (others as usual)."""
    real_getaddrinfo = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host not in names:
            return real_getaddrinfo(host, port, *args, **kwargs)
        return [
            answer
            for address in names[host]
            for answer in real_getaddrinfo(address, port, *args, **kwargs)
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


NOT_PUBLIC = "host is not a public address"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_webhook_never_even_connects_to_a_private_address(host, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    listener = hostile_listener()
    try:
        with pytest.raises(delivery.DeliveryError, match=NOT_PUBLIC):
            delivery.send_webhook(
                f"http://{host}:{listener.getsockname()[1]}/admin", WEBHOOK_SECRET, {"text": "t"}
            )
        assert nobody_connected(listener)  # so "Send test" cannot map internal ports either
    finally:
        listener.close()


def test_the_address_is_checked_after_dns_so_a_public_looking_name_cannot_reach_loopback(
    settings, monkeypatch
):
    """A name that resolves to loopback (DNS rebinding, a wildcard DNS service) is refused."""
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    listener = hostile_listener()
    resolving(monkeypatch, {"hooks.example.com": ["127.0.0.1"]})
    try:
        with pytest.raises(delivery.DeliveryError, match=NOT_PUBLIC):
            delivery.send_webhook(
                f"http://hooks.example.com:{listener.getsockname()[1]}/", WEBHOOK_SECRET, {}
            )
        assert nobody_connected(listener)
    finally:
        listener.close()


def test_of_a_names_addresses_only_the_allowed_ones_are_connected_to(
    settings, monkeypatch, webhook_receiver
):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    resolving(monkeypatch, {"hooks.example.com": ["169.254.169.254", "127.0.0.1"]})
    port = webhook_receiver.url.split(":")[2].split("/")[0]
    delivery.send_webhook(f"http://hooks.example.com:{port}/", WEBHOOK_SECRET, {"text": "t"})
    assert len(webhook_receiver.all) == 1


def test_no_proxy_from_the_environment_is_used(settings, monkeypatch, webhook_receiver):
    """Through a proxy, the address checked would be the proxy's, not the receiver's."""
    proxy = hostile_listener()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.getsockname()[1]}")
    monkeypatch.setenv("NO_PROXY", "")
    try:
        delivery.send_webhook(webhook_receiver.url, WEBHOOK_SECRET, {"text": "t"})
        assert len(webhook_receiver.all) == 1 and nobody_connected(proxy)
    finally:
        proxy.close()


@pytest.mark.parametrize(
    "address, allowed",
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("2002:a9fe:a9fe::1", False),  # 6to4 of 169.254.169.254
        ("::a9fe:a9fe", False),  # IPv4-compatible
        ("::ffff:0:7f00:1", False),
    ],
)
def test_only_public_unicast_addresses_are_allowed_by_default(address, allowed, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    assert delivery.address_allowed(address) is allowed


def test_networks_the_operator_lists_are_allowed(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16", " fd00::/8"]  # a space after a comma
    assert delivery.address_allowed("10.20.3.4")
    assert delivery.address_allowed("fd00::5")
    assert not delivery.address_allowed("10.21.0.1")


def test_a_malformed_allowed_network_fails_the_system_check(settings):
    from core.checks import webhook_networks

    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.0.0.0/8", "intranet"]
    (error,) = webhook_networks(None)
    assert error.id == "recdesk.E004" and "'intranet'" in error.msg
