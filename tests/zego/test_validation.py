"""Local validation: requests ZEGO would reject fail before any network call."""

from __future__ import annotations

import copy

import pytest

import zego
from tests.zego.conftest import NOW, START_RECORD_BODY, ok, queue

NOW_MS = int(NOW * 1000)
DAY_MS = 24 * 3600 * 1000


def tile(left=0, top=0, right=100, bottom=100, **extra):
    return {"Left": left, "Top": top, "Right": right, "Bottom": bottom, "Layer": 1, **extra}


def start_body(**changes):
    """The spec's StartRecord example with dotted-path changes (None deletes the key)."""
    body = copy.deepcopy(START_RECORD_BODY)
    for path, value in changes.items():
        *parents, key = path.split("__")
        target = body
        for parent in parents:
            target = target.setdefault(parent, {})
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return body


MIX = "RecordInputParams__MixConfig"
VIDEO = f"{MIX}__MixOutputVideoConfig"

INVALID_START_BODIES = [
    ({"RoomId": None}, "RoomId"),
    ({"RecordInputParams": None}, "RecordInputParams"),
    ({"RecordInputParams__RecordMode": 3}, "RecordInputParams.RecordMode"),
    ({"RecordInputParams__StreamType": 5}, "RecordInputParams.StreamType"),
    ({"RecordInputParams__MaxIdleTime": 4}, "RecordInputParams.MaxIdleTime"),
    ({"RecordInputParams__MaxIdleTime": 86401}, "RecordInputParams.MaxIdleTime"),
    ({"RecordInputParams__MaxRecordTime": 299}, "RecordInputParams.MaxRecordTime"),
    ({"RecordInputParams__MaxRecordTime": 86401}, "RecordInputParams.MaxRecordTime"),
    ({"RecordInputParams__MaxIdleTime": "60"}, "RecordInputParams.MaxIdleTime"),
    ({"RecordInputParams__FillBlank": "yes"}, "RecordInputParams.FillBlank"),
    ({"RecordInputParams__MixConfig": None}, "RecordInputParams.MixConfig"),
    ({f"{MIX}__MixOutputStreamId": None}, "RecordInputParams.MixConfig.MixOutputStreamId"),
    ({f"{MIX}__MixOutputStreamId": ""}, "RecordInputParams.MixConfig.MixOutputStreamId"),
    ({f"{MIX}__MixMode": 6}, "RecordInputParams.MixConfig.MixMode"),
    ({f"{MIX}__MixMode": 1}, "RecordInputParams.MixConfig.MixInputList"),
    ({f"{MIX}__FillMode": 3}, "RecordInputParams.MixConfig.FillMode"),
    (
        {f"{MIX}__MixOutputVideoConfig": None},
        "RecordInputParams.MixConfig.MixOutputVideoConfig",
    ),
    ({f"{VIDEO}__Fps": 4}, "RecordInputParams.MixConfig.MixOutputVideoConfig.Fps"),
    ({f"{VIDEO}__Fps": 31}, "RecordInputParams.MixConfig.MixOutputVideoConfig.Fps"),
    ({f"{VIDEO}__Fps": None}, "RecordInputParams.MixConfig.MixOutputVideoConfig.Fps"),
    ({f"{VIDEO}__Bitrate": None}, "RecordInputParams.MixConfig.MixOutputVideoConfig.Bitrate"),
    ({f"{VIDEO}__Width": 1921}, "RecordInputParams.MixConfig.MixOutputVideoConfig.Width"),
    (
        {f"{VIDEO}__Width": 1920, f"{VIDEO}__Height": 1920},
        "RecordInputParams.MixConfig.MixOutputVideoConfig.Width",
    ),
    (
        {f"{MIX}__MixOutputAudioConfig": {"Bitrate": 0}},
        "RecordInputParams.MixConfig.MixOutputAudioConfig.Bitrate",
    ),
    (
        {f"{MIX}__MixOutputBackgroundImage": "ftp://x/y.png"},
        "RecordInputParams.MixConfig.MixOutputBackgroundImage",
    ),
    (
        {f"{MIX}__MixOutputWatermarkImageConfig": {"Left": 10, "Top": 0, "Right": 5, "Bottom": 5}},
        "RecordInputParams.MixConfig.MixOutputWatermarkImageConfig.Left",
    ),
    (
        {f"{MIX}__MixOutputWatermarkImageConfig": {"Left": 0, "Top": 0, "Right": 5}},
        "RecordInputParams.MixConfig.MixOutputWatermarkImageConfig.Bottom",
    ),
    (
        {f"{MIX}__MixOutputWatermarkTimestampConfig": {"FontSize": 11}},
        "RecordInputParams.MixConfig.MixOutputWatermarkTimestampConfig.FontSize",
    ),
    ({f"{MIX}__SoundWaveType": 2}, "RecordInputParams.MixConfig.SoundWaveType"),
    (
        {f"{MIX}__StreamConfigList": [{"StreamId": "a", "StreamType": 4}]},
        "RecordInputParams.MixConfig.StreamConfigList[0].StreamType",
    ),
    (
        {f"{MIX}__MixInputList": [tile(), tile(right=1300)]},
        "RecordInputParams.MixConfig.MixInputList[1].Right",
    ),
    (
        {f"{MIX}__MixInputList": [tile(top=700, bottom=721)]},
        "RecordInputParams.MixConfig.MixInputList[0].Bottom",
    ),
    (
        {f"{MIX}__MixInputList": [tile(ViewType=2)]},
        "RecordInputParams.MixConfig.MixInputList[0].ViewType",
    ),
    (
        {"RecordInputParams__HasWhiteboard": True},
        "RecordInputParams.Whiteboard",
    ),
    (
        {
            "RecordInputParams__HasWhiteboard": True,
            "RecordInputParams__Whiteboard": [
                {"HorizontalRatio": 16, "VerticalRatio": 9},
                {"HorizontalRatio": 4, "VerticalRatio": 3},
            ],
        },
        "RecordInputParams.Whiteboard",
    ),
    (
        {
            "RecordInputParams__HasWhiteboard": True,
            "RecordInputParams__Whiteboard": [{"HorizontalRatio": 16}],
        },
        "RecordInputParams.Whiteboard[0].VerticalRatio",
    ),
    (
        {
            "RecordInputParams__HasWhiteboard": True,
            "RecordInputParams__Whiteboard": [
                {"HorizontalRatio": 16, "VerticalRatio": 9, "PPTAnimationFps": 31}
            ],
        },
        "RecordInputParams.Whiteboard[0].PPTAnimationFps",
    ),
    (
        {"RecordInputParams__FillFrame": {"FrameFillMode": 4}},
        "RecordInputParams.FillFrame.FrameFillMode",
    ),
    (
        {"RecordInputParams__RecordStreamList": [{"StreamId": f"s{i}"} for i in range(37)]},
        "RecordInputParams.RecordStreamList",
    ),
    (
        {"RecordInputParams__RecordStreamList": [{"Stream": "s1"}]},
        "RecordInputParams.RecordStreamList[0].StreamId",
    ),
    (
        {"RecordInputParams__StreamType": 1, "RecordOutputParams__OutputFileFormat": "jpg"},
        "RecordInputParams.StreamType",
    ),
    ({"RecordOutputParams__OutputFileFormat": "mkv"}, "RecordOutputParams.OutputFileFormat"),
    ({"RecordOutputParams__OutputFileRule": 2}, "RecordOutputParams.OutputFileRule"),
    ({"RecordOutputParams__SnapshotInterval": 4}, "RecordOutputParams.SnapshotInterval"),
    ({"RecordOutputParams__FragmentSeconds": 61}, "RecordOutputParams.FragmentSeconds"),
    ({"RecordOutputParams__CallbackUrl": "example.com/cb"}, "RecordOutputParams.CallbackUrl"),
    ({"StorageParams": None}, "StorageParams"),
    ({"StorageParams__Vendor": 11}, "StorageParams.Vendor"),
    ({"StorageParams__Vendor": None}, "StorageParams.Vendor"),
    ({"StorageParams__Bucket": None}, "StorageParams.Bucket"),
    ({"StorageParams__Region": ""}, "StorageParams.Region"),
    ({"StorageParams__AccessKeySecret": None}, "StorageParams.AccessKeySecret"),
    ({"StorageParams__Vendor": 10}, "StorageParams.EndPoint"),
    ({"StorageParams__Vendor": 5}, "StorageParams.AlibabaCloudVodParams"),
    (
        {
            "StorageParams__Vendor": 5,
            "StorageParams__AlibabaCloudVodParams": {
                "Region": "cn-shanghai",
                "AccessKeyId": "k",
                "AccessKeySecret": "s",
                "Title": "t",
            },
        },
        "StorageParams.AlibabaCloudVodParams.StorageLocation",
    ),
    (
        {
            "StorageParams__Vendor": 6,
            "StorageParams__TencentCloudVodParams": {"SecretId": "i", "Region": "ap-beijing"},
        },
        "StorageParams.TencentCloudVodParams.SecretKey",
    ),
    (
        {
            "StorageParams__Vendor": 6,
            "StorageParams__TencentCloudVodParams": {
                "SecretId": "i",
                "SecretKey": "k",
                "Region": "ap-beijing",
            },
            "RecordOutputParams__OutputFileFormat": "hls",
        },
        "StorageParams.Vendor",
    ),
]


