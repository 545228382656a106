"""Render synthetic rooms into real media files (the media half of the ZEGO emulator).

Every synthetic stream is a moving test picture plus a sine tone:

* picture: a solid colour from `STREAM_COLOURS` (by `StreamTrack.index`, wrapping after 16), with
  a label (user id, stream id) just below the middle, a bar sweeping left → right once every
  `BAR_PERIOD_SECONDS` in a band near the bottom, and a centred UTC wall clock ``HH:MM:SS.d``
  under it.
  The top half of the picture (rows 0 % – `PURE_COLOUR_UNTIL` of its height) is always the pure
  colour, so tests can check which stream a tile shows by sampling there. An audio-only stream
  is shown (it still takes a tile in a mix) as a card in a third of its colour's brightness.
* tone: a sine at `tone_frequency(index)` Hz, loud while the stream "talks" and at
  `QUIET_LEVEL` between its turns (`talk_levels`: spans of `TALK_SPAN_SECONDS`, a fixed pattern
  per stream, everyone talking in the first span), so speaker activity has something to show.

Files (spec 3.1.7/3.1.8): H.264 (libx264 ultrafast/zerolatency, yuv420p) and AAC 48 kHz mono.
StreamType 4 adds a separate ``.aac``; ``mp3`` is always one audio-only file ("A"); ``hls`` is a
``.m3u8`` with ``<name>_<n>.ts`` segments beside it (`RenderedFile.extra`); ``jpg`` tasks get one
snapshot every `snapshot_interval` seconds. Single-stream mode writes one file per publish
interval; with FillBlank a file carrying audio spans first publish to last unpublish instead, with
silence (and the frozen last picture) in the gaps.

`LiveHlsEncoder` writes a mix's HLS file while the task records (RealtimeUploadFragment, an EVENT
playlist closed at the stop); `write_sound_wave` writes the RecordSoundWave `.sw` sidecar with
volumes measured from each stream's own audio.

Speed: everything is composed straight into the encoder's 4:2:0 (I420) frame planes, so no
per-frame colour conversion happens. Each stream's picture is drawn once with Pillow and scaled
once per tile size and fill mode; the still part of the canvas is composed once per layout state,
and per frame only the bar and clock are redrawn (the previous frame's are undone first). Because
chroma covers 2×2 pixel blocks, tile edges and overlays are snapped to even pixels (at most one
pixel off a requested odd coordinate), and an odd canvas size is rounded down to even (x264
cannot encode odd 4:2:0 sizes).
"""

from __future__ import annotations

import bisect
import io
import json
import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from fractions import Fraction
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

# --------------------------------------------------------------------------------------------
# Agreed interface with the emulator core


@dataclass
class StreamTrack:
    user_id: str
    stream_id: str
    audio: bool
    video: bool
    index: int  # stable ordinal within the room -> distinct colour and tone
    intervals: list[tuple[float, float]]  # media-seconds when the stream was published
    width: int = 640  # the publisher's own resolution (single-stream files, snapshots)
    height: int = 360
    fps: int = 15
    bitrate: int = 500_000
    audio_bitrate: int = 48_000


@dataclass
class Tile:  # one MixInputList element, canvas pixels
    left: int
    top: int
    right: int
    bottom: int
    layer: int
    stream_id: str | None = None
    fill_mode: int = 1
    view_type: int = 1
    background_image: bytes | None = None


@dataclass
class LayoutSpec:  # the layout in force from a given media-second on
    mix_mode: int  # 1 custom (tiles), 2 grid, 3 horizontal, 4 vertical, 5 floating
    tiles: list[Tile] | None = None  # for mix_mode 1
    fill_mode: int = 1  # template layouts' FillMode
    max_resolution_stream_id: str | None = None


@dataclass
class MixPlan:
    output_stream_id: str
    width: int
    height: int
    fps: int
    bitrate: int
    audio_bitrate: int = 48000
    background_color: int = 0  # 0xRRGGBB00
    background_image: bytes | None = None  # already downloaded by the core; None if absent/failed
    layouts: list[tuple[float, LayoutSpec]] = field(default_factory=list)  # sorted by time
    default_tile_background_image: bytes | None = None  # DefaultMixStreamBackgroundImage


@dataclass
class RenderPlan:
    task_id: str
    room_id: str
    record_mode: int  # 1 single, 2 mixed
    stream_type: int  # 1 audio only, 2 video only, 3 A+V one file, 4 A and V separate files
    output_format: str  # "mp4" | "flv" | "hls" | "mp3" | "jpg"
    begin_timestamp_ms: int  # wall-clock ms of media second 0
    duration: float  # media seconds to render (pauses already excluded by the core)
    tracks: list[StreamTrack]
    mix: MixPlan | None = None
    fill_blank: bool = False
    fragment_seconds: int = 15
    snapshot_interval: int = 10
    hls_written_live: bool = False  # RealtimeUploadFragment: the mix's HLS file already exists


@dataclass
class RenderedFile:
    path: Path  # local file
    file_name: str  # per OutputFileRule (spec 3.1.8), no folder
    user_id: str
    stream_id: str
    media_type: str  # "VA" | "V" | "A"
    begin_timestamp_ms: int
    duration_ms: int
    size: int
    content_type: str
    extra: list[tuple[Path, str]] = field(default_factory=list)  # HLS .ts segments (path, name)
    file_format: str = ""  # OutputFileFormat as reported: mp4 | flv | hls | aac | mp3 | jpg
    width: int = 0  # 0 for audio-only files
    height: int = 0


# --------------------------------------------------------------------------------------------
# Test picture and tone

