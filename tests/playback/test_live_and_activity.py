"""Watching a recording live (RealtimeUploadFragment) and its speaker activity (RecordSoundWave),
against the emulator and SeaweedFS."""

from __future__ import annotations

import json
import re

import pytest
import requests
from django.urls import reverse

from recordings import services as recording_services
from recordings.models import RecordingTask
from tests.core.test_htmx_targets import is_polled, parse
from tests.playback.conftest import record
from tests.recordings.conftest import mixed_options, new_click, wait_for

pytestmark = pytest.mark.django_db
S = RecordingTask.Status


def emulator_callback(emulator, task_id: str, event_type: int) -> dict | None:
    for delivery in emulator.control("GET", "callbacks").json()["callbacks"]:
        body = delivery["body"]
        if body["task_id"] == task_id and body["event_type"] == event_type:
            return body
    return None


def deliver(client, app, body: dict):
    """The emulator's signed callback, handed to the console (no live server in these tests)."""
    return client.post(
        reverse("recordings:zego_callback", args=[app.app_id]),
        json.dumps(body),
        content_type="application/json",
    )


def test_a_live_recording_plays_on_the_task_page_while_it_records(
    room, profile, personas, client_for, seaweed_s3, emulator
):
    """After event 102 the task page's live view plays the growing playlist through the console:
    no ENDLIST yet, segments redirected to presigned URLs; once ended the live view is gone."""
    support = personas["support"]
    options = mixed_options(profile, output_format="hls", watch_live=True)
    task = recording_services.recording_start(
        app=room.app, room=room, options=options, user=support, click_token=new_click()
    )
    client = client_for("support")
    task_page = client.get(reverse("recordings:task_detail", args=[task.pk])).content.decode()
    live_url = reverse("playback:live_player", args=[task.pk])
    assert f'hx-get="{live_url}"' in task_page and "hls.min.js" in task_page
    assert "waiting for ZEGO" in client.get(live_url).content.decode()

    announced = wait_for(lambda: emulator_callback(emulator, task.task_id, 102), timeout=30)
    assert deliver(client, room.app, announced).status_code == 200
    file = task.files.get()
    assert file.live_since is not None and file.upload_status == 1

    live = client.get(live_url).content.decode()
    playlist_url = reverse("playback:hls_playlist", args=[file.pk])
    assert f'data-playlist="{playlist_url}"' in live and "data-live" in live
    assert "autoplay muted" in live
    # Only its state line asks again: a refresh must never replace the playing video.
    (video,) = [ancestors for _, tag, _, ancestors in parse(live).seen if tag == "video"]
    assert not any(is_polled(attrs) for attrs in video)
    assert 'id="live-state"' in live and 'hx-trigger="every 2s"' in live
    playlist = client.get(playlist_url).content.decode()
    assert "#EXT-X-ENDLIST" not in playlist
    segments = [line for line in playlist.splitlines() if line.endswith(".ts")]
    assert segments and segments[0].startswith(f"/player/files/{file.pk}/hls/")
    redirect = client.get(segments[0])
    assert redirect.status_code == 302 and redirect["Location"].startswith(seaweed_s3.endpoint)
    assert requests.get(redirect["Location"], timeout=10).content[:1] == b"\x47"

    player = client.get(reverse("playback:player", args=[task.pk])).content.decode()
    assert f'data-playlist="{playlist_url}"' in player and "data-live" in player

    recording_services.recording_stop(task=task, user=support)

    def settled():
        recording_services.reconcile_all()
        file.refresh_from_db()
        return file.upload_status == 3

    wait_for(settled, timeout=60, interval=0.3)
    assert client.get(playlist_url).content.decode().rstrip().endswith("#EXT-X-ENDLIST")
    timeline = client.get(reverse("recordings:task_detail", args=[task.pk])).content.decode()
    assert "Callback: HLS playlist ready" in timeline
    assert 'id="watch-live" hidden' in client.get(live_url).content.decode()


def live_recording(room, profile) -> RecordingTask:
    """A task recording with RealtimeUploadFragment, made without ZEGO."""
    return RecordingTask.objects.create(
        app=room.app,
        room=room,
        click_token=new_click(),
        status=S.RECORDING,
        record_mode=2,
        stream_type=3,
        storage_profile=profile,
        request={"RecordOutputParams": {"RealtimeUploadFragment": True}},
    )


def test_the_live_view_is_for_people_who_play_files(client_for, room, profile, personas):
    task = live_recording(room, profile)
    url = reverse("playback:live_player", args=[task.pk])
    assert client_for("storage").get(url).status_code == 403
    page = client_for("storage").get(reverse("recordings:task_detail", args=[task.pk]))
    assert url not in page.content.decode()


