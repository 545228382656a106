from __future__ import annotations

import json

import pytest

from api.tokens import token_create
from recordings.models import RecordingFile, RecordingTask, Room, ZegoApp
from storage_profiles.models import StorageProfile

UNREACHABLE_ZEGO = "http://127.0.0.1:9"


@pytest.fixture
def bearer(personas):
    """bearer("support") -> headers carrying a fresh API token of that persona."""

    def headers(persona: str = "support") -> dict[str, str]:
        raw = token_create(user=personas[persona], name=f"{persona} tests").raw
        return {"Authorization": f"Bearer {raw}"}

    return headers


@pytest.fixture
def api(client, bearer):
    """A client speaking JSON with a persona's token: api.get(url, as_="reviewer")."""
    return ApiClient(client, bearer)


class ApiClient:
    def __init__(self, client, bearer):
        self.client, self.bearer, self._headers = client, bearer, {}

    def headers(self, persona: str) -> dict[str, str]:
        if persona not in self._headers:
            self._headers[persona] = self.bearer(persona)
        return self._headers[persona]

    def get(self, url: str, *, as_: str = "support", **query):
        return self.client.get(url, query, headers=self.headers(as_))

    def post(self, url: str, body=None, *, as_: str = "support"):
        data = body if isinstance(body, str | bytes) else json.dumps(body or {})
        return self.client.post(
            url, data, content_type="application/json", headers=self.headers(as_)
        )


@pytest.fixture
def offline_app(db) -> ZegoApp:
    """A ZEGO app nobody answers for: any call fails fast as "unreachable"."""
    return ZegoApp.objects.create(
        name="Offline",
        app_id=777,
        server_secret="s" * 32,
        api_url=UNREACHABLE_ZEGO,
        rtc_api_url=UNREACHABLE_ZEGO,
    )


@pytest.fixture
def offline_room(offline_app) -> Room:
    return Room.objects.create(
        app=offline_app,
        room_id="offline-room",
        streams=[{"stream_id": "cam-1", "user_id": "alice", "user_name": "Alice"}],
        user_count=1,
    )


@pytest.fixture
def local_profile(db) -> StorageProfile:
    """A bucket profile that is never contacted: presigning is local arithmetic."""
    return StorageProfile.objects.create(
        name="Local bucket",
        vendor=10,
        region="us-east-1",
        bucket="recordings",
        endpoint="http://127.0.0.1:8333",
        access_key_id="AKIDLOCAL",
        secret="local-secret-key",
        path_prefix="recordings/",
        is_default=True,
    )


def make_task(room: Room, profile=None, **fields) -> RecordingTask:
    import uuid

    values = {
        "app": room.app,
        "room": room,
        "click_token": uuid.uuid4(),
        "record_mode": 2,
        "stream_type": 3,
        "storage_profile": profile,
        "status": RecordingTask.Status.ENDED,
        **fields,
    }
    return RecordingTask.objects.create(**values)


def make_file(task: RecordingTask, name: str, **fields) -> RecordingFile:
    values = {
        "task": task,
        "file_id": name,
        "object_key": f"recordings/{name}",
        "output_format": name.rsplit(".", 1)[-1],
        "upload_status": RecordingFile.UploadStatus.UPLOADED,
        "size": 1000,
        "duration_ms": 5000,
        **fields,
    }
    return RecordingFile.objects.create(**values)
