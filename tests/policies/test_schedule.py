"""Schedule windows in a time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time

from policies.schedule import window_at

WEEKDAYS = [1, 2, 3, 4, 5]
NINE_TO_FIVE = {"opens": time(9), "closes": time(17)}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_weekday_inside_the_window_is_in_it():
    # 2026-11-25 is a Wednesday.
    window = window_at(days=WEEKDAYS, time_zone="UTC", now=at(2026, 11, 25, 9, 0), **NINE_TO_FIVE)
    assert window is not None
    assert window.opens_at == at(2026, 11, 25, 9, 0)
    assert window.closes_at == at(2026, 11, 25, 17, 0)


def test_the_close_and_the_minute_before_the_opening_are_outside():
    for now in (at(2026, 11, 25, 8, 59), at(2026, 11, 25, 17, 0)):
        assert window_at(days=WEEKDAYS, time_zone="UTC", now=now, **NINE_TO_FIVE) is None


def test_a_day_not_chosen_has_no_window():
    saturday_noon = at(2026, 11, 28, 12, 0)
    assert window_at(days=WEEKDAYS, time_zone="UTC", now=saturday_noon, **NINE_TO_FIVE) is None


def test_the_window_follows_its_time_zone_and_daylight_saving():
    # Paris is UTC+1 in November and UTC+2 in July.
    winter = window_at(
        days=WEEKDAYS, time_zone="Europe/Paris", now=at(2026, 11, 25, 8, 30), **NINE_TO_FIVE
    )
    summer = window_at(
        days=WEEKDAYS, time_zone="Europe/Paris", now=at(2026, 7, 1, 7, 30), **NINE_TO_FIVE
    )
    assert winter.opens_at == at(2026, 11, 25, 8, 0)
    assert summer.opens_at == at(2026, 7, 1, 7, 0)


def test_the_day_is_the_local_one():
    # 23:30 UTC on Friday is already Saturday in Tokyo: no weekday window there.
    friday_night = at(2026, 11, 27, 23, 30)
    tokyo = {"opens": time(0), "closes": time(12)}
    assert window_at(days=WEEKDAYS, time_zone="Asia/Tokyo", now=friday_night, **tokyo) is None
    assert window_at(days=[6], time_zone="Asia/Tokyo", now=friday_night, **tokyo) is not None
