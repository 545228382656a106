"""Pages: full and HTMX fragment, errors in place, constant query counts."""

from __future__ import annotations

import types
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


def preset_data(profile, name: str) -> dict:
    return {
        "click_token": str(uuid.uuid4()),
        "record_mode": "2",
        "stream_type": "3",
        "output_format": "mp4",
        "resolution": "1280x720",
        "fps": "15",
        "bitrate_kbps": "1500",
        "mix_mode": "2",
        "fill_mode": "1",
        "background_color": "#000000",
        "max_idle_time": "30",
        "max_record_time": "3600",
        "storage_profile": profile.pk,
        "preset_name": name,
        "save_preset": "1",
    }


def test_a_preset_without_a_name_keeps_its_box_open_with_the_error(client_for, app, profile):
    room = Room.objects.create(app=app, room_id="r9")
    url = reverse("recordings:room_start", args=[room.pk])
    body = client_for("support").post(url, preset_data(profile, "  "), headers=HTMX)
    body = body.content.decode()
    assert "Give the preset a name to save it." in body
    assert '<details class="save-preset" open>' in body
    assert not RecordingPreset.objects.exists()


def test_a_preset_saved_from_htmx_is_confirmed_and_listed_in_the_picker(client_for, app, profile):
    room = Room.objects.create(app=app, room_id="r9")
    url = reverse("recordings:room_start", args=[room.pk])
    client = client_for("support")
    first = client.get(url).content.decode()
    assert '<div id="preset-picker">' in first and "Recording preset" not in first  # none yet
    response = client.post(url, preset_data(profile, "Lecture"), headers=HTMX)
    preset = RecordingPreset.objects.get(name="Lecture")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Saved preset “Lecture”" in body and '<details class="save-preset" open>' in body
    assert '<div id="preset-picker" hx-swap-oob="true">' in body
    assert f'<option value="{preset.pk}" selected>Lecture</option>' in body
    assert response["HX-Replace-Url"] == f"{url}?preset={preset.pk}"
    later = client.get(url).content.decode()  # the confirmation is not left for the next page
    assert "Saved preset" not in later


def test_the_start_form_asks_htmx_to_drop_a_second_submit_and_disable_its_buttons(
    client_for, app, profile
):
    room = Room.objects.create(app=app, room_id="r9")
    page = client_for("support").get(reverse("recordings:room_start", args=[room.pk]))
    body = page.content.decode()
    assert 'hx-sync="this:drop"' in body
    assert 'hx-disabled-elt="#start-form button[type=submit]"' in body


def test_adding_a_room_rejects_a_bad_id_on_a_page_a_reload_does_not_resubmit(client_for, app):
    client = client_for("support")
    response = client.post(
        reverse("recordings:room_add", args=[app.pk]),
        {"room_id": "has space", "label": "Hall"},
    )
    rooms_url = f"{reverse('recordings:room_list')}?app={app.pk}"
    assert response.status_code == 302 and response.url == rooms_url
    page = client.get(rooms_url).content.decode()
    assert "no spaces" in page and 'value="has space"' in page and "<details open>" in page
    reloaded = client.get(rooms_url).content.decode()
    assert "no spaces" not in reloaded and "has space" not in reloaded
    assert not Room.objects.exists()


@pytest.fixture
def no_zego_in_the_request(monkeypatch):
    """Fails the test if anything asks ZEGO (tests run background tasks inline)."""

    def refuse(app):
        raise AssertionError("ZEGO was asked during the request")

    monkeypatch.setattr("recordings.services.client_for", refuse)


def test_re_adding_a_room_says_it_exists_and_changes_nothing(
    client_for, app, no_zego_in_the_request
):
    from django.utils import timezone

    from accounts.models import AuditEntry

    Room.objects.create(app=app, room_id="demo-classroom", presence_refreshed_at=timezone.now())
    client = client_for("support")
    response = client.post(
        reverse("recordings:room_add", args=[app.pk]),
        {"room_id": "demo-classroom", "label": "Another name"},
        follow=True,
    )
    body = response.content.decode()
    assert "Room demo-classroom is already in the list; nothing changed." in body
    assert "Added room" not in body
    (room,) = Room.objects.all()
    assert room.label == ""
    assert not AuditEntry.objects.filter(action="room.add").exists()


def test_adding_a_room_leaves_asking_zego_to_the_worker(client_for, app, monkeypatch):
    enqueued = []
    monkeypatch.setattr(
        "recordings.tasks.refresh_presence", types.SimpleNamespace(enqueue=enqueued.append)
    )
    monkeypatch.setattr("recordings.services.client_for", lambda app: pytest.fail("ZEGO asked"))
    response = client_for("support").post(
        reverse("recordings:room_add", args=[app.pk]), {"room_id": "new-room"}
    )
    assert response.status_code == 302
    assert Room.objects.filter(room_id="new-room").exists()
    assert enqueued == [app.pk]


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
