"""Read the `.sw` sidecar ZEGO writes with `MixConfig.RecordSoundWave` (spec 3.1.4).

Each record is one second: ``{"time": 10, "sound_wave": [{"stream_id": "s1", "volume": 0}]}``,
keyed by ``user_id`` instead with SoundWaveType 1. The spec does not say how records are joined,
so both one JSON array of records and one record per line (what the emulator writes) are read.
Pure Python: bytes in, lanes out, `SoundWaveError` naming the first problem.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

KEYS = ("stream_id", "user_id")
MAX_VOLUME = 100
# A task lasts at most 24 h (MaxRecordTime); the margin covers a file that starts late or runs long.
MAX_SECONDS = 86_400 + 600
# Each lane is drawn as its own row: past this many the player is unreadable, and one hostile file
# with a thousand keys must not cost a thousand day-long lanes of memory.
MAX_STREAMS = 50


class SoundWaveError(ValueError):
    """The file is not a sound wave file as the spec describes it; the message says where."""


@dataclass(frozen=True)
class ActivityLane:
    key: str  # the stream id (or user id)
    levels: bytes  # one volume (0–100) per second from the file's start, 0 where it says nothing

    @property
    def volumes(self) -> list[int]:
        return list(self.levels)

    def bars(self, seconds_per_bar: int) -> list[int]:
        """Loudest volume in each run of `seconds_per_bar` seconds."""
        return [
            max(self.levels[start : start + seconds_per_bar])
            for start in range(0, len(self.levels), seconds_per_bar)
        ]


@dataclass(frozen=True)
class SoundWave:
    keyed_by: str  # "stream_id" or "user_id"
    seconds: int
    lanes: list[ActivityLane]

    def for_player(self, max_bars: int = 600) -> dict:
        """What the player draws: at most `max_bars` bars per lane, each `step` seconds long."""
        step = max(1, math.ceil(self.seconds / max_bars))
        return {
            "keyed_by": self.keyed_by,
            "seconds": self.seconds,
            "step": step,
            "lanes": [{"key": lane.key, "bars": lane.bars(step)} for lane in self.lanes],
        }


def parse_sound_wave(data: bytes) -> SoundWave:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SoundWaveError("the file is not UTF-8 text") from error
    lanes = _Lanes()
    seconds = 0
    for where, record in _records(text):
        second, entries = _record(where, record)
        seconds = max(seconds, second + 1)
        for key_name, key, volume in entries:
            lanes.hear(where, key_name, key, second, volume)
    if not seconds:
        raise SoundWaveError("the file holds no records")
    if not lanes.by_key:
        raise SoundWaveError("no record names a stream: every sound_wave list is empty")
    return SoundWave(keyed_by=lanes.keyed_by, seconds=seconds, lanes=lanes.padded_to(seconds))


class _Lanes:
    """Volumes per key as they are read, in the order keys are first heard (a dict keeps it)."""

    def __init__(self) -> None:
        self.by_key: dict[str, bytearray] = {}
        self.keyed_by = ""

    def hear(self, where: str, key_name: str, key: str, second: int, volume: int) -> None:
        if self.keyed_by not in ("", key_name):
            raise SoundWaveError(f"{where}: mixes stream_id and user_id entries")
        self.keyed_by = key_name
        levels = self.by_key.get(key)
        if levels is None:
            if len(self.by_key) >= MAX_STREAMS:
                raise SoundWaveError(f"{where}: more than {MAX_STREAMS} streams to draw")
            levels = self.by_key[key] = bytearray()
        if len(levels) <= second:
            levels.extend(bytes(second + 1 - len(levels)))
        levels[second] = volume

    def padded_to(self, seconds: int) -> list[ActivityLane]:
        return [
            ActivityLane(key, bytes(levels) + bytes(seconds - len(levels)))
            for key, levels in self.by_key.items()
        ]


def _records(text: str):
    """(where, record) pairs from a JSON array or from one JSON object per line."""
    stripped = text.strip()
    if stripped.startswith("["):
        items = _json(stripped, "the file")
        for index, item in enumerate(items):
            yield f"record {index + 1}", item
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield f"line {number}", _json(line, f"line {number}")


def _json(text: str, where: str):
    try:
        return json.loads(text)
    except RecursionError as error:
        raise SoundWaveError(f"{where} is nested too deeply to be a sound wave record") from error
    except ValueError as error:
        raise SoundWaveError(f"{where} is not valid JSON: {error}") from error


def _record(where: str, record) -> tuple[int, list[tuple[str, str, int]]]:
    if not isinstance(record, dict):
        raise SoundWaveError(f"{where}: a record must be a JSON object")
    second = record.get("time")
    if not _is_int(second) or not 0 <= second < MAX_SECONDS:
        raise SoundWaveError(f"{where}: time must be a whole second from 0 to {MAX_SECONDS - 1}")
    entries = record.get("sound_wave")
    if not isinstance(entries, list):
        raise SoundWaveError(f"{where}: sound_wave must be a list")
    return second, [_entry(where, entry) for entry in entries]


def _entry(where: str, entry) -> tuple[str, str, int]:
    if not isinstance(entry, dict):
        raise SoundWaveError(f"{where}: each sound_wave entry must be a JSON object")
    names = [name for name in KEYS if name in entry]
    if len(names) != 1 or not isinstance(entry[names[0]], str) or not entry[names[0]]:
        raise SoundWaveError(f"{where}: each entry needs one stream_id or user_id (a string)")
    volume = entry.get("volume")
    if isinstance(volume, bool) or not isinstance(volume, int | float):
        raise SoundWaveError(f"{where}: volume must be a number from 0 to {MAX_VOLUME}")
    if not 0 <= volume <= MAX_VOLUME:
        raise SoundWaveError(f"{where}: volume {volume} is outside 0–{MAX_VOLUME}")
    return names[0], entry[names[0]], round(volume)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
