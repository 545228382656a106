"""Typed request parameters (with `.to_wire()`) and parsed results (with `.raw`).

Request dataclasses use snake_case names of ZEGO's PascalCase fields; `None` means "omit
the field and let ZEGO apply its default". Anywhere a dataclass is accepted, a plain dict in
ZEGO's wire shape works too, and dicts may contain dataclasses.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from zego.constants import (
    CallbackEventType,
    CallbackUploadStatus,
    ImageType,
    MediaTrackType,
    OutputFileFormat,
    QuitReason,
    RecordMode,
    ReturnCode,
    StreamType,
    TaskStatus,
    UploadStatus,
    UserRole,
)

# --- request side -------------------------------------------------------------------------


def to_wire(value: Any) -> Any:
    """Convert dataclasses, enums, mappings and sequences into JSON-ready wire values."""
    if isinstance(value, WireModel):
        return value.to_wire()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {key: to_wire(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(item) for item in value]
    return value


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def wire(name: str, **kwargs: Any) -> Any:
    """A dataclass field whose wire name is not the plain PascalCase of its Python name."""
    return field(metadata={"wire": name}, **kwargs)


@dataclass(kw_only=True)
class WireModel:
    """Base for request parameter objects; `extra` carries fields this client doesn't model."""

    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            if spec.name == "extra" or value is None:
                continue
            out[spec.metadata.get("wire") or _pascal(spec.name)] = to_wire(value)
        out.update(to_wire(self.extra))
        return out


@dataclass(kw_only=True)
class MixInputTile(WireModel):
    """One tile of a custom layout (`MixInputList` item); pixels, origin at top-left."""

    left: int
    top: int
    right: int
    bottom: int
    layer: int = 1
    stream_id: str | None = None
    view_type: int | None = None
    fill_mode: int | None = None
    background_image: str | None = None

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass(kw_only=True)
class MixOutputVideoConfig(WireModel):
    width: int
    height: int
    fps: int
    bitrate: int  # bps


@dataclass(kw_only=True)
class MixOutputAudioConfig(WireModel):
    bitrate: int  # bps


@dataclass(kw_only=True)
class MixOutputWatermarkImageConfig(WireModel):
    left: int
    top: int
    right: int
    bottom: int


@dataclass(kw_only=True)
class MixOutputWatermarkTimestampConfig(WireModel):
    font_size: int


@dataclass(kw_only=True)
class StreamConfig(WireModel):
    """`MixConfig.StreamConfigList` item."""

    stream_id: str | None = None
    stream_type: int | None = None


@dataclass(kw_only=True)
class MixConfig(WireModel):
    mix_output_stream_id: str
    mix_mode: int | None = None
    mix_input_list: Sequence[MixInputTile | Mapping[str, Any]] | None = None
    fill_mode: int | None = None
    mix_output_video_config: MixOutputVideoConfig | Mapping[str, Any] | None = None
    mix_output_audio_config: MixOutputAudioConfig | Mapping[str, Any] | None = None
    mix_output_background_color: int | None = None
    mix_output_background_image: str | None = None
    mix_max_resolution_stream_id: str | None = None
    mix_output_watermark_image: str | None = None
    mix_output_watermark_image_config: MixOutputWatermarkImageConfig | Mapping | None = None
    default_mix_stream_background_image: str | None = None
    is_always_mix: bool | None = None
    mix_output_watermark_timestamp_config: MixOutputWatermarkTimestampConfig | Mapping | None = None
    record_sound_wave: bool | None = None
    sound_wave_type: int | None = None
    stream_config_list: Sequence[StreamConfig | Mapping[str, Any]] | None = None
    clear_input_stream_timeout: int | None = None


@dataclass(kw_only=True)
class FillFrame(WireModel):
    frame_fill_mode: int | None = None
    frame_fill_color: int | None = None  # 0xRRGGBB00


@dataclass(kw_only=True)
class Whiteboard(WireModel):
    horizontal_ratio: int
    vertical_ratio: int
    width: int | None = None
    height: int | None = None
    whiteboard_id: str | None = None
    background_color: int | None = None
    is_ppt_animation: bool | None = wire("IsPPTAnimation", default=None)
    ppt_animation_fps: int | None = wire("PPTAnimationFps", default=None)


