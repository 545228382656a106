"""What goes on the wire for every action."""

from __future__ import annotations

import re

import pytest

import zego
from tests.zego.conftest import (
    APP_ID,
    DESCRIBE_TASKS_DATA,
    NOW,
    RECORD_STATUS_DATA,
    SERVER_SECRET,
    START_RECORD_BODY,
    STREAM_LIST_DATA,
    USER_LIST_DATA,
    USER_NUM_DATA,
    body_of,
    ok,
    query_of,
    queue,
    sent,
)

NOW_MS = int(NOW * 1000)
THREE_DAYS_MS = 3 * 24 * 3600 * 1000

RECORDING_CASES = [
    (
        "start_record",
        ("room1",),
        {
            "record_input_params": START_RECORD_BODY["RecordInputParams"],
            "record_output_params": START_RECORD_BODY["RecordOutputParams"],
            "storage_params": START_RECORD_BODY["StorageParams"],
        },
        "StartRecord",
        START_RECORD_BODY,
        {"TaskId": "YRHu6-E4IyvEAAAD"},
    ),
    ("stop_record", ("T1",), {}, "StopRecord", {"TaskId": "T1"}, None),
    (
        "describe_record_status",
        ("YRHu6-E4IyvEAAAD",),
        {},
        "DescribeRecordStatus",
        {"TaskId": "YRHu6-E4IyvEAAAD"},
        RECORD_STATUS_DATA,
    ),
    (
        "describe_tasks",
        (2,),
        {
            "room_id": "room1",
            "page_offset": 1,
            "page_size": 20,
            "start_time": NOW_MS - 3600_000,
            "end_time": NOW_MS,
        },
        "DescribeTasks",
        {
            "Status": 2,
            "RoomId": "room1",
            "PageOffset": 1,
            "PageSize": 20,
            "StartTime": NOW_MS - 3600_000,
            "EndTime": NOW_MS,
        },
        DESCRIBE_TASKS_DATA,
    ),
    (
        "update_layout",
        ("T1",),
        {
            "mix_mode": 1,
            "mix_input_list": [
                zego.MixInputTile(left=0, top=0, right=540, bottom=720, layer=1, stream_id="s1"),
                {"Left": 540, "Top": 0, "Right": 1080, "Bottom": 360, "Layer": 1},
            ],
            "mix_max_resolution_stream_id": "s1",
        },
        "UpdateLayout",
        {
            "TaskId": "T1",
            "MixMode": 1,
            "MixInputList": [
                {"Left": 0, "Top": 0, "Right": 540, "Bottom": 720, "Layer": 1, "StreamId": "s1"},
                {"Left": 540, "Top": 0, "Right": 1080, "Bottom": 360, "Layer": 1},
            ],
            "MixMaxResolutionStreamId": "s1",
        },
        None,
    ),
    (
        "update_whiteboard",
        ("T1",),
        {"whiteboard_id": "wb-9"},
        "UpdateWhiteboard",
        {"TaskId": "T1", "WhiteboardId": "wb-9"},
        None,
    ),
    ("pause_record", ("T1",), {}, "PauseRecord", {"TaskId": "T1"}, None),
    ("resume_record", ("T1",), {}, "ResumeRecord", {"TaskId": "T1"}, None),
    ("take_snapshot", ("T1",), {}, "TakeSnapshot", {"TaskId": "T1"}, None),
]

RTC_CASES = [
    (
        "describe_simple_stream_list",
        ("room1",),
        {},
        "DescribeSimpleStreamList",
        {"RoomId": ["room1"]},
        STREAM_LIST_DATA,
    ),
    (
        "describe_user_num",
        (["room1", "room2"],),
        {},
        "DescribeUserNum",
        {"RoomId[]": ["room1", "room2"]},
        USER_NUM_DATA,
    ),
    (
        "describe_user_list",
        ("room_demo",),
        {"mode": 0, "limit": 2, "marker": ""},
        "DescribeUserList",
        {"RoomId": ["room_demo"], "Mode": ["0"], "Limit": ["2"], "Marker": [""]},
        USER_LIST_DATA,
    ),
]


def assert_signed(query: dict[str, list[str]], action: str) -> None:
    assert query["Action"] == [action]
    assert query["AppId"] == [str(APP_ID)]
    assert re.fullmatch(r"[0-9a-f]{16}", query["SignatureNonce"][0])
    assert query["Timestamp"] == [str(int(NOW))]
    assert query["SignatureVersion"] == ["2.0"]
    expected = zego.sign(APP_ID, query["SignatureNonce"][0], SERVER_SECRET, int(NOW))
    assert query["Signature"] == [expected]


