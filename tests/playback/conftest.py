"""Files and playback fixtures: bulk-built files for list tests, real recordings for playback."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from recordings import services as recording_services
from recordings.models import RecordingFile, RecordingTask, Room, ZegoApp
from storage_profiles.models import StorageProfile
from tests.recordings import conftest as recordings_conftest
from tests.recordings.conftest import mixed_options, new_click, wait_for

# The recordings fixtures (real emulator app, SeaweedFS profile, a room with two publishers).
zego_app = recordings_conftest.zego_app
profile = recordings_conftest.profile
room = recordings_conftest.room

S = RecordingTask.Status
HTMX = {"HX-Request": "true"}


@pytest.fixture
def offline_app(db) -> ZegoApp:
    return ZegoApp.objects.create(
        name="Offline",
        app_id=77,
        server_secret="s" * 32,
        api_url="http://127.0.0.1:9",
        rtc_api_url="http://127.0.0.1:9",
    )


@pytest.fixture
def offline_profile(db) -> StorageProfile:
    """A profile whose links can be signed (locally) but whose bucket is never reached."""
    return StorageProfile.objects.create(
        name="Offline bucket",
        vendor=10,
        region="us-east-1",
        bucket="offline",
        endpoint="http://127.0.0.1:9",
        access_key_id="AK",
        secret="offline-secret",
        path_prefix="recordings/",
    )


def make_task(app, room_id="room-a", profile=None, **fields) -> RecordingTask:
    room, _ = Room.objects.get_or_create(app=app, room_id=room_id)
    return RecordingTask.objects.create(
        app=app,
        room=room,
        task_id=f"T{uuid.uuid4().hex[:15]}",
        click_token=uuid.uuid4(),
        status=S.ENDED,
        record_mode=fields.pop("record_mode", 2),
        stream_type=3,
        storage_profile=profile,
        **fields,
    )


def make_files(task, count, *, start=None, step=timedelta(minutes=1), **fields) -> list:
    """`count` files in one bulk insert, created_at spaced `step` apart going back from `start`."""
    start = start or timezone.now()
    rows = [
        RecordingFile(
            task=task,
            app_id=task.app_id,
            file_id=f"{task.task_id}_{fields.get('stream_id', 'mix')}_{index}.mp4",
            user_id=fields.get("user_id", "teacher"),
            stream_id=fields.get("stream_id", "mix"),
            output_format=fields.get("output_format", "mp4"),
            object_key=f"recordings/{task.task_id}_{index}.mp4",
            size=fields.get("size", 1000 + index),
            duration_ms=fields.get("duration_ms", 60_000 + index),
            width=320,
            height=180,
            upload_status=fields.get("upload_status", 3),
            began_at=start - step * index,
        )
        for index in range(count)
    ]
    created = RecordingFile.objects.bulk_create(rows, batch_size=1000)
    # created_at is auto_now_add: spread it as if the files had come in over time.
    for index, file in enumerate(created):
        file.created_at = start - step * index
    RecordingFile.objects.bulk_update(created, ["created_at"], batch_size=1000)
    return created


def record(room, profile, user, *, seconds=1.5, **overrides) -> RecordingTask:
    """A real recording through the emulator: start, record `seconds`, stop, wait for the files."""
    task = recording_services.recording_start(
        app=room.app,
        room=room,
        options=mixed_options(profile, **overrides),
        user=user,
        click_token=new_click(),
    )

    def reached_recording():
        recording_services.reconcile_all()
        task.refresh_from_db()
        return task.status == S.RECORDING

    wait_for(reached_recording, timeout=30, interval=0.2)
    time.sleep(seconds)
    recording_services.recording_stop(task=task, user=user)

    def settled():
        recording_services.reconcile_all()
        return task.files.exists() and not task.files.filter(upload_status__in=[1, 2]).exists()

    wait_for(settled, timeout=60, interval=0.3)
    task.refresh_from_db()
    return task
