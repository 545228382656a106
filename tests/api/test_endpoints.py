"""The API's answers, offline: ZEGO is unreachable and no bucket is contacted."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEntry
from recordings.models import RecordingTask, TaskEvent
from tests.api.conftest import make_file, make_task

pytestmark = pytest.mark.django_db


def error_of(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return response.json()["error"]


# ------------------------------------------------------------------------------------ errors


def test_it_answers_unknown_paths_with_json_404(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_it_answers_a_trailing_slash_with_json_404(api):
    response = api.get("/api/v1/rooms/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_it_answers_a_wrong_method_with_json_405(api):
    response = api.post(reverse("api:task_list"))
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"


def test_the_description_is_read_only(client):
    response = client.post(reverse("api:openapi"))
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_it_refuses_a_missing_or_bad_token_with_json_401(client, personas):
    url = reverse("api:task_list")
    missing = client.get(url)
    assert missing.status_code == 401 and error_of(missing)["code"] == "unauthenticated"
    assert missing["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get(url, headers={"Authorization": "Bearer rdk_not-a-token"})
    assert wrong.status_code == 401 and error_of(wrong)["code"] == "invalid_token"
    basic = client.get(url, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


def test_a_logged_in_session_is_not_enough(client, personas):
    client.force_login(personas["admin"])
    response = client.get(reverse("api:task_list"))
    assert response.status_code == 401


def test_it_says_which_capability_is_missing(api):
    response = api.get(reverse("api:storage_profile_list"), as_="reviewer")
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert "storage" in error_of(response)["message"]


def test_it_refuses_bodies_that_are_not_json_objects(api, offline_room):
    url = reverse("api:room_start", args=[offline_room.pk])
    assert error_of(api.post(url, "{not json"))["code"] == "invalid_json"
    assert error_of(api.post(url, "[1, 2]"))["code"] == "invalid_json"
    assert not RecordingTask.objects.exists()


def test_json_nested_too_deeply_is_refused_not_a_crash(api, offline_room):
    url = reverse("api:room_start", args=[offline_room.pk])
    for nested in ("[" * 40_000 + "]" * 40_000, '{"a":' * 10_000 + "1" + "}" * 10_000):
        response = api.post(url, nested)
        assert response.status_code == 400
        assert error_of(response) == {
            "code": "invalid_json",
            "message": "The body's JSON is nested too deeply.",
        }
    assert not RecordingTask.objects.exists()


def test_too_many_query_parameters_are_refused_not_a_crash(api, settings):
    too_many = {f"p{index}": "1" for index in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = api.get(reverse("api:task_list"), **too_many)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["message"].startswith("The request could not be read")


def test_it_refuses_unknown_query_parameters(api):
    response = api.get(reverse("api:task_list"), stauts="recording")
    assert response.status_code == 400
    assert "stauts" in error_of(response)["fields"]


# ------------------------------------------------------------------------------------ rooms


def test_rooms_list_presence_and_whether_they_record(api, offline_room, local_profile):
    make_task(offline_room, local_profile, status=RecordingTask.Status.RECORDING)
    response = api.get(reverse("api:room_list"), app=offline_room.app.pk)
    assert response.status_code == 200
    (room,) = response.json()["results"]
    assert room["room_id"] == "offline-room"
    assert room["recording"] is True
    assert room["presence"]["streams"] == [
        {"stream_id": "cam-1", "user_id": "alice", "user_name": "Alice"}
    ]
    assert room["app"]["app_id"] == 777


# ------------------------------------------------------------------------------------ start


def test_an_invalid_start_says_which_fields_and_changes_nothing(api, offline_room, local_profile):
    response = api.post(
        reverse("api:room_start", args=[offline_room.pk]),
        {"output_format": "mp3", "stream_type": 3, "fps": 99, "width": 5},
    )
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert set(fields) == {"width"}  # unknown field, caught before any rule
    response = api.post(
        reverse("api:room_start", args=[offline_room.pk]),
        {"output_format": "mp3", "stream_type": 3, "fps": 99},
    )
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"fps"}
    response = api.post(
        reverse("api:room_start", args=[offline_room.pk]),
        {"output_format": "mp3", "stream_type": 3},
    )
    assert "MP3 holds audio only" in error_of(response)["fields"]["output_format"][0]
    assert not RecordingTask.objects.exists()
    assert not AuditEntry.objects.filter(action="recording.start").exists()


def test_wrong_json_types_are_refused_before_the_form(api, offline_room, local_profile):
    response = api.post(
        reverse("api:room_start", args=[offline_room.pk]),
        {"fps": "15", "watch_live": 1, "include_streams": "cam-1", "record_mode": True},
    )
    fields = error_of(response)["fields"]
    assert fields == {
        "fps": ["Must be a whole number."],
        "watch_live": ["Must be true or false."],
        "include_streams": ["Must be a list of strings."],
        "record_mode": ["Must be a whole number or a string."],
    }


@pytest.mark.parametrize(
    ("sent", "code", "name"),
    [(2, 2, "mixed"), ("mixed", 2, "mixed"), (1, 1, "single"), ("single", 1, "single")],
)
def test_a_start_takes_the_record_mode_as_code_or_as_the_name_tasks_show(
    api, offline_room, local_profile, sent, code, name
):
    response = api.post(reverse("api:room_start", args=[offline_room.pk]), {"record_mode": sent})

    assert response.status_code == 202, response.content
    assert RecordingTask.objects.get().record_mode == code
    assert response.json()["record_mode"] == name


def test_a_task_s_record_mode_can_be_sent_back_to_start_another(api, offline_room, local_profile):
    task = make_task(offline_room, local_profile, record_mode=1)
    received = api.get(reverse("api:task_detail", args=[task.pk])).json()["record_mode"]

    response = api.post(
        reverse("api:room_start", args=[offline_room.pk]), {"record_mode": received}
    )

    assert response.status_code == 202, response.content
    assert RecordingTask.objects.latest("pk").record_mode == 1


@pytest.mark.parametrize("sent", ["hybrid", "2", 3])
def test_an_unknown_record_mode_is_refused_with_the_allowed_values(
    api, offline_room, local_profile, sent
):
    response = api.post(reverse("api:room_start", args=[offline_room.pk]), {"record_mode": sent})

    assert response.status_code == 400
    (message,) = error_of(response)["fields"]["record_mode"]
    assert message.endswith('is not one of 1, 2, "single", "mixed".')
    assert not RecordingTask.objects.exists()


def test_a_start_zego_cannot_answer_is_a_json_answer_not_a_crash(api, offline_room, local_profile):
    response = api.post(reverse("api:room_start", args=[offline_room.pk]), {})
    task = RecordingTask.objects.get()
    # No answer from StartRecord: whether ZEGO started it is unknown, and it is being looked up.
    assert response.status_code == 202, response.content
    assert response.json()["id"] == task.pk
    assert response.json()["status"] == "unknown"
    assert response["Location"] == reverse("api:task_detail", args=[task.pk])
    assert task.started_by.username == "support"


def test_a_click_token_used_in_another_room_is_a_conflict(api, offline_room, local_profile):
    from recordings.models import Room

    task = make_task(offline_room, local_profile)
    other = Room.objects.create(app=offline_room.app, room_id="other-room")
    response = api.post(
        reverse("api:room_start", args=[other.pk]), {"click_token": str(task.click_token)}
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "click_token_reused"
    assert RecordingTask.objects.count() == 1


def test_the_same_click_token_again_returns_the_first_task(api, offline_room, local_profile):
    task = make_task(offline_room, local_profile, task_id="zego-1")
    response = api.post(
        reverse("api:room_start", args=[offline_room.pk]), {"click_token": str(task.click_token)}
    )
    assert response.status_code == 200
    assert response.json()["id"] == task.pk
    assert RecordingTask.objects.count() == 1


# ------------------------------------------------------------------------------------ control


def test_controlling_a_task_in_the_wrong_state_is_a_conflict(api, offline_room, local_profile):
    task = make_task(offline_room, local_profile, task_id="zego-1")
    for action in ("stop", "pause", "resume", "snapshot"):
        response = api.post(reverse(f"api:task_{action}", args=[task.pk]))
        assert response.status_code == 409, action
        assert error_of(response)["code"] == "task_state"
    assert not TaskEvent.objects.exists()


def test_a_stop_zego_cannot_answer_is_502_and_recorded(api, offline_room, local_profile):
    task = make_task(
        offline_room, local_profile, task_id="zego-1", status=RecordingTask.Status.RECORDING
    )
    response = api.post(reverse("api:task_stop", args=[task.pk]))
    assert response.status_code == 502
    assert error_of(response)["code"] == "zego_unavailable"
    entry = AuditEntry.objects.get(action="recording.stop")
    assert entry.outcome == AuditEntry.Outcome.FAILED
    assert entry.detail["via"] == "api"


def test_actions_take_no_stray_fields(api, offline_room, local_profile):
    task = make_task(offline_room, local_profile, task_id="zego-1")
    response = api.post(reverse("api:task_stop", args=[task.pk]), {"force": True})
    assert response.status_code == 400
    assert error_of(response)["fields"]["force"] == ["This action takes no fields."]


def test_whiteboard_needs_its_id(api, offline_room, local_profile):
    task = make_task(offline_room, local_profile, task_id="zego-1")
    response = api.post(reverse("api:task_whiteboard", args=[task.pk]), {})
    assert response.status_code == 400
    assert "whiteboard_id" in error_of(response)["fields"]


def test_an_invalid_layout_names_the_tile_and_sends_nothing(api, offline_room, local_profile):
    task = make_task(
        offline_room,
        local_profile,
        task_id="zego-1",
        status=RecordingTask.Status.RECORDING,
        layout={"width": 640, "height": 360, "mix_mode": 2, "tiles": []},
    )
    layout = {
        "mix_mode": 1,
        "tiles": [{"StreamId": "cam-1", "Left": 0, "Top": 0, "Right": 9000, "Bottom": 100}],
    }
    response = api.post(reverse("api:task_layout", args=[task.pk]), {"layout": layout})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_layout"
    assert any(name.startswith("layout.tiles[0]") for name in error["fields"])
    assert not TaskEvent.objects.exists()


def test_a_layout_for_a_single_stream_task_is_a_conflict(api, offline_room, local_profile):
    task = make_task(offline_room, local_profile, task_id="zego-1", record_mode=1)
    response = api.post(reverse("api:task_layout", args=[task.pk]), {"layout": {"mix_mode": 2}})
    assert response.status_code == 409


# ------------------------------------------------------------------------------------ tasks


def test_tasks_page_by_keyset_with_filters(api, offline_room, local_profile):
    tasks = [make_task(offline_room, local_profile, task_id=f"zego-{i}") for i in range(5)]
    make_task(offline_room, local_profile, status=RecordingTask.Status.RECORDING)
    seen, url, query = [], reverse("api:task_list"), {"status": "ended", "limit": 2}
    while url:
        body = api.get(url, **query).json()
        seen += [task["id"] for task in body["results"]]
        url, query = body["next"], {}
    assert seen == [task.pk for task in reversed(tasks)]


def test_tasks_refuse_a_cursor_that_is_not_theirs(api):
    response = api.get(reverse("api:task_list"), after="garbage")
    assert response.status_code == 400
    assert "after" in error_of(response)["fields"]


def test_tasks_limit_is_bounded(api):
    assert api.get(reverse("api:task_list"), limit=1000).status_code == 400


def test_task_detail_has_its_events_and_files(api, offline_room, local_profile):
    task = make_task(offline_room, local_profile, task_id="zego-1")
    TaskEvent.objects.create(task=task, kind="api_call", action="StartRecord", message="started")
    make_file(task, "a.mp4")
    body = api.get(reverse("api:task_detail", args=[task.pk]), as_="reviewer").json()
    assert body["task_id"] == "zego-1"
    assert [event["action"] for event in body["events"]] == ["StartRecord"]
    assert body["files"][0]["file_id"] == "a.mp4"
    assert body["files"][0]["url"] is None  # URLs only from /files (play_files)


def test_a_missing_task_is_json_404(api):
    response = api.get(reverse("api:task_detail", args=[987654]))
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


# ------------------------------------------------------------------------------------ files


def test_files_come_with_presigned_urls_without_per_row_queries(api, offline_room, local_profile):
    task = make_task(offline_room, local_profile, task_id="zego-1")
    for index in range(10):
        make_file(task, f"part-{index}.mp4")
    make_file(task, "late.mp4", upload_status=2)
    headers = api.headers("reviewer")
    api.client.get(reverse("api:file_list"), headers=headers)  # the token's first use is a write
    with CaptureQueriesContext(connection) as few:
        response = api.client.get(reverse("api:file_list"), {"task": task.pk}, headers=headers)
    assert response.status_code == 200
    files = response.json()["results"]
    assert len(files) == 11
    ready = next(f for f in files if f["file_id"] == "part-0.mp4")
    url = urlsplit(ready["url"])
    assert url.netloc == "127.0.0.1:8333" and url.path == "/recordings/recordings/part-0.mp4"
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    assert (
        "attachment"
        in parse_qs(urlsplit(ready["download_url"]).query)["response-content-disposition"][0]
    )
    assert next(f for f in files if f["file_id"] == "late.mp4")["url"] is None
    for index in range(30):
        make_file(task, f"more-{index}.mp4")
    with CaptureQueriesContext(connection) as many:
        api.client.get(reverse("api:file_list"), {"task": task.pk}, headers=headers)
    assert len(many) == len(few)


def test_files_filter_by_the_playback_form(api, offline_room, local_profile):
    task = make_task(offline_room, local_profile, task_id="zego-1")
    make_file(task, "a.mp4")
    make_file(task, "b.flv")
    body = api.get(reverse("api:file_list"), format="flv", as_="reviewer").json()
    assert [f["file_id"] for f in body["results"]] == ["b.flv"]
    response = api.get(reverse("api:file_list"), min_seconds=10, max_seconds=5, as_="reviewer")
    assert "max_seconds" in error_of(response)["fields"]


# ------------------------------------------------------------------------------------ storage


def test_storage_profiles_never_show_their_secret(api, local_profile):
    listing = api.get(reverse("api:storage_profile_list"), as_="storage")
    detail = api.get(reverse("api:storage_profile_detail", args=[local_profile.pk]), as_="storage")
    for response in (listing, detail):
        assert response.status_code == 200
        assert b"local-secret-key" not in response.content
    assert detail.json()["secret_set"] is True
    assert listing.json()["results"][0]["access_key_id"] == "AKIDLOCAL"


def test_a_body_too_large_is_413(api, offline_room, local_profile):
    task = make_task(offline_room, local_profile, task_id="zego-1")
    response = api.post(
        reverse("api:task_whiteboard", args=[task.pk]), {"whiteboard_id": "x" * 200_000}
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_dates_at_the_calendars_edge_are_refused_not_a_crash(api):
    response = api.get(reverse("api:task_list"), until="9999-12-31")
    assert response.status_code == 400
    assert "until" in error_of(response)["fields"]


def test_empty_query_parameters_are_refused(api):
    response = api.get(reverse("api:file_list"), until="", as_="reviewer")
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"until": ["Give a value, or leave the parameter out."]}
