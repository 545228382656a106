"""Keyset pages on the recordings list and the audit log: every row once, both ways, no COUNT."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEntry
from core.keyset import Cursor, cursor_for, parse_cursor
from recordings.models import RecordingTask, Room, ZegoApp

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
MOMENT = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def tasks(db):
    app = ZegoApp.objects.create(name="A", app_id=7, server_secret="s" * 32)
    other = ZegoApp.objects.create(name="B", app_id=8, server_secret="s" * 32)
    room = Room.objects.create(app=app, room_id="r1")
    other_room = Room.objects.create(app=other, room_id="r2")
    created = RecordingTask.objects.bulk_create(
        RecordingTask(
            app=app if index % 5 else other,
            room=room if index % 5 else other_room,
            task_id=f"T{index:015d}",
            click_token=uuid.uuid4(),
            status="ended" if index % 7 else "recording",
            record_mode=2,
            stream_type=3,
        )
        for index in range(60)
    )
    # Timestamps in pairs: the id breaks ties, so no row is skipped or repeated.
    for index, task in enumerate(created):
        task.created_at = MOMENT - timedelta(minutes=index // 2)
    RecordingTask.objects.bulk_update(created, ["created_at"])
    return created


def walk(client, url, params, row_marker):
    """Follow Next links to the end, then Previous links back; the rows of each page."""
    forwards, response = [], client.get(url, params)
    while True:
        forwards.append(row_marker(response))
        page = response.context["page"]
        if not page.next_cursor:
            break
        response = client.get(url, {**params, "after": page.next_cursor}, headers=HTMX)
    backwards = [forwards[-1]]
    while previous := response.context["page"].previous_cursor:
        response = client.get(url, {**params, "before": previous}, headers=HTMX)
        backwards.append(row_marker(response))
    return forwards, backwards[::-1]


def task_ids(response):
    return [task.task_id for task in response.context["page"]]


def test_the_recordings_list_walks_every_task_once_both_ways(client_for, tasks):
    forwards, backwards = walk(client_for("support"), reverse("recordings:task_list"), {}, task_ids)
    seen = [task_id for page in forwards for task_id in page]
    assert len(forwards) == 3 and len(seen) == len(set(seen)) == 60
    assert forwards == backwards
    expected = sorted(tasks, key=lambda t: (t.created_at, t.pk), reverse=True)
    assert seen == [task.task_id for task in expected]


def test_a_filtered_recordings_list_pages_within_the_filter(client_for, tasks):
    app = ZegoApp.objects.get(name="A")
    client = client_for("support")
    forwards, _ = walk(client, reverse("recordings:task_list"), {"app": app.pk}, task_ids)
    seen = [task_id for page in forwards for task_id in page]
    assert sorted(seen) == sorted(t.task_id for t in tasks if t.app_id == app.pk)
    active, _ = walk(client, reverse("recordings:task_list"), {"status": "active"}, task_ids)
    assert sorted(active[0]) == sorted(t.task_id for t in tasks if t.status == "recording")


def test_list_pages_neither_count_nor_offset(client_for, tasks):
    client = client_for("admin")
    first = client.get(reverse("recordings:task_list"))
    cursor = first.context["page"].next_cursor
    for url, params in [
        (reverse("recordings:task_list"), {"after": cursor}),
        (reverse("accounts:audit"), {}),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        sql = " ".join(query["sql"].upper() for query in queries.captured_queries)
        assert "COUNT(" not in sql and "OFFSET" not in sql


def test_the_audit_log_walks_every_entry_once_both_ways(client_for):
    AuditEntry.objects.bulk_create(
        AuditEntry(actor_label="bot", action="recording.stop", object_repr=f"entry-{index:03d}")
        for index in range(120)
    )
    entries = list(AuditEntry.objects.order_by("pk"))
    for index, entry in enumerate(entries):
        entry.created_at = MOMENT - timedelta(seconds=index // 3)
    AuditEntry.objects.bulk_update(entries, ["created_at"])

    def reprs(response):
        return [entry.object_repr for entry in response.context["page"]]

    url = reverse("accounts:audit")
    forwards, backwards = walk(client_for("admin"), url, {"action": "recording.stop"}, reprs)
    seen = [name for page in forwards for name in page]
    assert len(forwards) == 3 and sorted(seen) == sorted(e.object_repr for e in entries)
    assert forwards == backwards


def test_a_stale_or_forged_cursor_shows_the_first_page(client_for, tasks):
    client = client_for("support")
    first = task_ids(client.get(reverse("recordings:task_list")))
    for cursor in [
        "garbage",
        "2026-13-01T00:00:00~1",
        "2026-03-01T12:00:00~x",
        "~",
        "1~2",
        "9999-12-31T23:59:59-14:00~1",
        "0001-01-01T00:00:00+14:00~1",
        "2026-03-01T12:00:00+00:00~" + "9" * 200,  # longer than any cursor we make
    ]:
        response = client.get(reverse("recordings:task_list"), {"after": cursor})
        assert response.status_code == 200
        assert task_ids(response) == first


def test_cursors_round_trip_and_refuse_naive_times(tasks):
    task = tasks[0]
    cursor = cursor_for(task, "-created_at")
    assert parse_cursor(cursor, "-created_at", RecordingTask) == Cursor(task.created_at, task.pk)
    with pytest.raises(ValueError):
        parse_cursor(f"2026-03-01T12:00:00~{task.pk}", "-created_at", RecordingTask)
