"""The player page against a real recording (emulator + SeaweedFS): links, HLS, chapters, checks."""

from __future__ import annotations

import re

import pytest
import requests
from django.urls import reverse

from playback.models import FileCheck
from tests.playback.conftest import HTMX, record

pytestmark = pytest.mark.django_db


def test_the_player_plays_a_real_mp4_through_presigned_urls(
    room, profile, personas, client_for, seaweed_s3, emulator
):
    """The page embeds presigned bucket URLs that work, and allows their origin in its CSP."""
    support = personas["support"]
    task = record(room, profile, support, seconds=1.0)
    file = task.files.get()
    assert file.upload_status == 3

    response = client_for("reviewer").get(reverse("playback:player", args=[task.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    src = re.search(r'<video[^>]* src="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert src.startswith(seaweed_s3.endpoint) and "X-Amz-Signature=" in src
    assert "X-Amz-Expires=300" in src
    fetched = requests.get(src, timeout=10)
    assert fetched.status_code == 200
    assert len(fetched.content) == file.size
    assert seaweed_s3.endpoint in response["Content-Security-Policy"].split("media-src")[1]
    assert "Start" in html and "Stopped" in html
    assert f'"{file.file_url}"' not in html  # never the bucket's own, unsigned URL


def test_hls_plays_through_a_rewritten_playlist_and_redirected_segments(
    room, profile, personas, client_for, seaweed_s3, emulator
):
    """Segments point back at the console, which redirects each to a freshly presigned URL."""
    task = record(room, profile, personas["support"], seconds=1.0, output_format="hls")
    playlist_file = task.files.get(output_format="hls")
    client = client_for("reviewer")
    page = client.get(reverse("playback:player", args=[task.pk])).content.decode()
    playlist_url = reverse("playback:hls_playlist", args=[playlist_file.pk])
    assert f'data-playlist="{playlist_url}"' in page
    assert "hls.min.js" in page

    playlist = client.get(playlist_url)
    assert playlist["Content-Type"] == "application/vnd.apple.mpegurl"
    segments = [line for line in playlist.content.decode().splitlines() if line.endswith(".ts")]
    assert segments and all(
        line.startswith(f"/player/files/{playlist_file.pk}/hls/") for line in segments
    )
    redirect = client.get(segments[0])
    assert redirect.status_code == 302
    assert redirect["Location"].startswith(seaweed_s3.endpoint)
    assert (
        requests.get(redirect["Location"], timeout=10).content[:1] == b"\x47"
    )  # MPEG-TS sync byte

    assert client.get(f"/player/files/{playlist_file.pk}/hls/..%2Fsecret.ts").status_code == 404


def test_a_bucket_check_flags_missing_and_resized_files(
    room, profile, personas, client_for, s3_client, seaweed_s3, emulator
):
    task = record(room, profile, personas["support"], seconds=1.0, record_mode=1)
    files = list(task.files.order_by("file_id"))
    assert len(files) == 2  # one per stream: a single-mode task
    s3_client.delete_object(Bucket=seaweed_s3.bucket, Key=files[0].object_key)
    s3_client.put_object(Bucket=seaweed_s3.bucket, Key=files[1].object_key, Body=b"short")

    client = client_for("reviewer")
    response = client.post(reverse("playback:bucket_check", args=[task.pk]), headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"2 of 2 files do not match the bucket." in response.content
    results = dict(FileCheck.objects.values_list("file__file_id", "result"))
    assert results == {files[0].file_id: "missing", files[1].file_id: "size_mismatch"}
    assert b"Missing from the bucket" in response.content
    assert b"the bucket holds 5." in response.content


def test_single_mode_files_play_side_by_side_with_their_offsets(
    room, profile, personas, client_for, emulator
):
    task = record(room, profile, personas["support"], seconds=1.0, record_mode=1)
    page = client_for("reviewer").get(reverse("playback:player", args=[task.pk])).content.decode()
    assert "tracks side-by-side" in page
    assert page.count('class="track track-video"') == 2
    offsets = re.findall(r'data-offset="([0-9.]+)"', page)
    assert len(offsets) == 2 and float(offsets[0]) == 0.0


def test_the_timeline_becomes_chapters_in_media_time(client_for, offline_app, offline_profile):
    """Paused spans are cut out of the media, so later chapters move earlier by the pause."""
    from datetime import timedelta

    from django.utils import timezone

    from recordings.models import TaskEvent
    from tests.playback.conftest import make_files, make_task

    t0 = timezone.now() - timedelta(minutes=10)
    task = make_task(offline_app, "room-c", offline_profile)
    make_files(task, 1, start=t0)
    steps = [
        (0, "api_call", "StartRecord", "", "initialising", ""),
        (30, "layout", "UpdateLayout", "recording", "recording", ""),
        (40, "api_call", "PauseRecord", "recording", "paused", ""),
        (100, "api_call", "ResumeRecord", "paused", "recording", ""),
        (110, "api_call", "TakeSnapshot", "recording", "recording", ""),
        (115, "api_call", "UpdateLayout", "recording", "recording", "Failed: bad layout"),
        (130, "api_call", "StopRecord", "recording", "stopping", ""),
        (140, "callback", "Callback: ended", "stopping", "ended", ""),
    ]
    events = TaskEvent.objects.bulk_create(
        TaskEvent(
            task=task,
            kind=kind,
            action=action,
            status_before=before,
            status_after=after,
            message=message,
        )
        for _, kind, action, before, after, message in steps
    )
    for event, (seconds, *_rest) in zip(events, steps, strict=True):
        event.created_at = t0 + timedelta(seconds=seconds)
    TaskEvent.objects.bulk_update(events, ["created_at"])

    client = client_for("reviewer")
    response = client.get(reverse("playback:player", args=[task.pk]))
    chapters = [(c.at, c.label) for c in response.context["chapters"]]
    assert chapters == [
        (0.0, "Start"),
        (30.0, "Layout changed"),
        (40.0, "Paused"),
        (40.0, "Resumed"),
        (50.0, "Snapshot"),
        (70.0, "Stopped"),
    ]
    assert b'data-seek="50.000"' in response.content
    fragment = client.get(reverse("playback:player", args=[task.pk]), headers=HTMX)
    assert b"<html" not in fragment.content and b'id="files"' in fragment.content


@pytest.mark.parametrize("persona", ["outsider", "storage"])
def test_the_player_is_for_people_who_play_files(client_for, offline_app, persona):
    from tests.playback.conftest import make_task

    task = make_task(offline_app, "room-p")
    assert client_for(persona).get(reverse("playback:player", args=[task.pk])).status_code == 403
    assert (
        client_for(persona).post(reverse("playback:bucket_check", args=[task.pk])).status_code
        == 403
    )
