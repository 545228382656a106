"""Local checks for requests ZEGO would reject, run before any network call.

Checks work on wire-shaped dicts (after `to_wire`), so dataclasses and dicts are treated alike.
Only rules the spec states are enforced; unknown keys pass through untouched because ZEGO adds
fields over time. Problems are reported with a dotted path such as
`RecordInputParams.MixConfig.MixInputList[3].Right`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zego.constants import (
    ALIBABA_VOD_REQUIRED_FIELDS,
    DESCRIBE_TASKS_MAX_PAGE_SIZE,
    DESCRIBE_USER_LIST_MAX_LIMIT,
    DESCRIBE_USER_NUM_MAX_ROOMS,
    FPS_RANGE,
    FRAGMENT_SECONDS_RANGE,
    MAX_COORDINATE,
    MAX_IDLE_TIME_RANGE,
    MAX_MIX_TILES,
    MAX_RECORD_TIME_RANGE,
    MAX_STREAMS_SINGLE_MODE,
    MAX_VIDEO_AREA,
    MAX_VIDEO_SIDE,
    OUTPUT_FILE_RULE,
    PPT_ANIMATION_FPS_RANGE,
    QUERY_WINDOW_MS,
    SNAPSHOT_INTERVAL_RANGE,
    TENCENT_VOD_REQUIRED_FIELDS,
    VENDOR_ALLOWED_FORMATS,
    VENDOR_LABELS,
    VENDOR_REQUIRED_FIELDS,
    WATERMARK_TIMESTAMP_FONT_SIZE_RANGE,
    Action,
    DescribeTasksStatus,
    FillMode,
    FrameFillMode,
    MixMode,
    MixStreamType,
    OutputFileFormat,
    RecordMode,
    RecordMuteAudio,
    SoundWaveType,
    StreamType,
    ViewType,
)
from zego.errors import ZegoValidationError
from zego.models import to_wire

MAX_COLOR = 0xFFFFFFFF
RECT_KEYS = ("Left", "Top", "Right", "Bottom")


@dataclass(frozen=True)
class Problem:
    field: str  # dotted path into the request body
    message: str


@dataclass(frozen=True)
class LayoutProblem:
    """A layout problem; `index` is the tile's position, or None for the list as a whole."""

    index: int | None
    field: str  # key within the tile ("Right"), or "MixInputList"
    message: str

    @property
    def path(self) -> str:
        if self.index is None:
            return self.field
        tile = f"MixInputList[{self.index}]"
        return f"{tile}.{self.field}" if self.field else tile


