"""One handler per ZEGO action: (engine, app_id, params) -> Data dict or None; errors raise ApiError."""

from __future__ import annotations

from . import protocol
from .engine import Engine
from .protocol import ApiError, invalid
from .validation import (
    get_int,
    get_str,
    validate_describe_tasks,
    validate_start_record,
    validate_task_id,
)

MAX_ROOMS_PER_USER_NUM = 10
MAX_USER_LIST_LIMIT = 200


def start_record(engine: Engine, app_id: int, params: dict) -> dict:
    request = validate_start_record(params)
    return {"TaskId": engine.start_task(app_id, request)}


def stop_record(engine: Engine, app_id: int, params: dict) -> None:
    engine.stop_task(app_id, validate_task_id(params))


def pause_record(engine: Engine, app_id: int, params: dict) -> None:
    engine.pause_task(app_id, validate_task_id(params))


def resume_record(engine: Engine, app_id: int, params: dict) -> None:
    engine.resume_task(app_id, validate_task_id(params))


def update_layout(engine: Engine, app_id: int, params: dict) -> None:
    engine.update_layout(app_id, validate_task_id(params), params)


def update_whiteboard(engine: Engine, app_id: int, params: dict) -> None:
    task_id = validate_task_id(params)
    engine.update_whiteboard(app_id, task_id, get_str(params, "WhiteboardId", "", required=True))


def take_snapshot(engine: Engine, app_id: int, params: dict) -> None:
    engine.take_snapshot(app_id, validate_task_id(params))


def describe_record_status(engine: Engine, app_id: int, params: dict) -> dict:
    return engine.describe_task(app_id, validate_task_id(params))


def describe_tasks(engine: Engine, app_id: int, params: dict) -> dict:
    query = validate_describe_tasks(params, int(engine.clock.wall() * 1000))
    return engine.describe_tasks(app_id, query)


def describe_simple_stream_list(engine: Engine, app_id: int, params: dict) -> dict:
    room_id = get_str(params, "RoomId", "", required=True)
    streams = engine.room_streams(app_id, room_id)
    return {
        "StreamList": [
            {
                "StreamId": s.stream_id,
                "UserId": s.user_id,
                "UserName": s.user_name,
                "CreateTime": int(s.created * 1000),
                "StreamNumberId": s.index,
            }
            for s in streams
        ]
    }


def describe_user_num(engine: Engine, app_id: int, params: dict) -> dict:
    room_ids = params.get("RoomId[]") or params.get("RoomId") or []
    if isinstance(room_ids, str):
        room_ids = [room_ids]
    if not room_ids or not all(isinstance(r, str) and r for r in room_ids):
        raise invalid("RoomId[] is required")
    if len(room_ids) > MAX_ROOMS_PER_USER_NUM:
        raise invalid(f"at most {MAX_ROOMS_PER_USER_NUM} RoomId[] per call")
    counts = []
    for room_id in room_ids:
        users = engine.room_users(app_id, room_id)
        admins = sum(1 for user in users if user["UserRole"] == 4)
        counts.append({"RoomId": room_id, "UserCount": len(users), "AdminUserCount": admins})
    return {"UserCountList": counts}


def describe_user_list(engine: Engine, app_id: int, params: dict) -> dict:
    room_id = get_str(params, "RoomId", "", required=True)
    mode = int_param(params, "Mode", 0, {0, 1})
    limit = (
        int_param(params, "Limit", MAX_USER_LIST_LIMIT, set(range(MAX_USER_LIST_LIMIT + 1)))
        or MAX_USER_LIST_LIMIT
    )
    marker = params.get("Marker") or ""
    if marker and not marker.isdigit():
        raise invalid("Marker is not a valid cursor")
    users = engine.room_users(app_id, room_id)
    if mode == 1:
        users.reverse()
    start = int(marker or 0)
    page = users[start : start + limit]
    next_marker = str(start + limit) if start + limit < len(users) else ""
    return {
        "Marker": next_marker,
        "UserList": [
            {key: user[key] for key in ("UserId", "UserName", "UserRole")} for user in page
        ],
    }


def describe_rtc_stream_state(engine: Engine, app_id: int, params: dict) -> None:
    stream_id = get_str(params, "StreamId", "", required=True)
    with engine.lock:
        if engine.find_stream(app_id, stream_id) is None:
            raise ApiError(protocol.RTC_STREAM_NOT_FOUND)


def int_param(params: dict, key: str, default: int, allowed: set[int]) -> int:
    """RTC actions are GET: their integers arrive as query strings."""
    raw = params.get(key)
    if raw in (None, ""):
        return default
    if isinstance(raw, str):
        if not raw.lstrip("-").isdigit():
            raise invalid(f"{key} must be an integer")
        raw = int(raw)
    return get_int({key: raw}, key, "", choices=allowed)


HANDLERS = {
    "StartRecord": start_record,
    "StopRecord": stop_record,
    "PauseRecord": pause_record,
    "ResumeRecord": resume_record,
    "UpdateLayout": update_layout,
    "UpdateWhiteboard": update_whiteboard,
    "TakeSnapshot": take_snapshot,
    "DescribeRecordStatus": describe_record_status,
    "DescribeTasks": describe_tasks,
    "DescribeSimpleStreamList": describe_simple_stream_list,
    "DescribeUserNum": describe_user_num,
    "DescribeUserList": describe_user_list,
    "DescribeRTCStreamState": describe_rtc_stream_state,
}
assert set(HANDLERS) == set(protocol.ACTION_QPS)
