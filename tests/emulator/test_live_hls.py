"""RealtimeUploadFragment and RecordSoundWave over HTTP, into the real SeaweedFS bucket."""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from tests.emulator.fakes import PLAN_TYPES, FakeBackend, make_engine, sent_events, wait_until
from tests.emulator.wire import mixed_input
from zego_emulator import media
from zego_emulator.media import (
    RenderPlan,
    StreamTrack,
    sound_wave_records,
    volume_of,
)
from zego_emulator.validation import validate_start_record


@pytest.fixture
def client(emulator):
    return emulator.client(max_attempts=1)


def live_outputs(receiver, **extra) -> dict:
    return {
        "OutputFolder": f"live-tests/{uuid.uuid4().hex[:8]}/",
        "CallbackUrl": receiver.url,
        "OutputFileFormat": "hls",
        "FragmentSeconds": 2,
        "RealtimeUploadFragment": True,
        **extra,
    }


def read(s3_client, bucket: str, key: str) -> str | None:
    try:
        return s3_client.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    except ClientError:
        return None


def segment_lines(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def test_live_playlist_grows_in_the_bucket_while_recording_and_ends_after_the_stop(
    emulator, client, storage, callback_receiver, s3_client, seaweed_s3
):
    """Segments and a playlist without ENDLIST appear while the task records; event 102 names the
    playlist before the stop; after the stop the playlist ends and lists every uploaded segment."""
    emulator.publish("room1", "u1", "s1")
    out = live_outputs(callback_receiver, ShortFragmentPath=True)
    task_id = client.start_record(
        "room1", record_input_params=mixed_input(), storage_params=storage, record_output_params=out
    ).task_id

    announced = callback_receiver.wait_for(102, task_id, timeout=20)
    assert client.describe_record_status(task_id).status == 2  # still recording
    detail = announced["detail"]
    assert detail["stream_id"] == "mix" and detail["media_track_type"] == 3
    assert detail["file_id"].startswith(f"{task_id}_room1_mix_VA_")
    assert detail["file_id"].endswith(".m3u8")
    key = out["OutputFolder"] + detail["file_id"]
    assert detail["file_url"].endswith(key)

    seen = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(seen) < 3:
        playlist = read(s3_client, seaweed_s3.bucket, key)
        if playlist and (not seen or len(segment_lines(playlist)) > seen[-1]):
            assert "#EXT-X-ENDLIST" not in playlist
            seen.append(len(segment_lines(playlist)))
        time.sleep(0.3)
    assert len(seen) == 3 and seen[0] < seen[1] < seen[2], seen
    assert all("/" not in line for line in segment_lines(playlist))  # ShortFragmentPath

    client.stop_record(task_id)
    uploaded = callback_receiver.wait_for(1, task_id, timeout=60)
    assert callback_receiver.events(task_id).count(102) == 1
    assert callback_receiver.events(task_id).index(102) < callback_receiver.events(task_id).index(7)
    (info,) = uploaded["detail"]["file_info"]
    assert (info["file_id"], info["status"], info["output_file_format"]) == (
        detail["file_id"],
        3,
        "hls",
    )
    final = read(s3_client, seaweed_s3.bucket, key)
    assert final.rstrip().endswith("#EXT-X-ENDLIST")
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in final
    segments = segment_lines(final)
    assert len(segments) > seen[-1]
    for name in segments:
        s3_client.head_object(Bucket=seaweed_s3.bucket, Key=out["OutputFolder"] + name)


def test_a_paused_live_recording_stops_growing_until_resumed(
    emulator, client, storage, callback_receiver, s3_client, seaweed_s3
):
    """Paused spans are cut out of the recording, so its live playlist waits for the resume."""
    emulator.publish("room1", "u1", "s1")
    out = live_outputs(callback_receiver, ShortFragmentPath=True)
    task_id = client.start_record(
        "room1", record_input_params=mixed_input(), storage_params=storage, record_output_params=out
    ).task_id
    key = (
        out["OutputFolder"]
        + callback_receiver.wait_for(102, task_id, timeout=20)["detail"]["file_id"]
    )
    client.pause_record(task_id)
    time.sleep(1.0)  # let the segment under way when pausing be finished and uploaded
    paused = segment_lines(read(s3_client, seaweed_s3.bucket, key))
    time.sleep(4.5)
    assert segment_lines(read(s3_client, seaweed_s3.bucket, key)) == paused
    client.resume_record(task_id)
    time.sleep(4.5)
    assert len(segment_lines(read(s3_client, seaweed_s3.bucket, key))) > len(paused)
    client.stop_record(task_id)
    callback_receiver.wait_for(1, task_id, timeout=60)


def test_without_short_fragment_path_the_playlist_lists_full_segment_urls(
    emulator, client, storage, callback_receiver, s3_client, seaweed_s3
):
    """ShortFragmentPath absent: each playlist line is the segment's full URL in the storage."""
    emulator.publish("room1", "u1", "s1", video=False)
    params = mixed_input()
    params["StreamType"] = 1
    out = live_outputs(callback_receiver)
    task_id = client.start_record(
        "room1", record_input_params=params, storage_params=storage, record_output_params=out
    ).task_id
    detail = callback_receiver.wait_for(102, task_id, timeout=20)["detail"]
    assert detail["media_track_type"] == 1 and "_mix_A_" in detail["file_id"]
    client.stop_record(task_id)
    callback_receiver.wait_for(1, task_id, timeout=60)
    final = read(s3_client, seaweed_s3.bucket, out["OutputFolder"] + detail["file_id"])
    prefix = f"{seaweed_s3.endpoint}/{seaweed_s3.bucket}/{out['OutputFolder']}"
    lines = segment_lines(final)
    assert lines and all(line.startswith(prefix) and line.endswith(".ts") for line in lines)


def test_sound_wave_sidecar_is_uploaded_beside_the_recording(
    emulator, client, storage, callback_receiver, s3_client, seaweed_s3
):
    """RecordSoundWave: `<same base name>.sw` in the bucket, one JSON record per second with each
    audio stream's volume from its audio: heard while it publishes, 0 before it joined."""
    emulator.publish("room1", "u1", "s1")
    out = {
        "OutputFolder": f"sw-tests/{uuid.uuid4().hex[:8]}/",
        "CallbackUrl": callback_receiver.url,
    }
    task_id = client.start_record(
        "room1",
        record_input_params=mixed_input(RecordSoundWave=True),
        storage_params=storage,
        record_output_params=out,
    ).task_id
    time.sleep(2.2)
    emulator.publish("room1", "u2", "s2", video=False)
    time.sleep(2.2)
    client.stop_record(task_id)
    (info,) = callback_receiver.wait_for(1, task_id, timeout=60)["detail"]["file_info"]
    assert not info["file_id"].endswith(".sw")  # reported nowhere, as by ZEGO
    key = out["OutputFolder"] + info["file_id"].rsplit(".", 1)[0] + ".sw"
    records = [json.loads(line) for line in read(s3_client, seaweed_s3.bucket, key).splitlines()]
    assert [r["time"] for r in records] == list(range(len(records))) and len(records) >= 4
    volumes = {entry["stream_id"]: [] for record in records for entry in record["sound_wave"]}
    for record in records:
        for entry in record["sound_wave"]:
            volumes[entry["stream_id"]].append(entry["volume"])
    assert set(volumes) == {"s1", "s2"}
    # Talking (about 72) or between turns (about 38) while published; never silent.
    assert min(volumes["s1"][:-1]) > 30 and max(volumes["s1"]) > 65
    assert volumes["s2"][0] == 0 and volumes["s2"][-2] > 30


def test_volume_follows_the_rms_level():
    """Silence is 0, a 0.2 sine about 72 (-17 dBFS), full scale 100."""
    import numpy as np

    sine = np.sin(np.linspace(0, 200 * np.pi, 48000)).astype(np.float32)
    assert volume_of(np.zeros(480, np.float32)) == 0
    assert volume_of(sine * 0.2) == 72
    assert volume_of(np.ones(480, np.float32)) == 100


def test_volumes_follow_each_publishers_turns():
    """A publisher's talking spans score higher than the spans between its turns."""
    from zego_emulator.media import QUIET_LEVEL, TALK_SPAN_SECONDS, talk_levels

    track = StreamTrack("u1", "s1", True, False, 1, [(0.0, 30.0)])
    plan = RenderPlan("T", "r", 2, 1, "mp4", 0, 30.0, [track])
    volumes = [r["sound_wave"][0]["volume"] for r in sound_wave_records(plan)]
    levels = talk_levels(1, 0, 30 * 48000)[::48000]
    whole_spans = [
        t for t in range(30) if int(t // TALK_SPAN_SECONDS) == int((t + 0.99) // TALK_SPAN_SECONDS)
    ]
    loud = {volumes[t] for t in whole_spans if levels[t] == 1}
    quiet = {volumes[t] for t in whole_spans if levels[t] == QUIET_LEVEL}
    assert loud == {72} and quiet == {38}


def test_sound_wave_type_1_keys_entries_by_user():
    """SoundWaveType 1: entries carry user_id; a stream heard half a second scores lower."""
    track = StreamTrack("u1", "s1", True, False, 0, [(0.0, 1.5)])
    plan = RenderPlan("T", "r", 2, 1, "mp4", 0, 2.0, [track])
    first, second = sound_wave_records(plan, sound_wave_type=1)
    assert first == {"time": 0, "sound_wave": [{"user_id": "u1", "volume": 72}]}
    assert 0 < second["sound_wave"][0]["volume"] < 72


# -- without HTTP: the pipeline's upload order and a live upload finalize stopped waiting for ------


class HlsRenderingBackend(FakeBackend):
    """Renders every plan as an HLS playlist with two segments beside it."""

    def render(self, plan, out_dir: Path) -> list:
        (rendered,) = super().render(plan, out_dir)
        playlist = rendered.path.with_suffix(".m3u8")
        rendered.path.rename(playlist)
        segments = []
        for index in range(2):
            segment = playlist.with_name(f"{playlist.stem}_{index}.ts")
            segment.write_bytes(b"G")
            segments.append((segment, segment.name))
        playlist.write_text(
            "#EXTM3U\n" + "".join(f"{n}\n" for _, n in segments) + "#EXT-X-ENDLIST\n"
        )
        rendered.path, rendered.file_name, rendered.extra = playlist, playlist.name, segments
        rendered.content_type = "application/vnd.apple.mpegurl"
        return [rendered]


def test_segments_are_uploaded_before_the_playlist_that_lists_them(tmp_path):
    """Whoever finds the closed playlist in the bucket finds every segment it lists."""
    from tests.emulator.test_engine import APP, mixed_request

    engine, clock, _ = make_engine(tmp_path)
    backend = engine.pipeline.backend = HlsRenderingBackend()
    try:
        engine.publish(APP, "room1", "s1", "u1", "u1")
        task_id = engine.start_task(APP, mixed_request())
        clock.pass_real(2)
        engine.stop_task(APP, task_id)
        wait_until(lambda: 1 in sent_events(engine, task_id))
    finally:
        engine.stop()
    keys = [key for key, _ in backend.uploads]
    assert [key.rsplit(".", 1)[1] for key in keys] == ["ts", "ts", "m3u8"]


class SlowLiveEncoder:
    """A live encoder that writes one segment per step, and whose second step takes until the
    test says so: an encoder that has fallen far behind the recording."""

    release = threading.Event()
    stuck = threading.Event()

    def __init__(self, plan, out_dir: Path):
        self.kind = SimpleNamespace(media_type="VA")
        self.file_name = f"{plan.task_id}_{plan.room_id}_mix_VA_20231114221320000.m3u8"
        out_dir.mkdir(parents=True, exist_ok=True)
        self.path = out_dir / self.file_name
        self.segments: list[Path] = []
        self.path.write_text("#EXTM3U\n")

    def advance(self, plan, until: float) -> None:
        if self.segments:
            self.stuck.set()
            self.release.wait(10)
        segment = self.path.with_name(f"{self.path.stem}_{len(self.segments)}.ts")
        segment.write_bytes(b"G")
        self.segments.append(segment)
        self.path.write_text("#EXTM3U\n" + "".join(f"{s.name}\n" for s in self.segments))

    def finished_segments(self) -> list[Path]:
        return list(self.segments)

    def finish(self, plan):
        raise AssertionError("a cancelled live upload must not close its playlist")


def live_request(**outputs):
    from tests.emulator.test_engine import STORAGE

    body = {
        "RoomId": "room1",
        "RecordInputParams": {
            "RecordMode": 2,
            "MixConfig": {
                "MixMode": 2,
                "MixOutputStreamId": "mix",
                "MixOutputVideoConfig": {"Width": 640, "Height": 360, "Fps": 15, "Bitrate": 500000},
            },
        },
        "RecordOutputParams": {
            "OutputFolder": "rec/",
            "OutputFileFormat": "hls",
            "RealtimeUploadFragment": True,
            "ShortFragmentPath": True,
            **outputs,
        },
        "StorageParams": STORAGE,
    }
    return validate_start_record(body)


def test_a_live_upload_finalize_stopped_waiting_for_uploads_nothing_more(
    tmp_path, monkeypatch, caplog
):
    """Finalize gives up on a lagging live encoder after LIVE_FINISH_TIMEOUT and renders the file
    itself; the encoder, once it gets going again, must not PUT its playlist without ENDLIST over
    the final one, and leaves no render folder behind."""
    from tests.emulator.test_engine import APP
    from zego_emulator import live, pipeline

    monkeypatch.setattr(live, "STEP_SECONDS", 0.01)
    monkeypatch.setattr(pipeline, "LIVE_FINISH_TIMEOUT", 0.2)
    SlowLiveEncoder.release.clear()
    SlowLiveEncoder.stuck.clear()
    engine, clock, backend = make_engine(tmp_path)
    backend.types = SimpleNamespace(**vars(PLAN_TYPES), LiveHlsEncoder=SlowLiveEncoder)
    try:
        engine.publish(APP, "room1", "s1", "u1", "u1")
        task_id = engine.start_task(APP, live_request())
        clock.pass_real(2)
        engine.tick()
        upload = engine.pipeline.live[task_id]
        wait_until(lambda: 102 in sent_events(engine, task_id))
        assert [key for key, _ in backend.uploads][-1].endswith(".m3u8")
        wait_until(SlowLiveEncoder.stuck.is_set)

        clock.pass_real(30)  # the recording goes on while the encoder is stuck
        engine.stop_task(APP, task_id)
        wait_until(lambda: 1 in sent_events(engine, task_id))
        after_final = list(backend.uploads)
        assert not upload.out_dir.exists()
        assert "did not finish in 0 s; rendering its HLS file again" in caplog.text

        SlowLiveEncoder.release.set()
        wait_until(upload.done.is_set)
    finally:
        SlowLiveEncoder.release.set()
        engine.stop()
    assert backend.uploads == after_final
    assert upload.result is None and not upload.out_dir.exists()


def test_an_encoder_behind_the_recording_is_logged_once_until_it_catches_up(tmp_path, caplog):
    import logging

    from tests.emulator.test_engine import APP
    from zego_emulator.live import LiveUpload

    caplog.set_level(logging.INFO, logger="zego_emulator.live")
    engine, clock, _ = make_engine(tmp_path)
    try:
        engine.publish(APP, "room1", "s1", "u1", "u1")
        upload = LiveUpload(engine.pipeline, engine.tasks[engine.start_task(APP, live_request())])
        clock.pass_real(30)
        upload.note_lag(5.0)
        upload.note_lag(6.0)
        upload.note_lag(29.0)
    finally:
        engine.stop()
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert "25.0 s behind the recording: encoding is slower than real time" in messages[0]
    assert messages[1].endswith("has caught up")


class BucketCheckingBackend(FakeBackend):
    """Real media, a bucket in memory; notes every playlist PUT that names a segment the bucket
    does not hold yet."""

    types = media

    def __init__(self) -> None:
        super().__init__()
        self.bucket: set[str] = set()
        self.playlists: list[str] = []
        self.missing: list[tuple[str, list[str]]] = []

    def render(self, plan, out_dir: Path) -> list:
        return media.render(plan, out_dir)

    def upload(self, storage_params, local_path, object_key, content_type, *, default_s3_endpoint):
        if object_key.endswith(".m3u8"):
            text = Path(local_path).read_text()
            folder = object_key.rsplit("/", 1)[0] + "/"
            absent = [n for n in segment_lines(text) if folder + n not in self.bucket]
            if absent:
                self.missing.append((text, absent))
            self.playlists.append(text)
        self.bucket.add(object_key)
        return super().upload(
            storage_params,
            local_path,
            object_key,
            content_type,
            default_s3_endpoint=default_s3_endpoint,
        )


def test_every_playlist_put_while_recording_and_at_the_stop_names_only_uploaded_segments(
    tmp_path, monkeypatch
):
    """A player never finds a segment name in the bucket's playlist before the segment itself:
    not while the task records, nor at the stop, when the last segments and the closed playlist
    go up together."""
    from tests.emulator.test_engine import APP
    from zego_emulator import live

    monkeypatch.setattr(live, "STEP_SECONDS", 0.01)
    engine, clock, _ = make_engine(tmp_path)
    backend = engine.pipeline.backend = BucketCheckingBackend()

    def record(seconds: float) -> None:
        for _ in range(round(seconds / 0.5)):
            clock.pass_real(0.5)
            engine.tick()
            recorded = engine.tasks[task_id].media_seconds(clock.wall())
            wait_until(lambda at=recorded: upload.encoder.seconds >= at, timeout=30)

    try:
        engine.publish(APP, "room1", "s1", "u1", "u1")
        task_id = engine.start_task(APP, live_request(FragmentSeconds=2))
        engine.tick()
        upload = engine.pipeline.live[task_id]
        wait_until(lambda: upload.encoder is not None)
        record(5.5)  # two closed segments, the third under way
        live_playlists = len(backend.playlists)
        engine.stop_task(APP, task_id)
        wait_until(lambda: 1 in sent_events(engine, task_id), timeout=60)
    finally:
        engine.stop()
    assert live_playlists >= 2 and "#EXT-X-ENDLIST" not in backend.playlists[live_playlists - 1]
    final = backend.playlists[-1]
    assert final.rstrip().endswith("#EXT-X-ENDLIST")
    assert len(segment_lines(final)) > len(segment_lines(backend.playlists[live_playlists - 1]))
    assert backend.missing == []
