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
MAX_SECONDS = 86_400  # a task lasts at most 24 h


class SoundWaveError(ValueError):
    """The file is not a sound wave file as the spec describes it; the message says where."""


@dataclass(frozen=True)
class ActivityLane:
    key: str  # the stream id (or user id)
    volumes: list[int]  # one per second from the file's start, 0 where the file says nothing

    def bars(self, seconds_per_bar: int) -> list[int]:
        """Loudest volume in each run of `seconds_per_bar` seconds."""
        return [
            max(self.volumes[start : start + seconds_per_bar])
            for start in range(0, len(self.volumes), seconds_per_bar)
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
    records = list(_records(text))
    if not records:
        raise SoundWaveError("the file holds no records")
    keyed_by = None
    by_second: dict[int, dict[str, int]] = {}
    order: list[str] = []
    for where, record in records:
        second, entries = _record(where, record)
        for key_name, key, volume in entries:
            if keyed_by not in (None, key_name):
                raise SoundWaveError(f"{where}: mixes stream_id and user_id entries")
            keyed_by = key_name
            if key not in order:
                order.append(key)
            by_second.setdefault(second, {})[key] = volume
    seconds = max(by_second) + 1
    lanes = [
        ActivityLane(key, [by_second.get(t, {}).get(key, 0) for t in range(seconds)])
        for key in order
    ]
    return SoundWave(keyed_by=keyed_by or "stream_id", seconds=seconds, lanes=lanes)


def _records(text: str):
    """(where, record) pairs from a JSON array or from one JSON object per line."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except ValueError as error:
            raise SoundWaveError(f"the file is not valid JSON: {error}") from error
        for index, item in enumerate(items):
            yield f"record {index + 1}", item
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except ValueError as error:
            raise SoundWaveError(f"line {number} is not valid JSON: {error}") from error


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