@pytest.mark.parametrize(("method", "args", "kwargs", "action", "body", "data"), RECORDING_CASES)
def test_it_posts_recording_actions_as_json(
    client, session, method, args, kwargs, action, body, data
):
    """Recording actions are POST /?<common params> with a JSON object body."""
    queue(session, ok(data))
    getattr(client, method)(*args, **kwargs)
    request = sent(session)
    assert request.method == "POST"
    assert request.url.startswith("https://cloudrecord-api.zego.im/?Action=")
    assert request.headers["Content-Type"] == "application/json"
    assert set(query_of(request)) == {
        "Action",
        "AppId",
        "SignatureNonce",
        "Timestamp",
        "Signature",
        "SignatureVersion",
    }
    assert_signed(query_of(request), action)
    assert body_of(request) == body


@pytest.mark.parametrize(("method", "args", "kwargs", "action", "params", "data"), RTC_CASES)
def test_it_gets_rtc_actions_with_everything_in_the_query(
    client, session, method, args, kwargs, action, params, data
):
    """RTC room actions are GET on rtc-api with business params in the query string."""
    queue(session, ok(data, message="success"))
    getattr(client, method)(*args, **kwargs)
    request = sent(session)
    query = query_of(request)
    assert request.method == "GET"
    assert request.url.startswith("https://rtc-api.zego.im/?Action=")
    assert request.body is None
    assert_signed(query, action)
    assert {key: value for key, value in query.items() if key in params} == params


def test_it_sends_room_id_arrays_with_brackets(client, session):
    """DescribeUserNum repeats `RoomId[]` once per room (brackets percent-encoded)."""
    queue(session, ok(USER_NUM_DATA))
    client.describe_user_num(["a b", "c&d"])
    assert "&RoomId%5B%5D=a%20b&RoomId%5B%5D=c%26d" in sent(session).url


def test_it_accepts_a_single_room_for_describe_user_num(client, session):
    """A lone room id is sent as a one-element array."""
    queue(session, ok(USER_NUM_DATA))
    client.describe_user_num("room1")
    assert query_of(sent(session))["RoomId[]"] == ["room1"]


def test_it_signs_every_request_afresh(client, session):
    """Each call gets a new nonce and therefore a new signature."""
    queue(session, ok(), ok())
    client.stop_record("T1")
    client.stop_record("T1")
    first, second = (query_of(sent(session, i)) for i in (0, 1))
    assert first["SignatureNonce"] != second["SignatureNonce"]
    assert first["Signature"] != second["Signature"]


def test_it_sets_timeout_user_agent_and_no_redirects(client, session):
    """Every send carries the timeout, the console's User-Agent, and doesn't follow redirects."""
    queue(session, ok())
    client.pause_record("T1")
    call = session.send.call_args
    assert call.kwargs["timeout"] == 10.0
    assert call.kwargs["allow_redirects"] is False
    assert call.args[0].headers["User-Agent"].startswith("Recdesk/0.1 (+zego client)")


def test_it_uses_configured_hosts_and_timeout(session):
    """Regional hosts and the timeout are configurable; a trailing slash is tolerated."""
    regional = zego.Client(
        APP_ID,
        SERVER_SECRET,
        api_url="https://cloudrecord-api-fra.zego.im/",
        rtc_api_url="https://rtc-api-fra.zego.im",
        timeout=3.5,
        session=session,
        rate_limiter=zego.NoRateLimiter(),
    )
    queue(session, ok(), ok(STREAM_LIST_DATA))
    regional.stop_record("T1")
    regional.describe_simple_stream_list("room1")
    assert sent(session, 0).url.startswith("https://cloudrecord-api-fra.zego.im/?Action=StopRecord")
    assert sent(session, 1).url.startswith("https://rtc-api-fra.zego.im/?Action=")
    assert session.send.call_args.kwargs["timeout"] == 3.5


def test_it_defaults_describe_tasks_to_the_last_three_days(client, session):
    """Without times, DescribeTasks asks for the whole 3-day window ending now."""
    queue(session, ok(DESCRIBE_TASKS_DATA))
    client.describe_tasks(2, room_id="room1")
    body = body_of(sent(session))
    assert body["EndTime"] == NOW_MS
    assert NOW_MS - THREE_DAYS_MS < body["StartTime"] < NOW_MS - THREE_DAYS_MS + 5 * 60_000
    assert "PageSize" not in body


