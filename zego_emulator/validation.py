"""Business-parameter validation, as strict as ZEGO documents it (errors are 300000004).

Unknown keys are ignored; a value of the wrong JSON type is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .protocol import invalid

MAX_TILES = 25
MAX_COORDINATE = 1920
MAX_AREA = 1920 * 1080
OUTPUT_FORMATS = {"mp4", "flv", "hls", "jpg", "mp3"}
IMAGE_URL_FIELDS = {
    "MixOutputBackgroundImage": 1,
    "MixOutputWatermarkImage": 2,
    "DefaultMixStreamBackgroundImage": 3,
}
VENDOR_FORMATS = {5: {"mp4", "flv"}, 6: {"mp4", "flv", "jpg", "mp3"}}
THREE_DAYS_MS = 3 * 86400 * 1000

_MISSING = object()


def get_int(
    obj: dict,
    key: str,
    path: str,
    *,
    required=False,
    default=None,
    low=None,
    high=None,
    choices=None,
):
    value = obj.get(key, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise invalid(f"{path}{key} is required")
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{path}{key} must be an integer")
    if choices is not None and value not in choices:
        raise invalid(f"{path}{key} must be one of {sorted(choices)}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise invalid(f"{path}{key} out of range [{low}, {high}]")
    return value


def get_str(obj: dict, key: str, path: str, *, required=False, default=None) -> str | None:
    value = obj.get(key, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise invalid(f"{path}{key} is required")
        return default
    if not isinstance(value, str):
        raise invalid(f"{path}{key} must be a string")
    if required and not value:
        raise invalid(f"{path}{key} must not be empty")
    return value


def get_bool(obj: dict, key: str, path: str, default: bool = False) -> bool:
    value = obj.get(key, _MISSING)
    if value is _MISSING or value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(f"{path}{key} must be a boolean")
    return value


def get_object(obj: dict, key: str, path: str, *, required=False) -> dict | None:
    value = obj.get(key, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise invalid(f"{path}{key} is required")
        return None
    if not isinstance(value, dict):
        raise invalid(f"{path}{key} must be an object")
    return value


def get_list(obj: dict, key: str, path: str, *, required=False) -> list | None:
    value = obj.get(key, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise invalid(f"{path}{key} is required")
        return None
    if not isinstance(value, list):
        raise invalid(f"{path}{key} must be an array")
    return value


def get_url(obj: dict, key: str, path: str) -> str | None:
    url = get_str(obj, key, path)
    if url and not url.lower().startswith(("http://", "https://")):
        raise invalid(f"{path}{key} must be an http(s) URL")
    return url or None


@dataclass
class TileSpec:
    left: int
    top: int
    right: int
    bottom: int
    layer: int
    stream_id: str | None = None
    view_type: int = 1
    fill_mode: int = 1
    background_image_url: str | None = None


@dataclass
class LayoutRequest:
    mix_mode: int = 2
    tiles: list[TileSpec] | None = None
    max_resolution_stream_id: str | None = None


@dataclass
class MixSettings:
    output_stream_id: str
    layout: LayoutRequest
    fill_mode: int = 1
    width: int = 0
    height: int = 0
    fps: int = 15
    bitrate: int = 0
    audio_bitrate: int = 48000
    background_color: int = 0
    background_image_url: str | None = None
    watermark_image_url: str | None = None
    default_tile_image_url: str | None = None
    is_always_mix: bool = False
    record_sound_wave: bool = False
    sound_wave_type: int = 0  # 0 keyed by stream, 1 by user


@dataclass
class StartRequest:
    room_id: str
    record_mode: int
    stream_type: int
    record_stream_ids: list[str]
    fill_blank: bool
    has_whiteboard: bool
    whiteboard_id: str | None
    max_idle_time: int
    max_record_time: int
    mix: MixSettings | None
    output_format: str
    output_folder: str
    snapshot_interval: int
    fragment_seconds: int
    callback_url: str | None
    realtime_upload_fragment: bool
    short_fragment_path: bool
    storage: dict
    raw: dict = field(default_factory=dict)


def validate_start_record(body: dict) -> StartRequest:
    room_id = get_str(body, "RoomId", "", required=True)
    inputs = get_object(body, "RecordInputParams", "", required=True)
    outputs = get_object(body, "RecordOutputParams", "") or {}
    storage = get_object(body, "StorageParams", "", required=True)
    p = "RecordInputParams."
    record_mode = get_int(inputs, "RecordMode", p, required=True, choices={1, 2})
    stream_type = get_int(inputs, "StreamType", p, default=3, choices={1, 2, 3, 4})
    has_whiteboard = get_bool(inputs, "HasWhiteboard", p)
    whiteboard_id = validate_whiteboards(inputs, p) if has_whiteboard else None
    validate_fill_frame(inputs, p)
    get_int(inputs, "RecordMuteAudio", p, choices={1, 2})
    get_int(inputs, "RecordMuteAudioSplitThreshold", p)
    mix = None
    if record_mode == 2:
        mix_config = get_object(inputs, "MixConfig", p, required=True)
        mix = validate_mix_config(mix_config, stream_type, has_whiteboard)
    output_format = validate_outputs(outputs, stream_type)
    validate_storage(storage, output_format)
    return StartRequest(
        room_id=room_id,
        record_mode=record_mode,
        stream_type=stream_type,
        record_stream_ids=validate_stream_list(inputs, p) if record_mode == 1 else [],
        fill_blank=get_bool(inputs, "FillBlank", p),
        has_whiteboard=has_whiteboard,
        whiteboard_id=whiteboard_id,
        max_idle_time=get_int(inputs, "MaxIdleTime", p, default=30, low=5, high=86400),
        max_record_time=get_int(inputs, "MaxRecordTime", p, default=86400, low=300, high=86400),
        mix=mix,
        output_format=output_format,
        output_folder=(get_str(outputs, "OutputFolder", "RecordOutputParams.") or "").lstrip("/"),
        snapshot_interval=get_int(
            outputs, "SnapshotInterval", "RecordOutputParams.", default=10, low=5, high=3600
        ),
        fragment_seconds=get_int(
            outputs, "FragmentSeconds", "RecordOutputParams.", default=15, low=2, high=60
        ),
        callback_url=get_url(outputs, "CallbackUrl", "RecordOutputParams."),
        realtime_upload_fragment=get_bool(outputs, "RealtimeUploadFragment", "RecordOutputParams."),
        short_fragment_path=get_bool(outputs, "ShortFragmentPath", "RecordOutputParams."),
        storage=storage,
        raw=body,
    )


def validate_stream_list(inputs: dict, p: str) -> list[str]:
    items = get_list(inputs, "RecordStreamList", p) or []
    stream_ids = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise invalid(f"{p}RecordStreamList[{index}] must be an object")
        stream_ids.append(
            get_str(item, "StreamId", f"{p}RecordStreamList[{index}].", required=True)
        )
    return stream_ids


def validate_whiteboards(inputs: dict, p: str) -> str | None:
    boards = get_list(inputs, "Whiteboard", p, required=True)
    if len(boards) != 1:
        raise invalid(f"{p}Whiteboard must hold exactly one whiteboard")
    board = boards[0]
    if not isinstance(board, dict):
        raise invalid(f"{p}Whiteboard[0] must be an object")
    bp = f"{p}Whiteboard[0]."
    get_int(board, "HorizontalRatio", bp, required=True, low=1)
    get_int(board, "VerticalRatio", bp, required=True, low=1)
    get_int(board, "Width", bp, low=1, high=MAX_COORDINATE)
    get_int(board, "Height", bp, low=1, high=MAX_COORDINATE)
    get_int(board, "BackgroundColor", bp)
    get_bool(board, "IsPPTAnimation", bp)
    get_int(board, "PPTAnimationFps", bp, low=1, high=30)
    return get_str(board, "WhiteboardId", bp) or None


def validate_fill_frame(inputs: dict, p: str) -> None:
    fill_frame = get_object(inputs, "FillFrame", p)
    if fill_frame is not None:
        get_int(fill_frame, "FrameFillMode", f"{p}FillFrame.", choices={1, 2, 3})
        get_int(fill_frame, "FrameFillColor", f"{p}FillFrame.")


def validate_mix_config(config: dict, stream_type: int, has_whiteboard: bool) -> MixSettings:
    p = "RecordInputParams.MixConfig."
    output_stream_id = get_str(config, "MixOutputStreamId", p, required=True)
    video = get_object(config, "MixOutputVideoConfig", p, required=stream_type in (2, 3, 4)) or {}
    vp = f"{p}MixOutputVideoConfig."
    width = get_int(video, "Width", vp, required=bool(video), low=1, high=MAX_COORDINATE) or 0
    height = get_int(video, "Height", vp, required=bool(video), low=1, high=MAX_COORDINATE) or 0
    if width * height > MAX_AREA:
        raise invalid(f"{vp}Width x Height must not exceed 1920x1080")
    fps = get_int(video, "Fps", vp, required=bool(video), low=5, high=30) or 15
    bitrate = get_int(video, "Bitrate", vp, required=bool(video), low=1) or 0
    audio = get_object(config, "MixOutputAudioConfig", p) or {}
    audio_bitrate = get_int(audio, "Bitrate", f"{p}MixOutputAudioConfig.", default=48000, low=1)
    layout = validate_layout(config, p, canvas=(width, height), has_whiteboard=has_whiteboard)
    validate_watermark_rect(config, p, (width, height))
    timestamp_config = get_object(config, "MixOutputWatermarkTimestampConfig", p)
    if timestamp_config is not None:
        get_int(
            timestamp_config,
            "FontSize",
            f"{p}MixOutputWatermarkTimestampConfig.",
            required=True,
            low=12,
            high=100,
        )
    record_sound_wave = get_bool(config, "RecordSoundWave", p)
    sound_wave_type = get_int(config, "SoundWaveType", p, default=0, choices={0, 1})
    validate_stream_config_list(config, p)
    get_int(config, "ClearInputStreamTimeout", p, low=0)
    return MixSettings(
        output_stream_id=output_stream_id,
        layout=layout,
        fill_mode=get_int(config, "FillMode", p, default=1, choices={1, 2}),
        width=width,
        height=height,
        fps=fps,
        bitrate=bitrate,
        audio_bitrate=audio_bitrate,
        background_color=get_int(
            config, "MixOutputBackgroundColor", p, default=0, low=0, high=0xFFFFFFFF
        ),
        background_image_url=get_url(config, "MixOutputBackgroundImage", p),
        watermark_image_url=get_url(config, "MixOutputWatermarkImage", p),
        default_tile_image_url=get_url(config, "DefaultMixStreamBackgroundImage", p),
        is_always_mix=get_bool(config, "IsAlwaysMix", p),
        record_sound_wave=record_sound_wave,
        sound_wave_type=sound_wave_type,
    )


def validate_layout(
    obj: dict, p: str, *, canvas: tuple[int, int], has_whiteboard: bool
) -> LayoutRequest:
    """MixMode / MixInputList / MixMaxResolutionStreamId, shared by StartRecord and UpdateLayout."""
    mix_mode = get_int(obj, "MixMode", p, default=2, choices={1, 2, 3, 4, 5})
    raw_tiles = get_list(obj, "MixInputList", p, required=mix_mode == 1)
    if mix_mode == 1 and not raw_tiles:
        raise invalid(f"{p}MixInputList must not be empty with MixMode 1")
    tiles = None
    if raw_tiles is not None:
        if len(raw_tiles) > MAX_TILES:
            raise invalid(
                f"{p}MixInputList has {len(raw_tiles)} tiles, at most {MAX_TILES} allowed"
            )
        tiles = [
            validate_tile(tile, f"{p}MixInputList[{i}].", canvas)
            for i, tile in enumerate(raw_tiles)
        ]
        validate_whiteboard_tiles(tiles, p, has_whiteboard)
    return LayoutRequest(
        mix_mode=mix_mode,
        tiles=tiles if mix_mode == 1 else None,
        max_resolution_stream_id=get_str(obj, "MixMaxResolutionStreamId", p) or None,
    )


def validate_tile(tile, p: str, canvas: tuple[int, int]) -> TileSpec:
    if not isinstance(tile, dict):
        raise invalid(f"{p[:-1]} must be an object")
    coordinates = {
        key: get_int(tile, key, p, required=True, low=0, high=MAX_COORDINATE)
        for key in ("Left", "Top", "Right", "Bottom")
    }
    width, height = canvas
    if coordinates["Left"] > coordinates["Right"] or (width and coordinates["Right"] > width):
        raise invalid(f"{p}Left/Right must satisfy Left <= Right <= canvas width")
    if coordinates["Top"] > coordinates["Bottom"] or (height and coordinates["Bottom"] > height):
        raise invalid(f"{p}Top/Bottom must satisfy Top <= Bottom <= canvas height")
    stream_id = get_str(tile, "StreamId", p) or None
    return TileSpec(
        left=coordinates["Left"],
        top=coordinates["Top"],
        right=coordinates["Right"],
        bottom=coordinates["Bottom"],
        layer=get_int(tile, "Layer", p, required=True),
        stream_id=stream_id,
        view_type=get_int(tile, "ViewType", p, default=1, choices={1, 2}),
        fill_mode=get_int(tile, "FillMode", p, default=1, choices={1, 2}),
        background_image_url=get_url(tile, "BackgroundImage", p) if stream_id else None,
    )


def validate_whiteboard_tiles(tiles: list[TileSpec], p: str, has_whiteboard: bool) -> None:
    board_tiles = sum(1 for tile in tiles if tile.view_type == 2)
    if board_tiles > 1:
        raise invalid(f"{p}MixInputList: at most one tile may have ViewType 2")
    if board_tiles and not has_whiteboard:
        raise invalid(f"{p}MixInputList: ViewType 2 needs whiteboard recording")


def validate_watermark_rect(config: dict, p: str, canvas: tuple[int, int]) -> None:
    rect = get_object(config, "MixOutputWatermarkImageConfig", p)
    if rect is not None:
        validate_tile({**rect, "Layer": 0}, f"{p}MixOutputWatermarkImageConfig.", canvas)


def validate_stream_config_list(config: dict, p: str) -> None:
    for index, item in enumerate(get_list(config, "StreamConfigList", p) or []):
        if not isinstance(item, dict):
            raise invalid(f"{p}StreamConfigList[{index}] must be an object")
        get_str(item, "StreamId", f"{p}StreamConfigList[{index}].")
        get_int(item, "StreamType", f"{p}StreamConfigList[{index}].", choices={0, 1, 2, 3})


def validate_outputs(outputs: dict, stream_type: int) -> str:
    p = "RecordOutputParams."
    output_format = get_str(outputs, "OutputFileFormat", p, default="mp4") or "mp4"
    if output_format not in OUTPUT_FORMATS:
        raise invalid(f"{p}OutputFileFormat must be one of {sorted(OUTPUT_FORMATS)}")
    if output_format == "mp3" and stream_type != 1:
        raise invalid(f"{p}OutputFileFormat mp3 needs StreamType 1")
    if output_format == "jpg" and stream_type == 1:
        raise invalid(f"{p}OutputFileFormat jpg needs video (StreamType 2, 3 or 4)")
    get_int(outputs, "OutputFileRule", p, choices={1})
    get_bool(outputs, "ShortFragmentPath", p)
    return output_format


STORAGE_REQUIRED = {
    **{
        vendor: ("Region", "Bucket", "AccessKeyId", "AccessKeySecret")
        for vendor in (1, 2, 3, 4, 7, 9)
    },
    8: ("Bucket", "AccessKeyId", "AccessKeySecret"),
    10: ("Bucket", "AccessKeyId", "AccessKeySecret", "EndPoint"),
    5: (),
    6: (),
}


def validate_storage(storage: dict, output_format: str) -> None:
    p = "StorageParams."
    vendor = get_int(storage, "Vendor", p, required=True, choices=set(range(1, 11)))
    for key in ("Region", "Bucket", "AccessKeyId", "AccessKeySecret", "EndPoint"):
        get_str(storage, key, p)
    for key in STORAGE_REQUIRED[vendor]:
        get_str(storage, key, p, required=True)
    if vendor == 10:
        get_url(storage, "EndPoint", p)
    if vendor == 5:
        vod = get_object(storage, "AlibabaCloudVodParams", p, required=True)
        for key in ("Region", "AccessKeyId", "AccessKeySecret", "Title", "StorageLocation"):
            get_str(vod, key, f"{p}AlibabaCloudVodParams.", required=True)
    if vendor == 6:
        vod = get_object(storage, "TencentCloudVodParams", p, required=True)
        for key in ("SecretId", "SecretKey", "Region"):
            get_str(vod, key, f"{p}TencentCloudVodParams.", required=True)
        get_int(vod, "SubAppId", f"{p}TencentCloudVodParams.")
    if vendor in VENDOR_FORMATS and output_format not in VENDOR_FORMATS[vendor]:
        raise invalid(f"{p}Vendor {vendor} does not support OutputFileFormat {output_format}")


def validate_task_id(body: dict) -> str:
    return get_str(body, "TaskId", "", required=True)


@dataclass
class TaskQuery:
    status: int
    room_id: str | None
    page_offset: int
    page_size: int
    start_time: int
    end_time: int


def validate_describe_tasks(body: dict, now_ms: int) -> TaskQuery:
    status = get_int(body, "Status", "", required=True, choices={2, 3})
    start_time = get_int(body, "StartTime", "", required=True)
    end_time = get_int(body, "EndTime", "", required=True)
    # A minute of grace so a client whose clock is slightly behind is not refused.
    if start_time < now_ms - THREE_DAYS_MS - 60_000:
        raise invalid("StartTime must not be earlier than 3 days ago")
    if end_time <= start_time:
        raise invalid("EndTime must be later than StartTime")
    if end_time - start_time > THREE_DAYS_MS:
        raise invalid("EndTime - StartTime must not exceed 3 days")
    page_offset = get_int(body, "PageOffset", "", default=1, low=0) or 1
    page_size = get_int(body, "PageSize", "", default=50, low=1, high=50)
    return TaskQuery(
        status=status,
        room_id=get_str(body, "RoomId", "") or None,
        page_offset=page_offset,
        page_size=page_size,
        start_time=start_time,
        end_time=end_time,
    )
