"""Whole recordings over HTTP: timers, pause/resume, callbacks and uploads into the real SeaweedFS bucket."""

from __future__ import annotations

import io
import time
import uuid

import numpy as np
import pytest
import requests
from PIL import Image

import zego
from tests.emulator.wire import call, code_of, mixed_input
from zego_emulator.media import STREAM_COLOURS


@pytest.fixture
def client(emulator):
    return emulator.client(max_attempts=1)


def outputs(receiver, **extra) -> dict:
    return {
        "OutputFolder": f"emulator-tests/{uuid.uuid4().hex[:8]}/",
        "CallbackUrl": receiver.url,
        **extra,
    }


def assert_signed(emulator, bodies: list[dict]) -> None:
    for body in bodies:
        assert zego.verify_callback(
            emulator.callback_secret, body["timestamp"], body["nonce"], body["signature"]
        )
        assert body["app_id"] == emulator.app_id


def test_mixed_recording_is_uploaded_and_reported(
    emulator, client, storage, callback_receiver, s3_client, seaweed_s3
):
    """Stop → callbacks 7, 5, then 1 listing the uploaded mp4, which is in the bucket under OutputFolder."""
    emulator.publish("room1", "u1", "s1")
    emulator.publish("room1", "u2", "s2", video=False)
    out = outputs(callback_receiver)
    task_id = client.start_record(
        "room1", record_input_params=mixed_input(), storage_params=storage, record_output_params=out
    ).task_id
    time.sleep(1.5)
    client.stop_record(task_id)
    uploaded = callback_receiver.wait_for(1, task_id, timeout=60)
    assert callback_receiver.events(task_id) == [7, 5, 1]
    assert [b["sequence"] for b in callback_receiver.all] == [0, 1, 2]
    assert_signed(emulator, callback_receiver.all)
    assert callback_receiver.all[0]["_headers"]["Content-Type"] == "application/json"
    assert uploaded["detail"]["upload_status"] == 1
    (info,) = uploaded["detail"]["file_info"]
    assert info["file_id"].startswith(f"{task_id}_room1_mix_VA_") and info["file_id"].endswith(
        ".mp4"
    )
    assert (info["status"], info["media_track_type"], info["output_file_format"]) == (3, 3, "mp4")
    assert (info["resolution_width"], info["resolution_height"]) == (320, 180)
    assert 1000 <= info["duration"] <= 2500
    head = s3_client.head_object(
        Bucket=seaweed_s3.bucket, Key=out["OutputFolder"] + info["file_id"]
    )
    assert head["ContentLength"] == info["file_size"]
    (record_file,) = client.describe_record_status(task_id).record_files
    assert record_file.file_url == info["file_url"] and record_file.status == 3


def test_single_stream_recording_makes_one_file_per_stream(
    emulator, client, storage, callback_receiver
):
    """RecordMode 1: one file per published stream, named TaskId_RoomId_UserId_StreamId_Type_UTC."""
    emulator.publish("room1", "u1", "s1")
    emulator.publish("room1", "u2", "s2", video=False)
    task_id = client.start_record(
        "room1",
        record_input_params={"RecordMode": 1, "StreamType": 1},
        storage_params=storage,
        record_output_params=outputs(callback_receiver),
    ).task_id
    time.sleep(1.0)
    client.stop_record(task_id)
    uploaded = callback_receiver.wait_for(1, task_id, timeout=60)
    names = sorted(info["file_id"] for info in uploaded["detail"]["file_info"])
    prefix = f"{task_id}_room1_"  # TaskIds are base64url and may themselves contain "_"
    assert all(name.startswith(prefix) for name in names)
    assert [name.removeprefix(prefix).split("_")[:3] for name in names] == [
        ["u1", "s1", "A"],
        ["u2", "s2", "A"],
    ]
    assert {info["status"] for info in uploaded["detail"]["file_info"]} == {3}


