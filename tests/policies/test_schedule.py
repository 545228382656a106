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


# Berlin skips 02:00–03:00 on Sunday 2026-03-29: 01:00 UTC is 03:00 CEST.
BERLIN_SPRING_FORWARD = {"days": [7], "time_zone": "Europe/Berlin"}


def test_a_window_opening_in_the_skipped_hour_opens_when_the_clocks_jump():
    window = window_at(
        opens=time(2, 30), closes=time(5), now=at(2026, 3, 29, 1, 0), **BERLIN_SPRING_FORWARD
    )
    assert window is not None
    assert window.opens_at == at(2026, 3, 29, 1, 0)
    assert window.closes_at == at(2026, 3, 29, 3, 0)


def test_a_window_closing_in_the_skipped_hour_closes_when_the_clocks_jump():
    window = window_at(
        opens=time(1), closes=time(2, 30), now=at(2026, 3, 29, 0, 59), **BERLIN_SPRING_FORWARD
    )
    assert window is not None
    assert window.opens_at == at(2026, 3, 29, 0, 0)
    assert window.closes_at == at(2026, 3, 29, 1, 0)
    after = window_at(
        opens=time(1), closes=time(2, 30), now=at(2026, 3, 29, 1, 0), **BERLIN_SPRING_FORWARD
    )
    assert after is None


def test_a_window_inside_the_skipped_hour_has_no_time_that_day():
    for now in (at(2026, 3, 29, 0, 59), at(2026, 3, 29, 1, 0), at(2026, 3, 29, 1, 30)):
        window = window_at(opens=time(2), closes=time(2, 45), now=now, **BERLIN_SPRING_FORWARD)
        assert window is None


def test_the_hour_the_clocks_repeat_opens_at_its_first_occurrence():
    # Berlin repeats 02:00–03:00 on Sunday 2026-10-25: 02:30 CEST is 00:30 UTC.
    window = window_at(
        days=[7],
        time_zone="Europe/Berlin",
        opens=time(2, 30),
        closes=time(4),
        now=at(2026, 10, 25, 0, 30),
    )
    assert window is not None and window.opens_at == at(2026, 10, 25, 0, 30)


def test_only_places_are_time_zones():
    from policies.schedule import is_time_zone, time_zone_names

    assert is_time_zone("Europe/Berlin") and is_time_zone("UTC")
    assert not {"localtime", "Factory", "posixrules"} & time_zone_names()  # not places
