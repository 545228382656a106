"""Pages: full and HTMX fragment, errors in place, constant query counts."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from recordings.models import RecordingFile, RecordingPreset, RecordingTask, Room, ZegoApp

pytestmark = pytest.mark.django_db
S = RecordingTask.Status
HTMX = {"HX-Request": "true"}


@pytest.fixture
def app(db):
    return ZegoApp.objects.create(
        name="A",
        app_id=5,
        server_secret="s" * 32,
        api_url="http://127.0.0.1:9",
        rtc_api_url="http://127.0.0.1:9",
    )


def make_tasks(app, profile, count):
    room, _ = Room.objects.get_or_create(app=app, room_id="r1")
    tasks = [
        RecordingTask(
            app=app,
            room=room,
            task_id=f"T{uuid.uuid4().hex[:15]}",
            click_token=uuid.uuid4(),
            status=S.ENDED,
            record_mode=2,
            stream_type=3,
            storage_profile=profile,
            started_by_label="support",
            end_callback_received=True,
        )
        for index in range(count)
    ]
    RecordingTask.objects.bulk_create(tasks)
    return tasks


def test_the_recordings_list_query_count_does_not_grow(
    client_for, app, profile, django_assert_num_queries
):
    client = client_for("support")
    make_tasks(app, profile, 3)
    with django_assert_num_queries(NUM := _count(client)):
        client.get(reverse("recordings:task_list"))
    make_tasks(app, profile, 20)
    with django_assert_num_queries(NUM):
        client.get(reverse("recordings:task_list"))


def _count(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        client.get(reverse("recordings:task_list"))
    return len(context.captured_queries)


def test_the_recordings_list_filters_and_serves_a_fragment(client_for, app, profile):
    make_tasks(app, profile, 2)
    client = client_for("reviewer")
    response = client.get(
        reverse("recordings:task_list"), {"room": "r1", "status": "ended"}, headers=HTMX
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert response.content.count(b"<code>T") == 2
    response = client.get(reverse("recordings:task_list"), {"status": "recording"})
    assert b"No recordings match." in response.content


def test_bad_filters_get_a_message_not_an_error(client_for):
    response = client_for("reviewer").get(
        reverse("recordings:task_list"), {"since": "not-a-date", "status": "bogus"}
    )
    assert response.status_code == 200
    assert b"Enter a valid date." in response.content


def test_the_task_page_stops_polling_once_settled(client_for, app, profile):
    task = make_tasks(app, profile, 1)[0]
    client = client_for("support")
    full = client.get(reverse("recordings:task_detail", args=[task.pk]))
    assert b'hx-trigger="every 2s"' not in full.content
    fragment = client.get(reverse("recordings:task_detail", args=[task.pk]), headers=HTMX)
    assert fragment.status_code == 286


def test_the_task_page_polls_while_files_upload(client_for, app, profile):
    task = make_tasks(app, profile, 1)[0]
    RecordingFile.objects.create(task=task, file_id="x.mp4", upload_status=2)
    response = client_for("support").get(
        reverse("recordings:task_detail", args=[task.pk]), headers=HTMX
    )
    assert response.status_code == 200
    assert b'hx-trigger="every 2s"' in response.content


def test_the_task_page_query_count_does_not_grow_with_files(
    client_for, app, profile, django_assert_max_num_queries
):
    task = make_tasks(app, profile, 1)[0]
    RecordingFile.objects.bulk_create(
        [RecordingFile(task=task, app=app, file_id=f"f{i}.mp4", upload_status=3) for i in range(30)]
    )
    client = client_for("support")
    with django_assert_max_num_queries(10):
        client.get(reverse("recordings:task_detail", args=[task.pk]))


def test_the_start_form_shows_errors_in_place(client_for, app, profile):
    room = Room.objects.create(
        app=app, room_id="r9", streams=[{"stream_id": "s1", "user_id": "u1"}]
    )
    response = client_for("support").post(
        reverse("recordings:room_start", args=[room.pk]),
        {
            "click_token": str(uuid.uuid4()),
            "record_mode": "2",
            "stream_type": "3",
            "output_format": "mp3",
            "resolution": "1280x720",
            "fps": "45",
            "bitrate_kbps": "1500",
            "mix_mode": "2",
            "fill_mode": "1",
            "background_color": "red",
            "max_idle_time": "2",
            "max_record_time": "86400",
            "storage_profile": profile.pk,
            "include_streams": ["s1"],
            "exclude_streams": ["s1"],
        },
        headers=HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Ensure this value is less than or equal to 30." in body
    assert "Pick a colour as #RRGGBB." in body
    assert "greater than or equal to 5" in body
    assert not RecordingTask.objects.exists()


def test_a_preset_is_saved_from_the_form_and_fills_it(client_for, app, profile):
    room = Room.objects.create(app=app, room_id="r9")
    client = client_for("support")
    data = {
        "click_token": str(uuid.uuid4()),
        "record_mode": "1",
        "stream_type": "1",
        "output_format": "mp3",
        "resolution": "640x360",
        "fps": "10",
        "bitrate_kbps": "500",
        "mix_mode": "2",
        "fill_mode": "2",
        "background_color": "#112233",
        "max_idle_time": "60",
        "max_record_time": "3600",
        "storage_profile": profile.pk,
        "preset_name": "Audio only",
        "save_preset": "1",
    }
    response = client.post(reverse("recordings:room_start", args=[room.pk]), data)
    preset = RecordingPreset.objects.get(name="Audio only")
    assert response.status_code == 302
    assert not RecordingTask.objects.exists()
    page = client.get(
        reverse("recordings:room_start", args=[room.pk]), {"preset": preset.pk}
    ).content.decode()
    assert 'value="mp3" selected' in page
    assert 'value="3600"' in page


def test_adding_a_room_rejects_a_bad_id(client_for, app):
    response = client_for("support").post(
        reverse("recordings:room_add", args=[app.pk]), {"room_id": "has space"}
    )
    assert response.status_code == 200
    assert b"no spaces" in response.content
    assert not Room.objects.exists()


def test_the_room_filter_finds_tasks_whether_few_or_many_rooms_match(client_for, app, profile):
    from recordings.forms import FEW_ROOMS

    rooms = Room.objects.bulk_create(
        Room(app=app, room_id=f"hall-{index:03d}") for index in range(FEW_ROOMS + 5)
    )
    RecordingTask.objects.bulk_create(
        RecordingTask(
            app=app,
            room=room,
            task_id=f"T{index:015d}",
            click_token=uuid.uuid4(),
            status=S.ENDED,
            record_mode=2,
            stream_type=3,
        )
        for index, room in enumerate(rooms)
    )
    client = client_for("support")
    one = client.get(reverse("recordings:task_list"), {"room": "hall-007"})
    assert [task.room.room_id for task in one.context["page"]] == ["hall-007"]
    many = client.get(reverse("recordings:task_list"), {"room": "HALL"})  # every room: a subquery
    assert len(many.context["page"].rows) == 25 and many.context["page"].next_cursor
    assert (
        client.get(reverse("recordings:task_list"), {"room": "nowhere"}).context["page"].rows == []
    )