@pytest.mark.parametrize(("changes", "field"), INVALID_START_BODIES)
def test_it_rejects_invalid_start_record_bodies_locally(client, session, changes, field):
    """Each rule the spec states is checked, naming the field, with no network call."""
    with pytest.raises(zego.ZegoValidationError) as caught:
        client.call("StartRecord", start_body(**changes))
    assert caught.value.field == field
    assert field.rsplit(".", 1)[-1].split("[")[0] in str(caught.value)
    assert caught.value.action == "StartRecord"
    session.send.assert_not_called()


VALID_START_BODIES = [
    {},
    {"RecordInputParams__MaxIdleTime": 5, "RecordInputParams__MaxRecordTime": 300},
    {"RecordInputParams__MaxIdleTime": 86400, "RecordInputParams__MaxRecordTime": 86400},
    {f"{VIDEO}__Width": 1080, f"{VIDEO}__Height": 1920, f"{VIDEO}__Fps": 30},
    {f"{VIDEO}__Width": 1920, f"{VIDEO}__Height": 1080, f"{VIDEO}__Fps": 5},
    {
        f"{MIX}__MixMode": 1,
        f"{MIX}__MixInputList": [tile(0, 0, 540, 720, StreamId="a"), tile(540, 0, 1280, 720)],
    },
    {
        "RecordInputParams__HasWhiteboard": True,
        "RecordInputParams__Whiteboard": [{"HorizontalRatio": 16, "VerticalRatio": 9}],
        f"{MIX}__MixMode": 1,
        f"{MIX}__MixInputList": [tile(ViewType=2), tile(100, 0, 200, 100)],
    },
    # Audio-only mixed recording needs no video config.
    {"RecordInputParams__StreamType": 1, f"{MIX}__MixOutputVideoConfig": None},
    {"StorageParams__Vendor": 8, "StorageParams__Region": None},
    {"StorageParams__Vendor": 10, "StorageParams__EndPoint": "https://lon1.example.com"},
    # Single-stream mode needs no MixConfig.
    {"RecordInputParams__RecordMode": 1, "RecordInputParams__MixConfig": None},
    {"RecordOutputParams__OutputFileFormat": "hls", "RecordOutputParams__FragmentSeconds": 2},
    # Unknown keys pass through: ZEGO adds fields over time.
    {"RecordInputParams__SomeFutureFlag": True},
]


