"""Pure functions of the emulator: signatures, TaskIds, limits, options, parameter validation."""

from __future__ import annotations

import base64
import time

import pytest

from zego_emulator import protocol
from zego_emulator.config import DEV_APP_ID, parse_config
from zego_emulator.faults import FaultRegistry
from zego_emulator.protocol import ApiError
from zego_emulator.state import utc_stamp
from zego_emulator.validation import validate_start_record


def test_request_signature_matches_zego_test_vectors():
    """MD5(AppId + nonce + secret + timestamp), lower hex — ZEGO's and the spec's own vector."""
    assert (
        protocol.sign(12345, "4fd24687296dd9f3", "9193cc662a4c0ec135ec71fb57194b38", 1615186943)
        == "43e5cfcca828314675f91b001390566a"
    )
    assert (
        protocol.sign(
            1234567890, "a1b2c3d4e5f60718", "0123456789abcdef0123456789abcdef", 1700000000
        )
        == "c90a56c08221a571fbf3007d1d7300d6"
    )


def test_callback_signature_matches_zego_test_vectors():
    """SHA1 of the sorted secret, timestamp and nonce."""
    assert (
        protocol.callback_signature("secret", "1470820198", "123412")
        == "5bd59fd62953a8059fb7eaba95720f66d19e4517"
    )
    assert (
        protocol.callback_signature("mycallbacksecret", "1637753949", "100480")
        == "50f367d06608f65a9dd9961c1eb6752eff3c8ebd"
    )


def test_task_ids_are_16_char_base64url_object_ids():
    """4-byte start seconds + 5-byte node + 3-byte counter, base64url without padding; unique."""
    generator = protocol.TaskIdGenerator()
    ids = [generator.new(1628565227) for _ in range(100)]
    assert len(set(ids)) == 100
    assert all(len(task_id) == 16 for task_id in ids)
    raw = base64.urlsafe_b64decode(ids[0])
    assert int.from_bytes(raw[:4], "big") == 1628565227


def test_nonce_cache_rejects_replays_per_app():
    cache = protocol.NonceCache()
    assert cache.claim(1, "n") is True
    assert cache.claim(1, "n") is False
    assert cache.claim(2, "n") is True


def test_rate_limiter_sliding_window():
    limiter = protocol.RateLimiter()
    assert [limiter.allow(("a",), 2, window=0.2) for _ in range(3)] == [True, True, False]
    time.sleep(0.25)
    assert limiter.allow(("a",), 2, window=0.2) is True


def test_check_common_params_order():
    """Action is checked before AppId, AppId before Timestamp, expiry before signature."""
    with pytest.raises(ApiError) as error:
        protocol.check_common_params({"AppId": "x"}, {})
    assert error.value.code == protocol.ACTION_EMPTY
    with pytest.raises(ApiError) as error:
        protocol.check_common_params({"Action": "StopRecord", "AppId": "x", "Timestamp": "y"}, {})
    assert error.value.code == protocol.APP_ID_FORMAT
    args = {
        "Action": "StopRecord",
        "AppId": "1",
        "Timestamp": "1000",
        "Signature": "",
        "SignatureNonce": "",
    }
    with pytest.raises(ApiError) as error:
        protocol.check_common_params(args, {1: "s"}, now=5000)
    assert error.value.code == protocol.SIGNATURE_EXPIRED


def test_utc_stamp_has_17_digits():
    """File names carry the UTC start time as yyyyMMddHHmmssSSS."""
    assert utc_stamp(1637753762084) == "20211124113602084"


def test_config_from_options_and_environment(tmp_path):
    """Options win; env vars fill in; without any app a documented dev app is configured."""
    env = {
        "ZEGO_EMULATOR_APPS": "1:aaa,2:bbb:cbsecret",
        "ZEGO_EMULATOR_TIME_SCALE": "30",
        "ZEGO_EMULATOR_DEMO_ROOMS": "1",
    }
    config = parse_config(["--data-dir", str(tmp_path)], env)
    assert [(a.app_id, a.server_secret, a.callback_secret) for a in config.apps] == [
        (1, "aaa", "emulator-callback-secret"),
        (2, "bbb", "cbsecret"),
    ]
    assert config.time_scale == 30 and config.demo_rooms is True
    config = parse_config(["--app", "7:s", "--callback-secret", "cs", "--time-scale", "5"], env)
    assert [(a.app_id, a.callback_secret) for a in config.apps] == [
        (7, "cs")
    ] and config.time_scale == 5
    assert parse_config([], {}).apps[0].app_id == DEV_APP_ID


def test_unknown_keys_are_ignored_but_wrong_types_refused():
    body = {
        "RoomId": "r",
        "RecordInputParams": {"RecordMode": 1, "Surprise": 1},
        "StorageParams": {"Vendor": 8, "Bucket": "b", "AccessKeyId": "k", "AccessKeySecret": "s"},
        "ClientTaskId": "x",
    }
    assert validate_start_record(body).record_mode == 1
    body["RecordInputParams"]["FillBlank"] = "yes"
    with pytest.raises(ApiError) as error:
        validate_start_record(body)
    assert "FillBlank" in error.value.message


def test_fault_registry_counts_and_matches():
    faults = FaultRegistry()
    faults.add({"kind": "rate_limit", "action": "StartRecord", "count": 1})
    assert faults.take("rate_limit", "StopRecord") is None
    assert faults.take("rate_limit", "StartRecord") is not None
    assert faults.take("rate_limit", "StartRecord") is None
