"""ZEGO server API v2 wire rules: return codes, the response envelope, request signing and limits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

SUCCESS = 0
HOST_WRONG = 100000000
APP_ID_FORMAT = 100000001
TIMESTAMP_EMPTY = 100000002
TIMESTAMP_FORMAT = 100000003
SIGNATURE_EXPIRED = 100000004
SIGNATURE_WRONG = 100000005
ACTION_EMPTY = 100000006
ACTION_UNSUPPORTED = 100000007
NONCE_EMPTY = 100000008
SIGNATURE_EMPTY = 100000009
SECRET_UNAVAILABLE = 100000010
BODY_UNREADABLE = 100000012
SIGNATURE_VERSION_EMPTY = 100000013
SIGNATURE_VERSION_UNSUPPORTED = 100000014
SERVICE_NOT_ENABLED = 300000002
RATE_LIMITED = 300000003
INVALID_PARAMETER = 300000004
TOO_MANY_TASKS = 300000006
TASK_NOT_FOUND = 300001000
TASK_ENDED = 300001001
TASK_NOT_PAUSED = 300001004
SYSTEM_ERROR = 300010000
RTC_STREAM_NOT_FOUND = 41004

MESSAGES = {
    APP_ID_FORMAT: "AppId format error",
    TIMESTAMP_EMPTY: "Timestamp is empty",
    TIMESTAMP_FORMAT: "Timestamp format error",
    SIGNATURE_EXPIRED: "signature expired",
    SIGNATURE_WRONG: "signature error",
    ACTION_EMPTY: "Action is empty",
    ACTION_UNSUPPORTED: "Action not supported",
    NONCE_EMPTY: "SignatureNonce is empty",
    SIGNATURE_EMPTY: "Signature is empty",
    SECRET_UNAVAILABLE: "get ServerSecret failed, check AppId",
    BODY_UNREADABLE: "read http body failed",
    SIGNATURE_VERSION_EMPTY: "SignatureVersion is empty",
    SIGNATURE_VERSION_UNSUPPORTED: "SignatureVersion not supported",
    SERVICE_NOT_ENABLED: "cloud recording service not enabled",
    RATE_LIMITED: "request frequency exceeds the limit",
    INVALID_PARAMETER: "invalid param",
    TOO_MANY_TASKS: "concurrent recording task count exceeds the limit",
    TASK_NOT_FOUND: "task not exist",
    TASK_ENDED: "task already ended",
    TASK_NOT_PAUSED: "task not paused",
    SYSTEM_ERROR: "system error",
    RTC_STREAM_NOT_FOUND: "stream not exist",
}

RECORDING_ACTIONS = {
    "StartRecord": 50,
    "StopRecord": 50,
    "UpdateLayout": 10,
    "UpdateWhiteboard": 10,
    "DescribeRecordStatus": 10,
    "DescribeTasks": 10,
    "PauseRecord": 10,
    "ResumeRecord": 10,
    "TakeSnapshot": 10,
}
RTC_ACTIONS = {
    "DescribeSimpleStreamList": 50,
    "DescribeUserNum": 10,
    "DescribeUserList": 200,
    "DescribeRTCStreamState": 40,
}
# (calls, per seconds) allowed per room, on top of the per-AppID QPS.
RTC_ROOM_LIMITS = {"DescribeSimpleStreamList": (1, 10.0), "DescribeUserList": (1, 1.0)}
ACTION_QPS = RECORDING_ACTIONS | RTC_ACTIONS

TIMESTAMP_TOLERANCE_SECONDS = 600


class ApiError(Exception):
    """A ZEGO error reply: HTTP 200 with a non-zero Code."""

    def __init__(self, code: int, detail: str = "") -> None:
        self.code = code
        base = MESSAGES.get(code, "error")
        self.message = f"{base}: {detail}" if detail else base
        super().__init__(f"{code} {self.message}")


def invalid(detail: str) -> ApiError:
    return ApiError(INVALID_PARAMETER, detail)


def new_request_id() -> str:
    return str(secrets.randbelow(9 * 10**18) + 10**18)


def envelope(code: int, message: str, data: dict | None = None) -> bytes:
    body: dict = {"Code": code, "Message": message, "RequestId": new_request_id()}
    if data is not None:
        body["Data"] = data
    return json.dumps(body, ensure_ascii=False).encode()


def success_message(action: str) -> str:
    return "success" if action in RTC_ACTIONS else "succeed"


def sign(app_id: int, nonce: str, server_secret: str, timestamp: int | str) -> str:
    text = f"{app_id}{nonce}{server_secret}{timestamp}"
    return hashlib.md5(text.encode()).hexdigest()


def callback_signature(callback_secret: str, timestamp: str, nonce: str) -> str:
    joined = "".join(sorted([callback_secret, timestamp, nonce]))
    return hashlib.sha1(joined.encode()).hexdigest()


@dataclass
class SignedRequest:
    action: str
    app_id: int
    nonce: str


def check_common_params(
    args, secrets_by_app: dict[int, str], now: float | None = None
) -> SignedRequest:
    """Validate the common query parameters in ZEGO's documented order; raise ApiError."""
    action = args.get("Action", "")
    if not action:
        raise ApiError(ACTION_EMPTY)
    if action not in ACTION_QPS:
        raise ApiError(ACTION_UNSUPPORTED, action)
    app_id = parse_app_id(args.get("AppId", ""))
    timestamp = parse_timestamp(args.get("Timestamp", ""))
    now = time.time() if now is None else now
    if abs(now - timestamp) > TIMESTAMP_TOLERANCE_SECONDS:
        raise ApiError(SIGNATURE_EXPIRED)
    nonce = args.get("SignatureNonce", "")
    if not nonce:
        raise ApiError(NONCE_EMPTY)
    signature = args.get("Signature", "")
    if not signature:
        raise ApiError(SIGNATURE_EMPTY)
    version = args.get("SignatureVersion", "")
    if not version:
        raise ApiError(SIGNATURE_VERSION_EMPTY)
    if version != "2.0":
        raise ApiError(SIGNATURE_VERSION_UNSUPPORTED, version)
    secret = secrets_by_app.get(app_id)
    if secret is None:
        raise ApiError(SECRET_UNAVAILABLE)
    expected = sign(app_id, nonce, secret, args.get("Timestamp"))
    if not hmac.compare_digest(expected, signature.lower()):
        raise ApiError(SIGNATURE_WRONG)
    return SignedRequest(action=action, app_id=app_id, nonce=nonce)


