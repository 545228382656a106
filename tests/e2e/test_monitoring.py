"""Support watches the dashboard refresh itself; an admin adds an alert rule and sends a test."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.models import Alert, AlertRule
from recordings.ledger import problem
from recordings.models import RecordingTask, Room, ZegoApp
from tests.e2e.conftest import accessibility_violations, log_in, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
S = RecordingTask.Status


@pytest.fixture
def busy_day(personas):
    app = ZegoApp.objects.create(
        name="Classrooms", app_id=5150, server_secret="s" * 32, api_url="http://127.0.0.1:9"
    )
    now = timezone.now()
    rooms = {
        name: Room.objects.create(app=app, room_id=name)
        for name in ("math-101", "physics-lab", "standup", "history-12")
    }

    def task(room, status, minutes_ago, **fields):
        return RecordingTask.objects.create(
            app=app,
            room=rooms[room],
            task_id=f"T{uuid.uuid4().hex[:15].upper()}",
            click_token=uuid.uuid4(),
            record_mode=2,
            stream_type=3,
            status=status,
            record_began_at=now - timedelta(minutes=minutes_ago),
            started_by_label="support",
            **fields,
        )

    task("math-101", S.RECORDING, 42)
    task("physics-lab", S.PAUSED, 18)
    stuck = task(
        "standup",
        S.INITIALISING,
        0,
        problems=[
            problem(
                "stuck_initialising",
                "Stuck initialising for 4 min: nobody may be publishing in the room, or the "
                "recorder cannot join it.",
            )
        ],
    )
    task(
        "history-12",
        S.ENDED_ABNORMALLY,
        95,
        ended_at=now - timedelta(minutes=60),
        quit_reason=6,
        problems=[
            problem(
                "ended_abnormally", "Ended abnormally: the recorder lost its network connection."
            )
        ],
    )
    rule = AlertRule.objects.create(
        app=app, kind=AlertRule.Kind.STUCK_INITIALISING, email_to="oncall@example.com"
    )
    Alert.objects.create(
        rule=rule,
        app=app,
        kind=rule.kind,
        subject=f"task:{stuck.pk}",
        title="Classrooms: task in room standup stuck initialising",
        message=stuck.problems[0]["message"],
        link=f"/recordings/{stuck.pk}/",
        opened_at=now,
        delivered_at=now,
    )
    return {"app": app, "rooms": rooms}


def test_support_watches_the_dashboard_update_itself(page, live_server, busy_day):
    log_in(page, live_server.url, "support")
    page.get_by_role("heading", name="Dashboard").wait_for()
    assert page.get_by_role("link", name="math-101").first.is_visible()
    assert page.get_by_text("the recorder lost its network connection").first.is_visible()
    assert page.get_by_text("Classrooms: task in room standup stuck initialising").is_visible()
    shoot(page, "dashboard")

    RecordingTask.objects.create(
        app=busy_day["app"],
        room=busy_day["rooms"]["standup"],
        click_token=uuid.uuid4(),
        record_mode=2,
        stream_type=3,
        status=S.FAILED_TO_START,
        error_message="Invalid storage parameters (ZEGO code 300000010)",
    )
    # No reload: the 10-second poll brings the new failure in.
    page.get_by_text("Invalid storage parameters (ZEGO code 300000010)").wait_for(timeout=15_000)
    shoot(page, "dashboard-refreshed")


def test_an_admin_adds_a_rule_and_sends_a_test(page, live_server, busy_day, mailoutbox):
    log_in(page, live_server.url, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    page.get_by_role("heading", name="Alerts").wait_for()
    shoot(page, "alerts-history")
    page.get_by_role("button", name="Alert rules").click()
    page.get_by_role("button", name="Add rule").click()
    page.get_by_label("App").select_option(label="Classrooms (5150)")
    page.get_by_label("Kind").select_option(label="No end callback after a task ended")
    page.get_by_label("Minutes").fill("15")
    page.get_by_label("Email to").fill("not-an-address")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Not an email address: not-an-address.").wait_for()
    page.get_by_label("Email to").fill("oncall@example.com")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved the alert rule").wait_for()
    shoot(page, "alert-rules")
    page.get_by_role(
        "button", name="Send test of No end callback after a task ended for Classrooms"
    ).click()
    page.get_by_text(re.compile(r"Test email for “.+” sent\.")).wait_for()
    assert any("Test alert from Recdesk" in mail.body for mail in mailoutbox)


def test_the_monitoring_pages_have_no_serious_accessibility_violations(
    browser, live_server, busy_day
):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "admin")
    rule = AlertRule.objects.get()
    found = {}
    for path in (
        "/",
        "/alerts/",
        "/alerts/rules/",
        "/alerts/rules/new/",
        f"/alerts/rules/{rule.pk}/edit/",
    ):
        page.goto(live_server.url + path)
        if problems := accessibility_violations(page):
            found[path] = problems
    context.close()
    assert found == {}
