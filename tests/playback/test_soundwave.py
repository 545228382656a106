"""The `.sw` parser against files built as spec 3.1.4 describes them."""

from __future__ import annotations

import json

import pytest

from playback.soundwave import MAX_SECONDS, MAX_STREAMS, SoundWaveError, parse_sound_wave


def lines(*records) -> bytes:
    return "".join(json.dumps(record) + "\n" for record in records).encode()


def second(time, **volumes) -> dict:
    return {"time": time, "sound_wave": [{"stream_id": k, "volume": v} for k, v in volumes.items()]}


def test_one_record_per_line_becomes_one_lane_per_stream():
    wave = parse_sound_wave(lines(second(0, s1=70, s2=0), second(1, s1=72, s2=40)))
    assert (wave.keyed_by, wave.seconds) == ("stream_id", 2)
    assert [(lane.key, lane.volumes) for lane in wave.lanes] == [("s1", [70, 72]), ("s2", [0, 40])]


def test_a_json_array_of_records_is_read_too():
    data = json.dumps([second(0, s1=10), second(1, s1=20)]).encode()
    assert parse_sound_wave(data).lanes[0].volumes == [10, 20]


def test_sound_wave_type_1_is_keyed_by_user():
    data = lines({"time": 0, "sound_wave": [{"user_id": "u1", "volume": 33.4}]})
    wave = parse_sound_wave(data)
    assert wave.keyed_by == "user_id" and wave.lanes[0].volumes == [33]


def test_missing_seconds_and_late_joiners_are_silent():
    """The spec's example starts at time 10; earlier seconds and absent streams read as 0."""
    wave = parse_sound_wave(lines(second(10, s1=0), second(12, s1=50, s2=60)))
    assert wave.seconds == 13
    assert wave.lanes[0].volumes[10:] == [0, 0, 50]
    assert wave.lanes[1].volumes == [0] * 12 + [60]


def test_for_player_keeps_the_loudest_second_of_each_bar():
    records = [second(t, s1=t % 100) for t in range(1200)]
    data = parse_sound_wave(lines(*records)).for_player(max_bars=600)
    assert data["step"] == 2 and data["seconds"] == 1200
    assert data["lanes"][0]["bars"][:3] == [1, 3, 5]
    assert len(data["lanes"][0]["bars"]) == 600


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "no records"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b'{"time": 0, "sound_wave": []}\n{oops\n', "line 2 is not valid JSON"),
        (b"[1, 2", "not valid JSON"),
        (lines([1, 2]), "record 1: a record must be a JSON object"),
        (lines("quiet"), "line 1: a record must be a JSON object"),
        (lines({"time": "0", "sound_wave": []}), "line 1: time must be a whole second"),
        (lines({"time": True, "sound_wave": []}), "time must be a whole second"),
        (lines({"time": -1, "sound_wave": []}), "time must be a whole second"),
        (lines({"time": 0, "sound_wave": {}}), "sound_wave must be a list"),
        (lines({"time": 0, "sound_wave": ["s1"]}), "must be a JSON object"),
        (lines({"time": 0, "sound_wave": [{"volume": 1}]}), "one stream_id or user_id"),
        (lines({"time": 0, "sound_wave": [{"stream_id": 5, "volume": 1}]}), "stream_id or"),
        (lines(second(0, s1="loud")), "volume must be a number"),
        (lines(second(0, s1=True)), "volume must be a number"),
        (lines(second(0, s1=101)), "volume 101 is outside 0–100"),
        (
            lines(second(0, s1=1), {"time": 1, "sound_wave": [{"user_id": "u", "volume": 1}]}),
            "line 2: mixes stream_id and user_id",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_the_problem(data, words):
    with pytest.raises(SoundWaveError, match=words):
        parse_sound_wave(data)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (lines({"time": 0, "sound_wave": []}), "every sound_wave list is empty"),
        (b"[]", "no records"),
        (b"[" * 100_000 + b"]" * 100_000, "the file is nested too deeply"),
        (b'{"time": 0, "sound_wave": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n", "line 1 is"),
        (lines(second(MAX_SECONDS, s1=1)), "time must be a whole second"),
    ],
)
def test_hostile_files_are_refused_with_a_sound_wave_error(data, words):
    """Whatever the bucket holds, the parser answers with SoundWaveError, which the player shows,
    never with another exception (a 500 on every page view)."""
    with pytest.raises(SoundWaveError, match=words):
        parse_sound_wave(data)


def test_more_streams_than_the_player_draws_are_refused():
    many = {f"s{index}": 1 for index in range(MAX_STREAMS + 1)}
    with pytest.raises(SoundWaveError, match=f"line 1: more than {MAX_STREAMS} streams"):
        parse_sound_wave(lines(second(0, **many)))
    fits = parse_sound_wave(lines(second(0, **dict(list(many.items())[:MAX_STREAMS]))))
    assert len(fits.lanes) == MAX_STREAMS


def test_a_day_long_lane_costs_a_byte_per_second():
    """One record at the last second of a day with the most streams: bounded, compact lanes."""
    keys = {f"s{index}": 1 for index in range(MAX_STREAMS)}
    wave = parse_sound_wave(lines(second(MAX_SECONDS - 1, **keys)))
    assert wave.seconds == MAX_SECONDS and len(wave.lanes) == MAX_STREAMS
    assert all(len(lane.levels) == MAX_SECONDS for lane in wave.lanes)
    assert isinstance(wave.lanes[0].levels, bytes)
    assert len(wave.for_player()["lanes"][0]["bars"]) == 600


def test_many_keys_are_read_in_linear_time():
    """Key order is kept by a dict, not a list scan: 50 streams × a day of records stays fast."""
    import time

    records = [second(t, **{f"s{k}": 10 for k in range(MAX_STREAMS)}) for t in range(3_000)]
    data = lines(*records)
    started = time.perf_counter()
    wave = parse_sound_wave(data)
    assert time.perf_counter() - started < 5
    assert [lane.key for lane in wave.lanes] == [f"s{k}" for k in range(MAX_STREAMS)]
