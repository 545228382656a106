"""HLS playlists and segments through the console: only this file's segments are signed, and a
playlist is served (or listed for retention) whole or not at all. The bucket is a dict here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from django.core.cache import cache
from django.urls import reverse

from playback import services
from playback.services import PLAYLIST_MAX_BYTES, PlaylistUnavailable, segment_keys
from recordings.models import RecordingTask
from tests.playback.conftest import make_files, make_task
from tests.playback.test_share_links import create

pytestmark = pytest.mark.django_db
S = RecordingTask.Status


def hls_file(app, profile, room_id="room-h", status=S.ENDED):
    task = make_task(app, room_id, profile)
    RecordingTask.objects.filter(pk=task.pk).update(status=status)
    (file,) = make_files(task, 1, output_format="hls")
    file.file_id = f"{task.task_id}_{room_id}_mix_VA_20260101000000000.m3u8"
    file.object_key = "recordings/" + file.file_id
    file.save()
    return file


def stem(file) -> str:
    return file.file_id.removesuffix(".m3u8")


def playlist(*names: str, ended: bool = True) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:2"]
    for name in names:
        lines += ["#EXTINF:2.000000,", name]
    return ("\n".join(lines + (["#EXT-X-ENDLIST"] if ended else [])) + "\n").encode()


@pytest.fixture
def bucket(monkeypatch):
    """Objects by key; reads honour the caller's limit as a ranged read would."""
    cache.clear()
    objects: dict[str, bytes] = {}

    def read_object(profile, key, *, limit):
        if key not in objects:
            raise ClientError({"Error": {"Code": "NoSuchKey"}}, "GetObject")
        return objects[key][:limit]

    monkeypatch.setattr(services, "read_object", read_object)
    return objects


@pytest.fixture
def file(offline_app, offline_profile, bucket):
    file = hls_file(offline_app, offline_profile)
    bucket[file.object_key] = playlist(f"{stem(file)}_0.ts", f"{stem(file)}_1.ts")
    return file


def token_of(share_url: str) -> str:
    return share_url.rstrip("/").rsplit("/", 1)[1]


def test_a_share_link_signs_its_own_segments_but_not_another_recordings_in_the_folder(
    client_for, client, file, offline_app, offline_profile, bucket
):
    """Both recordings sit in recordings/; a link to one must not sign the other's segments."""
    other = hls_file(offline_app, offline_profile, room_id="room-x")
    bucket[other.object_key] = playlist(f"{stem(other)}_0.ts")
    token = token_of(create(client_for("reviewer"), file))
    client.logout()

    own = client.get(reverse("playback:share_segment", args=[token, f"{stem(file)}_0.ts"]))
    assert own.status_code == 302
    assert f"/offline/recordings/{stem(file)}_0.ts?" in own["Location"]
    theirs = client.get(reverse("playback:share_segment", args=[token, f"{stem(other)}_0.ts"]))
    assert theirs.status_code == 404

    reviewer = client_for("reviewer")
    url = reverse("playback:hls_segment", args=[file.pk, f"{stem(other)}_0.ts"])
    assert reviewer.get(url).status_code == 404


def test_a_segment_not_named_after_the_playlist_must_be_listed_in_it(client_for, file, bucket):
    """ZEGO's segment names are not documented: others than `<stem>…` pass if the playlist
    lists them; a name it doesn't list is refused."""
    bucket[file.object_key] = playlist("x0.ts", "x1.ts", ended=False)
    reviewer = client_for("reviewer")
    listed = reviewer.get(reverse("playback:hls_segment", args=[file.pk, "x1.ts"]))
    assert listed.status_code == 302 and "/offline/recordings/x1.ts?" in listed["Location"]
    assert reviewer.get(reverse("playback:hls_segment", args=[file.pk, "x2.ts"])).status_code == 404
    # The live playlist grew: the new name is found although the listed names were cached.
    bucket[file.object_key] = playlist("x0.ts", "x1.ts", "x2.ts", ended=False)
    assert reviewer.get(reverse("playback:hls_segment", args=[file.pk, "x2.ts"])).status_code == 302