@dataclass(kw_only=True)
class RecordInputParams(WireModel):
    """`record_stream_list` takes stream ids; a `whiteboard` implies HasWhiteboard=true."""

    record_mode: int
    stream_type: int | None = None
    record_stream_list: Sequence[str | Mapping[str, Any]] | None = None
    fill_blank: bool | None = None
    fill_frame: FillFrame | Mapping[str, Any] | None = None
    record_mute_audio: int | None = None
    record_mute_audio_split_threshold: int | None = None
    has_whiteboard: bool | None = None
    whiteboard: Whiteboard | Mapping[str, Any] | Sequence[Whiteboard | Mapping] | None = None
    max_idle_time: int | None = None
    max_record_time: int | None = None
    mix_config: MixConfig | Mapping[str, Any] | None = None

    def to_wire(self) -> dict[str, Any]:
        out = super().to_wire()
        if self.record_stream_list is not None:
            out["RecordStreamList"] = [_stream_item(item) for item in self.record_stream_list]
        if isinstance(self.whiteboard, WireModel | Mapping):
            out["Whiteboard"] = [to_wire(self.whiteboard)]
        if self.whiteboard is not None and self.has_whiteboard is None:
            out["HasWhiteboard"] = True
        return out


def _stream_item(item: str | Mapping[str, Any]) -> Any:
    return {"StreamId": item} if isinstance(item, str) else to_wire(item)


@dataclass(kw_only=True)
class RecordOutputParams(WireModel):
    output_file_format: str | None = None
    output_folder: str | None = None
    output_file_rule: int | None = None
    snapshot_interval: int | None = None
    callback_url: str | None = None
    fragment_seconds: int | None = None
    realtime_upload_fragment: bool | None = None
    short_fragment_path: bool | None = None


@dataclass(kw_only=True)
class AlibabaCloudVodParams(WireModel):
    region: str
    access_key_id: str
    access_key_secret: str = field(repr=False)
    title: str
    storage_location: str


@dataclass(kw_only=True)
class TencentCloudVodParams(WireModel):
    secret_id: str
    secret_key: str = field(repr=False)
    region: str
    sub_app_id: int | None = None


@dataclass(kw_only=True)
class StorageParams(WireModel):
    vendor: int
    region: str | None = None
    bucket: str | None = None
    access_key_id: str | None = None
    access_key_secret: str | None = field(default=None, repr=False)
    end_point: str | None = None
    alibaba_cloud_vod_params: AlibabaCloudVodParams | Mapping[str, Any] | None = field(
        default=None, repr=False
    )
    tencent_cloud_vod_params: TencentCloudVodParams | Mapping[str, Any] | None = field(
        default=None, repr=False
    )


# --- result side --------------------------------------------------------------------------


