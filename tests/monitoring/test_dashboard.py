"""The home page is support's dashboard: live tasks, problems, today's minutes, failures, alerts."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring.dashboard import recorded_since
from monitoring.models import Alert, AlertRule
from recordings.ledger import problem
from recordings.models import RecordingTask

pytestmark = pytest.mark.django_db
S = RecordingTask.Status


def add_tasks(app, room, count: int) -> None:
    now = timezone.now()
    rule = AlertRule.objects.create(app=app, kind=AlertRule.Kind.NO_CALLBACK, email_to="a@b.c")
    for n in range(count):
        RecordingTask.objects.create(
            app=app,
            room=room,
            click_token=uuid.uuid4(),
            record_mode=2,
            stream_type=3,
            status=[S.RECORDING, S.ENDED_ABNORMALLY, S.FAILED_TO_START, S.INITIALISING][n % 4],
            record_began_at=now - timedelta(minutes=10),
            problems=[problem("stuck_initialising", f"Stuck initialising {n}")]
            if n % 4 == 3
            else [],
            error_message="ZEGO refused it" if n % 4 == 2 else "",
        )
        Alert.objects.create(
            rule=rule,
            app=app,
            kind=rule.kind,
            subject=f"task:{n}",
            title=f"Quiet task {n}",
            message="No callback",
            opened_at=now,
        )


def dashboard_queries(client) -> int:
    client.get(reverse("core:home"))  # warm the session and permission caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("core:home"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    return len(queries)


def test_the_dashboard_costs_the_same_queries_for_4_or_80_tasks(
    client_for, app, room, django_assert_max_num_queries
):
    client = client_for("support")
    add_tasks(app, room, 4)
    few = dashboard_queries(client)
    add_tasks(app, room, 76)
    assert dashboard_queries(client) == few
    with django_assert_max_num_queries(12):
        client.get(reverse("core:home"))


def test_the_dashboard_shows_what_support_must_see(client_for, app, room):
    add_tasks(app, room, 4)
    body = client_for("support").get(reverse("core:home")).content.decode()
    assert "<h1>Dashboard</h1>" in body
    assert 'hx-trigger="every 10s"' in body
    assert "Stuck initialising 3" in body  # a stored problem
    assert "ZEGO refused it" in body  # a recent failure
    assert "Quiet task 0" in body  # an open alert
    assert "Recorded today" in body


def test_the_refresh_is_a_fragment_of_the_same_page(client_for, app, room):
    add_tasks(app, room, 4)
    fragment = client_for("support").get(reverse("core:home"), headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="dashboard"') and "<html" not in body


def test_reviewers_see_the_dashboard_without_alerts(client_for, app, room):
    add_tasks(app, room, 4)
    body = client_for("reviewer").get(reverse("core:home")).content.decode()
    assert "<h1>Dashboard</h1>" in body and "Open alerts" not in body


def test_todays_minutes_count_only_time_since_midnight(app, room):
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    RecordingTask.objects.create(
        app=app,
        room=room,
        click_token=uuid.uuid4(),
        record_mode=2,
        stream_type=3,
        status=S.ENDED,
        record_began_at=midnight - timedelta(hours=1),
        ended_at=midnight + timedelta(minutes=30),
    )
    RecordingTask.objects.create(
        app=app,
        room=room,
        click_token=uuid.uuid4(),
        record_mode=2,
        stream_type=3,
        status=S.RECORDING,
        record_began_at=now - timedelta(minutes=5),
    )
    total = recorded_since(midnight, now)
    expected = timedelta(minutes=30) + min(timedelta(minutes=5), now - midnight)
    assert abs(total - expected) < timedelta(seconds=2)