def test_a_day_of_two_second_segments_listed_by_full_url_is_served_whole(client_for, file, bucket):
    names = [f"{stem(file)}_{n}.ts" for n in range(43_200)]
    urls = [f"https://bucket.s3.eu-central-1.amazonaws.com/recordings/{name}" for name in names]
    bucket[file.object_key] = data = playlist(*urls)
    assert len(data) < PLAYLIST_MAX_BYTES
    served = client_for("reviewer").get(reverse("playback:hls_playlist", args=[file.pk]))
    text = served.content.decode()
    assert served.status_code == 200 and text.rstrip().endswith("#EXT-X-ENDLIST")
    assert sum(1 for line in text.splitlines() if line.endswith(".ts")) == 43_200
    assert len(segment_keys(file)) == 43_200


def test_a_playlist_over_the_cap_is_refused_loudly_never_cut(client_for, file, bucket, monkeypatch):
    bucket[file.object_key] = data = playlist(*[f"{stem(file)}_{n}.ts" for n in range(100)])
    monkeypatch.setattr(services, "PLAYLIST_MAX_BYTES", len(data) - 1)
    served = client_for("reviewer").get(reverse("playback:hls_playlist", args=[file.pk]))
    assert served.status_code == 404 and "is larger than" in served.content.decode()
    with pytest.raises(PlaylistUnavailable, match="larger than"):
        segment_keys(file)

    monkeypatch.setattr(services, "PLAYLIST_MAX_BYTES", len(data))
    assert len(segment_keys(file)) == 100


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"\xff\xfe#EXTM3U\n", "not UTF-8"),
        (playlist("sub/dir/../x.ts?sig=1", "weird name.ts"), "line 7 names no segment file"),
    ],
)
def test_retention_gets_every_segment_or_an_error_never_part_of_them(file, bucket, body, words):
    bucket[file.object_key] = body
    with pytest.raises(PlaylistUnavailable, match=words):
        segment_keys(file)


def test_an_unconfirmed_live_playlist_stops_playing_once_the_task_has_ended(
    client_for, offline_app, offline_profile, bucket
):
    """Event 102 without the event 1 that would confirm the upload: live while the task records,
    and the minute after it ended (a viewer a few seconds behind still gets the last segments, no
    404 while event 1 is on its way), not later (nor signable through a share link to it)."""
    from django.utils import timezone

    file = hls_file(offline_app, offline_profile, status=S.RECORDING)
    file.upload_status, file.live_since = 1, timezone.now()
    file.save()
    bucket[file.object_key] = playlist(f"{stem(file)}_0.ts", ended=False)
    reviewer = client_for("reviewer")
    url = reverse("playback:hls_playlist", args=[file.pk])
    segment = reverse("playback:hls_segment", args=[file.pk, f"{stem(file)}_0.ts"])
    assert reviewer.get(url).status_code == 200 and reviewer.get(segment).status_code == 302

    ended = RecordingTask.objects.filter(pk=file.task_id)
    ended.update(status=S.ENDED, ended_at=timezone.now() - timedelta(seconds=5))
    assert reviewer.get(url).status_code == 200 and reviewer.get(segment).status_code == 302
    player = reviewer.get(reverse("playback:player", args=[file.task_id])).content.decode()
    assert f'data-playlist="{url}"' in player and "data-live" not in player

    ended.update(ended_at=timezone.now() - services.LIVE_AFTER_END - timedelta(seconds=1))
    assert reviewer.get(url).status_code == 404 and reviewer.get(segment).status_code == 404
    page = reviewer.get(reverse("playback:live_player", args=[file.task_id])).content.decode()
    assert "data-live" not in page
