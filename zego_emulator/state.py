"""Rooms, streams, tasks and files, and the media-time arithmetic of a task.

Plain data: the locking and the transitions live in `engine.py`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .validation import LayoutRequest, StartRequest

STATUS_INITIALISING = 1
STATUS_RECORDING = 2
STATUS_ENDED = 3
STATUS_ENDED_ABNORMALLY = 4
STATUS_PAUSED = 5

FILE_RECORDING = 1
FILE_UPLOADING = 2
FILE_UPLOADED = 3
FILE_IN_BACKUP = 4
FILE_FAILED = 5

QUIT_IDLE = 3
QUIT_MAX_RECORD_TIME = 4
QUIT_UNKNOWN = 1001

MAX_STREAMS = {1: 36, 2: 25}
THREE_DAYS = 3 * 86400
NO_URL_VENDORS = {4, 5}
VOD_VENDORS = {5, 6}
TRACK_TYPES = {"A": 1, "V": 2, "VA": 3}


@dataclass
class Stream:
    stream_id: str
    user_id: str
    user_name: str
    audio: bool
    video: bool
    index: int
    created: float

    def to_json(self) -> dict:
        return {
            "stream_id": self.stream_id,
            "user_id": self.user_id,
            "user_name": self.user_name,
            "audio": self.audio,
            "video": self.video,
            "index": self.index,
            "created_ms": int(self.created * 1000),
        }


@dataclass
class Room:
    app_id: int
    room_id: str
    streams: dict[str, Stream] = field(default_factory=dict)
    indexes: dict[str, int] = field(
        default_factory=dict
    )  # stream id -> ordinal, kept across republish


@dataclass
class TrackedStream:
    """A stream as one task saw it: when (wall seconds) it was published while the task ran."""

    stream: Stream
    intervals: list[list[float | None]] = field(default_factory=list)

    def open(self, at: float) -> None:
        if not self.intervals or self.intervals[-1][1] is not None:
            self.intervals.append([at, None])

    def close(self, at: float) -> None:
        if self.intervals and self.intervals[-1][1] is None:
            self.intervals[-1][1] = at

    @property
    def is_open(self) -> bool:
        return bool(self.intervals) and self.intervals[-1][1] is None


@dataclass
class FileEntry:
    file_id: str
    user_id: str
    user_name: str
    stream_id: str
    output_file_format: str
    media_track_type: int
    begin_timestamp: int
    duration: int = 0
    file_size: int = 0
    resolution_width: int = 0
    resolution_height: int = 0
    status: int = FILE_RECORDING
    file_url: str = ""
    video_id: str = ""
    object_key: str = ""
    backup_path: Path | None = None
    backup_expires: float | None = None
    show_url: bool = True

    def to_api(self) -> dict:
        data = {
            "UserId": self.user_id,
            "UserName": self.user_name,
            "StreamId": self.stream_id,
            "FileId": self.file_id,
            "VideoId": self.video_id,
            "OutputFileFormat": self.output_file_format,
            "FileSize": self.file_size,
            "Duration": self.duration,
            "ResolutionWidth": self.resolution_width,
            "ResolutionHeight": self.resolution_height,
            "MediaTrackType": self.media_track_type,
            "BeginTimestamp": self.begin_timestamp,
            "Status": self.status,
        }
        if self.show_url:
            data["FileUrl"] = self.file_url
        return data

    def to_callback(self) -> dict:
        data = {
            "user_id": self.user_id,
            "user_name": self.user_name,
            "stream_id": self.stream_id,
            "file_id": self.file_id,
            "video_id": self.video_id,
            "output_file_format": self.output_file_format,
            "file_size": self.file_size,
            "duration": self.duration,
            "resolution_width": self.resolution_width,
            "resolution_height": self.resolution_height,
            "media_track_type": self.media_track_type,
            "begin_timestamp": self.begin_timestamp,
            "status": self.status,
        }
        if self.show_url:
            data["file_url"] = self.file_url
        return data


@dataclass
class Task:
    task_id: str
    app_id: int
    request: StartRequest
    created: float
    created_timer: float
    ready_at: float
    vendor: int
    layouts: list[tuple[float, LayoutRequest]] = field(default_factory=list)
    whiteboard_id: str | None = None
    whiteboard_events: list[tuple[float, str]] = field(default_factory=list)
    ready: bool = False
    started: float | None = None
    paused_since: float | None = None
    pauses: list[tuple[float, float]] = field(default_factory=list)
    ended: float | None = None
    end_status: int | None = None
    quit_reason: int | None = None
    tracked: dict[str, TrackedStream] = field(default_factory=dict)
    idle_since: float | None = None
    next_idle_callback: float | None = None
    next_snapshot: float = 0.0
    files: list[FileEntry] = field(default_factory=list)
    files_final: bool = False
    snapshots: list[FileEntry] = field(default_factory=list)
    images: dict[str, bytes | None] = field(default_factory=dict)
    failed_images: set[str] = field(default_factory=set)
    sequence: itertools.count = field(default_factory=itertools.count)
    discarded: bool = False
    history: list[dict] = field(default_factory=list)

    @property
    def room_id(self) -> str:
        return self.request.room_id

    @property
    def is_mixed(self) -> bool:
        return self.request.record_mode == 2

    @property
    def is_active(self) -> bool:
        return self.ended is None

    def status(self) -> int:
        if self.ended is not None:
            return self.end_status or STATUS_ENDED
        if self.paused_since is not None:
            return STATUS_PAUSED
        if self.started is not None:
            return STATUS_RECORDING
        return STATUS_INITIALISING

    def paused_seconds(self, until: float) -> float:
        spans = list(self.pauses)
        if self.paused_since is not None:
            spans.append((self.paused_since, until))
        origin = self.started or until
        return sum(max(0.0, min(end, until) - max(start, origin)) for start, end in spans)

    def media_seconds(self, wall: float) -> float:
        """Seconds of recorded media at a wall time: time since recording began, minus pauses."""
        if self.started is None:
            return 0.0
        wall = min(wall, self.ended) if self.ended is not None else wall
        return max(0.0, wall - self.started - self.paused_seconds(wall))

    def media_intervals(
        self, tracked: TrackedStream, now: float, open_until: float | None = None
    ) -> list[tuple[float, float]]:
        """Media-second spans of the stream's publishing; one still open runs to `now`, or to
        `open_until` (a media second) when given."""
        intervals = []
        for start, end in tracked.intervals:
            media_start = self.media_seconds(max(start, self.started or start))
            if end is None and open_until is not None:
                media_end = open_until
            else:
                media_end = self.media_seconds(end if end is not None else now)
            if media_end > media_start:
                intervals.append((round(media_start, 3), round(media_end, 3)))
        return intervals

    def record(self, kind: str, wall: float, **details) -> None:
        self.history.append({"event": kind, "at_ms": int(wall * 1000), **details})


def utc_stamp(timestamp_ms: int) -> str:
    moment = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    return moment.strftime("%Y%m%d%H%M%S") + f"{timestamp_ms % 1000:03d}"


def file_name(task: Task, owner: list[str], media_type: str, begin_ms: int, extension: str) -> str:
    """OutputFileRule 1: TaskId_RoomId_<owner parts>_Type_UTC.ext."""
    parts = [task.task_id, task.room_id, *owner, media_type, utc_stamp(begin_ms)]
    return "_".join(parts) + "." + extension


def output_format_of(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower()
    return {"m3u8": "hls", "ts": "hls"}.get(extension, extension)