STREAM_COLOURS: list[tuple[int, int, int]] = [
    (230, 25, 75),  # 0 red
    (60, 180, 75),  # 1 green
    (0, 90, 230),  # 2 blue
    (255, 225, 25),  # 3 yellow
    (245, 130, 48),  # 4 orange
    (145, 30, 180),  # 5 purple
    (70, 240, 240),  # 6 cyan
    (240, 50, 230),  # 7 magenta
    (128, 128, 0),  # 8 olive
    (0, 128, 128),  # 9 teal
    (150, 90, 30),  # 10 brown
    (128, 0, 0),  # 11 maroon
    (0, 0, 128),  # 12 navy
    (250, 190, 212),  # 13 pink
    (170, 255, 195),  # 14 mint
    (128, 128, 128),  # 15 grey
]
PURE_COLOUR_UNTIL = 0.5  # fraction of the picture height, from the top, left plain
LABEL_ROWS = (0.56, 0.66)  # top of the user line, top of the stream line
BAR_BAND = (0.76, 0.86)
BAR_WIDTH = 0.06
BAR_PERIOD_SECONDS = 2.0
CLOCK_TOP = 0.88
CLOCK_LENGTH = len("HH:MM:SS.d")
CLOCK_CHARS = "0123456789:."
BLACK_RGB = (0, 0, 0)

SAMPLE_RATE = 48_000
AUDIO_CHUNK = SAMPLE_RATE // 10  # samples per write; mixed audio follows layouts at this step
TONE_AMPLITUDE = 0.2


def stream_colour(track: StreamTrack) -> tuple[int, int, int]:
    """The colour filling the track's picture (darker card for audio-only streams)."""
    colour = STREAM_COLOURS[track.index % len(STREAM_COLOURS)]
    if not track.video:
        return tuple(c // 3 for c in colour)
    return colour


def tone_frequency(index: int) -> float:
    """Sine frequency of stream `index`: 300 Hz, 375 Hz, 450 Hz … (75 Hz apart)."""
    return 300.0 + 75.0 * index


def is_present(track: StreamTrack, t: float) -> bool:
    return any(start <= t < end for start, end in track.intervals)


def last_seen_before(track: StreamTrack, t: float) -> float | None:
    """The last media-second before `t` at which the track was published, if ever."""
    ends = [min(end, t) for start, end in track.intervals if start <= t]
    return max(ends) if ends else None


# --------------------------------------------------------------------------------------------
# Colour conversion and drawing on I420 planes (Y full size; U, V half size each way)

Planes = tuple[np.ndarray, np.ndarray, np.ndarray]


def rgb_to_i420(rgb: np.ndarray) -> Planes:
    """BT.601 limited-range conversion, what decoders assume for untagged H.264."""
    pixels = rgb.astype(np.float32)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    return (_to_u8(y), _to_u8(_half(u)), _to_u8(_half(v)))


def rgb_colour_to_yuv(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    y, u, v = rgb_to_i420(np.array([[colour, colour], [colour, colour]], np.uint8))
    return int(y[0, 0]), int(u[0, 0]), int(v[0, 0])


def _half(plane: np.ndarray) -> np.ndarray:
    h, w = plane.shape
    return plane.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))


def _to_u8(plane: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(plane), 0, 255).astype(np.uint8)


def image_to_i420(image: Image.Image) -> Planes:
    return rgb_to_i420(np.asarray(image.convert("RGB")))


