"""Every action over HTTP through `zego.Client`, and the business errors ZEGO documents."""

from __future__ import annotations

import time

import pytest

import zego
from tests.emulator.wire import STORAGE_PARAMS, call, code_of, mixed_input, start_body


def wait_for_status(client, task_id: str, status: int, timeout: float = 10) -> zego.RecordStatus:
    deadline = time.monotonic() + timeout
    while True:
        result = client.describe_record_status(task_id)
        if result.status == status:
            return result
        assert time.monotonic() < deadline, f"task stayed in status {result.status}"
        time.sleep(0.1)


@pytest.fixture
def client(emulator):
    return emulator.client(max_attempts=1)


def test_start_describe_pause_resume_layout_snapshot_stop(emulator, client):
    """A mixed task goes 1 → 2 → 5 → 2 → 3, accepting layout, whiteboard-less snapshot and stop."""
    emulator.publish("room1", "u1", "s1")
    task_id = client.start_record(
        "room1", record_input_params=mixed_input(), storage_params=STORAGE_PARAMS
    ).task_id
    assert len(task_id) == 16
    status = wait_for_status(client, task_id, 2)
    assert status.room_id == "room1" and status.record_end_timestamp == 0
    assert status.record_files[0].status == 1
    client.pause_record(task_id)
    assert client.describe_record_status(task_id).status == 5
    client.resume_record(task_id)
    client.update_layout(
        task_id,
        mix_mode=1,
        mix_input_list=[
            {"Left": 0, "Top": 0, "Right": 160, "Bottom": 180, "Layer": 1, "StreamId": "s1"}
        ],
    )
    client.take_snapshot(task_id)
    client.stop_record(task_id)
    ended = client.describe_record_status(task_id)
    assert ended.status == 3
    assert ended.record_end_timestamp >= ended.record_begin_timestamp


def test_describe_tasks_lists_running_and_ended(emulator, client):
    """DescribeTasks returns the task under TaskList with its status, filtered by RoomId."""
    task_id = client.start_record(
        "roomA", record_input_params=mixed_input(IsAlwaysMix=True), storage_params=STORAGE_PARAMS
    ).task_id
    running = client.describe_tasks(2, room_id="roomA")
    assert [t.task_id for t in running.tasks] == [task_id]
    assert running.raw["Data"]["TaskList"][0]["RoomId"] == "roomA"
    client.stop_record(task_id)
    assert [t.task_id for t in client.describe_tasks(3).tasks] == [task_id]
    assert client.describe_tasks(2, room_id="roomA").tasks == []


def test_rtc_room_queries(emulator, client):
    """Stream list, head count (with the recorder as admin) and user list reflect the room."""
    emulator.publish("class", "teacher", "teacher-cam")
    emulator.publish("class", "pupil", "pupil-mic", video=False)
    streams = client.describe_simple_stream_list("class").streams
    assert [(s.stream_id, s.user_id, s.stream_number_id) for s in streams] == [
        ("teacher-cam", "teacher", 0),
        ("pupil-mic", "pupil", 1),
    ]
    client.start_record("class", record_input_params=mixed_input(), storage_params=STORAGE_PARAMS)
    time.sleep(0.5)
    (count, empty) = client.describe_user_num(["class", "nobody"]).rooms
    assert (count.user_count, count.admin_user_count, empty.user_count) == (3, 1, 0)
    response = call(
        emulator, "DescribeUserList", {"RoomId": "class", "Limit": "2", "Mode": "1"}, method="GET"
    )
    data = response.json()["Data"]
    assert [u["UserRole"] for u in data["UserList"]] == [4, 1]
    assert data["Marker"] == "2"
    again = call(emulator, "DescribeUserList", {"RoomId": "class", "Marker": "2"}, method="GET")
    assert code_of(again) == 300000003, "DescribeUserList is limited to 1 call per second per room"


