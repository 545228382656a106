"""Schedule windows: days of the week and a time of day, in a time zone."""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True)
class Window:
    opens_at: datetime  # UTC
    closes_at: datetime  # UTC

    @property
    def key(self) -> str:
        return self.opens_at.strftime("%Y-%m-%dT%H:%MZ")


# Files in the zone database that are not places: the server's own zone and a placeholder.
NOT_TIME_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@functools.cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - NOT_TIME_ZONES


def is_time_zone(name: str) -> bool:
    return name in time_zone_names()


def window_at(
    *, days: list[int], opens: time, closes: time, time_zone: str, now: datetime
) -> Window | None:
    """The window `now` falls in, or None. A window belongs to the day it opens on."""
    zone = zoneinfo.ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    if today.isoweekday() not in days:
        return None
    window = _window_on(today, opens, closes, zone)
    return window if window.opens_at <= now < window.closes_at else None


def _window_on(day: date, opens: time, closes: time, zone: zoneinfo.ZoneInfo) -> Window:
    return Window(opens_at=instant_of(day, opens, zone), closes_at=instant_of(day, closes, zone))


def instant_of(day: date, wall: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant a wall-clock time names; for a time the clocks skip (spring forward),
    the first instant after the gap. An ambiguous time (fall back) is its first occurrence."""
    local = datetime.combine(day, wall, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    # In a gap, fold=1 reads the time with the offset after the change: an instant before it.
    return _clock_change(zone, before=local.replace(fold=1).astimezone(UTC), after=instant)


def _clock_change(zone: zoneinfo.ZoneInfo, *, before: datetime, after: datetime) -> datetime:
    """The first second after `before` that has `after`'s UTC offset (`before` has the other)."""
    offset = after.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + timedelta(seconds=(after - before).total_seconds() // 2)
        if middle.astimezone(zone).utcoffset() == offset:
            after = middle
        else:
            before = middle
    return after