@pytest.mark.parametrize("changes", VALID_START_BODIES)
def test_it_sends_valid_start_record_bodies(client, session, changes):
    """Boundary values and optional shapes the spec allows are accepted."""
    queue(session, ok({"TaskId": "T"}))
    client.call("StartRecord", start_body(**changes))
    session.send.assert_called_once()


def test_it_reports_every_problem_not_just_the_first(client):
    """ZegoValidationError.problems lists all problems found."""
    body = start_body(**{"RoomId": None, "StorageParams__Bucket": None, f"{VIDEO}__Fps": 99})
    with pytest.raises(zego.ZegoValidationError) as caught:
        client.call("StartRecord", body)
    fields = {problem.field for problem in caught.value.problems}
    assert fields == {
        "RoomId",
        "StorageParams.Bucket",
        "RecordInputParams.MixConfig.MixOutputVideoConfig.Fps",
    }
    assert "2 more" in str(caught.value)


def test_it_validates_typed_start_record_parameters(client, session):
    """Dataclass parameters are validated the same way as dicts."""
    with pytest.raises(zego.ZegoValidationError) as caught:
        client.start_record(
            "room1",
            record_input_params=zego.RecordInputParams(
                record_mode=zego.RecordMode.MIXED,
                mix_config=zego.MixConfig(
                    mix_output_stream_id="mix",
                    mix_mode=zego.MixMode.CUSTOM,
                    mix_input_list=[zego.MixInputTile(left=0, top=0, right=10, bottom=10)] * 4
                    + [zego.MixInputTile(left=500, top=0, right=400, bottom=10)],
                    mix_output_video_config=zego.MixOutputVideoConfig(
                        width=640, height=360, fps=15, bitrate=400000
                    ),
                ),
            ),
            storage_params=zego.StorageParams(vendor=zego.Vendor.AMAZON_S3, bucket="b"),
        )
    assert caught.value.field == "RecordInputParams.MixConfig.MixInputList[4].Left"
    session.send.assert_not_called()