def solid_planes(width: int, height: int, colour: tuple[int, int, int]) -> Planes:
    y, u, v = rgb_colour_to_yuv(colour)
    return (
        np.full((height, width), y, np.uint8),
        np.full((height // 2, width // 2), u, np.uint8),
        np.full((height // 2, width // 2), v, np.uint8),
    )


class Rect(NamedTuple):
    left: int
    top: int
    right: int
    bottom: int

    def intersect(self, other: Rect) -> Rect:
        return Rect(
            max(self.left, other.left),
            max(self.top, other.top),
            min(self.right, other.right),
            min(self.bottom, other.bottom),
        )

    @property
    def empty(self) -> bool:
        return self.right <= self.left or self.bottom <= self.top

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


def paste(dst: Planes, src: Planes, x: int, y: int, clip: Rect) -> Rect:
    """Copy `src` planes with their top-left at even (x, y), clipped to `clip` (even edges).

    Returns the area written.
    """
    height, width = src[0].shape
    area = Rect(x, y, x + width, y + height).intersect(clip)
    if area.empty:
        return area
    sx, sy, w, h = area.left - x, area.top - y, area.width, area.height
    dst[0][area.top : area.bottom, area.left : area.right] = src[0][sy : sy + h, sx : sx + w]
    cx, cy, cw, ch, csx, csy = area.left // 2, area.top // 2, w // 2, h // 2, sx // 2, sy // 2
    dst[1][cy : cy + ch, cx : cx + cw] = src[1][csy : csy + ch, csx : csx + cw]
    dst[2][cy : cy + ch, cx : cx + cw] = src[2][csy : csy + ch, csx : csx + cw]
    return area


def copy_area(dst: Planes, src: Planes, area: Rect) -> None:
    """Copy one area between two canvases of the same size."""
    if area.empty:
        return
    dst[0][area.top : area.bottom, area.left : area.right] = src[0][
        area.top : area.bottom, area.left : area.right
    ]
    rows, cols = slice(area.top // 2, area.bottom // 2), slice(area.left // 2, area.right // 2)
    dst[1][rows, cols] = src[1][rows, cols]
    dst[2][rows, cols] = src[2][rows, cols]


def fill(dst: Planes, yuv: tuple[int, int, int], area: Rect) -> None:
    if area.empty:
        return
    dst[0][area.top : area.bottom, area.left : area.right] = yuv[0]
    for plane, value in ((dst[1], yuv[1]), (dst[2], yuv[2])):
        plane[area.top // 2 : area.bottom // 2, area.left // 2 : area.right // 2] = value


def even(value: float) -> int:
    return 2 * math.floor(value / 2)


def frame_planes(frame: av.VideoFrame) -> Planes:
    """Writable numpy views on a yuv420p frame's planes (rows may be padded, so slice)."""
    return tuple(
        np.frombuffer(p, np.uint8).reshape(p.height, p.line_size)[:, : p.width]
        for p in frame.planes
    )


# --------------------------------------------------------------------------------------------
# Stream pictures, scaled per tile


@dataclass
class StreamArt:
    """A stream's picture at its own resolution, drawn once."""

    picture: Image.Image
    glyphs: dict[str, Image.Image]  # clock characters, each one fixed-width cell
    text_rgb: tuple[int, int, int]
    clock_left: float  # pixels; the clock is centred so cropping (fill mode 1) keeps it


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=max(8, size))


def build_stream_art(track: StreamTrack) -> StreamArt:
    width, height = track.width, track.height
    colour = stream_colour(track)
    text_rgb = BLACK_RGB if sum(colour) / 3 > 140 else (255, 255, 255)
    picture = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(picture)
    font = _font(round(height * 0.075))
    lines = [f"user {track.user_id}", f"stream {track.stream_id}"]
    if not track.video:
        lines[0] += " (audio only)"
    for line, top in zip(lines, LABEL_ROWS, strict=True):
        draw.text((width / 2, height * top), line, fill=text_rgb, font=font, anchor="ma")
    glyphs = _clock_glyphs(colour, text_rgb, height)
    clock_width = CLOCK_LENGTH * next(iter(glyphs.values())).width
    return StreamArt(picture, glyphs, text_rgb, clock_left=(width - clock_width) / 2)


def _clock_glyphs(colour, text_rgb, height) -> dict[str, Image.Image]:
    font = _font(round(height * 0.08))
    cell_w = max(math.ceil(font.getlength(char)) for char in CLOCK_CHARS) + 1
    cell_h = round(height * 0.09)
    glyphs = {}
    for char in CLOCK_CHARS:
        cell = Image.new("RGB", (cell_w, cell_h), colour)
        baseline = cell_h * 0.85
        ImageDraw.Draw(cell).text(
            (cell_w / 2, baseline), char, fill=text_rgb, font=font, anchor="ms"
        )
        glyphs[char] = cell
    return glyphs


@dataclass
class TileArt:
    """A stream's picture scaled into a tile of one size and fill mode, as I420 planes."""

    planes: Planes
    bar_band: Rect  # where the moving bar travels, tile coordinates (may exceed the tile)
    bar_width: int
    bar_yuv: tuple[int, int, int]
    glyphs: dict[str, Planes]
    clock_origin: tuple[int, int]
    glyph_step: int
    clock_sprites: dict[str, Planes] = field(default_factory=dict)  # by clock text

    def clock_sprite(self, text: str) -> Planes:
        """The clock text as one sprite, built from the glyphs when the text changes."""
        if text not in self.clock_sprites:
            if len(self.clock_sprites) > 8:
                self.clock_sprites.clear()
            self.clock_sprites[text] = tuple(
                np.concatenate([self.glyphs[char][plane] for char in text], axis=1)
                for plane in range(3)
            )
        return self.clock_sprites[text]


def build_tile_art(art: StreamArt, width: int, height: int, fill_mode: int) -> TileArt:
    src_w, src_h = art.picture.size
    fit = fill_mode == 2
    scale = (min if fit else max)(width / src_w, height / src_h)
    scaled_w, scaled_h = max(2, round(src_w * scale)), max(2, round(src_h * scale))
    ox, oy = (width - scaled_w) // 2, (height - scaled_h) // 2
    canvas = Image.new("RGB", (width, height), BLACK_RGB)  # fit mode's black borders
    canvas.paste(art.picture.resize((scaled_w, scaled_h), Image.Resampling.BILINEAR), (ox, oy))
    glyphs = {
        char: image_to_i420(glyph.resize(_even_size(glyph.size, scale), Image.Resampling.BILINEAR))
        for char, glyph in art.glyphs.items()
    }
    return TileArt(
        planes=image_to_i420(canvas),
        bar_band=Rect(
            even(ox),
            even(oy + scale * src_h * BAR_BAND[0]),
            even(ox + scaled_w),
            even(oy + scale * src_h * BAR_BAND[1]),
        ),
        bar_width=max(2, even(scale * src_w * BAR_WIDTH)),
        bar_yuv=rgb_colour_to_yuv(art.text_rgb),
        glyphs=glyphs,
        clock_origin=(even(ox + scale * art.clock_left), even(oy + scale * src_h * CLOCK_TOP)),
        glyph_step=next(iter(glyphs.values()))[0].shape[1],
    )


def _even_size(size: tuple[int, int], scale: float) -> tuple[int, int]:
    return max(2, even(size[0] * scale)), max(2, even(size[1] * scale))


@lru_cache(maxsize=256)
def _clock_text(begin_timestamp_ms: int, tenths: int) -> str:
    moment = datetime.fromtimestamp(begin_timestamp_ms / 1000 + tenths / 10, UTC)
    return moment.strftime("%H:%M:%S") + f".{moment.microsecond // 100_000}"


def clock_text(begin_timestamp_ms: int, t: float) -> str:
    """UTC wall clock ``HH:MM:SS.d`` at media-second `t`."""
    return _clock_text(begin_timestamp_ms, math.floor(t * 10 + 1e-6))


class Painter:
    """Draws streams' pictures into I420 planes, with every scaled picture cached."""

    def __init__(self, begin_timestamp_ms: int):
        self.begin_timestamp_ms = begin_timestamp_ms
        self._stream_art: dict[tuple[int, str], StreamArt] = {}
        self._tile_art: dict[tuple, TileArt] = {}
        self._images: dict[tuple, Planes | None] = {}

    def tile_art(self, track: StreamTrack, width: int, height: int, fill_mode: int) -> TileArt:
        key = (track.index, track.stream_id, width, height, fill_mode)
        if key not in self._tile_art:
            art_key = (track.index, track.stream_id)
            if art_key not in self._stream_art:
                self._stream_art[art_key] = build_stream_art(track)
            self._tile_art[key] = build_tile_art(
                self._stream_art[art_key], width, height, fill_mode
            )
        return self._tile_art[key]

    def draw_stream(
        self, dst: Planes, track: StreamTrack, area: Rect, fill_mode: int, t: float
    ) -> None:
        """The track's picture as it looked at media-second `t`, inside `area` (even edges)."""
        art = self.tile_art(track, area.width, area.height, fill_mode)
        paste(dst, art.planes, area.left, area.top, area)
        self.draw_motion(dst, art, area, t)

    def draw_motion(self, dst: Planes, art: TileArt, area: Rect, t: float) -> list[Rect]:
        """Only what moves: the sweeping bar and the clock. Returns the areas drawn."""
        band = art.bar_band
        phase = (t % BAR_PERIOD_SECONDS) / BAR_PERIOD_SECONDS
        x = area.left + band.left + even(phase * max(0, band.width - art.bar_width))
        bar = Rect(x, area.top + band.top, x + art.bar_width, area.top + band.bottom)
        bar = bar.intersect(area)
        fill(dst, art.bar_yuv, bar)
        sprite = art.clock_sprite(clock_text(self.begin_timestamp_ms, t))
        x, y = area.left + art.clock_origin[0], area.top + art.clock_origin[1]
        return [bar, paste(dst, sprite, x, y, area)]

    def draw_image(self, dst: Planes, image: bytes, area: Rect) -> bool:
        """Paste `image` stretched over `area`; False (nothing drawn) if it can't be decoded."""
        planes = self.image_planes(image, area.width, area.height)
        if planes is None:
            return False
        paste(dst, planes, area.left, area.top, area)
        return True

    def image_planes(self, image: bytes, width: int, height: int) -> Planes | None:
        key = (id(image), width, height)
        if key not in self._images:
            self._images[key] = _decode_stretched(image, width, height)
        return self._images[key]


def _decode_stretched(image: bytes, width: int, height: int) -> Planes | None:
    try:
        decoded = Image.open(io.BytesIO(image)).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return image_to_i420(decoded.resize((width, height), Image.Resampling.BILINEAR))


# --------------------------------------------------------------------------------------------
# What a picture shows at a moment: one stream (single mode) or the mixed canvas


class SingleStreamPicture:
    """A single-stream file's picture: the stream full-frame, frozen while it is away."""

    def __init__(self, track: StreamTrack, painter: Painter):
        self.track = track
        self.painter = painter
        self.width, self.height = even(track.width), even(track.height)
        self.area = Rect(0, 0, self.width, self.height)

    def draw(self, dst: Planes, t: float, continues: bool = False) -> None:
        seen = last_seen_before(self.track, t)
        shown_at = t if is_present(self.track, t) or seen is None else seen
        self.painter.draw_stream(dst, self.track, self.area, 1, shown_at)


@dataclass(frozen=True)
class LayoutState:
    spec_index: int
    stream_ids: tuple[str, ...]  # streams holding a tile, join order


@dataclass(eq=False)
class MovingTile:
    """A tile whose bar and clock are redrawn every frame."""

    art: TileArt
    area: Rect
    frozen_at: float | None  # None: live
    covered: list[Rect]  # parts under later-drawn tiles, restored after drawing the motion


@dataclass(eq=False)
class Scene:
    """Everything still on the canvas, composed once, plus the tiles that move."""

    still: Planes
    moving: list[MovingTile]


class MixedPicture:
    """The mixed canvas at any media-second: background, then tiles by ascending layer."""

    MAX_CACHED_SCENES = 16

    def __init__(self, plan: RenderPlan, painter: Painter):
        if plan.mix is None:
            raise ValueError("a mixed-stream plan needs `mix`")
        self.plan, self.mix, self.painter = plan, plan.mix, painter
        self.width, self.height = even(self.mix.width), even(self.mix.height)
        self.canvas = Rect(0, 0, self.width, self.height)
        self.tracks = sorted(plan.tracks, key=lambda track: track.index)  # join order
        self.by_id = {track.stream_id: track for track in self.tracks}
        self.layouts = self.mix.layouts or [(0.0, LayoutSpec(mix_mode=2))]
        self.layout_starts = [start for start, _ in self.layouts]
        self.background = self._background_planes()
        self._tiles: dict[LayoutState, list[Tile]] = {}
        self._scenes: dict[tuple, Scene] = {}
        self._last_drawn: tuple[Scene, list[Rect]] | None = None

    def draw(self, dst: Planes, t: float, continues: bool = False) -> None:
        """Draw the canvas at `t`. `continues`: `dst` still holds the frame this picture drew
        last (writers reuse one frame), so only what moved needs redrawing."""
        scene = self.scene_at(t)
        if continues and self._last_drawn is not None and self._last_drawn[0] is scene:
            for area in self._last_drawn[1]:
                copy_area(dst, scene.still, area)
        else:
            for plane, still in zip(dst, scene.still, strict=True):
                np.copyto(plane, still)
        moved = []
        for tile in scene.moving:
            shown_at = t if tile.frozen_at is None else tile.frozen_at
            moved += self.painter.draw_motion(dst, tile.art, tile.area, shown_at)
            for area in tile.covered:
                copy_area(dst, scene.still, area)
        self._last_drawn = (scene, moved)

    def tiles_at(self, t: float) -> list[Tile]:
        """The tiles on screen at `t`, sorted by layer (stable, so list order breaks ties)."""
        index = max(0, bisect.bisect_right(self.layout_starts, t) - 1)
        state = LayoutState(index, tuple(track.stream_id for track in self._holding_tiles(t)))
        if state not in self._tiles:
            self._tiles[state] = self._compute_tiles(state)
        return self._tiles[state]

    def audible_tracks(self, t: float) -> list[StreamTrack]:
        """Streams with audio that have a tile (a stream left out of the layout isn't mixed)."""
        shown = {tile.stream_id for tile in self.tiles_at(t)}
        return [track for track in self.tracks if track.audio and track.stream_id in shown]

    def scene_at(self, t: float) -> Scene:
        tiles = self.tiles_at(t)
        looks = tuple(self._look(tile, t) for tile in tiles)
        key = (id(tiles), looks)
        if key not in self._scenes:
            if len(self._scenes) >= self.MAX_CACHED_SCENES:
                self._scenes.clear()
            self._scenes[key] = self._compose(tiles, looks)
        return self._scenes[key]

    def _look(self, tile: Tile, t: float) -> tuple[str, float | None]:
        """What a tile shows now: ("live"|"frozen", at) a stream, ("image"|"empty", None)."""
        track = self.by_id.get(tile.stream_id) if tile.view_type == 1 else None
        if track is not None and is_present(track, t):
            return "live", None
        default = self.mix.default_tile_background_image if self.plan.fill_blank else None
        if tile.background_image is not None or default is not None:
            return "image", None
        seen = last_seen_before(track, t) if track is not None else None
        if self.plan.fill_blank and seen is not None:
            return "frozen", seen
        return "empty", None

    def _compose(self, tiles: list[Tile], looks) -> Scene:
        still = tuple(plane.copy() for plane in self.background)
        moving: list[MovingTile] = []
        for tile, (look, frozen_at) in zip(tiles, looks, strict=True):
            area = self._tile_area(tile)
            if area.empty or look == "empty":
                continue
            if look == "image":
                if not self._draw_stand_in_image(still, tile, area):
                    continue
                new_moving = None
            else:
                track = self.by_id[tile.stream_id]
                art = self.painter.tile_art(track, area.width, area.height, tile.fill_mode)
                paste(still, art.planes, area.left, area.top, area)
                new_moving = MovingTile(art, area, frozen_at, covered=[])
            for earlier in moving:
                overlap = earlier.area.intersect(area)
                if not overlap.empty:
                    earlier.covered.append(overlap)
            if new_moving is not None:
                moving.append(new_moving)
        return Scene(still, moving)

    def _holding_tiles(self, t: float) -> list[StreamTrack]:
        # FillBlank keeps a stream that has left in its tile (frozen); without it, streams shift.
        if self.plan.fill_blank:
            return [track for track in self.tracks if last_seen_before(track, t) is not None]
        return [track for track in self.tracks if is_present(track, t)]

    def _compute_tiles(self, state: LayoutState) -> list[Tile]:
        from zego_emulator.layout import template_tiles  # layout builds Tiles: avoid a cycle

        spec = self.layouts[state.spec_index][1]
        tiles = template_tiles(
            spec.mix_mode,
            list(state.stream_ids),
            self.width,
            self.height,
            fill_mode=spec.fill_mode,
            max_resolution_stream_id=spec.max_resolution_stream_id,
            tiles=spec.tiles,
        )
        return sorted(tiles, key=lambda tile: tile.layer)

    def _draw_stand_in_image(self, dst: Planes, tile: Tile, area: Rect) -> bool:
        default = self.mix.default_tile_background_image if self.plan.fill_blank else None
        image = tile.background_image or default
        return image is not None and self.painter.draw_image(dst, image, area)

    def _tile_area(self, tile: Tile) -> Rect:
        area = Rect(even(tile.left), even(tile.top), even(tile.right), even(tile.bottom))
        return area.intersect(self.canvas)

    def _background_planes(self) -> Planes:
        if self.mix.background_image is not None:
            planes = self.painter.image_planes(self.mix.background_image, self.width, self.height)
            if planes is not None:
                return planes
        colour = self.mix.background_color
        rgb = ((colour >> 24) & 0xFF, (colour >> 16) & 0xFF, (colour >> 8) & 0xFF)
        return solid_planes(self.width, self.height, rgb)


# --------------------------------------------------------------------------------------------
# Sound

# Every tone frequency is a multiple of 75 Hz, so each tone repeats exactly every 640 samples
# (48000 / 75) and is read from a one-period table instead of calling sin() per sample.
TONE_PERIOD_SAMPLES = SAMPLE_RATE // 75


@cache
def tone_period(index: int) -> np.ndarray:
    n = np.arange(TONE_PERIOD_SAMPLES)
    return (np.sin(2 * np.pi * tone_frequency(index) * n / SAMPLE_RATE) * TONE_AMPLITUDE).astype(
        np.float32
    )


TALK_SPAN_SECONDS = 1.5
TALK_SPAN_SAMPLES = round(TALK_SPAN_SECONDS * SAMPLE_RATE)
QUIET_LEVEL = 0.1  # a publisher's level between its turns: background, not silence


def talk_levels(index: int, first_sample: int, count: int) -> np.ndarray:
    """Loudness (1 talking, QUIET_LEVEL not) of stream `index` over samples [first, first+count).

    Each span of TALK_SPAN_SECONDS talks or not by a fixed hash of (span, index): about two thirds
    talk, differently per stream; span 0 always talks, so every stream is heard from the start.
    """
    spans = np.arange(first_sample, first_sample + count, dtype=np.uint64) // TALK_SPAN_SAMPLES
    mixed = (spans * np.uint64(0x9E3779B1) + np.uint64(index * 0x85EBCA6B)) % np.uint64(1 << 32)
    mixed ^= mixed >> np.uint64(15)
    mixed = (mixed * np.uint64(0x2C1B3C6D)) % np.uint64(1 << 32)
    mixed ^= mixed >> np.uint64(12)
    talking = (spans == 0) | (mixed % np.uint64(3) != 0)
    return np.where(talking, np.float32(1.0), np.float32(QUIET_LEVEL))


def tone_mix(tracks: list[StreamTrack], first_sample: int, count: int) -> np.ndarray:
    """The tracks' tones summed over samples [first, first+count), silent where not published."""
    mixed = np.zeros(count, np.float32)
    phase = np.arange(first_sample, first_sample + count) % TONE_PERIOD_SAMPLES
    for track in tracks:
        levels = talk_levels(track.index, first_sample, count)
        for start, end in _published_sample_ranges(track, first_sample, count):
            mixed[start:end] += tone_period(track.index)[phase[start:end]] * levels[start:end]
    return np.clip(mixed, -1.0, 1.0)


def _published_sample_ranges(track: StreamTrack, first_sample: int, count: int):
    """Chunk-relative [start, end) sample ranges in which the track was published."""
    for start, end in track.intervals:
        lo = max(0, math.ceil(start * SAMPLE_RATE) - first_sample)
        hi = min(count, math.ceil(end * SAMPLE_RATE) - first_sample)
        if hi > lo:
            yield lo, hi


# --------------------------------------------------------------------------------------------
# Output files


@dataclass(frozen=True)
class OutputKind:
    extension: str
    container: str  # ffmpeg muxer
    file_format: str  # OutputFileFormat reported to the console
    has_video: bool
    has_audio: bool
    content_type: str

    @property
    def media_type(self) -> str:
        return ("V" if self.has_video else "") + ("A" if self.has_audio else "")


CONTAINERS = {
    "mp4": ("mp4", "mp4", "video/mp4"),
    "flv": ("flv", "flv", "video/x-flv"),
    "hls": ("m3u8", "hls", "application/vnd.apple.mpegurl"),
}
AAC_FILE = OutputKind("aac", "adts", "aac", False, True, "audio/aac")
MP3_FILE = OutputKind("mp3", "mp3", "mp3", False, True, "audio/mpeg")
HLS_SEGMENT_CONTENT_TYPE = "video/mp2t"
JPEG_CONTENT_TYPE = "image/jpeg"


def output_kinds(output_format: str, stream_type: int, video: bool, audio: bool):
    """The files (spec 3.1.7) for one source whose own media is `video`/`audio`."""
    if output_format == "mp3":
        return [MP3_FILE] if audio else []
    extension, container, content_type = CONTAINERS[output_format]
    want_video = video and stream_type in (2, 3, 4)
    want_audio = audio and stream_type in (1, 3, 4)
    if stream_type == 4:
        video_file = OutputKind(extension, container, output_format, True, False, content_type)
        return ([video_file] if want_video else []) + ([AAC_FILE] if want_audio else [])
    if not (want_video or want_audio):
        return []
    return [OutputKind(extension, container, output_format, want_video, want_audio, content_type)]


def file_name(plan: RenderPlan, who: str, media_type: str, begin_ms: int, extension: str) -> str:
    """Spec 3.1.8: TaskId_RoomId_<UserId_StreamId | MixOutputStreamId>_Type_UTC.ext"""
    return f"{plan.task_id}_{plan.room_id}_{who}_{media_type}_{utc_stamp(begin_ms)}.{extension}"


def utc_stamp(timestamp_ms: int) -> str:
    moment = datetime.fromtimestamp(timestamp_ms // 1000, UTC)
    return moment.strftime("%Y%m%d%H%M%S") + f"{timestamp_ms % 1000:03d}"


@dataclass
class VideoSettings:
    width: int
    height: int
    fps: int
    bitrate: int
    keyframe_seconds: int = 2


class MediaWriter:
    """One output file: H.264 (libx264, yuv420p) and/or AAC/MP3 at 48 kHz mono."""

    X264_OPTIONS = {"preset": "ultrafast", "tune": "zerolatency"}  # speed over compression

    def __init__(self, path: Path, kind: OutputKind, video, audio_bitrate: int, options=None):
        self.container = av.open(str(path), "w", format=kind.container, options=options or {})
        self.video = self._add_video(video) if kind.has_video else None
        self.audio = self._add_audio(kind, audio_bitrate) if kind.has_audio else None
        self.frame = av.VideoFrame(video.width, video.height, "yuv420p") if self.video else None

    def _add_video(self, settings: VideoSettings):
        stream = self.container.add_stream("libx264", rate=settings.fps)
        stream.width, stream.height, stream.pix_fmt = settings.width, settings.height, "yuv420p"
        stream.bit_rate = settings.bitrate
        stream.options = dict(self.X264_OPTIONS)
        stream.codec_context.time_base = Fraction(1, settings.fps)
        stream.codec_context.gop_size = settings.fps * settings.keyframe_seconds
        return stream

    def _add_audio(self, kind: OutputKind, bitrate: int):
        codec = "libmp3lame" if kind.container == "mp3" else "aac"
        stream = self.container.add_stream(codec, rate=SAMPLE_RATE, layout="mono")
        stream.bit_rate = bitrate
        if codec == "aac":
            stream.options = {"aac_coder": "fast"}
        stream.codec_context.time_base = Fraction(1, SAMPLE_RATE)
        return stream

    def write_video_frame(self, pts: int) -> None:
        self.frame.pts = pts
        self.container.mux(self.video.encode(self.frame))

    def write_audio(self, samples: np.ndarray, first_sample: int) -> None:
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = SAMPLE_RATE, first_sample
        frame.time_base = Fraction(1, SAMPLE_RATE)
        self.container.mux(self.audio.encode(frame))

    def close(self) -> None:
        for stream in (self.video, self.audio):
            if stream is not None:
                self.container.mux(stream.encode(None))
        self.container.close()


def encode_span(writer: MediaWriter, picture, sound, start: float, duration: float, fps: int):
    """Write media-seconds [start, start+duration) of `picture` and `sound` into `writer`.

    `sound(first_sample, count)` gives samples in absolute media time; file timestamps start at 0.
    """
    frame_count = round(duration * fps) if writer.video else 0
    sample_count = round(duration * SAMPLE_RATE) if writer.audio else 0
    first = round(start * SAMPLE_RATE)
    planes = frame_planes(writer.frame) if writer.video else None
    written = 0
    for index in range(frame_count):
        picture.draw(planes, start + index / fps, continues=index > 0)
        writer.write_video_frame(index)
        due = min(sample_count, round((index + 1) * SAMPLE_RATE / fps))
        if due - written >= AUDIO_CHUNK:  # keeps audio interleaved with video in AUDIO_CHUNKs
            written = _write_sound(writer, sound, first, written, due)
    while written < sample_count:
        written = _write_sound(
            writer, sound, first, written, min(sample_count, written + AUDIO_CHUNK)
        )
    writer.close()


def _write_sound(writer, sound, first: int, written: int, until: int) -> int:
    if until > written:
        writer.write_audio(sound(first + written, until - written), written)
    return until


# --------------------------------------------------------------------------------------------
# render() and render_snapshot()


def render(plan: RenderPlan, out_dir: Path) -> list[RenderedFile]:
    """Render every file the task produces (spec 3.1.7) into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    painter = Painter(plan.begin_timestamp_ms)
    if plan.duration <= 0:
        return []  # nothing was recorded, so no file (spec §6.3)
    if plan.output_format == "jpg":
        return render_snapshot_series(plan, out_dir, painter)
    if plan.record_mode == 2:
        return render_mixed(plan, out_dir, painter)
    return render_single(plan, out_dir, painter)


def render_mixed(plan: RenderPlan, out_dir: Path, painter: Painter) -> list[RenderedFile]:
    picture = MixedPicture(plan, painter)
    mix = plan.mix
    if round(plan.duration * mix.fps) == 0:
        return []

    def sound(first_sample: int, count: int) -> np.ndarray:
        return tone_mix(picture.audible_tracks(first_sample / SAMPLE_RATE), first_sample, count)

    video = VideoSettings(picture.width, picture.height, mix.fps, mix.bitrate)
    files = []
    # silence is written if nobody has audio, so a mixed file always has its audio track
    for kind in output_kinds(plan.output_format, plan.stream_type, True, True):
        if plan.hls_written_live and kind.container == "hls":
            continue
        source = Source(mix.output_stream_id, mix.output_stream_id, mix.output_stream_id)
        files.append(
            write_file(plan, out_dir, kind, source, picture, sound, 0.0, plan.duration, video)
        )
    return files


@dataclass
class Source:
    name_part: str  # UserId_StreamId, or MixOutputStreamId
    user_id: str
    stream_id: str


def render_single(plan: RenderPlan, out_dir: Path, painter: Painter) -> list[RenderedFile]:
    files = []
    for track in sorted(plan.tracks, key=lambda track: track.index):
        picture = SingleStreamPicture(track, painter)
        source = Source(f"{track.user_id}_{track.stream_id}", track.user_id, track.stream_id)
        video = VideoSettings(picture.width, picture.height, track.fps, track.bitrate)

        def sound(first_sample, count, track=track):
            return tone_mix([track], first_sample, count)

        for kind in output_kinds(plan.output_format, plan.stream_type, track.video, track.audio):
            for start, end in file_spans(track, plan, kind):
                files.append(
                    write_file(
                        plan, out_dir, kind, source, picture, sound, start, end - start, video
                    )
                )
    return files


def file_spans(track: StreamTrack, plan: RenderPlan, kind: OutputKind) -> list[tuple[float, float]]:
    """Media-second spans of a stream's files: one per publish interval, or with FillBlank one
    file from first publish to last for files carrying audio (gaps are silence, frozen video)."""
    spans = [
        (max(0.0, start), min(plan.duration, end))
        for start, end in sorted(track.intervals)
        if min(plan.duration, end) - max(0.0, start) >= 1 / track.fps
    ]
    if plan.fill_blank and kind.has_audio and spans:
        return [(spans[0][0], spans[-1][1])]
    return spans


def write_file(plan, out_dir, kind, source, picture, sound, start, duration, video) -> RenderedFile:
    begin_ms = plan.begin_timestamp_ms + round(start * 1000)
    name = file_name(plan, source.name_part, kind.media_type, begin_ms, kind.extension)
    path = out_dir / name
    options, extra = {}, []
    if kind.container == "mp4":
        options = {"movflags": "+faststart"}
    if kind.container == "hls":
        options = hls_options(path, plan.fragment_seconds)
        video = replace(video, keyframe_seconds=1)  # so segments can be cut on any whole second
    audio_bitrate = plan.mix.audio_bitrate if plan.record_mode == 2 and plan.mix else 48_000
    writer = MediaWriter(path, kind, video, audio_bitrate, options)
    encode_span(writer, picture, sound, start, duration, video.fps)
    if kind.container == "hls":
        extra = [(segment, segment.name) for segment in hls_segments(path)]
    return RenderedFile(
        path=path,
        file_name=name,
        user_id=source.user_id,
        stream_id=source.stream_id,
        media_type=kind.media_type,
        begin_timestamp_ms=begin_ms,
        duration_ms=round(duration * 1000),
        size=path.stat().st_size,
        content_type=kind.content_type,
        extra=extra,
        file_format=kind.file_format,
        width=video.width if kind.has_video else 0,
        height=video.height if kind.has_video else 0,
    )


def hls_options(
    playlist: Path, fragment_seconds: int, playlist_type: str = "vod"
) -> dict[str, str]:
    """ffmpeg's HLS muxer: "vod" writes the playlist once at the end; "event" rewrites it after
    every finished segment and adds #EXT-X-ENDLIST only on close (a live playlist)."""
    return {
        "hls_time": str(fragment_seconds),
        "hls_list_size": "0",
        "hls_playlist_type": playlist_type,
        "hls_segment_filename": str(playlist.with_name(f"{playlist.stem}_%d.ts")),
    }


def hls_segments(playlist: Path) -> list[Path]:
    names = [
        line.strip()
        for line in playlist.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return [playlist.with_name(Path(name).name) for name in names]


def snapshot_times(spans: list[tuple[float, float]], interval: int) -> list[float]:
    times = []
    for start, end in spans:
        times.extend(start + k * interval for k in range(math.ceil((end - start) / interval)))
    return times


def render_snapshot_series(plan: RenderPlan, out_dir: Path, painter: Painter):
    """Screenshot-only task (spec §6.4): a JPG every `snapshot_interval` seconds per output."""
    if plan.record_mode == 2:
        picture = MixedPicture(plan, painter)
        mix = plan.mix
        sources = [(picture, Source(*(mix.output_stream_id,) * 3), [(0.0, plan.duration)])]
    else:
        sources = []
        for track in sorted(plan.tracks, key=lambda track: track.index):
            if track.video:
                source = Source(
                    f"{track.user_id}_{track.stream_id}", track.user_id, track.stream_id
                )
                spans = [(max(0.0, a), min(plan.duration, b)) for a, b in sorted(track.intervals)]
                sources.append((SingleStreamPicture(track, painter), source, spans))
    files = []
    for picture, source, spans in sources:
        for at in snapshot_times(spans, plan.snapshot_interval):
            begin_ms = plan.begin_timestamp_ms + round(at * 1000)
            name = file_name(plan, source.name_part, "V", begin_ms, "jpg")
            path = save_jpeg(picture, at, out_dir / name)
            files.append(
                RenderedFile(
                    path=path,
                    file_name=name,
                    user_id=source.user_id,
                    stream_id=source.stream_id,
                    media_type="V",
                    begin_timestamp_ms=begin_ms,
                    duration_ms=0,
                    size=path.stat().st_size,
                    content_type=JPEG_CONTENT_TYPE,
                    file_format="jpg",
                    width=picture.width,
                    height=picture.height,
                )
            )
    return files


def save_jpeg(picture, at: float, out_path: Path) -> Path:
    frame = av.VideoFrame(picture.width, picture.height, "yuv420p")
    picture.draw(frame_planes(frame), at)
    frame.to_image().save(out_path, "JPEG", quality=85)
    return out_path


def render_snapshot(plan: RenderPlan, at: float, out_path: Path) -> Path:
    """A JPG of what the output shows at media-second `at`: the composed frame when mixed, the
    first video stream (frozen on its last frame if away) in single-stream mode."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    painter = Painter(plan.begin_timestamp_ms)
    if plan.record_mode == 2:
        return save_jpeg(MixedPicture(plan, painter), at, out_path)
    video_tracks = [track for track in plan.tracks if track.video]
    if not video_tracks:
        raise ValueError("no video stream to take a snapshot of")
    return save_jpeg(SingleStreamPicture(video_tracks[0], painter), at, out_path)


# --------------------------------------------------------------------------------------------
# Live HLS (RealtimeUploadFragment): the mix encoded while the task records


class LiveHlsEncoder:
    """The mixed output's HLS file, encoded as media time advances.

    `advance(plan, until)` encodes media-seconds up to `until` with a plan built at that moment
    (streams, layouts and pauses so far); ffmpeg's HLS muxer finishes a segment every
    `fragment_seconds` and rewrites the playlist, without #EXT-X-ENDLIST until `finish`.
    """

    def __init__(self, plan: RenderPlan, out_dir: Path):
        mix = plan.mix
        if mix is None:
            raise ValueError("live HLS is written for mixed-stream plans")
        kinds = output_kinds("hls", plan.stream_type, True, True)
        self.kind = next(kind for kind in kinds if kind.container == "hls")
        self.plan = plan
        self.painter = Painter(plan.begin_timestamp_ms)
        picture = MixedPicture(plan, self.painter)
        self.video = VideoSettings(
            picture.width, picture.height, mix.fps, mix.bitrate, keyframe_seconds=1
        )
        self.file_name = file_name(
            plan,
            mix.output_stream_id,
            self.kind.media_type,
            plan.begin_timestamp_ms,
            self.kind.extension,
        )
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        self.path = out_dir / self.file_name
        options = hls_options(self.path, plan.fragment_seconds, playlist_type="event")
        self.writer = MediaWriter(self.path, self.kind, self.video, mix.audio_bitrate, options)
        self.frames_written = 0
        self.samples_written = 0
        self.seconds = 0.0

    def advance(self, plan: RenderPlan, until: float) -> None:
        picture = MixedPicture(plan, self.painter)

        def sound(first_sample: int, count: int) -> np.ndarray:
            return tone_mix(picture.audible_tracks(first_sample / SAMPLE_RATE), first_sample, count)

        writer, fps = self.writer, self.video.fps
        sample_target = round(until * SAMPLE_RATE) if writer.audio else 0
        if writer.video:
            planes = frame_planes(writer.frame)
            first = self.frames_written
            for index in range(first, math.floor(until * fps + 1e-6)):
                picture.draw(planes, index / fps, continues=index > first)
                writer.write_video_frame(index)
                due = min(sample_target, round((index + 1) * SAMPLE_RATE / fps))
                if due - self.samples_written >= AUDIO_CHUNK:
                    self.samples_written = _write_sound(writer, sound, 0, self.samples_written, due)
                self.frames_written = index + 1
        while self.samples_written < sample_target:
            until_sample = min(sample_target, self.samples_written + AUDIO_CHUNK)
            self.samples_written = _write_sound(
                writer, sound, 0, self.samples_written, until_sample
            )
        self.seconds = max(self.seconds, until)

    def finish(self, plan: RenderPlan) -> RenderedFile:
        """Encode up to the plan's end, close (writes the last segment and #EXT-X-ENDLIST)."""
        self.advance(plan, plan.duration)
        self.writer.close()
        return RenderedFile(
            path=self.path,
            file_name=self.file_name,
            user_id=plan.mix.output_stream_id,
            stream_id=plan.mix.output_stream_id,
            media_type=self.kind.media_type,
            begin_timestamp_ms=plan.begin_timestamp_ms,
            duration_ms=round(plan.duration * 1000),
            size=self.path.stat().st_size,
            content_type=self.kind.content_type,
            extra=[(segment, segment.name) for segment in hls_segments(self.path)],
            file_format="hls",
            width=self.video.width if self.kind.has_video else 0,
            height=self.video.height if self.kind.has_video else 0,
        )

    def finished_segments(self) -> list[Path]:
        """Segments the muxer has closed: the ones its playlist lists so far."""
        return hls_segments(self.path) if self.path.exists() else []


# --------------------------------------------------------------------------------------------
# Sound wave sidecar (MixConfig.RecordSoundWave, spec 3.1.4)

SILENCE_DBFS = -60.0  # volume 0; full scale (0 dBFS) is volume 100


def volume_of(samples: np.ndarray) -> int:
    """0–100 from the RMS level in dBFS: -60 dBFS or quieter is 0, full scale is 100."""
    if samples.size == 0:
        return 0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    if rms <= 0:
        return 0
    level = 20 * math.log10(rms)
    return round(min(1.0, max(0.0, (level - SILENCE_DBFS) / -SILENCE_DBFS)) * 100)


def sound_wave_records(plan: RenderPlan, sound_wave_type: int = 0) -> list[dict]:
    """One record per media second: each audio stream's volume, from the audio it publishes.

    `sound_wave_type` 0 keys the entries by stream id, 1 by user id (spec 3.1.4).
    """
    key = "user_id" if sound_wave_type == 1 else "stream_id"
    tracks = sorted((t for t in plan.tracks if t.audio), key=lambda t: t.index)
    records = []
    for second in range(math.ceil(plan.duration - 1e-6)):
        first = second * SAMPLE_RATE
        count = min(SAMPLE_RATE, round(plan.duration * SAMPLE_RATE) - first)
        entries = [
            {key: getattr(track, key), "volume": volume_of(tone_mix([track], first, count))}
            for track in tracks
        ]
        records.append({"time": second, "sound_wave": entries})
    return records


def write_sound_wave(plan: RenderPlan, path: Path, sound_wave_type: int = 0) -> Path:
    """The `.sw` sidecar: one JSON record per line, one line per second."""
    lines = [
        json.dumps(record, separators=(",", ":"))
        for record in sound_wave_records(plan, sound_wave_type)
    ]
    Path(path).write_text("".join(line + "\n" for line in lines))
    return Path(path)
