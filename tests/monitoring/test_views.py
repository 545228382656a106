"""Rule management (admins), the alerts history (support), every change audited."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from devtools.seaweed import free_port
from monitoring.models import Alert, AlertRule
from tests.monitoring.conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db
Kind = AlertRule.Kind


def rule_form(app, **overrides) -> dict:
    return {
        "app": app.pk,
        "kind": Kind.NO_CALLBACK,
        "enabled": "on",
        "minutes": 10,
        "threshold_percent": 20,
        "min_calls": 5,
        "storage_profile": "",
        "email_to": "oncall@example.com",
        "webhook_url": "",
        "webhook_secret": "",
        **overrides,
    }


def test_an_admin_adds_a_rule_and_the_change_is_audited(client_for, app):
    client = client_for("admin")
    response = client.post(
        reverse("monitoring:rule_create"),
        rule_form(app, webhook_url="https://hooks.example.com/x", webhook_secret=WEBHOOK_SECRET),
    )
    assert response.status_code == 302
    rule = AlertRule.objects.get()
    assert rule.webhook_secret == WEBHOOK_SECRET and rule.created_by.username == "admin"
    entry = AuditEntry.objects.get(action="alert_rule.create")
    assert entry.actor_label == "admin" and entry.object_id == str(rule.pk)
    assert WEBHOOK_SECRET not in str(entry.detail)

    page = client.get(reverse("monitoring:rule_edit", args=[rule.pk])).content.decode()
    assert WEBHOOK_SECRET not in page  # write-only


def test_editing_keeps_the_secret_when_left_blank_and_is_audited(client_for, app, make_rule):
    rule = make_rule(
        Kind.NO_CALLBACK, webhook_url="https://h.example/", webhook_secret=WEBHOOK_SECRET
    )
    response = client_for("admin").post(
        reverse("monitoring:rule_edit", args=[rule.pk]),
        rule_form(app, minutes=30, email_to=""),
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.minutes == 30 and rule.webhook_secret == WEBHOOK_SECRET
    assert rule.webhook_url == "https://h.example/"
    assert AuditEntry.objects.get(action="alert_rule.update").detail["changed"] == [
        "minutes",
        "email_to",
    ]


def test_the_webhook_url_is_write_only_and_the_list_shows_only_its_host(client_for, app, make_rule):
    rule = make_rule(
        Kind.NO_CALLBACK,
        webhook_url="https://hooks.example.com/services/T0/B0/token-in-the-path",
        webhook_secret=WEBHOOK_SECRET,
    )
    client = client_for("admin")
    edit = client.get(reverse("monitoring:rule_edit", args=[rule.pk])).content.decode()
    listing = client.get(reverse("monitoring:rule_list")).content.decode()
    assert "token-in-the-path" not in edit and "token-in-the-path" not in listing
    assert "webhook to hooks.example.com" in listing


def test_removing_the_webhook_forgets_its_url_and_secret(client_for, app, make_rule):
    rule = make_rule(
        Kind.NO_CALLBACK, webhook_url="https://h.example/hook", webhook_secret=WEBHOOK_SECRET
    )
    response = client_for("admin").post(
        reverse("monitoring:rule_edit", args=[rule.pk]), rule_form(app, remove_webhook="on")
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.webhook_url == "" and rule.webhook_secret == ""


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"email_to": "", "webhook_url": ""}, "Give at least one email address or a webhook URL."),
        ({"email_to": "not-an-address"}, "Not an email address: not-an-address."),
        ({"webhook_url": "https://h.example/"}, "A webhook needs a signing secret."),
        ({"webhook_url": "https://h.example/", "webhook_secret": "short"}, "at least 16"),
        ({"webhook_url": "ftp://h.example/", "webhook_secret": WEBHOOK_SECRET}, "http"),
        ({"minutes": 0}, "greater than or equal to 1"),
        (
            {"webhook_url": "http://169.254.169.254/latest/", "webhook_secret": WEBHOOK_SECRET},
            "host is not a public address",
        ),
        (
            {"webhook_url": "http://localhost:8000/admin/", "webhook_secret": WEBHOOK_SECRET},
            "host is not a public address",
        ),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(client_for, app, overrides, error):
    response = client_for("admin").post(
        reverse("monitoring:rule_create"), rule_form(app, **overrides)
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not AlertRule.objects.exists() and not AuditEntry.objects.exists()


RETYPE = "Type it again: what you typed here is not sent back to the browser."
HOOK_URL = "https://hooks.example.com/services/T0/B0/token-in-the-path"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"webhook_secret": "short-secret"}, "Use at least 16 characters."),
        ({"minutes": 0}, "greater than or equal to 1"),
    ],
)
def test_an_error_asks_to_type_the_webhook_url_and_secret_again_without_echoing_them(
    client_for, app, overrides, error
):
    typed = {"webhook_url": HOOK_URL, "webhook_secret": WEBHOOK_SECRET, **overrides}
    response = client_for("admin").post(reverse("monitoring:rule_create"), rule_form(app, **typed))

    body = response.content.decode()
    assert error in body
    assert body.count(RETYPE) == 2
    assert 'id="id_webhook_url_retype"' in body and 'id="id_webhook_secret_retype"' in body
    assert "token-in-the-path" not in body and typed["webhook_secret"] not in body
    assert not AlertRule.objects.exists()


def test_an_error_asks_again_only_for_what_was_typed(client_for, app):
    response = client_for("admin").post(
        reverse("monitoring:rule_create"), rule_form(app, minutes=0, webhook_secret=WEBHOOK_SECRET)
    )

    body = response.content.decode()
    assert 'id="id_webhook_secret_retype"' in body
    assert 'id="id_webhook_url_retype"' not in body


def test_disabling_a_rule_clears_its_open_alerts_at_the_next_pass(client_for, app, make_rule):
    from monitoring.services import alerts_evaluate

    rule = make_rule(Kind.NO_CALLBACK)
    Alert.objects.create(
        rule=rule,
        app=app,
        kind=rule.kind,
        subject="task:1",
        title="t",
        message="m",
        opened_at=timezone.now(),
        delivered_at=timezone.now(),
    )
    form = rule_form(app)
    form.pop("enabled")
    client_for("admin").post(reverse("monitoring:rule_edit", args=[rule.pk]), form)
    assert alerts_evaluate().cleared == 1


def test_deleting_a_rule_keeps_its_alerts_in_the_history(client_for, app, make_rule):
    rule = make_rule(Kind.NO_CALLBACK)
    Alert.objects.create(
        rule=rule,
        app=app,
        kind=rule.kind,
        subject="task:1",
        title="Quiet task",
        message="m",
        opened_at=timezone.now(),
    )
    client_for("admin").post(reverse("monitoring:rule_delete", args=[rule.pk]))
    assert not AlertRule.objects.exists()
    alert = Alert.objects.get()
    assert alert.rule is None and alert.state == Alert.State.CLEARED
    assert AuditEntry.objects.filter(action="alert_rule.delete").exists()


def test_send_test_delivers_to_the_webhook_and_by_email(
    client_for, app, make_rule, webhook_receiver, mailoutbox
):
    rule = make_rule(
        Kind.STUCK_INITIALISING, webhook_url=webhook_receiver.url, webhook_secret=WEBHOOK_SECRET
    )
    response = client_for("admin").post(
        reverse("monitoring:rule_test", args=[rule.pk]), follow=True
    )
    body = response.content.decode()
    assert f"Test email for “{rule}” sent." in body and f"Test webhook for “{rule}” sent." in body
    assert "Test alert from Recdesk" in webhook_receiver.all[0]["json"]["text"]
    assert len(mailoutbox) == 1
    assert not Alert.objects.exists()
    assert AuditEntry.objects.get(action="alert_rule.test").outcome == AuditEntry.Outcome.OK


def test_send_test_to_a_dead_webhook_says_why_and_changes_nothing(
    client_for, app, make_rule, settings
):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the dead port is on loopback
    rule = make_rule(
        Kind.STUCK_INITIALISING,
        email_to="",
        webhook_url=f"http://127.0.0.1:{free_port()}/hook",
        webhook_secret=WEBHOOK_SECRET,
    )
    response = client_for("admin").post(
        reverse("monitoring:rule_test", args=[rule.pk]), follow=True
    )
    assert "” failed: The webhook could not be reached" in response.content.decode()
    assert not Alert.objects.exists()
    rule.refresh_from_db()
    assert rule.webhook_url.endswith("/hook")
    assert AuditEntry.objects.get(action="alert_rule.test").outcome == AuditEntry.Outcome.FAILED


def make_alerts(app, rule, count: int, state=Alert.State.CLEARED):
    Alert.objects.bulk_create(
        Alert(
            rule=rule,
            app=app,
            kind=rule.kind,
            subject=f"task:{uuid.uuid4()}",
            title=f"Alert {n}",
            message="m",
            opened_at=timezone.now(),
            state=state,
        )
        for n in range(count)
    )


def test_support_filters_the_history_by_app_and_state(client_for, app, make_rule):
    from recordings.models import ZegoApp

    other = ZegoApp.objects.create(name="Other", app_id=778, server_secret="s" * 32)
    make_alerts(app, make_rule(Kind.NO_CALLBACK), 2, Alert.State.OPEN)
    make_alerts(other, make_rule(Kind.NO_CALLBACK, app=other), 3)
    client = client_for("support")
    page = client.get(reverse("monitoring:alert_list"), {"app": app.pk, "state": "open"})
    assert len(page.context["page"].rows) == 2
    assert b"<html" in page.content
    fragment = client.get(
        reverse("monitoring:alert_list"), {"state": "cleared"}, headers={"HX-Request": "true"}
    )
    assert len(fragment.context["page"].rows) == 3
    assert b"<html" not in fragment.content


def history_queries(client, params: dict) -> int:
    client.get(reverse("monitoring:alert_list"))  # warm the session and permission caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("monitoring:alert_list"), params)
    assert response.status_code == 200 and len(response.context["page"].rows) > 0
    return len(queries)


def test_the_history_costs_the_same_queries_for_any_number_of_alerts(
    client_for, app, make_rule, django_assert_max_num_queries
):
    rule = make_rule(Kind.NO_CALLBACK)
    client = client_for("support")
    make_alerts(app, rule, 3)
    few = history_queries(client, {})
    make_alerts(app, rule, 117)
    cursor = client.get(reverse("monitoring:alert_list")).context["page"].next_cursor
    assert history_queries(client, {"after": cursor}) == few
    with django_assert_max_num_queries(8):
        client.get(reverse("monitoring:alert_list"), {"after": cursor})


def test_the_history_pages_through_every_alert_once(client_for, app, make_rule):
    make_alerts(app, make_rule(Kind.NO_CALLBACK), 120)
    client = client_for("support")
    seen, response = [], client.get(reverse("monitoring:alert_list"))
    while True:
        seen += [alert.pk for alert in response.context["page"]]
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
        response = client.get(reverse("monitoring:alert_list"), {"after": cursor})
    assert len(seen) == len(set(seen)) == 120
    assert b"Previous" in response.content


def test_support_sees_alerts_but_may_not_manage_rules(client_for):
    client = client_for("support")
    assert client.get(reverse("monitoring:alert_list")).status_code == 200
    assert client.get(reverse("monitoring:rule_list")).status_code == 403