def test_pause_is_excluded_from_the_file(emulator, client, storage, callback_receiver):
    """Pause/resume send 201/202 and the paused second is missing from the file's duration."""
    emulator.publish("room1", "u1", "s1", video=False)
    params = mixed_input()
    params["StreamType"] = 1
    task_id = client.start_record(
        "room1",
        record_input_params=params,
        storage_params=storage,
        record_output_params=outputs(callback_receiver),
    ).task_id
    time.sleep(1.0)
    client.pause_record(task_id)
    time.sleep(1.5)
    client.resume_record(task_id)
    time.sleep(0.7)
    client.stop_record(task_id)
    uploaded = callback_receiver.wait_for(1, task_id, timeout=60)
    assert callback_receiver.events(task_id) == [201, 202, 7, 5, 1]
    (info,) = uploaded["detail"]["file_info"]
    assert 1200 <= info["duration"] <= 2400


def test_idle_room_auto_stops_with_quit_reason_3(emulator, client, storage, callback_receiver):
    """No stream for MaxIdleTime (time-scaled): event 4, then event 2 quit_reason 3, status 4, no files."""
    params = mixed_input()
    params["MaxIdleTime"] = 10
    task_id = client.start_record(
        "empty",
        record_input_params=params,
        storage_params=storage,
        record_output_params=outputs(callback_receiver),
    ).task_id
    quit_event = callback_receiver.wait_for(2, task_id)
    assert quit_event["detail"] == {"quit_reason": 3}
    uploaded = callback_receiver.wait_for(1, task_id)
    assert uploaded["detail"] == {"upload_status": 1, "file_info": []}
    assert callback_receiver.events(task_id) == [4, 2, 1]
    status = client.describe_record_status(task_id)
    assert status.status == 4 and status.record_files == []
    assert code_of(call(emulator, "StopRecord", {"TaskId": task_id})) == 300001001


def test_max_record_time_auto_stops_with_quit_reason_4(
    emulator, client, storage, callback_receiver
):
    """MaxRecordTime 300 s at time scale 60 ends the task after 5 s with quit_reason 4."""
    emulator.publish("room1", "u1", "s1", video=False)
    params = {"RecordMode": 1, "StreamType": 1, "MaxRecordTime": 300}
    task_id = client.start_record(
        "room1",
        record_input_params=params,
        storage_params=storage,
        record_output_params=outputs(callback_receiver),
    ).task_id
    quit_event = callback_receiver.wait_for(2, task_id, timeout=15)
    assert quit_event["detail"] == {"quit_reason": 4}
    assert client.describe_record_status(task_id).status == 4
    uploaded = callback_receiver.wait_for(1, task_id, timeout=60)
    assert uploaded["detail"]["file_info"][0]["status"] == 3


def test_unreachable_storage_leaves_file_in_backup(emulator, client, storage, callback_receiver):
    """Wrong storage keys: file status 4, upload_status 2, and the backup URL serves the file."""
    emulator.publish("room1", "u1", "s1", video=False)
    bad_storage = {**storage, "AccessKeySecret": "wrong-secret"}
    params = {"RecordMode": 1, "StreamType": 1}
    task_id = client.start_record(
        "room1",
        record_input_params=params,
        storage_params=bad_storage,
        record_output_params=outputs(callback_receiver),
    ).task_id
    time.sleep(0.8)
    client.stop_record(task_id)
    uploaded = callback_receiver.wait_for(1, task_id, timeout=60)
    assert uploaded["detail"]["upload_status"] == 2
    (info,) = uploaded["detail"]["file_info"]
    assert info["status"] == 4
    download = requests.get(info["file_url"], timeout=10)
    assert download.status_code == 200 and len(download.content) == info["file_size"]
    emulator.control("POST", "clock", json={"advance": 3 * 86400}).raise_for_status()
    assert requests.get(info["file_url"], timeout=10).status_code == 404


def test_take_snapshot_uploads_a_jpg(
    emulator, client, storage, callback_receiver, s3_client, seaweed_s3
):
    """TakeSnapshot on a recording mixed task: event 1 with one jpg file in the bucket, showing
    the one publisher's tile (the whole grid canvas) in its colour."""
    emulator.publish("room1", "u1", "s1")
    out = outputs(callback_receiver)
    task_id = client.start_record(
        "room1", record_input_params=mixed_input(), storage_params=storage, record_output_params=out
    ).task_id
    time.sleep(0.8)
    client.take_snapshot(task_id)
    snapshot = callback_receiver.wait_for(1, task_id, timeout=30)
    (info,) = snapshot["detail"]["file_info"]
    assert info["output_file_format"] == "jpg" and info["status"] == 3
    body = s3_client.get_object(
        Bucket=seaweed_s3.bucket, Key=out["OutputFolder"] + info["file_id"]
    )["Body"].read()
    assert body.startswith(b"\xff\xd8")
    picture = np.asarray(Image.open(io.BytesIO(body)).convert("RGB"))
    assert picture.shape == (180, 320, 3)
    assert all(
        abs(int(p) - c) <= 40 for p, c in zip(picture[90, 160], STREAM_COLOURS[0], strict=True)
    )
    client.stop_record(task_id)