def coerce_enum[E: enum.IntEnum](enum_cls: type[E], value: Any) -> E | int | None:
    """Enum member when known; ZEGO may add values, so unknown ones stay plain ints."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    try:
        return enum_cls(number)
    except ValueError:
        return number


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _data(envelope: Mapping[str, Any]) -> Mapping[str, Any]:
    data = envelope.get("Data")
    return data if isinstance(data, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def ms_to_datetime(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, tz=UTC) if value else None


@dataclass
class Ack:
    """Envelope-only reply. `already_applied`: a retry found our earlier attempt had worked."""

    request_id: str
    message: str
    already_applied: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any]):
        return cls(
            request_id=_str(envelope.get("RequestId")),
            message=_str(envelope.get("Message")),
            already_applied=_int(envelope.get("Code")) != ReturnCode.SUCCESS,
            raw=dict(envelope),
        )


@dataclass
class StopRecordResult(Ack):
    @property
    def already_ended(self) -> bool:
        return self.already_applied


@dataclass
class TakeSnapshotResult(Ack):
    """The JPG itself arrives later through callback event 1 (`output_file_format` "jpg")."""


@dataclass
class StartRecordResult:
    task_id: str
    request_id: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any]) -> StartRecordResult:
        return cls(
            task_id=_str(_data(envelope).get("TaskId")),
            request_id=_str(envelope.get("RequestId")),
            raw=dict(envelope),
        )


@dataclass
class RecordFile:
    """A produced file, from DescribeRecordStatus (PascalCase) or a callback (snake_case)."""

    file_id: str
    stream_id: str
    user_id: str
    user_name: str
    video_id: str
    file_url: str | None
    output_file_format: str
    file_size: int
    duration: int  # ms
    resolution_width: int
    resolution_height: int
    media_track_type: MediaTrackType | int | None
    begin_timestamp: int  # Unix ms
    status: UploadStatus | int | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def begins_at(self) -> datetime | None:
        return ms_to_datetime(self.begin_timestamp)

    @classmethod
    def from_wire(cls, item: Mapping[str, Any]) -> RecordFile:
        return cls._parse(item, lambda name: item.get(_pascal(name)))

    @classmethod
    def from_callback(cls, item: Mapping[str, Any]) -> RecordFile:
        return cls._parse(item, item.get)

    @classmethod
    def _parse(cls, item: Mapping[str, Any], get) -> RecordFile:
        return cls(
            file_id=_str(get("file_id")),
            stream_id=_str(get("stream_id")),
            user_id=_str(get("user_id")),
            user_name=_str(get("user_name")),
            video_id=_str(get("video_id")),
            file_url=get("file_url") or None,
            output_file_format=_str(get("output_file_format")),
            file_size=_int(get("file_size")),
            duration=_int(get("duration")),
            resolution_width=_int(get("resolution_width")),
            resolution_height=_int(get("resolution_height")),
            media_track_type=coerce_enum(MediaTrackType, get("media_track_type")),
            begin_timestamp=_int(get("begin_timestamp")),
            status=coerce_enum(UploadStatus, get("status")),
            raw=dict(item),
        )


@dataclass
class RecordStatus:
    """DescribeRecordStatus result; `record_files` is empty when ZEGO omits the list."""

    room_id: str
    record_mode: RecordMode | int | None
    stream_type: StreamType | int | None
    record_begin_timestamp: int
    record_end_timestamp: int
    status: TaskStatus | int | None
    record_files: list[RecordFile]
    request_id: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def is_finished(self) -> bool:
        return self.status in (TaskStatus.ENDED, TaskStatus.ENDED_ABNORMALLY)

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any]) -> RecordStatus:
        data = _data(envelope)
        return cls(
            room_id=_str(data.get("RoomId")),
            record_mode=coerce_enum(RecordMode, data.get("RecordMode")),
            stream_type=coerce_enum(StreamType, data.get("StreamType")),
            record_begin_timestamp=_int(data.get("RecordBeginTimestamp")),
            record_end_timestamp=_int(data.get("RecordEndTimestamp")),
            status=coerce_enum(TaskStatus, data.get("Status")),
            record_files=[RecordFile.from_wire(item) for item in _list(data.get("RecordFiles"))],
            request_id=_str(envelope.get("RequestId")),
            raw=dict(envelope),
        )


@dataclass
class TaskSummary:
    task_id: str
    room_id: str
    status: TaskStatus | int | None
    record_begin_timestamp: int  # Unix ms
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_wire(cls, item: Mapping[str, Any]) -> TaskSummary:
        return cls(
            task_id=_str(item.get("TaskId")),
            room_id=_str(item.get("RoomId")),
            status=coerce_enum(TaskStatus, item.get("Status")),
            record_begin_timestamp=_int(item.get("RecordBeginTimestamp")),
            raw=dict(item),
        )


@dataclass
class TaskList:
    page_offset: int
    page_size: int
    total_count: int
    tasks: list[TaskSummary]
    request_id: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def has_more(self) -> bool:
        return max(self.page_offset, 1) * self.page_size < self.total_count

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any]) -> TaskList:
        data = _data(envelope)
        # §3.4: the docs' table says TaskList, their example says TaskidList.
        items = data.get("TaskList", data.get("TaskidList"))
        return cls(
            page_offset=_int(data.get("PageOffset")),
            page_size=_int(data.get("PageSize")),
            total_count=_int(data.get("TotalCount")),
            tasks=[TaskSummary.from_wire(item) for item in _list(items)],
            request_id=_str(envelope.get("RequestId")),
            raw=dict(envelope),
        )


@dataclass
class Stream:
    stream_id: str
    user_id: str
    user_name: str
    create_time: int  # Unix ms
    stream_number_id: int
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_wire(cls, item: Mapping[str, Any]) -> Stream:
        return cls(
            stream_id=_str(item.get("StreamId")),
            user_id=_str(item.get("UserId")),
            user_name=_str(item.get("UserName")),
            create_time=_int(item.get("CreateTime")),
            stream_number_id=_int(item.get("StreamNumberId")),
            raw=dict(item),
        )


@dataclass
class StreamList:
    streams: list[Stream]
    request_id: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any]) -> StreamList:
        items = _list(_data(envelope).get("StreamList"))
        return cls(
            streams=[Stream.from_wire(item) for item in items],
            request_id=_str(envelope.get("RequestId")),
            raw=dict(envelope),
        )


@dataclass
class RoomUserCount:
    room_id: str
    user_count: int  # includes admin users such as the cloud recorder
    admin_user_count: int
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_wire(cls, item: Mapping[str, Any]) -> RoomUserCount:
        return cls(
            room_id=_str(item.get("RoomId")),
            user_count=_int(item.get("UserCount")),
            admin_user_count=_int(item.get("AdminUserCount")),
            raw=dict(item),
        )


@dataclass
class UserCountList:
    rooms: list[RoomUserCount]
    request_id: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def count_for(self, room_id: str) -> RoomUserCount | None:
        return next((room for room in self.rooms if room.room_id == room_id), None)

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any]) -> UserCountList:
        items = _list(_data(envelope).get("UserCountList"))
        return cls(
            rooms=[RoomUserCount.from_wire(item) for item in items],
            request_id=_str(envelope.get("RequestId")),
            raw=dict(envelope),
        )


@dataclass
class RoomUser:
    user_id: str
    user_name: str
    user_role: UserRole | int | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_wire(cls, item: Mapping[str, Any]) -> RoomUser:
        return cls(
            user_id=_str(item.get("UserId")),
            user_name=_str(item.get("UserName")),
            user_role=coerce_enum(UserRole, item.get("UserRole")),
            raw=dict(item),
        )


@dataclass
class UserList:
    users: list[RoomUser]
    marker: str  # pass back as `marker` for the next page; empty when done
    request_id: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def has_more(self) -> bool:
        return bool(self.marker)

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any]) -> UserList:
        data = _data(envelope)
        return cls(
            users=[RoomUser.from_wire(item) for item in _list(data.get("UserList"))],
            marker=_str(data.get("Marker")),
            request_id=_str(envelope.get("RequestId")),
            raw=dict(envelope),
        )


@dataclass
class CallbackEvent:
    """A recording status callback (§5). Check `zego.verify_callback` before trusting it."""

    app_id: int
    task_id: str
    room_id: str
    event_type: CallbackEventType | int | None
    message: str
    sequence: int
    nonce: str
    timestamp: str
    signature: str
    detail: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def upload_status(self) -> CallbackUploadStatus | int | None:
        return coerce_enum(CallbackUploadStatus, self.detail.get("upload_status"))

    @property
    def files(self) -> list[RecordFile]:
        return [RecordFile.from_callback(item) for item in _list(self.detail.get("file_info"))]

    @property
    def quit_reason(self) -> QuitReason | int | None:
        return coerce_enum(QuitReason, self.detail.get("quit_reason"))

    @property
    def image_type(self) -> ImageType | int | None:
        return coerce_enum(ImageType, self.detail.get("image_type"))

    @property
    def live_playlist(self) -> LivePlaylist:
        """Event 102's playlist; raises `BadCallbackDetail` when the detail is malformed."""
        return LivePlaylist.from_detail(self.detail)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> CallbackEvent:
        detail = payload.get("detail")
        return cls(
            app_id=_int(payload.get("app_id")),
            task_id=_str(payload.get("task_id")),
            room_id=_str(payload.get("room_id")),
            event_type=coerce_enum(CallbackEventType, payload.get("event_type")),
            message=_str(payload.get("message")),
            sequence=_int(payload.get("sequence")),
            nonce=_str(payload.get("nonce")),
            timestamp=_str(payload.get("timestamp")),
            signature=_str(payload.get("signature")),
            detail=dict(detail) if isinstance(detail, Mapping) else {},
            raw=dict(payload),
        )


