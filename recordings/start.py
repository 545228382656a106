"""What a Start click asks for, and how it becomes ZEGO's StartRecord parameters."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import zego
import zego.validation

# Form choices with ZEGO's numbers (spec §3.1).
STREAM_TYPES = [
    (3, "Audio + video"),
    (1, "Audio only"),
    (2, "Video only"),
    (4, "Audio and video as separate files"),
]
OUTPUT_FORMATS = [
    ("mp4", "MP4"),
    ("hls", "HLS"),
    ("flv", "FLV"),
    ("mp3", "MP3 (audio only)"),
    ("jpg", "JPG snapshots only"),
]
MIX_MODES = [
    (2, "Grid"),
    (3, "Horizontal (one big, others in a row)"),
    (4, "Vertical"),
    (5, "Floating"),
]
FILL_MODES = [(1, "Crop to fill"), (2, "Fit with bars")]
RESOLUTIONS = [
    ("1280x720", "1280 × 720 (720p)"),
    ("1920x1080", "1920 × 1080 (1080p)"),
    ("960x540", "960 × 540"),
    ("640x360", "640 × 360"),
    ("720x1280", "720 × 1280 (portrait)"),
    ("1080x1920", "1080 × 1920 (portrait)"),
]
# Watching live plays the playlist a few segments behind its end: short segments keep that close
# to the live room (ZEGO's default of 15 s would put the player most of a minute behind).
LIVE_FRAGMENT_SECONDS = 2


@dataclass
class StartOptions:
    record_mode: int
    stream_type: int = 3
    output_format: str = "mp4"
    width: int = 1280
    height: int = 720
    fps: int = 15
    bitrate_kbps: int = 1500
    fill_mode: int = 1
    mix_mode: int = 2
    background_color: str = "#000000"
    max_idle_time: int = 30
    max_record_time: int = 86400
    include_streams: list[str] = field(default_factory=list)
    exclude_streams: list[str] = field(default_factory=list)
    room_streams: list[str] = field(default_factory=list)  # streams live at start, for exclusion
    storage_profile: Any = None
    # Drawn in the layout editor (MixInputList tiles, already validated): MixMode 1 with these.
    custom_tiles: list[dict] = field(default_factory=list)
    background_image: str = ""
    # A whiteboard to record from the start (switchable later with UpdateWhiteboard).
    whiteboard_id: str = ""
    # HLS uploaded while recording (RealtimeUploadFragment), played on the task page.
    watch_live: bool = False
    # Mixed mode: each stream's volume per second in a .sw sidecar (RecordSoundWave).
    speaker_activity: bool = False

    @property
    def is_mixed(self) -> bool:
        return self.record_mode == zego.RecordMode.MIXED

    def selected_streams(self) -> list[str]:
        """The streams to record when a selection was made; empty means every stream."""
        if self.include_streams:
            return [s for s in self.include_streams if s not in self.exclude_streams]
        if self.exclude_streams:
            return [s for s in self.room_streams if s not in self.exclude_streams]
        return []

    def selects_nothing(self) -> bool:
        """A selection was made and nothing is left of it. Never send that: ZEGO reads an empty
        selection as "every stream"."""
        return bool(self.include_streams or self.exclude_streams) and not self.selected_streams()

    def record_input_params(self) -> dict:
        params: dict[str, Any] = {
            "RecordMode": self.record_mode,
            "StreamType": self.stream_type,
            "MaxIdleTime": self.max_idle_time,
            "MaxRecordTime": self.max_record_time,
        }
        selected = self.selected_streams()
        if self.is_mixed:
            params["MixConfig"] = self.mix_config(selected)
        elif selected:
            params["RecordStreamList"] = [{"StreamId": stream} for stream in selected]
        if self.whiteboard_id:
            params["HasWhiteboard"] = True
            params["Whiteboard"] = [
                {"HorizontalRatio": 16, "VerticalRatio": 9, "WhiteboardId": self.whiteboard_id}
            ]
        return params

    def mix_config(self, selected: list[str]) -> dict:
        config: dict[str, Any] = {
            "MixMode": self.mix_mode,
            "MixOutputStreamId": "mix",
            "FillMode": self.fill_mode,
            "MixOutputBackgroundColor": color_to_zego(self.background_color),
        }
        if self.stream_type != zego.StreamType.AUDIO:
            config["MixOutputVideoConfig"] = {
                "Width": self.width,
                "Height": self.height,
                "Fps": self.fps,
                "Bitrate": self.bitrate_kbps * 1000,
            }
        if self.background_image:
            config["MixOutputBackgroundImage"] = self.background_image
        if self.speaker_activity:
            config["RecordSoundWave"] = True
        if self.custom_tiles:
            config["MixMode"] = zego.MixMode.CUSTOM
            config["MixInputList"] = [dict(tile) for tile in self.custom_tiles]
        elif selected:
            # A subset of the room's streams can only be mixed with a custom layout.
            config["MixMode"] = zego.MixMode.CUSTOM
            config["MixInputList"] = grid_tiles(selected, self.width, self.height, self.fill_mode)
        return config

    def record_output_params(self, callback_url: str) -> dict:
        folder = self.storage_profile.path_prefix if self.storage_profile is not None else ""
        params = {"OutputFileFormat": self.output_format, "CallbackUrl": callback_url}
        if folder:
            params["OutputFolder"] = folder
        if self.watch_live:
            # Bare segment names: the console points each one at a fresh presigned URL anyway.
            params["RealtimeUploadFragment"] = True
            params["ShortFragmentPath"] = True
            params["FragmentSeconds"] = LIVE_FRAGMENT_SECONDS
        return params

    def zego_params(self, *, storage_params: dict, callback_url: str) -> dict:
        return {
            "record_input_params": self.record_input_params(),
            "record_output_params": self.record_output_params(callback_url),
            "storage_params": storage_params,
        }

    def request_for_ledger(self, callback_url: str) -> dict:
        """The StartRecord body we send, minus StorageParams (they carry keys)."""
        return {
            "RecordInputParams": self.record_input_params(),
            "RecordOutputParams": self.record_output_params(callback_url),
        }

    def layout_for_ledger(self) -> dict:
        if not self.is_mixed:
            return {}
        mix = self.mix_config(self.selected_streams())
        return {
            "width": self.width,
            "height": self.height,
            "mix_mode": mix["MixMode"],
            "tiles": mix.get("MixInputList", []),
        }

    @classmethod
    def from_preset(cls, values: dict, *, storage_profile) -> StartOptions:
        """The options `as_preset` saved; fields added since the preset was saved get defaults."""
        known = {f.name for f in fields(cls)} - {"storage_profile", "room_streams"}
        saved = {key: value for key, value in values.items() if key in known}
        return cls(**saved, storage_profile=storage_profile)

    def as_preset(self) -> dict:
        values = asdict(self)
        values.pop("storage_profile")
        values.pop("room_streams")
        values["storage_profile_id"] = self.storage_profile.pk if self.storage_profile else None
        return values


# Only the request's shape is checked before a start; the real StorageParams come from the profile.
PLACEHOLDER_STORAGE_PARAMS = {
    "Vendor": 10,
    "Region": "r",
    "Bucket": "b",
    "AccessKeyId": "k",
    "AccessKeySecret": "s",
    "EndPoint": "https://e",
}


def request_problems(options: StartOptions, room_id: str) -> list[str]:
    """What ZEGO's rules refuse in the StartRecord these options make, one sentence each."""
    body = {
        "RoomId": room_id,
        **options.request_for_ledger("https://example.invalid/callback"),
        "StorageParams": PLACEHOLDER_STORAGE_PARAMS,
    }
    return [
        f"{item.field}: {item.message}"
        for item in zego.validation.request_problems(zego.Action.START_RECORD, body)
    ]


def color_to_zego(hex_color: str) -> int:
    """#RRGGBB → ZEGO's packed 0xRRGGBB00."""
    return int(hex_color.lstrip("#"), 16) << 8


def grid_tiles(stream_ids: list[str], width: int, height: int, fill_mode: int) -> list[dict]:
    """An even grid of the given streams, as MixInputList tiles."""
    count = len(stream_ids)
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    tile_w, tile_h = width // columns, height // rows
    tiles = []
    for index, stream_id in enumerate(stream_ids):
        row, column = divmod(index, columns)
        tiles.append(
            {
                "StreamId": stream_id,
                "Left": column * tile_w,
                "Top": row * tile_h,
                "Right": (column + 1) * tile_w,
                "Bottom": (row + 1) * tile_h,
                "Layer": 1,
                "FillMode": fill_mode,
            }
        )
    return tiles