# --- layout -------------------------------------------------------------------------------


def test_it_accepts_a_valid_layout():
    """The spec's example custom layout has no problems."""
    tiles = [
        tile(0, 0, 540, 720, StreamId="a"),
        tile(540, 0, 1080, 360),
        zego.MixInputTile(left=540, top=360, right=1080, bottom=720),
    ]
    assert zego.validate_layout(tiles, 1280, 720) == []


def test_it_reports_all_layout_problems_with_tile_indexes():
    """Every problem comes back with its tile index, for display next to that tile."""
    tiles = [
        tile(0, 0, 640, 360),
        tile(700, 0, 600, 100),  # Left > Right
        tile(0, 0, 100, 2000),  # Bottom outside [0, 1920]
        tile(0, 300, 100, 400),  # Bottom beyond a 360-high canvas
        tile(1300, 0, 1400, 100),  # Right beyond a 640-wide canvas
        tile(ViewType=2),
        tile(ViewType=2),  # second whiteboard tile
        {"Left": 0, "Top": 0, "Right": 10, "Bottom": 10},  # no Layer
        tile(FillMode=3, BackgroundImage="https://x/y.png"),  # bad FillMode, image w/o stream
        "not a tile",
    ]
    problems = zego.validate_layout(tiles, 640, 360)
    assert [(p.index, p.field) for p in problems] == [
        (1, "Left"),
        (2, "Bottom"),
        (3, "Bottom"),
        (4, "Right"),
        (6, "ViewType"),
        (7, "Layer"),
        (8, "FillMode"),
        (8, "BackgroundImage"),
        (9, ""),
    ]
    assert problems[0].path == "MixInputList[1].Left"
    assert "tile 5 already does" in problems[4].message
    assert problems[-1].path == "MixInputList[9]"


def test_it_limits_layouts_to_25_tiles():
    """More than 25 tiles is a list-level problem without a tile index."""
    problems = zego.validate_layout([tile()] * 26, 1280, 720)
    assert [(p.index, p.path) for p in problems] == [(None, "MixInputList")]
    assert "26" in problems[0].message
    assert zego.validate_layout([tile()] * 25, 1280, 720) == []