def parse_callback(payload: Mapping[str, Any]) -> CallbackEvent:
    return CallbackEvent.from_payload(payload)


class BadCallbackDetail(ValueError):
    """A callback's `detail` does not have the shape its event type promises; says what is wrong."""


@dataclass(frozen=True)
class LivePlaylist:
    """Event 102 (RealtimeUploadFragment): an HLS playlist uploaded while the task records."""

    stream_id: str
    file_id: str
    file_url: str  # absent for vendors ZEGO reports no URLs for (Qiniu Kodo, Alibaba VOD)
    media_track_type: MediaTrackType | int | None

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any]) -> LivePlaylist:
        file_id = detail.get("file_id")
        if not isinstance(file_id, str) or not file_id.endswith(".m3u8") or "/" in file_id:
            raise BadCallbackDetail(
                f"event 102 needs file_id, the playlist's .m3u8 file name; got {file_id!r}"
            )
        file_url = detail.get("file_url") or ""
        if not isinstance(file_url, str) or (
            file_url and not file_url.startswith(("http://", "https://"))
        ):
            raise BadCallbackDetail(f"event 102 file_url is not an http(s) URL: {file_url!r}")
        track = detail.get("media_track_type")
        if track is not None and (not isinstance(track, int) or track not in (1, 2, 3)):
            raise BadCallbackDetail(f"event 102 media_track_type must be 1, 2 or 3; got {track!r}")
        stream_id = detail.get("stream_id") or ""
        if not isinstance(stream_id, str):
            raise BadCallbackDetail(f"event 102 stream_id must be a string; got {stream_id!r}")
        return cls(
            stream_id=stream_id,
            file_id=file_id,
            file_url=file_url,
            media_track_type=coerce_enum(MediaTrackType, track),
        )

    def as_record_file(self) -> RecordFile:
        """The playlist as a file still being recorded (upload status 1)."""
        return RecordFile(
            file_id=self.file_id,
            stream_id=self.stream_id,
            user_id="",
            user_name="",
            video_id="",
            file_url=self.file_url or None,
            output_file_format=OutputFileFormat.HLS.value,
            file_size=0,
            duration=0,
            resolution_width=0,
            resolution_height=0,
            media_track_type=self.media_track_type,
            begin_timestamp=0,
            status=UploadStatus.RECORDING,
        )