class _Checker:
    """Collects problems for one request body."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def obj(
        self, parent: Mapping, key: str, path: str, *, required: bool = False
    ) -> Mapping | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.add(_join(path, key), f"{key} is required.")
            return None
        if not isinstance(value, Mapping):
            self.add(_join(path, key), f"{key} must be an object.")
            return None
        return value

    def integer(
        self,
        parent: Mapping,
        key: str,
        path: str,
        *,
        required: bool = False,
        bounds: tuple[int | None, int | None] = (None, None),
        allowed: Any = None,
    ) -> int | None:
        value = parent.get(key)
        where = _join(path, key)
        if value is None:
            if required:
                self.add(where, f"{key} is required.")
            return None
        if not _is_int(value):
            self.add(where, f"{key} must be an integer.")
            return None
        if allowed is not None and value not in {int(v) for v in allowed}:
            choices = ", ".join(str(int(v)) for v in allowed)
            self.add(where, f"{key} must be one of {choices}, not {value}.")
            return None
        low, high = bounds
        if (low is not None and value < low) or (high is not None and value > high):
            self.add(where, f"{key} must be between {_bound(low)} and {_bound(high)}, not {value}.")
            return None
        return int(value)

    def string(self, parent: Mapping, key: str, path: str, *, required: bool = False) -> str | None:
        value = parent.get(key)
        where = _join(path, key)
        if value is None or value == "":
            if required:
                self.add(where, f"{key} is required.")
            return None
        if not isinstance(value, str):
            self.add(where, f"{key} must be a string.")
            return None
        return value

    def boolean(self, parent: Mapping, key: str, path: str) -> bool | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.add(_join(path, key), f"{key} must be true or false.")
            return None
        return value

    def url(self, parent: Mapping, key: str, path: str) -> None:
        value = self.string(parent, key, path)
        if value is not None and not value.lower().startswith(("http://", "https://")):
            self.add(_join(path, key), f"{key} must be an http:// or https:// URL.")

    def color(self, parent: Mapping, key: str, path: str) -> None:
        self.integer(parent, key, path, bounds=(0, MAX_COLOR))

    def items(self, parent: Mapping, key: str, path: str) -> list | None:
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
            self.add(_join(path, key), f"{key} must be a list.")
            return None
        return list(value)

    def raise_if_any(self, action: str | None) -> None:
        if self.problems:
            first = self.problems[0]
            raise ZegoValidationError(
                first.field, first.message, action=action, problems=self.problems
            )


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _bound(value: int | None) -> str:
    return "any" if value is None else str(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- layout -------------------------------------------------------------------------------


def validate_layout(
    tiles: Any,
    width: int | None = None,
    height: int | None = None,
    *,
    whiteboard_allowed: bool = True,
) -> list[LayoutProblem]:
    """Every problem in a custom layout (`MixInputList`), each tagged with its tile index.

    `width`/`height` are the canvas (`MixOutputVideoConfig`); when unknown, only the
    absolute [0, 1920] rule is checked. Tiles may be `MixInputTile`s or wire dicts.
    """
    tiles = to_wire(tiles)
    if isinstance(tiles, str | bytes | Mapping) or not isinstance(tiles, Sequence):
        return [LayoutProblem(None, "MixInputList", "MixInputList must be a list of tiles.")]
    problems: list[LayoutProblem] = []
    if len(tiles) > MAX_MIX_TILES:
        problems.append(
            LayoutProblem(
                None,
                "MixInputList",
                f"The layout has {len(tiles)} tiles; ZEGO allows at most {MAX_MIX_TILES}.",
            )
        )
    whiteboard_index: int | None = None
    for index, tile in enumerate(tiles):
        tile_problems = _tile_problems(tile, width, height, whiteboard_allowed, whiteboard_index)
        problems.extend(LayoutProblem(index, key, message) for key, message in tile_problems)
        if isinstance(tile, Mapping) and tile.get("ViewType") == ViewType.WHITEBOARD:
            whiteboard_index = index if whiteboard_index is None else whiteboard_index
    return problems


def _tile_problems(
    tile: Any,
    width: int | None,
    height: int | None,
    whiteboard_allowed: bool,
    whiteboard_index: int | None,
) -> list[tuple[str, str]]:
    if not isinstance(tile, Mapping):
        return [("", "The tile must be an object.")]
    checker = _Checker()
    checker.integer(tile, "Layer", "", required=True)
    checker.string(tile, "StreamId", "")
    checker.integer(tile, "FillMode", "", allowed=FillMode)
    view_type = checker.integer(tile, "ViewType", "", allowed=ViewType)
    checker.url(tile, "BackgroundImage", "")
    found = [(p.field, p.message) for p in checker.problems]
    found.extend(rect_problems(tile, width, height))
    if view_type == ViewType.WHITEBOARD:
        found.extend(_whiteboard_tile_problems(whiteboard_allowed, whiteboard_index))
    if tile.get("BackgroundImage") and not tile.get("StreamId"):
        found.append(("BackgroundImage", "BackgroundImage needs a StreamId on the same tile."))
    return found


def _whiteboard_tile_problems(allowed: bool, earlier_index: int | None) -> list[tuple[str, str]]:
    if not allowed:
        return [("ViewType", "A whiteboard tile (ViewType 2) needs whiteboard recording.")]
    if earlier_index is not None:
        return [
            (
                "ViewType",
                f"Only one tile may show the whiteboard; tile {earlier_index} already does.",
            )
        ]
    return []


def rect_problems(
    rect: Mapping[str, Any], width: int | None, height: int | None
) -> list[tuple[str, str]]:
    """(key, message) pairs for a Left/Top/Right/Bottom rectangle on a width×height canvas."""
    found: list[tuple[str, str]] = []
    values: dict[str, int] = {}
    for key in RECT_KEYS:
        value = rect.get(key)
        if value is None:
            found.append((key, f"{key} is required."))
        elif not _is_int(value):
            found.append((key, f"{key} must be an integer."))
        elif not 0 <= value <= MAX_COORDINATE:
            found.append((key, f"{key} must be between 0 and {MAX_COORDINATE}, not {value}."))
        else:
            values[key] = value
    if len(values) == len(RECT_KEYS):
        found.extend(_rect_order_problems(values, width, height))
    return found


def _rect_order_problems(
    values: Mapping[str, int], width: int | None, height: int | None
) -> list[tuple[str, str]]:
    left, top, right, bottom = (values[key] for key in RECT_KEYS)
    found: list[tuple[str, str]] = []
    if left > right:
        found.append(("Left", f"Left ({left}) must not be greater than Right ({right})."))
    elif width is not None and right > width:
        found.append(("Right", f"Right ({right}) is beyond the canvas width ({width})."))
    if top > bottom:
        found.append(("Top", f"Top ({top}) must not be greater than Bottom ({bottom})."))
    elif height is not None and bottom > height:
        found.append(("Bottom", f"Bottom ({bottom}) is beyond the canvas height ({height})."))
    return found


# --- StartRecord --------------------------------------------------------------------------


def _start_record(c: _Checker, body: Mapping, context: Mapping) -> None:
    c.string(body, "RoomId", "", required=True)
    output = c.obj(body, "RecordOutputParams", "") or {}
    output_format = _output_params(c, output, "RecordOutputParams")
    inputs = c.obj(body, "RecordInputParams", "", required=True)
    if inputs is not None:
        _input_params(c, inputs, "RecordInputParams", output_format)
    storage = c.obj(body, "StorageParams", "", required=True)
    if storage is not None:
        _storage_params(c, storage, "StorageParams", output_format)


def _input_params(c: _Checker, inputs: Mapping, path: str, output_format: str) -> None:
    mode = c.integer(inputs, "RecordMode", path, required=True, allowed=RecordMode)
    stream_type = c.integer(inputs, "StreamType", path, allowed=StreamType)
    if stream_type == StreamType.AUDIO and output_format == OutputFileFormat.JPG:
        c.add(
            f"{path}.StreamType", "Screenshot (jpg) tasks need video; StreamType 1 is audio only."
        )
    _record_stream_list(c, inputs, path)
    c.boolean(inputs, "FillBlank", path)
    fill_frame = c.obj(inputs, "FillFrame", path)
    if fill_frame is not None:
        c.integer(fill_frame, "FrameFillMode", f"{path}.FillFrame", allowed=FrameFillMode)
        c.color(fill_frame, "FrameFillColor", f"{path}.FillFrame")
    c.integer(inputs, "RecordMuteAudio", path, allowed=RecordMuteAudio)
    c.integer(inputs, "RecordMuteAudioSplitThreshold", path)
    has_whiteboard = bool(c.boolean(inputs, "HasWhiteboard", path))
    _whiteboards(c, inputs, path, required=has_whiteboard)
    c.integer(inputs, "MaxIdleTime", path, bounds=MAX_IDLE_TIME_RANGE)
    c.integer(inputs, "MaxRecordTime", path, bounds=MAX_RECORD_TIME_RANGE)
    mix = c.obj(inputs, "MixConfig", path, required=mode == RecordMode.MIXED)
    if mix is not None and mode == RecordMode.MIXED:
        needs_video = (stream_type or StreamType.AUDIO_VIDEO) != StreamType.AUDIO
        _mix_config(c, mix, f"{path}.MixConfig", needs_video, has_whiteboard)


def _record_stream_list(c: _Checker, inputs: Mapping, path: str) -> None:
    streams = c.items(inputs, "RecordStreamList", path)
    if streams is None:
        return
    if len(streams) > MAX_STREAMS_SINGLE_MODE:
        c.add(
            f"{path}.RecordStreamList",
            f"At most {MAX_STREAMS_SINGLE_MODE} streams can be recorded per task, "
            f"not {len(streams)}.",
        )
    for index, item in enumerate(streams):
        where = f"{path}.RecordStreamList[{index}]"
        if not isinstance(item, Mapping):
            c.add(where, 'Each item must be an object like {"StreamId": "..."}.')
        else:
            c.string(item, "StreamId", where, required=True)


def _whiteboards(c: _Checker, inputs: Mapping, path: str, *, required: bool) -> None:
    boards = c.items(inputs, "Whiteboard", path)
    if not boards:
        if required:
            c.add(f"{path}.Whiteboard", "Whiteboard is required when HasWhiteboard is true.")
        return
    if len(boards) > 1:
        c.add(f"{path}.Whiteboard", "Only one whiteboard can be recorded per task.")
    for index, board in enumerate(boards):
        where = f"{path}.Whiteboard[{index}]"
        if not isinstance(board, Mapping):
            c.add(where, "Each whiteboard must be an object.")
            continue
        c.integer(board, "HorizontalRatio", where, required=True, bounds=(1, None))
        c.integer(board, "VerticalRatio", where, required=True, bounds=(1, None))
        c.integer(board, "Width", where, bounds=(1, None))
        c.integer(board, "Height", where, bounds=(1, None))
        c.string(board, "WhiteboardId", where)
        c.color(board, "BackgroundColor", where)
        c.boolean(board, "IsPPTAnimation", where)
        c.integer(board, "PPTAnimationFps", where, bounds=PPT_ANIMATION_FPS_RANGE)


def _mix_config(
    c: _Checker, mix: Mapping, path: str, needs_video: bool, has_whiteboard: bool
) -> None:
    c.string(mix, "MixOutputStreamId", path, required=True)
    mode = c.integer(mix, "MixMode", path, allowed=MixMode)
    c.integer(mix, "FillMode", path, allowed=FillMode)
    canvas = _video_config(c, mix, path, required=needs_video)
    _mix_input_list(c, mix, path, mode, canvas, has_whiteboard)
    audio = c.obj(mix, "MixOutputAudioConfig", path)
    if audio is not None:
        c.integer(audio, "Bitrate", f"{path}.MixOutputAudioConfig", required=True, bounds=(1, None))
    c.color(mix, "MixOutputBackgroundColor", path)
    for key in ("MixOutputBackgroundImage", "MixOutputWatermarkImage"):
        c.url(mix, key, path)
    c.url(mix, "DefaultMixStreamBackgroundImage", path)
    c.string(mix, "MixMaxResolutionStreamId", path)
    _watermark(c, mix, path, canvas)
    c.boolean(mix, "IsAlwaysMix", path)
    c.boolean(mix, "RecordSoundWave", path)
    c.integer(mix, "SoundWaveType", path, allowed=SoundWaveType)
    _stream_config_list(c, mix, path)
    c.integer(mix, "ClearInputStreamTimeout", path, bounds=(0, None))


def _video_config(
    c: _Checker, mix: Mapping, path: str, *, required: bool
) -> tuple[int, int] | tuple[None, None]:
    video = c.obj(mix, "MixOutputVideoConfig", path, required=required)
    if video is None:
        return (None, None)
    where = f"{path}.MixOutputVideoConfig"
    width = c.integer(video, "Width", where, required=True, bounds=(1, MAX_VIDEO_SIDE))
    height = c.integer(video, "Height", where, required=True, bounds=(1, MAX_VIDEO_SIDE))
    c.integer(video, "Fps", where, required=True, bounds=FPS_RANGE)
    c.integer(video, "Bitrate", where, required=True, bounds=(1, None))
    if width is None or height is None:
        return (None, None)
    if width * height > MAX_VIDEO_AREA:
        c.add(
            f"{where}.Width",
            f"Width×Height ({width}×{height}) is larger than 1920×1080 pixels.",
        )
    return (width, height)


def _mix_input_list(
    c: _Checker,
    mix: Mapping,
    path: str,
    mode: int | None,
    canvas: tuple[int, int] | tuple[None, None],
    has_whiteboard: bool,
) -> None:
    tiles = mix.get("MixInputList")
    if not tiles:
        if mode == MixMode.CUSTOM:
            c.add(f"{path}.MixInputList", "MixInputList is required for the custom layout (1).")
        return
    width, height = canvas
    for problem in validate_layout(tiles, width, height, whiteboard_allowed=has_whiteboard):
        c.add(f"{path}.{problem.path}", problem.message)


def _watermark(c: _Checker, mix: Mapping, path: str, canvas: tuple) -> None:
    rect = c.obj(mix, "MixOutputWatermarkImageConfig", path)
    if rect is not None:
        for key, message in rect_problems(rect, *canvas):
            c.add(f"{path}.MixOutputWatermarkImageConfig.{key}", message)
    clock = c.obj(mix, "MixOutputWatermarkTimestampConfig", path)
    if clock is not None:
        where = f"{path}.MixOutputWatermarkTimestampConfig"
        c.integer(
            clock, "FontSize", where, required=True, bounds=WATERMARK_TIMESTAMP_FONT_SIZE_RANGE
        )


def _stream_config_list(c: _Checker, mix: Mapping, path: str) -> None:
    for index, item in enumerate(c.items(mix, "StreamConfigList", path) or []):
        where = f"{path}.StreamConfigList[{index}]"
        if not isinstance(item, Mapping):
            c.add(where, "Each item must be an object.")
            continue
        c.string(item, "StreamId", where)
        c.integer(item, "StreamType", where, allowed=MixStreamType)


def _output_params(c: _Checker, output: Mapping, path: str) -> str:
    output_format = c.string(output, "OutputFileFormat", path)
    if output_format is not None and output_format not in set(OutputFileFormat):
        choices = ", ".join(OutputFileFormat)
        c.add(f"{path}.OutputFileFormat", f"OutputFileFormat must be one of {choices}.")
    c.string(output, "OutputFolder", path)
    c.integer(output, "OutputFileRule", path, allowed=(OUTPUT_FILE_RULE,))
    c.integer(output, "SnapshotInterval", path, bounds=SNAPSHOT_INTERVAL_RANGE)
    c.url(output, "CallbackUrl", path)
    c.integer(output, "FragmentSeconds", path, bounds=FRAGMENT_SECONDS_RANGE)
    c.boolean(output, "RealtimeUploadFragment", path)
    c.boolean(output, "ShortFragmentPath", path)
    return output_format or OutputFileFormat.MP4


def _storage_params(c: _Checker, storage: Mapping, path: str, output_format: str) -> None:
    # Messages never echo values here: this object carries the customer's storage secrets.
    vendor = c.integer(storage, "Vendor", path, required=True, allowed=VENDOR_LABELS)
    if vendor is None:
        return
    label = VENDOR_LABELS[vendor]
    for key in VENDOR_REQUIRED_FIELDS[vendor]:
        if key.endswith("VodParams"):
            _vod_params(c, storage, key, path, label)
        elif not _non_empty_string(storage.get(key)):
            c.add(f"{path}.{key}", f"{key} is required for {label} (Vendor {vendor}).")
    allowed = VENDOR_ALLOWED_FORMATS.get(vendor)
    if allowed is not None and output_format not in allowed:
        c.add(
            f"{path}.Vendor",
            f"{label} accepts only {', '.join(sorted(allowed))} output, not {output_format}.",
        )


def _vod_params(c: _Checker, storage: Mapping, key: str, path: str, label: str) -> None:
    params = c.obj(storage, key, path, required=True)
    if params is None:
        return
    if key == "AlibabaCloudVodParams":
        required = ALIBABA_VOD_REQUIRED_FIELDS
    else:
        required = TENCENT_VOD_REQUIRED_FIELDS
        c.integer(params, "SubAppId", f"{path}.{key}")
    for name in required:
        if not _non_empty_string(params.get(name)):
            c.add(f"{path}.{key}.{name}", f"{name} is required for {label}.")


def _non_empty_string(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


# --- other actions ------------------------------------------------------------------------


def _task_id(c: _Checker, body: Mapping, context: Mapping) -> None:
    c.string(body, "TaskId", "", required=True)


def _update_layout(c: _Checker, body: Mapping, context: Mapping) -> None:
    c.string(body, "TaskId", "", required=True)
    mode = c.integer(body, "MixMode", "", allowed=MixMode)
    c.string(body, "MixMaxResolutionStreamId", "")
    tiles = body.get("MixInputList")
    if not tiles:
        if mode == MixMode.CUSTOM:
            c.add("MixInputList", "MixInputList is required for the custom layout (1).")
        return
    width, height = context.get("canvas") or (None, None)
    for problem in validate_layout(tiles, width, height):
        c.add(problem.path, problem.message)


def _update_whiteboard(c: _Checker, body: Mapping, context: Mapping) -> None:
    c.string(body, "TaskId", "", required=True)
    c.string(body, "WhiteboardId", "", required=True)


def _describe_tasks(c: _Checker, body: Mapping, context: Mapping) -> None:
    c.integer(body, "Status", "", required=True, allowed=DescribeTasksStatus)
    c.string(body, "RoomId", "")
    c.integer(body, "PageOffset", "", bounds=(0, None))
    c.integer(body, "PageSize", "", bounds=(1, DESCRIBE_TASKS_MAX_PAGE_SIZE))
    start = c.integer(body, "StartTime", "", required=True, bounds=(0, None))
    end = c.integer(body, "EndTime", "", required=True, bounds=(0, None))
    if start is None or end is None:
        return
    if end <= start:
        c.add("EndTime", "EndTime must be later than StartTime.")
    elif end - start > QUERY_WINDOW_MS:
        c.add("EndTime", "StartTime..EndTime may span at most 3 days.")
    now_ms = context.get("now_ms")
    if now_ms is not None and start < now_ms - QUERY_WINDOW_MS:
        c.add("StartTime", "StartTime must be within the last 3 days; ZEGO keeps no older tasks.")


def _room_id(c: _Checker, body: Mapping, context: Mapping) -> None:
    c.string(body, "RoomId", "", required=True)


def _describe_user_num(c: _Checker, body: Mapping, context: Mapping) -> None:
    rooms = c.items(body, "RoomId", "")
    if rooms is None and body.get("RoomId") is not None:
        return  # already reported as "must be a list"
    if not rooms:
        c.add("RoomId", "At least one RoomId is required.")
        return
    if len(rooms) > DESCRIBE_USER_NUM_MAX_ROOMS:
        c.add("RoomId", f"At most {DESCRIBE_USER_NUM_MAX_ROOMS} rooms per call, not {len(rooms)}.")
    for index, room in enumerate(rooms):
        if not _non_empty_string(room):
            c.add(f"RoomId[{index}]", "Each RoomId must be a non-empty string.")


def _describe_user_list(c: _Checker, body: Mapping, context: Mapping) -> None:
    c.string(body, "RoomId", "", required=True)
    c.integer(body, "Mode", "", allowed=(0, 1))
    c.integer(body, "Limit", "", bounds=(0, DESCRIBE_USER_LIST_MAX_LIMIT))
    if body.get("Marker") is not None and not isinstance(body.get("Marker"), str):
        c.add("Marker", "Marker must be a string.")


def _describe_rtc_stream_state(c: _Checker, body: Mapping, context: Mapping) -> None:
    c.string(body, "StreamId", "", required=True)
    c.integer(body, "Sequence", "", required=True)


_VALIDATORS: dict[str, Callable[[_Checker, Mapping, Mapping], None]] = {
    Action.START_RECORD: _start_record,
    Action.STOP_RECORD: _task_id,
    Action.DESCRIBE_RECORD_STATUS: _task_id,
    Action.PAUSE_RECORD: _task_id,
    Action.RESUME_RECORD: _task_id,
    Action.TAKE_SNAPSHOT: _task_id,
    Action.UPDATE_LAYOUT: _update_layout,
    Action.UPDATE_WHITEBOARD: _update_whiteboard,
    Action.DESCRIBE_TASKS: _describe_tasks,
    Action.DESCRIBE_SIMPLE_STREAM_LIST: _room_id,
    Action.DESCRIBE_USER_NUM: _describe_user_num,
    Action.DESCRIBE_USER_LIST: _describe_user_list,
    Action.DESCRIBE_RTC_STREAM_STATE: _describe_rtc_stream_state,
}


def request_problems(action: str, body: Any, **context: Any) -> list[Problem]:
    """All problems in `body` for `action`. Context: `now_ms` (DescribeTasks), `canvas`
    ((width, height) for UpdateLayout, which cannot carry the canvas itself)."""
    checker = _Checker()
    body = to_wire(body)
    if action not in _VALIDATORS:
        checker.add("Action", f"Unknown action {action!r}.")
    elif not isinstance(body, Mapping):
        checker.add("", "The request body must be an object.")
    else:
        _VALIDATORS[action](checker, body, context)
    return checker.problems


def validate_request(action: str, body: Any, **context: Any) -> None:
    """Raise ZegoValidationError naming the first problem (all are in `.problems`)."""
    checker = _Checker()
    checker.problems = request_problems(action, body, **context)
    checker.raise_if_any(action)
