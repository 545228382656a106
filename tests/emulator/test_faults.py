"""Fault injection over `/_emulator/faults`: gateway errors, slowness, lost StartRecord replies,
rate limits, callback mishaps and failed uploads."""

from __future__ import annotations

import time

import pytest
import requests

from tests.emulator.wire import call, code_of, common_params, mixed_input, start_body


def tasks_in(emulator) -> list[dict]:
    return emulator.control("GET", "tasks").json()["tasks"]


def start_with_callbacks(emulator, receiver, room="room1") -> str:
    body = start_body(room, outputs={"CallbackUrl": receiver.url})
    response = call(emulator, "StartRecord", body)
    assert code_of(response) == 0
    return response.json()["Data"]["TaskId"]


def test_faults_are_listed_and_cleared(emulator):
    """POST adds, GET lists what is active, DELETE clears; an unknown kind is a 400."""
    emulator.add_fault(kind="rate_limit", action="StopRecord", count=2)
    emulator.add_fault(kind="slow", delay=0.1, seconds=60)
    faults = emulator.control("GET", "faults").json()["faults"]
    assert [(f["kind"], f["action"], f["remaining"]) for f in faults] == [
        ("rate_limit", "StopRecord", 2),
        ("slow", None, None),
    ]
    assert faults[1]["delay"] == 0.1 and faults[1]["seconds_left"] > 59
    assert emulator.control("POST", "faults", json={"kind": "meteor"}).status_code == 400
    assert emulator.control("POST", "faults", json={"kind": "slow", "count": 0}).status_code == 400
    emulator.control("DELETE", "faults").raise_for_status()
    assert emulator.control("GET", "faults").json()["faults"] == []


def test_http_5xx_for_a_number_of_calls(emulator):
    """http_5xx with count 1 fails one matching call with that HTTP status and creates nothing."""
    emulator.add_fault(kind="http_5xx", status=502, action="StartRecord", count=1)
    assert call(emulator, "DescribeRecordStatus", {"TaskId": "x"}).status_code == 200
    failed = call(emulator, "StartRecord", start_body())
    assert failed.status_code == 502
    assert tasks_in(emulator) == []
    assert code_of(call(emulator, "StartRecord", start_body())) == 0


def test_http_5xx_after_the_action_ran(emulator):
    """With "after": true the task is created although the reply is a 503."""
    emulator.add_fault(kind="http_5xx", action="StartRecord", after=True, count=1)
    assert call(emulator, "StartRecord", start_body()).status_code == 503
    assert len(tasks_in(emulator)) == 1


def test_http_5xx_for_a_time_window(emulator):
    """A fault with `seconds` applies to every call until the window closes."""
    emulator.add_fault(kind="http_5xx", seconds=0.5)
    assert [
        call(emulator, "DescribeRecordStatus", {"TaskId": "x"}).status_code for _ in range(3)
    ] == [503] * 3
    time.sleep(0.6)
    assert call(emulator, "DescribeRecordStatus", {"TaskId": "x"}).status_code == 200


def test_slow_replies(emulator):
    """slow delays the reply by `delay` seconds."""
    emulator.add_fault(kind="slow", delay=0.5, count=1)
    started = time.monotonic()
    assert code_of(call(emulator, "DescribeRecordStatus", {"TaskId": "x"})) == 300001000
    assert time.monotonic() - started >= 0.5


def test_start_timeout_creates_the_task_but_the_reply_is_late(emulator):
    """start_timeout: the client times out, yet DescribeTasks shows the task it asked for."""
    emulator.add_fault(kind="start_timeout", delay=2, count=1)
    params = common_params(emulator, "StartRecord")
    with pytest.raises(requests.ReadTimeout):
        requests.post(emulator.url + "/", params=params, json=start_body("adopt-me"), timeout=0.5)
    now = int(time.time() * 1000)
    listed = call(
        emulator,
        "DescribeTasks",
        {"Status": 2, "RoomId": "adopt-me", "StartTime": now - 60_000, "EndTime": now + 1000},
    )
    assert listed.json()["Data"]["TotalCount"] == 1


