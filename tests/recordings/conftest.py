from __future__ import annotations

import json
import time
import uuid

import pytest

import zego
from recordings.models import Room, ZegoApp
from recordings.start import StartOptions


@pytest.fixture
def zego_app(db, emulator) -> ZegoApp:
    return ZegoApp.objects.create(
        name="Emulated",
        app_id=emulator.app_id,
        server_secret=emulator.server_secret,
        callback_secret=emulator.callback_secret,
        api_url=emulator.url,
        rtc_api_url=emulator.url,
    )


@pytest.fixture
def profile(db, seaweed_s3):
    from storage_profiles.models import StorageProfile

    return StorageProfile.objects.create(
        name="Test bucket",
        vendor=10,
        region="us-east-1",
        bucket=seaweed_s3.bucket,
        endpoint=seaweed_s3.endpoint,
        access_key_id=seaweed_s3.access_key,
        secret=seaweed_s3.secret_key,
        path_prefix="recordings/",
    )


@pytest.fixture
def room(zego_app, emulator) -> Room:
    emulator.publish("class-1", "teacher", "teacher-cam")
    emulator.publish("class-1", "student", "student-cam")
    return Room.objects.create(
        app=zego_app,
        room_id="class-1",
        streams=[
            {"stream_id": "teacher-cam", "user_id": "teacher"},
            {"stream_id": "student-cam", "user_id": "student"},
        ],
    )


def mixed_options(profile, **overrides) -> StartOptions:
    values = {
        "record_mode": 2,
        "width": 320,
        "height": 180,
        "fps": 10,
        "bitrate_kbps": 300,
        "max_idle_time": 30,
        "max_record_time": 3600,
        "storage_profile": profile,
        **overrides,
    }
    return StartOptions(**values)


def new_click() -> uuid.UUID:
    return uuid.uuid4()


def signed_callback(app: ZegoApp, task_id: str, event_type: int, sequence: int, **extra) -> bytes:
    timestamp = str(int(extra.pop("timestamp", time.time())))
    nonce = extra.pop("nonce", uuid.uuid4().hex[:8])
    secret = extra.pop("secret", app.callback_secret)
    body = {
        "app_id": app.app_id,
        "task_id": task_id,
        "room_id": "class-1",
        "event_type": event_type,
        "message": "",
        "nonce": nonce,
        "timestamp": timestamp,
        "signature": zego.signing.callback_signature(secret, timestamp, nonce),
        "sequence": sequence,
        "detail": extra.pop("detail", {}),
    }
    return json.dumps(body).encode()


def wait_for(predicate, timeout: float = 20, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")