def test_rtc_stream_state(emulator):
    """DescribeRTCStreamState: 0 for a live stream, 41004 otherwise."""
    emulator.publish("room1", "u1", "s1")
    live = call(
        emulator, "DescribeRTCStreamState", {"StreamId": "s1", "Sequence": "1"}, method="GET"
    )
    gone = call(
        emulator, "DescribeRTCStreamState", {"StreamId": "nope", "Sequence": "1"}, method="GET"
    )
    assert [code_of(live), code_of(gone)] == [0, 41004]


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda b: b.pop("RoomId"), "RoomId"),
        (lambda b: b.pop("StorageParams"), "StorageParams"),
        (lambda b: b["RecordInputParams"].update(RecordMode=3), "RecordMode"),
        (lambda b: b["RecordInputParams"].update(StreamType="3"), "StreamType"),
        (lambda b: b["RecordInputParams"].update(MaxIdleTime=4), "MaxIdleTime"),
        (lambda b: b["RecordInputParams"].update(MaxRecordTime=86401), "MaxRecordTime"),
        (lambda b: b["RecordInputParams"].pop("MixConfig"), "MixConfig"),
        (
            lambda b: b["RecordInputParams"]["MixConfig"].pop("MixOutputStreamId"),
            "MixOutputStreamId",
        ),
        (
            lambda b: b["RecordInputParams"]["MixConfig"].pop("MixOutputVideoConfig"),
            "MixOutputVideoConfig",
        ),
        (
            lambda b: b["RecordInputParams"]["MixConfig"]["MixOutputVideoConfig"].update(
                Width=1920, Height=1920
            ),
            "1920x1080",
        ),
        (
            lambda b: b["RecordInputParams"]["MixConfig"]["MixOutputVideoConfig"].update(Fps=31),
            "Fps",
        ),
        (lambda b: b["RecordInputParams"]["MixConfig"].update(MixMode=1), "MixInputList"),
        (
            lambda b: b["RecordInputParams"]["MixConfig"].update(
                MixMode=1,
                MixInputList=[{"Left": 0, "Top": 0, "Right": 10, "Bottom": 10, "Layer": 1}] * 26,
            ),
            "26 tiles",
        ),
        (
            lambda b: b["RecordInputParams"]["MixConfig"].update(
                MixMode=1,
                MixInputList=[{"Left": 0, "Top": 0, "Right": 321, "Bottom": 10, "Layer": 1}],
            ),
            "Right",
        ),
        (
            lambda b: b["RecordInputParams"]["MixConfig"].update(
                MixOutputBackgroundImage="ftp://x/y.png"
            ),
            "MixOutputBackgroundImage",
        ),
        (lambda b: b["RecordInputParams"].update(HasWhiteboard=True), "Whiteboard"),
        (lambda b: b.update(RecordOutputParams={"OutputFileFormat": "avi"}), "OutputFileFormat"),
        (lambda b: b.update(RecordOutputParams={"OutputFileFormat": "mp3"}), "mp3"),
        (lambda b: b.update(RecordOutputParams={"SnapshotInterval": 4}), "SnapshotInterval"),
        (lambda b: b.update(RecordOutputParams={"CallbackUrl": "mailto:x"}), "CallbackUrl"),
        (lambda b: b.update(RecordOutputParams={"OutputFileRule": 2}), "OutputFileRule"),
        (lambda b: b["StorageParams"].pop("Bucket"), "Bucket"),
        (lambda b: b["StorageParams"].update(Vendor=11), "Vendor"),
        (
            lambda b: b.update(
                StorageParams={
                    "Vendor": 10,
                    "Bucket": "b",
                    "AccessKeyId": "k",
                    "AccessKeySecret": "s",
                }
            ),
            "EndPoint",
        ),
        (lambda b: b.update(StorageParams={"Vendor": 5}), "AlibabaCloudVodParams"),
    ],
)
def test_start_record_validation(emulator, mutate, needle):
    """Invalid StartRecord parameters answer 300000004 naming the offending field; no task is created."""
    body = start_body()
    body["StorageParams"] = dict(STORAGE_PARAMS)
    mutate(body)
    response = call(emulator, "StartRecord", body)
    assert code_of(response) == 300000004
    assert needle in response.json()["Message"]
    assert emulator.control("GET", "tasks").json()["tasks"] == []


def test_vendor_10_needs_no_region_and_gcs_needs_no_region(emulator):
    """S3-compatible (10) and GCS (8) are accepted without Region."""
    for storage in (
        {
            "Vendor": 10,
            "Bucket": "b",
            "AccessKeyId": "k",
            "AccessKeySecret": "s",
            "EndPoint": "http://127.0.0.1:1",
        },
        {"Vendor": 8, "Bucket": "b", "AccessKeyId": "k", "AccessKeySecret": "s"},
    ):
        assert code_of(call(emulator, "StartRecord", start_body(storage=storage))) == 0


def test_task_errors(emulator, client):
    """Unknown task 300001000, ended task 300001001, resume without pause 300001004."""
    task_id = client.start_record(
        "room1", record_input_params=mixed_input(), storage_params=STORAGE_PARAMS
    ).task_id
    assert code_of(call(emulator, "ResumeRecord", {"TaskId": task_id})) == 300001004
    assert code_of(call(emulator, "StopRecord", {"TaskId": "YRHu6-E4IyvEAAAD"})) == 300001000
    assert code_of(call(emulator, "StopRecord", {})) == 300000004
    assert code_of(call(emulator, "StopRecord", {"TaskId": task_id})) == 0
    for action in ("StopRecord", "PauseRecord", "UpdateLayout", "TakeSnapshot"):
        assert code_of(call(emulator, action, {"TaskId": task_id})) == 300001001
    assert code_of(call(emulator, "DescribeRecordStatus", {"TaskId": task_id})) == 0