def test_it_pages_through_all_tasks(client, session):
    """iter_tasks() follows PageOffset until TotalCount is reached."""
    last_page = {**DESCRIBE_TASKS_DATA, "PageOffset": 2, "TaskList": [{"TaskId": "T3"}]}
    queue(session, ok(DESCRIBE_TASKS_DATA), ok(last_page))
    tasks = list(client.iter_tasks(2, room_id="room1", page_size=2))
    assert [task.task_id for task in tasks] == ["YRHu6-E4IyvEAAAD", "YZ4joOE4IwmFAAAT", "T3"]
    assert [body_of(sent(session, i))["PageOffset"] for i in (0, 1)] == [1, 2]


def test_it_accepts_dataclasses_for_start_record(client, session):
    """Typed parameters produce the same wire body as the spec's example."""
    queue(session, ok({"TaskId": "YRHu6-E4IyvEAAAD"}))
    client.start_record(
        "room1",
        record_input_params=zego.RecordInputParams(
            record_mode=zego.RecordMode.MIXED,
            stream_type=zego.StreamType.AUDIO_VIDEO,
            max_idle_time=60,
            mix_config=zego.MixConfig(
                mix_mode=zego.MixMode.GRID,
                mix_output_stream_id="mix",
                mix_output_video_config=zego.MixOutputVideoConfig(
                    width=1280, height=720, fps=15, bitrate=1130000
                ),
            ),
        ),
        record_output_params=zego.RecordOutputParams(
            output_file_format="mp4", output_folder="record/"
        ),
        storage_params=zego.StorageParams(
            vendor=zego.Vendor.ALIBABA_OSS,
            region="oss-cn-hangzhou",
            bucket="b",
            access_key_id="k",
            access_key_secret="s",
        ),
    )
    assert body_of(sent(session)) == START_RECORD_BODY


def test_it_omits_record_output_params_when_not_given(client, session):
    """Optional top-level objects are left out rather than sent as null."""
    queue(session, ok({"TaskId": "T"}))
    client.start_record(
        "room1",
        record_input_params=START_RECORD_BODY["RecordInputParams"],
        storage_params=START_RECORD_BODY["StorageParams"],
    )
    assert "RecordOutputParams" not in body_of(sent(session))


def test_it_calls_any_action_and_returns_the_raw_envelope(client, session):
    """call() sends a wire-shaped body and returns ZEGO's envelope untouched."""
    envelope = ok(RECORD_STATUS_DATA)
    queue(session, envelope)
    assert client.call("DescribeRecordStatus", {"TaskId": "T1"}) == envelope
    assert body_of(sent(session)) == {"TaskId": "T1"}


def test_it_calls_rtc_actions_through_the_query(client, session):
    """call() on an RTC action sends GET with list values as `Key[]`."""
    queue(session, ok(USER_NUM_DATA))
    client.call("DescribeUserNum", {"RoomId": ["r1", "r2"]})
    request = sent(session)
    assert request.method == "GET"
    assert query_of(request)["RoomId[]"] == ["r1", "r2"]


def test_it_refuses_unknown_actions_without_sending(client, session):
    """A typo in an action name fails locally."""
    with pytest.raises(zego.ZegoValidationError) as caught:
        client.call("StartRecording", {})
    assert caught.value.field == "Action"
    session.send.assert_not_called()


def test_it_can_skip_validation_in_call(client, session):
    """validate=False lets a deliberately invalid request through (e.g. emulator checks)."""
    queue(session, ok())
    client.call("StopRecord", {}, validate=False)
    assert body_of(sent(session)) == {}


def test_it_builds_requests_without_sending(client, session):
    """build_request() returns a signed PreparedRequest and touches no network."""
    request = client.build_request("DescribeRecordStatus", {"TaskId": "YRHu6-E4IyvEAAAD"})
    assert request.method == "POST"
    assert request.body == b'{"TaskId":"YRHu6-E4IyvEAAAD"}'
    assert_signed(query_of(request), "DescribeRecordStatus")
    session.send.assert_not_called()


def test_it_sends_utf8_json(client, session):
    """Non-ASCII room ids travel as UTF-8 JSON."""
    queue(session, ok(DESCRIBE_TASKS_DATA))
    client.describe_tasks(3, room_id="会议室")
    assert "会议室".encode() in sent(session).body


def test_it_rejects_a_bad_app_id_or_empty_secret():
    """Misconfiguration fails at construction time."""
    with pytest.raises(zego.ZegoValidationError):
        zego.Client("not-a-number", SERVER_SECRET)
    with pytest.raises(zego.ZegoValidationError):
        zego.Client(0, SERVER_SECRET)
    with pytest.raises(zego.ZegoValidationError):
        zego.Client(APP_ID, "")
    assert zego.Client(" 1234567890 ", SERVER_SECRET).app_id == APP_ID