def parse_app_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or int(raw) > 0xFFFFFFFF:
        raise ApiError(APP_ID_FORMAT)
    return int(raw)


def parse_timestamp(raw: str) -> int:
    if not raw:
        raise ApiError(TIMESTAMP_EMPTY)
    try:
        return int(raw)
    except ValueError:
        raise ApiError(TIMESTAMP_FORMAT) from None


class NonceCache:
    """Remembers (AppId, nonce) pairs for as long as their signature could still be valid."""

    def __init__(self, ttl: float = 2 * TIMESTAMP_TOLERANCE_SECONDS) -> None:
        self.ttl = ttl
        self._seen: dict[tuple[int, str], float] = {}
        self._order: deque[tuple[float, tuple[int, str]]] = deque()
        self._lock = threading.Lock()

    def claim(self, app_id: int, nonce: str) -> bool:
        """True the first time a nonce is seen, False for a replay."""
        now = time.monotonic()
        key = (app_id, nonce)
        with self._lock:
            self._expire(now)
            if key in self._seen:
                return False
            self._seen[key] = now
            self._order.append((now, key))
            return True

    def _expire(self, now: float) -> None:
        while self._order and now - self._order[0][0] > self.ttl:
            _, key = self._order.popleft()
            self._seen.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
            self._order.clear()


class RateLimiter:
    """Sliding-window call counter keyed by anything (AppId+action, AppId+room+action)."""

    def __init__(self) -> None:
        self._calls: dict[tuple, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: tuple, limit: int, window: float = 1.0) -> bool:
        now = time.monotonic()
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and now - calls[0] >= window:
                calls.popleft()
            if len(calls) >= limit:
                return False
            calls.append(now)
            return True

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


class TaskIdGenerator:
    """16-char base64url ids shaped like ZEGO's: 4-byte seconds + 5-byte node + 3-byte counter."""

    def __init__(self) -> None:
        self._node = os.urandom(5)
        self._counter = itertools.count(int.from_bytes(os.urandom(2), "big"))
        self._lock = threading.Lock()

    def new(self, now: float | None = None) -> str:
        seconds = int(time.time() if now is None else now) & 0xFFFFFFFF
        with self._lock:
            counter = next(self._counter) & 0xFFFFFF
        raw = seconds.to_bytes(4, "big") + self._node + counter.to_bytes(3, "big")
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")