def test_it_checks_only_absolute_bounds_without_a_canvas():
    """Without a canvas size, coordinates up to 1920 are fine."""
    assert zego.validate_layout([tile(0, 0, 1920, 1920)]) == []
    assert [p.field for p in zego.validate_layout([tile(0, 0, 1921, 10)])] == ["Right"]


def test_it_rejects_whiteboard_tiles_when_not_recording_a_whiteboard():
    """whiteboard_allowed=False flags ViewType 2."""
    problems = zego.validate_layout([tile(ViewType=2)], whiteboard_allowed=False)
    assert [p.field for p in problems] == ["ViewType"]


def test_it_rejects_a_non_list_layout():
    """A dict instead of a list is one list-level problem."""
    assert [p.path for p in zego.validate_layout({"Left": 0})] == ["MixInputList"]


def test_it_validates_update_layout_against_a_given_canvas(client, session):
    """update_layout(canvas=...) checks tiles against the running task's canvas."""
    with pytest.raises(zego.ZegoValidationError) as caught:
        client.update_layout("T1", mix_mode=1, mix_input_list=[tile(right=700)], canvas=(640, 360))
    assert caught.value.field == "MixInputList[0].Right"
    session.send.assert_not_called()


def test_it_requires_tiles_for_a_custom_update_layout(client, session):
    """MixMode 1 without MixInputList is rejected."""
    with pytest.raises(zego.ZegoValidationError) as caught:
        client.update_layout("T1", mix_mode=1)
    assert caught.value.field == "MixInputList"


# --- other actions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "field"),
    [
        ("stop_record", ("",), {}, "TaskId"),
        ("describe_record_status", (None,), {}, "TaskId"),
        ("pause_record", (123,), {}, "TaskId"),
        ("update_whiteboard", ("T1",), {"whiteboard_id": ""}, "WhiteboardId"),
        ("describe_tasks", (1,), {}, "Status"),
        ("describe_tasks", (2,), {"page_size": 51}, "PageSize"),
        ("describe_tasks", (2,), {"page_size": 0}, "PageSize"),
        ("describe_tasks", (2,), {"start_time": NOW_MS, "end_time": NOW_MS}, "EndTime"),
        (
            "describe_tasks",
            (2,),
            {"start_time": NOW_MS - 4 * DAY_MS, "end_time": NOW_MS - 3 * DAY_MS},
            "StartTime",
        ),
        (
            "describe_tasks",
            (2,),
            {"start_time": NOW_MS - 2 * DAY_MS, "end_time": NOW_MS + 2 * DAY_MS},
            "EndTime",
        ),
        ("describe_simple_stream_list", ("",), {}, "RoomId"),
        ("describe_user_num", ([],), {}, "RoomId"),
        ("describe_user_num", ([f"r{i}" for i in range(11)],), {}, "RoomId"),
        ("describe_user_num", (["ok", ""],), {}, "RoomId[1]"),
        ("describe_user_list", ("r",), {"limit": 201}, "Limit"),
        ("describe_user_list", ("r",), {"mode": 2}, "Mode"),
    ],
)
def test_it_rejects_invalid_requests_for_other_actions(
    client, session, method, args, kwargs, field
):
    """Required ids, enum filters, paging bounds and time windows are checked locally."""
    with pytest.raises(zego.ZegoValidationError) as caught:
        getattr(client, method)(*args, **kwargs)
    assert caught.value.field == field
    session.send.assert_not_called()


def test_it_lists_problems_without_raising():
    """request_problems() returns problems for forms to show."""
    problems = zego.request_problems("UpdateWhiteboard", {"TaskId": "T1"})
    assert problems == [zego.Problem("WhiteboardId", "WhiteboardId is required.")]
    assert zego.request_problems("StopRecord", {"TaskId": "T1"}) == []