def test_update_layout_errors(emulator, client):
    """UpdateLayout validates tiles like StartRecord: >25 tiles, MixMode 1 without tiles, two whiteboard tiles."""
    task_id = client.start_record(
        "room1", record_input_params=mixed_input(), storage_params=STORAGE_PARAMS
    ).task_id
    tile = {"Left": 0, "Top": 0, "Right": 10, "Bottom": 10, "Layer": 1}
    for body in (
        {"MixMode": 1, "MixInputList": [tile] * 26},
        {"MixMode": 1},
        {"MixMode": 1, "MixInputList": [{**tile, "ViewType": 2}, {**tile, "ViewType": 2}]},
        {"MixMode": 6},
    ):
        assert code_of(call(emulator, "UpdateLayout", {"TaskId": task_id, **body})) == 300000004
    assert code_of(call(emulator, "UpdateLayout", {"TaskId": task_id, "MixMode": 4})) == 0


def test_whiteboard_update_and_describe_tasks_validation(emulator, client):
    """UpdateWhiteboard needs HasWhiteboard; DescribeTasks checks Status and its 3-day time window."""
    inputs = mixed_input(IsAlwaysMix=True)
    inputs.update(HasWhiteboard=True, Whiteboard=[{"HorizontalRatio": 16, "VerticalRatio": 9}])
    board_task = client.start_record(
        "room1", record_input_params=inputs, storage_params=STORAGE_PARAMS
    ).task_id
    assert (
        code_of(call(emulator, "UpdateWhiteboard", {"TaskId": board_task, "WhiteboardId": "wb-1"}))
        == 0
    )
    assert emulator.task(board_task)["whiteboard_id"] == "wb-1"
    plain = client.start_record(
        "room2", record_input_params=mixed_input(), storage_params=STORAGE_PARAMS
    ).task_id
    assert (
        code_of(call(emulator, "UpdateWhiteboard", {"TaskId": plain, "WhiteboardId": "wb-1"}))
        == 300000004
    )
    now = int(time.time() * 1000)
    day = 86400 * 1000
    assert (
        code_of(
            call(emulator, "DescribeTasks", {"Status": 1, "StartTime": now - day, "EndTime": now})
        )
        == 300000004
    )
    assert (
        code_of(
            call(
                emulator, "DescribeTasks", {"Status": 2, "StartTime": now - 4 * day, "EndTime": now}
            )
        )
        == 300000004
    )
    assert (
        code_of(call(emulator, "DescribeTasks", {"Status": 2, "StartTime": now, "EndTime": now}))
        == 300000004
    )
    assert (
        code_of(
            call(
                emulator,
                "DescribeTasks",
                {"Status": 2, "StartTime": now - day, "EndTime": now, "PageSize": 51},
            )
        )
        == 300000004
    )


def test_three_day_query_window(emulator, client):
    """A task started more than 3 (timer) days ago is no longer found."""
    task_id = client.start_record(
        "room1", record_input_params=mixed_input(), storage_params=STORAGE_PARAMS
    ).task_id
    client.stop_record(task_id)
    emulator.control("POST", "clock", json={"advance": 3 * 86400}).raise_for_status()
    assert code_of(call(emulator, "DescribeRecordStatus", {"TaskId": task_id})) == 300001000


def test_pause_on_single_stream_task_is_invalid(emulator, client):
    """PauseRecord and TakeSnapshot are for mixed-stream tasks only."""
    task_id = client.start_record(
        "room1", record_input_params={"RecordMode": 1}, storage_params=STORAGE_PARAMS
    ).task_id
    assert code_of(call(emulator, "PauseRecord", {"TaskId": task_id})) == 300000004
    assert code_of(call(emulator, "TakeSnapshot", {"TaskId": task_id})) == 300000004


def test_control_api_rooms(emulator):
    """Streams are added and removed over the control API; duplicates conflict; rooms are listed per app."""
    created = emulator.publish("r1", "u1", "s1", video=False)
    assert created["stream"]["audio"] is True and created["stream"]["video"] is False
    assert (
        emulator.control(
            "POST", "rooms/r2/streams", json={"user_id": "u2", "stream_id": "s1"}
        ).status_code
        == 409
    )
    assert emulator.control("POST", "rooms/r2/streams", json={"user_id": "u2"}).status_code == 400
    assert (
        emulator.control(
            "POST", "rooms/r2/streams?app_id=1", json={"user_id": "u", "stream_id": "x"}
        ).status_code
        == 404
    )
    rooms = emulator.control("GET", "rooms").json()["rooms"]
    assert [(r["app_id"], r["room_id"], [s["stream_id"] for s in r["streams"]]) for r in rooms] == [
        (emulator.app_id, "r1", ["s1"])
    ]
    emulator.unpublish("r1", "s1")
    assert emulator.control("DELETE", "rooms/r1/streams/s1").status_code == 404
