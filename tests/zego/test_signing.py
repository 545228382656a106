from __future__ import annotations

import re

import pytest

import zego
from zego.signing import new_nonce


def test_it_reproduces_zegos_published_test_vector():
    """sign() matches ZEGO's own example (§1.4, worked example 1)."""
    signature = zego.sign(12345, "4fd24687296dd9f3", "9193cc662a4c0ec135ec71fb57194b38", 1615186943)
    assert signature == "43e5cfcca828314675f91b001390566a"


def test_it_reproduces_the_second_worked_example():
    """sign() matches the spec's second example and accepts string inputs alike."""
    expected = "c90a56c08221a571fbf3007d1d7300d6"
    secret = "0123456789abcdef0123456789abcdef"
    assert zego.sign(1234567890, "a1b2c3d4e5f60718", secret, 1700000000) == expected
    assert zego.sign("1234567890", "a1b2c3d4e5f60718", secret, "1700000000") == expected


def test_it_makes_16_hex_char_nonces_that_differ():
    """Nonces are hex of 8 random bytes, fresh each time."""
    nonces = {new_nonce() for _ in range(50)}
    assert len(nonces) == 50
    assert all(re.fullmatch(r"[0-9a-f]{16}", nonce) for nonce in nonces)


@pytest.mark.parametrize(
    ("secret", "timestamp", "nonce", "signature"),
    [
        ("secret", "1470820198", "123412", "5bd59fd62953a8059fb7eaba95720f66d19e4517"),
        ("mycallbacksecret", "1637753949", "100480", "50f367d06608f65a9dd9961c1eb6752eff3c8ebd"),
    ],
)
def test_it_accepts_a_good_callback_signature(secret, timestamp, nonce, signature):
    """verify_callback() reproduces both worked examples of §5.4."""
    assert zego.verify_callback(secret, timestamp, nonce, signature)


def test_it_accepts_integer_timestamps_and_upper_case_signatures():
    """Values may arrive as JSON numbers, and hex case does not matter."""
    signature = "5BD59FD62953A8059FB7EABA95720F66D19E4517"
    assert zego.verify_callback("secret", 1470820198, 123412, signature)


@pytest.mark.parametrize(
    ("secret", "timestamp", "nonce", "signature"),
    [
        ("wrong", "1470820198", "123412", "5bd59fd62953a8059fb7eaba95720f66d19e4517"),
        ("secret", "1470820199", "123412", "5bd59fd62953a8059fb7eaba95720f66d19e4517"),
        ("secret", "1470820198", "123412", "0" * 40),
        ("secret", "1470820198", "123412", ""),
        ("", "1470820198", "123412", "5bd59fd62953a8059fb7eaba95720f66d19e4517"),
        ("secret", "1470820198", "", "5bd59fd62953a8059fb7eaba95720f66d19e4517"),
        ("secret", "1470820198", "123412", "ünïcode"),
    ],
)
def test_it_rejects_a_bad_callback_signature(secret, timestamp, nonce, signature):
    """Any mismatch, or a missing value, fails verification without raising."""
    assert not zego.verify_callback(secret, timestamp, nonce, signature)


def test_it_uses_constant_time_comparison(monkeypatch):
    """The comparison goes through hmac.compare_digest."""
    calls = []
    real = zego.signing.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(zego.signing.hmac, "compare_digest", spy)
    zego.verify_callback("secret", "1470820198", "123412", "x")
    assert len(calls) == 1


def test_it_treats_a_recent_callback_timestamp_as_fresh():
    """Timestamps within the window (default 600 s) either side of now are fresh."""
    assert zego.callback_timestamp_fresh("1637753949", now=1637753949 + 599)
    assert zego.callback_timestamp_fresh(1637753949, now=1637753949 - 600)


def test_it_treats_an_old_or_garbled_callback_timestamp_as_stale():
    """Beyond the window, or not an integer, is not fresh."""
    assert not zego.callback_timestamp_fresh("1637753949", now=1637753949 + 601)
    assert not zego.callback_timestamp_fresh("1637753949", now=1637753949 + 100, window=60)
    assert not zego.callback_timestamp_fresh("yesterday", now=1637753949)
