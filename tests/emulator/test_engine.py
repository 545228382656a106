"""The emulator's state machine without HTTP: timers, media time, files, uploads and callbacks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.emulator.fakes import FakeBackend, make_engine, sent_events, wait_until
from zego_emulator import media, protocol
from zego_emulator.protocol import ApiError
from zego_emulator.validation import TaskQuery, validate_start_record

APP = 1234567890
STORAGE = {
    "Vendor": 1,
    "Region": "us-east-1",
    "Bucket": "rec",
    "AccessKeyId": "k",
    "AccessKeySecret": "s",
}


def mixed_request(room="room1", **mix):
    config = {
        "MixMode": 2,
        "MixOutputStreamId": "mix",
        "MixOutputVideoConfig": {"Width": 640, "Height": 360, "Fps": 15, "Bitrate": 500000},
        **mix,
    }
    body = {
        "RoomId": room,
        "RecordInputParams": {"RecordMode": 2, "MixConfig": config},
        "StorageParams": STORAGE,
    }
    body["RecordOutputParams"] = {"OutputFolder": "rec/"}
    return validate_start_record(body)


def single_request(room="room1", **inputs):
    body = {
        "RoomId": room,
        "RecordInputParams": {"RecordMode": 1, **inputs},
        "StorageParams": STORAGE,
    }
    return validate_start_record(body)


@pytest.fixture
def setup(tmp_path):
    engine, clock, backend = make_engine(tmp_path)
    yield engine, clock, backend
    engine.stop()


def test_mixed_task_waits_for_a_publisher_unless_always_mix(setup):
    """IsAlwaysMix false: status 1 until someone publishes; IsAlwaysMix true: recording at once."""
    engine, clock, _ = setup
    waiting = engine.start_task(APP, mixed_request())
    always = engine.start_task(APP, mixed_request(room="room2", IsAlwaysMix=True))
    assert engine.describe_task(APP, waiting)["Status"] == 1
    assert engine.describe_task(APP, always)["Status"] == 2
    engine.publish(APP, "room1", "s1", "u1", "u1")
    assert engine.describe_task(APP, waiting)["Status"] == 2


def test_pauses_are_cut_out_of_media_time_and_layout_times(setup):
    """Paused spans are removed from stream intervals, layout change times and the duration."""
    engine, clock, backend = setup
    engine.publish(APP, "room1", "s1", "u1", "u1")
    task_id = engine.start_task(APP, mixed_request())
    clock.pass_real(2)
    engine.pause_task(APP, task_id)
    assert engine.describe_task(APP, task_id)["Status"] == 5
    clock.pass_real(3)
    engine.resume_task(APP, task_id)
    clock.pass_real(1)
    engine.update_layout(APP, task_id, {"MixMode": 3, "MixMaxResolutionStreamId": "s1"})
    clock.pass_real(1)
    engine.stop_task(APP, task_id)
    wait_until(lambda: backend.plans)
    plan = backend.plans[0]
    assert plan.duration == 4.0
    assert plan.tracks[0].intervals == [(0.0, 4.0)]
    assert [(at, spec.mix_mode) for at, spec in plan.mix.layouts] == [(0.0, 2), (3.0, 3)]
    assert plan.mix.layouts[1][1].max_resolution_stream_id == "s1"


def test_single_mode_follows_publish_and_unpublish(setup):
    """Each stream is recorded while published; a republish adds an interval; new streams join."""
    engine, clock, backend = setup
    engine.publish(APP, "room1", "s1", "u1", "u1")
    task_id = engine.start_task(APP, single_request())
    clock.pass_real(1)
    engine.unpublish(APP, "room1", "s1")
    clock.pass_real(1)
    engine.publish(APP, "room1", "s1", "u1", "u1")
    engine.publish(APP, "room1", "s2", "u2", "u2", audio=True, video=False)
    clock.pass_real(1)
    engine.stop_task(APP, task_id)
    wait_until(lambda: backend.plans)
    tracks = {t.stream_id: t for t in backend.plans[0].tracks}
    assert tracks["s1"].intervals == [(0.0, 1.0), (2.0, 3.0)]
    assert tracks["s2"].intervals == [(2.0, 3.0)]
    assert (tracks["s2"].audio, tracks["s2"].video) == (True, False)
    assert tracks["s1"].index != tracks["s2"].index


def test_record_stream_list_limits_streams_and_reports_missing_ones(setup):
    """Only listed streams are recorded; a listed stream absent at start yields event 6."""
    engine, clock, backend = setup
    engine.publish(APP, "room1", "s1", "u1", "u1")
    engine.publish(APP, "room1", "s2", "u2", "u2")
    task_id = engine.start_task(
        APP, single_request(RecordStreamList=[{"StreamId": "s2"}, {"StreamId": "ghost"}])
    )
    clock.pass_real(1)
    engine.stop_task(APP, task_id)
    wait_until(lambda: backend.plans)
    assert [t.stream_id for t in backend.plans[0].tracks] == ["s2"]
    missing = [d["body"]["detail"] for d in engine.callbacks.deliveries() if d["event_type"] == 6]
    assert missing == [{"stream_id": "ghost"}]


def test_stop_sends_7_5_then_upload_result_and_files_are_uploaded(setup):
    """StopRecord: status 3 at once, callbacks 7 and 5, then event 1 once every file is uploaded."""
    engine, clock, backend = setup
    engine.publish(APP, "room1", "s1", "u1", "u1")
    task_id = engine.start_task(APP, mixed_request())
    clock.pass_real(2)
    engine.stop_task(APP, task_id)
    assert engine.describe_task(APP, task_id)["Status"] == 3
    wait_until(lambda: 1 in sent_events(engine, task_id))
    assert sent_events(engine, task_id) == [7, 5, 1]
    files = engine.describe_task(APP, task_id)["RecordFiles"]
    assert [f["Status"] for f in files] == [3]
    assert files[0]["FileUrl"].endswith("/rec/" + files[0]["FileId"])
    assert backend.uploads == [("rec/" + files[0]["FileId"], "video/mp4")]
    event = [d["body"] for d in engine.callbacks.deliveries() if d["event_type"] == 1][0]
    assert event["detail"]["upload_status"] == 1
    assert event["sequence"] == 2


def test_upload_failure_keeps_file_in_backup_for_three_days(setup, tmp_path):
    """A failed upload leaves the file in backup storage (status 4) until 3 timer-days pass."""
    engine, clock, backend = setup
    backend.fail_uploads = True
    engine.publish(APP, "room1", "s1", "u1", "u1")
    task_id = engine.start_task(APP, mixed_request())
    clock.pass_real(1)
    engine.stop_task(APP, task_id)
    wait_until(lambda: 1 in sent_events(engine, task_id))
    files = engine.describe_task(APP, task_id)["RecordFiles"]
    assert files[0]["Status"] == 4
    backup = tmp_path / "backup" / str(APP) / task_id / files[0]["FileId"]
    assert backup.read_bytes() == b"fake-mp4"
    clock.advance(3 * 86400)
    engine.tick()
    assert not backup.exists()
    with pytest.raises(ApiError) as error:
        engine.describe_task(APP, task_id)
    assert error.value.code == protocol.TASK_NOT_FOUND


def test_idle_task_ends_abnormally_with_room_empty_callbacks(setup):
    """No stream for MaxIdleTime: event 4 while idle, then status 4 with event 2 quit_reason 3."""
    engine, clock, backend = setup
    task_id = engine.start_task(APP, mixed_request(room="empty"))
    engine.tick()
    clock.pass_real(6)
    engine.tick()
    assert engine.describe_task(APP, task_id)["Status"] == 1
    clock.pass_real(25)
    engine.tick()
    data = engine.describe_task(APP, task_id)
    assert data["Status"] == 4
    assert "RecordFiles" not in data
    wait_until(lambda: 1 in sent_events(engine, task_id))
    assert sent_events(engine, task_id) == [4, 2, 1]
    quit_event = [d["body"] for d in engine.callbacks.deliveries() if d["event_type"] == 2][0]
    assert quit_event["detail"] == {"quit_reason": 3}
    assert not backend.plans


def test_max_record_time_ends_the_task(setup):
    """MaxRecordTime passed on the timer clock: status 4, quit_reason 4."""
    engine, clock, _ = setup
    engine.publish(APP, "room1", "s1", "u1", "u1")
    task_id = engine.start_task(APP, single_request(MaxRecordTime=300))
    clock.pass_real(299)
    engine.tick()
    assert engine.describe_task(APP, task_id)["Status"] == 2
    clock.pass_real(1)
    engine.tick()
    assert engine.describe_task(APP, task_id)["Status"] == 4
    assert engine.tasks[task_id].quit_reason == 4


def test_state_errors(setup):
    """Ended tasks refuse changes, resume needs a pause, pause and layout need a mixed task."""
    engine, _, _ = setup
    single = engine.start_task(APP, single_request())
    for call, code in [
        (lambda: engine.resume_task(APP, single), protocol.TASK_NOT_PAUSED),
        (lambda: engine.pause_task(APP, single), protocol.INVALID_PARAMETER),
        (lambda: engine.update_layout(APP, single, {"MixMode": 2}), protocol.INVALID_PARAMETER),
        (lambda: engine.take_snapshot(APP, single), protocol.INVALID_PARAMETER),
        (lambda: engine.update_whiteboard(APP, single, "wb1"), protocol.INVALID_PARAMETER),
        (lambda: engine.stop_task(APP, "AAAAAAAAAAAAAAAA"), protocol.TASK_NOT_FOUND),
        (lambda: engine.stop_task(APP + 1, single), protocol.TASK_NOT_FOUND),
    ]:
        with pytest.raises(ApiError) as error:
            call()
        assert error.value.code == code
    engine.stop_task(APP, single)
    with pytest.raises(ApiError) as error:
        engine.stop_task(APP, single)
    assert error.value.code == protocol.TASK_ENDED


def test_concurrent_task_limit(tmp_path):
    """Starting more running tasks than the limit answers 300000006."""
    engine, _, _ = make_engine(tmp_path, max_concurrent_tasks=2)
    engine.start_task(APP, single_request())
    engine.start_task(APP, single_request())
    with pytest.raises(ApiError) as error:
        engine.start_task(APP, single_request())
    assert error.value.code == protocol.TOO_MANY_TASKS
    engine.stop()


def test_describe_tasks_filters_by_status_room_and_time_and_pages(setup):
    """Status 2 = running (incl. initialising/paused), 3 = ended; RoomId filter; paging."""
    engine, clock, _ = setup
    ids = [engine.start_task(APP, single_request(room=f"r{i % 2}")) for i in range(5)]
    engine.stop_task(APP, ids[0])
    now_ms = int(clock.now * 1000)

    def query(status, room=None, offset=1, size=50):
        return engine.describe_tasks(
            APP, TaskQuery(status, room, offset, size, now_ms - 1000, now_ms + 1000)
        )

    assert [t["TaskId"] for t in query(3)["TaskList"]] == [ids[0]]
    assert query(2)["TotalCount"] == 4
    assert {t["RoomId"] for t in query(2, room="r1")["TaskList"]} == {"r1"}
    page = query(2, offset=2, size=3)
    assert page["TotalCount"] == 4 and len(page["TaskList"]) == 1


def test_snapshot_of_a_recording_mixed_task_is_uploaded_and_reported(setup):
    """TakeSnapshot renders the current mixed picture at the current media second and sends event 1."""
    engine, clock, backend = setup
    engine.publish(APP, "room1", "s1", "u1", "u1")
    task_id = engine.start_task(APP, mixed_request())
    clock.pass_real(2)
    engine.take_snapshot(APP, task_id)
    wait_until(lambda: 1 in sent_events(engine, task_id))
    plan, at = backend.snapshots[0]
    assert at == 2.0
    event = [d["body"] for d in engine.callbacks.deliveries() if d["event_type"] == 1][0]
    (info,) = event["detail"]["file_info"]
    assert info["output_file_format"] == "jpg" and info["status"] == 3
    assert info["file_id"].endswith(".jpg")


class SnapshotPaintingBackend(FakeBackend):
    """Paints snapshots with the real media module (uploads stay fake) and keeps each picture."""

    types = media

    def __init__(self) -> None:
        super().__init__()
        self.pictures: list[np.ndarray] = []

    def render_snapshot(self, plan, at: float, out_path: Path) -> Path:
        self.snapshots.append((plan, at))
        path = media.render_snapshot(plan, at, out_path)
        self.pictures.append(np.asarray(Image.open(path).convert("RGB")))
        return path


def looks_like(pixel, colour, tolerance=40) -> bool:
    return all(abs(int(p) - c) <= tolerance for p, c in zip(pixel, colour, strict=True))


def test_snapshots_show_each_publishers_tile_through_layout_change_pause_and_resume(tmp_path):
    """TakeSnapshot shows what the mix shows at that moment: s1 (red) and s2 (green) side by
    side in the grid, then swapped by a custom layout, also after a pause and resume."""
    engine, clock, _ = make_engine(tmp_path)
    backend = engine.pipeline.backend = SnapshotPaintingBackend()
    red, green = media.STREAM_COLOURS[0], media.STREAM_COLOURS[1]
    left_centre, right_centre = (180, 160), (180, 480)  # (row, column) of the 320×360 tiles
    swapped = {
        "MixMode": 1,
        "MixInputList": [
            {"StreamId": "s2", "Left": 0, "Top": 0, "Right": 320, "Bottom": 360, "Layer": 1},
            {"StreamId": "s1", "Left": 320, "Top": 0, "Right": 640, "Bottom": 360, "Layer": 1},
        ],
    }

    def snapshot() -> np.ndarray:
        taken = len(backend.pictures)
        engine.take_snapshot(APP, task_id)
        wait_until(lambda: len(backend.pictures) > taken)
        return backend.pictures[-1]

    try:
        engine.publish(APP, "room1", "s1", "u1", "u1")
        engine.publish(APP, "room1", "s2", "u2", "u2")
        task_id = engine.start_task(APP, mixed_request())
        clock.pass_real(2)
        grid = snapshot()
        engine.update_layout(APP, task_id, swapped)
        at_the_change = snapshot()
        clock.pass_real(1)
        engine.pause_task(APP, task_id)
        clock.pass_real(1)
        engine.resume_task(APP, task_id)
        on_resuming = snapshot()
        clock.pass_real(1)
        resumed = snapshot()
    finally:
        engine.stop()
    assert looks_like(grid[left_centre], red) and looks_like(grid[right_centre], green)
    for picture in (at_the_change, on_resuming, resumed):
        assert looks_like(picture[left_centre], green) and looks_like(picture[right_centre], red)


@pytest.mark.parametrize("record_mode", [1, 2])
def test_a_screenshot_tasks_first_jpg_shows_the_publisher(tmp_path, record_mode):
    """The JPG at media second 0 (nothing recorded yet) shows the stream published then."""
    engine, clock, _ = make_engine(tmp_path)
    backend = engine.pipeline.backend = SnapshotPaintingBackend()
    inputs = {"RecordMode": record_mode, "StreamType": 2}
    if record_mode == 2:
        inputs["MixConfig"] = {
            "MixMode": 2,
            "MixOutputStreamId": "mix",
            "MixOutputVideoConfig": {"Width": 640, "Height": 360, "Fps": 15, "Bitrate": 500000},
        }
    body = {
        "RoomId": "room1",
        "RecordInputParams": inputs,
        "RecordOutputParams": {"OutputFileFormat": "jpg"},
        "StorageParams": STORAGE,
    }
    try:
        engine.publish(APP, "room1", "s1", "u1", "u1")
        engine.start_task(APP, validate_start_record(body))
        engine.tick()
        wait_until(lambda: backend.pictures)
    finally:
        engine.stop()
    assert looks_like(backend.pictures[0][180, 320], media.STREAM_COLOURS[0])


def test_screenshot_task_takes_one_snapshot_per_interval_and_lists_no_files(setup):
    """OutputFileFormat jpg: a snapshot at media second 0 and every SnapshotInterval; no RecordFiles."""
    engine, clock, backend = setup
    engine.publish(APP, "room1", "s1", "u1", "u1")
    body = {
        "RoomId": "room1",
        "RecordInputParams": {"RecordMode": 1, "StreamType": 2},
        "RecordOutputParams": {"OutputFileFormat": "jpg", "SnapshotInterval": 5},
        "StorageParams": STORAGE,
    }
    task_id = engine.start_task(APP, validate_start_record(body))
    engine.tick()
    clock.pass_real(5)
    engine.tick()
    wait_until(lambda: len(backend.snapshots) == 2)
    assert sorted(at for _, at in backend.snapshots) == [0.0, 5.0]
    engine.stop_task(APP, task_id)
    assert "RecordFiles" not in engine.describe_task(APP, task_id)


def test_reset_forgets_everything(setup):
    """After reset no task, room or fault remains."""
    engine, _, _ = setup
    engine.publish(APP, "room1", "s1", "u1", "u1")
    engine.start_task(APP, single_request())
    engine.faults.add({"kind": "rate_limit"})
    engine.reset()
    assert engine.tasks_json() == [] and engine.rooms_json() == [] and engine.faults.active() == []
