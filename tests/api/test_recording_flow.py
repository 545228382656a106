"""A recording driven only through the API, against the ZEGO emulator and SeaweedFS."""

from __future__ import annotations

import time
import uuid
from unittest import mock

import pytest
import requests
from django.urls import reverse

import zego
from accounts.models import AuditEntry
from api import actions
from recordings import services
from recordings.models import RecordingTask, Room, ZegoApp
from tests.recordings.conftest import profile, room, wait_for, zego_app  # noqa: F401

pytestmark = pytest.mark.django_db
S = RecordingTask.Status

SMALL_MIXED = {
    "record_mode": 2,
    "resolution": "640x360",
    "fps": 10,
    "bitrate_kbps": 300,
    "max_idle_time": 30,
    "max_record_time": 3600,
}


def reconcile_until(task_pk: int, *statuses: str, timeout: float = 30) -> None:
    def reached():
        services.reconcile_all()
        return RecordingTask.objects.get(pk=task_pk).status in statuses

    wait_for(reached, timeout=timeout, interval=0.3)


def test_start_pause_resume_stop_and_fetch_the_file(api, room, profile, emulator):  # noqa: F811
    started = api.post(
        reverse("api:room_start", args=[room.pk]), {**SMALL_MIXED, "storage_profile": profile.pk}
    )
    assert started.status_code == 201, started.content
    task = started.json()
    assert task["task_id"] and task["status"] == "initialising"
    detail_url = reverse("api:task_detail", args=[task["id"]])

    reconcile_until(task["id"], S.RECORDING)
    assert api.get(detail_url).json()["can"]["pause"] is True
    paused = api.post(reverse("api:task_pause", args=[task["id"]]))
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    resumed = api.post(reverse("api:task_resume", args=[task["id"]]))
    assert resumed.status_code == 200 and resumed.json()["status"] == "recording"
    relaid = api.post(reverse("api:task_layout", args=[task["id"]]), {"layout": {"mix_mode": 3}})
    assert relaid.status_code == 200, relaid.content
    time.sleep(1.0)  # some media, or the stop makes no file

    stopped = api.post(reverse("api:task_stop", args=[task["id"]]))
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopping"
    again = api.post(reverse("api:task_stop", args=[task["id"]]))
    assert again.status_code == 409  # already stopping: nothing sent

    wait_for(
        lambda: (
            services.reconcile_all(),
            RecordingTask.objects.get(pk=task["id"]).files.filter(upload_status=3).exists(),
        )[1],
        timeout=40,
    )
    detail = api.get(detail_url).json()
    actions = [event["action"] for event in detail["events"]]
    assert {"StartRecord", "PauseRecord", "ResumeRecord", "UpdateLayout", "StopRecord"} <= set(
        actions
    )
    assert detail["layout"]["mix_mode"] == 3

    files = api.get(reverse("api:file_list"), task=task["id"], as_="reviewer").json()["results"]
    (video,) = [file for file in files if file["upload_status"] == 3]
    fetched = requests.get(video["url"], headers={"Range": "bytes=0-15"}, timeout=10)
    assert fetched.status_code == 206 and len(fetched.content) == 16


def test_api_actions_are_audited_as_the_user_via_the_token(api, room, profile, emulator):  # noqa: F811
    response = api.post(
        reverse("api:room_start", args=[room.pk]), {**SMALL_MIXED, "storage_profile": profile.pk}
    )
    task_pk = response.json()["id"]
    reconcile_until(task_pk, S.RECORDING)
    api.post(reverse("api:task_stop", args=[task_pk]))
    for action in ("recording.start", "recording.stop"):
        entry = AuditEntry.objects.get(action=action)
        assert entry.actor.username == "support"
        assert entry.outcome == AuditEntry.Outcome.OK
        assert entry.detail["via"] == "api"
        assert entry.detail["api_credential"].startswith("rdk_")
        assert "support tests" in entry.detail["api_credential"]
        assert entry.ip_address == "127.0.0.1"


def test_a_start_zego_refuses_is_502_with_the_failed_task(api, emulator, profile, db):  # noqa: F811
    app = ZegoApp.objects.create(
        name="Wrong secret",
        app_id=emulator.app_id,
        server_secret="0" * 32,
        api_url=emulator.url,
        rtc_api_url=emulator.url,
    )
    room = Room.objects.create(app=app, room_id="class-1")  # noqa: F811
    response = api.post(
        reverse("api:room_start", args=[room.pk]), {**SMALL_MIXED, "storage_profile": profile.pk}
    )
    assert response.status_code == 502, response.content
    body = response.json()
    assert body["error"]["code"] == "zego_auth_failed"
    assert body["task"]["status"] == "failed_to_start"
    assert AuditEntry.objects.get(action="recording.start").outcome == AuditEntry.Outcome.FAILED


def test_two_identical_starts_at_once_make_one_created_answer(api, room, profile, emulator):  # noqa: F811
    """The second looked for its click token just before the first claimed it, and claims it
    while the first one's StartRecord is in flight: it gets the same task, still starting, as a
    repeat (200), and only the first answers 201."""
    body = {**SMALL_MIXED, "storage_profile": profile.pk, "click_token": str(uuid.uuid4())}
    url = reverse("api:room_start", args=[room.pk])
    meanwhile = []
    real_start = zego.Client.start_record

    def start_while_the_same_click_arrives(client, *args, **kwargs):
        with mock.patch.object(actions, "_click_token_used", return_value=False):
            meanwhile.append(api.post(url, body))
        return real_start(client, *args, **kwargs)

    with mock.patch.object(zego.Client, "start_record", start_while_the_same_click_arrives):
        first = api.post(url, body)

    [second] = meanwhile
    assert first.status_code == 201 and first.json()["status"] == "initialising"
    assert second.status_code == 200 and second.json()["status"] == "starting"
    assert first.json()["id"] == second.json()["id"]
    assert RecordingTask.objects.count() == 1