def test_callbacks_are_retried_twice_then_dropped(emulator, client, storage, callback_receiver):
    """A receiver answering 500 gets each callback 3 times (1 + 2 retries, 5 s time-scaled apart)."""
    callback_receiver.status = 500
    task_id = client.start_record(
        "room1",
        record_input_params=mixed_input(),
        storage_params=storage,
        record_output_params=outputs(callback_receiver),
    ).task_id
    client.stop_record(task_id)
    deadline = time.monotonic() + 10
    while (
        len([b for b in callback_receiver.all if b["event_type"] == 7]) < 3
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    time.sleep(0.5)
    sevens = [b for b in callback_receiver.all if b["event_type"] == 7]
    assert len(sevens) == 3
    assert len({b["sequence"] for b in sevens}) == 1
    log = emulator.control("GET", "callbacks").json()["callbacks"]
    seven = next(d for d in log if d["event_type"] == 7)
    assert (seven["attempts"], seven["outcome"]) == (3, "failed")


def test_background_image_download_failure_is_reported(
    emulator, client, storage, callback_receiver
):
    """An unreachable MixOutputBackgroundImage yields event 3 with image_type 1 and the URL."""
    url = "http://127.0.0.1:9/missing.png"
    params = mixed_input(MixOutputBackgroundImage=url, IsAlwaysMix=True)
    task_id = client.start_record(
        "room1",
        record_input_params=params,
        storage_params=storage,
        record_output_params=outputs(callback_receiver),
    ).task_id
    event = callback_receiver.wait_for(3, task_id)
    assert event["detail"] == {"image_type": 1, "image_url": url}
    client.stop_record(task_id)


def test_screenshot_task_reports_each_jpg(emulator, client, storage, callback_receiver):
    """OutputFileFormat jpg: a jpg per stream at once, each with its own event 1; no RecordFiles."""
    emulator.publish("room1", "u1", "s1")
    params = {"RecordMode": 1, "StreamType": 2}
    out = outputs(callback_receiver, OutputFileFormat="jpg", SnapshotInterval=5)
    task_id = client.start_record(
        "room1", record_input_params=params, storage_params=storage, record_output_params=out
    ).task_id
    snapshot = callback_receiver.wait_for(1, task_id, timeout=30)
    (info,) = snapshot["detail"]["file_info"]
    assert info["file_id"].startswith(f"{task_id}_room1_u1_s1_V_") and info["file_id"].endswith(
        ".jpg"
    )
    assert client.describe_record_status(task_id).record_files == []
    client.stop_record(task_id)


def test_hls_recording_uploads_playlist_and_segments(
    emulator, client, storage, callback_receiver, s3_client, seaweed_s3
):
    """hls output: the m3u8 and its segments land in the bucket; RealtimeUploadFragment adds event 102."""
    emulator.publish("room1", "u1", "s1", video=False)
    params = mixed_input()
    params["StreamType"] = 1
    out = outputs(
        callback_receiver, OutputFileFormat="hls", FragmentSeconds=2, RealtimeUploadFragment=True
    )
    task_id = client.start_record(
        "room1", record_input_params=params, storage_params=storage, record_output_params=out
    ).task_id
    time.sleep(1.0)
    client.stop_record(task_id)
    uploaded = callback_receiver.wait_for(1, task_id, timeout=60)
    assert callback_receiver.events(task_id) == [7, 5, 102, 1]
    (info,) = uploaded["detail"]["file_info"]
    assert info["output_file_format"] == "hls" and info["file_id"].endswith(".m3u8")
    keys = [
        o["Key"]
        for o in s3_client.list_objects_v2(Bucket=seaweed_s3.bucket, Prefix=out["OutputFolder"])[
            "Contents"
        ]
    ]
    assert out["OutputFolder"] + info["file_id"] in keys
    assert any(key.endswith(".ts") for key in keys)