def test_the_live_view_says_when_the_recording_has_ended(client_for, room, profile):
    """The playing live view's state line asks every 2 s: nothing to swap (204) while the task
    records; once it has ended, the news and the player's link, and the end of the asking (286)."""
    task = live_recording(room, profile)
    url = reverse("playback:live_player", args=[task.pk])
    state_line = {"HX-Request": "true", "HX-Target": "live-state"}
    client = client_for("support")
    asked = client.get(url, headers=state_line)
    assert asked.status_code == 204 and asked.content == b""

    RecordingTask.objects.filter(pk=task.pk).update(status=S.ENDED)
    ended = client.get(url, headers=state_line)
    assert ended.status_code == 286
    html = ended.content.decode()
    assert "Recording ended" in html and "hx-trigger" not in html
    assert f'href="{reverse("playback:player", args=[task.pk])}"' in html
    # The live badge on the video goes too.
    assert 'hx-swap-oob="outerHTML:#watch-live .badge-live"' in html


def test_speaker_activity_lanes_come_from_the_sound_wave_file(
    room, profile, personas, client_for, s3_client, seaweed_s3, emulator
):
    """The player draws one lane per stream from the .sw beside the recording; a malformed file
    gives a clear message and the page still plays."""
    task = record(room, profile, personas["support"], seconds=2.5, speaker_activity=True)
    media = task.files.get()
    client = client_for("reviewer")
    page = client.get(reverse("playback:player", args=[task.pk])).content.decode()
    data = json.loads(
        re.search(
            r'<script id="activity-data" type="application/json">(.*?)</script>', page, re.S
        ).group(1)
    )
    assert {lane["key"] for lane in data["lanes"]} == {"teacher-cam", "student-cam"}
    assert data["step"] == 1 and data["offset"] == 0.0 and data["seconds"] >= 2
    assert all(max(lane["bars"]) > 50 for lane in data["lanes"])
    assert 'data-activity="activity-data"' in page

    sidecar = media.object_key.rsplit(".", 1)[0] + ".sw"
    s3_client.put_object(Bucket=seaweed_s3.bucket, Key=sidecar, Body=b'{"time": "soon"}\n')
    page = client.get(reverse("playback:player", args=[task.pk])).content.decode()
    assert "could not be read: line 1: time must be a whole second" in page
    assert "activity-data" not in page and "<video" in page


def activity_data(page: str) -> dict | None:
    found = re.search(
        r'<script id="activity-data" type="application/json">(.*?)</script>', page, re.S
    )
    return json.loads(found.group(1)) if found else None


def test_the_sound_wave_is_downloaded_once_per_version_not_on_every_page_view(
    room, profile, personas, client_for, s3_client, seaweed_s3, emulator, monkeypatch
):
    """A page view HEADs the .sw and draws from the cache while its ETag holds; a rewritten file
    (new ETag) is read again; a file over the byte cap is refused from its HEAD, never fetched."""
    from playback import services

    task = record(room, profile, personas["support"], seconds=2.5, speaker_activity=True)
    sidecar = task.files.get().object_key.rsplit(".", 1)[0] + ".sw"
    reads = []
    real_read = services.read_object
    monkeypatch.setattr(
        services, "read_object", lambda *a, **k: reads.append(a[1]) or real_read(*a, **k)
    )
    client = client_for("reviewer")
    url = reverse("playback:player", args=[task.pk])
    first = activity_data(client.get(url).content.decode())
    assert activity_data(client.get(url).content.decode()) == first is not None
    assert reads == [sidecar]

    s3_client.put_object(
        Bucket=seaweed_s3.bucket,
        Key=sidecar,
        Body=b'{"time": 0, "sound_wave": [{"stream_id": "only", "volume": 9}]}\n',
    )
    rewritten = activity_data(client.get(url).content.decode())
    assert [lane["key"] for lane in rewritten["lanes"]] == ["only"] and len(reads) == 2

    monkeypatch.setattr(services, "SOUND_WAVE_MAX_BYTES", 10)
    page = client.get(url).content.decode()
    assert "too large to draw" in page and "<video" in page and len(reads) == 2


@pytest.mark.parametrize(
    "body",
    [
        b'{"time": 0, "sound_wave": []}\n',
        b"[" * 50_000 + b"]" * 50_000,
        b'{"time": 86399, "sound_wave": ['
        + b",".join(b'{"stream_id": "s%d", "volume": 1}' % n for n in range(500))
        + b"]}\n",
    ],
    ids=["no-entries", "deeply-nested", "too-many-streams"],
)
def test_a_hostile_sound_wave_file_leaves_the_player_working(
    room, profile, personas, client_for, s3_client, seaweed_s3, emulator, body
):
    task = record(room, profile, personas["support"], seconds=1.5, speaker_activity=True)
    sidecar = task.files.get().object_key.rsplit(".", 1)[0] + ".sw"
    s3_client.put_object(Bucket=seaweed_s3.bucket, Key=sidecar, Body=body)
    response = client_for("reviewer").get(reverse("playback:player", args=[task.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and "<video" in page
    assert "could not be read" in page and "activity-data" not in page
