"""Request signatures (§1.4) and callback signatures (§5.4)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from zego.constants import TIMESTAMP_TOLERANCE_SECONDS

# ZEGO does not define a freshness window for callbacks. Its own API tolerance (±10 minutes)
# comfortably covers its two retries 5 s apart plus ordinary clock skew.
CALLBACK_TIMESTAMP_WINDOW_SECONDS = TIMESTAMP_TOLERANCE_SECONDS


def sign(app_id: int | str, signature_nonce: str, server_secret: str, timestamp: int | str) -> str:
    """Return lower_hex(MD5(AppId + SignatureNonce + ServerSecret + Timestamp))."""
    material = f"{app_id}{signature_nonce}{server_secret}{timestamp}"
    return hashlib.md5(material.encode("utf-8"), usedforsecurity=False).hexdigest()


def new_nonce() -> str:
    """16 hex characters from 8 random bytes, the format ZEGO's docs describe."""
    return secrets.token_hex(8)


def callback_signature(callback_secret: str, timestamp: int | str, nonce: int | str) -> str:
    """Return lower_hex(SHA1(concat(sorted([secret, timestamp, nonce]))))."""
    parts = sorted([str(callback_secret), str(timestamp), str(nonce)])
    return hashlib.sha1("".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()


def verify_callback(
    callback_secret: str, timestamp: int | str, nonce: int | str, signature: str
) -> bool:
    """True when `signature` matches; compared in constant time."""
    if not callback_secret or not signature or timestamp in (None, "") or nonce in (None, ""):
        return False
    expected = callback_signature(callback_secret, timestamp, nonce)
    return hmac.compare_digest(expected.encode("ascii"), str(signature).lower().encode("utf-8"))


def callback_timestamp_fresh(
    timestamp: int | str,
    now: float | None = None,
    window: float = CALLBACK_TIMESTAMP_WINDOW_SECONDS,
) -> bool:
    """True when the callback's Unix-seconds `timestamp` is within `window` seconds of `now`."""
    try:
        sent_at = int(str(timestamp).strip())
    except ValueError:
        return False
    current = time.time() if now is None else now
    return abs(current - sent_at) <= window
