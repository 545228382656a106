"""Schedule windows: days of the week and a time of day, in a time zone."""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time


@dataclass(frozen=True)
class Window:
    opens_at: datetime  # UTC
    closes_at: datetime  # UTC

    @property
    def key(self) -> str:
        return self.opens_at.strftime("%Y-%m-%dT%H:%MZ")


@functools.cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


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
    return Window(
        opens_at=datetime.combine(day, opens, tzinfo=zone).astimezone(UTC),
        closes_at=datetime.combine(day, closes, tzinfo=zone).astimezone(UTC),
    )