def test_start_timeout_can_drop_the_connection(emulator):
    """start_timeout with mode drop closes the connection without a reply, after creating the task."""
    emulator.add_fault(kind="start_timeout", mode="drop", count=1)
    params = common_params(emulator, "StartRecord")
    with pytest.raises(requests.ConnectionError):
        requests.post(emulator.url + "/", params=params, json=start_body("dropped"), timeout=5)
    assert [t["room_id"] for t in tasks_in(emulator)] == ["dropped"]


def test_rate_limit_replies(emulator):
    """rate_limit answers 300000003 for the matching action only, `count` times."""
    emulator.add_fault(kind="rate_limit", action="DescribeRecordStatus", count=2)
    codes = [code_of(call(emulator, "DescribeRecordStatus", {"TaskId": "x"})) for _ in range(3)]
    assert codes == [300000003, 300000003, 300001000]
    assert code_of(call(emulator, "StopRecord", {"TaskId": "x"})) == 300001000


def test_dropped_callbacks(emulator, callback_receiver):
    """drop_callbacks for event 7: the receiver gets 5 and 1 only; the sequence shows the gap."""
    emulator.add_fault(kind="drop_callbacks", event_type=7, count=1)
    task_id = start_with_callbacks(emulator, callback_receiver)
    call(emulator, "StopRecord", {"TaskId": task_id})
    callback_receiver.wait_for(1, task_id)
    assert callback_receiver.events(task_id) == [5, 1]
    assert [b["sequence"] for b in callback_receiver.all] == [1, 2]
    log = emulator.control("GET", "callbacks").json()["callbacks"]
    assert [d["outcome"] for d in log if d["event_type"] == 7] == ["dropped"]


def test_duplicated_callbacks(emulator, callback_receiver):
    """duplicate_callbacks delivers the same body twice."""
    emulator.add_fault(kind="duplicate_callbacks", event_type=5, count=1)
    task_id = start_with_callbacks(emulator, callback_receiver)
    call(emulator, "StopRecord", {"TaskId": task_id})
    callback_receiver.wait_for(1, task_id)
    time.sleep(0.2)
    fives = [b for b in callback_receiver.all if b["event_type"] == 5]
    assert len(fives) == 2
    assert (
        fives[0]["signature"] == fives[1]["signature"]
        and fives[0]["sequence"] == fives[1]["sequence"]
    )


def test_reordered_callbacks(emulator, callback_receiver):
    """reorder_callbacks holds a callback back so later ones overtake it."""
    emulator.add_fault(kind="reorder_callbacks", event_type=7, delay=0.5, count=1)
    task_id = start_with_callbacks(emulator, callback_receiver)
    call(emulator, "StopRecord", {"TaskId": task_id})
    callback_receiver.wait_for(7, task_id)
    assert callback_receiver.events(task_id) == [5, 1, 7]


@pytest.mark.parametrize(("backup", "file_status", "upload_status"), [(True, 4, 2), (False, 5, 2)])
def test_upload_failure(emulator, callback_receiver, storage, backup, file_status, upload_status):
    """upload_failure: the file goes to backup (status 4), or with backup false is lost (status 5)."""
    emulator.add_fault(kind="upload_failure", count=1, backup=backup)
    emulator.publish("room1", "u1", "s1", video=False)
    inputs = mixed_input()
    inputs["StreamType"] = 1
    body = start_body(
        "room1", inputs=inputs, outputs={"CallbackUrl": callback_receiver.url}, storage=storage
    )
    task_id = call(emulator, "StartRecord", body).json()["Data"]["TaskId"]
    time.sleep(0.6)
    call(emulator, "StopRecord", {"TaskId": task_id})
    uploaded = callback_receiver.wait_for(1, task_id, timeout=60)
    assert uploaded["detail"]["upload_status"] == upload_status
    assert [f["status"] for f in uploaded["detail"]["file_info"]] == [file_status]
    record_files = call(emulator, "DescribeRecordStatus", {"TaskId": task_id}).json()["Data"][
        "RecordFiles"
    ]
    assert [f["Status"] for f in record_files] == [file_status]
    assert emulator.control("GET", "faults").json()["faults"] == [], (
        "the fault was used up by one file"
    )
