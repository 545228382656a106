"""HTTP client for ZEGO Cloud Recording (§3) and the RTC room queries (§7).

One `_execute()` path signs, rate-limits, sends, parses and retries; the public methods only
build bodies and parse results. Docs: https://www.zegocloud.com/docs/cloud-recording-server/
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from zego.constants import (
    DEFAULT_API_URL,
    DEFAULT_RTC_API_URL,
    QUERY_WINDOW_MS,
    RECORDING_ACTIONS,
    RTC_ACTIONS,
    SIGNATURE_VERSION,
    Action,
)
from zego.constants import ReturnCode as C
from zego.errors import (
    ZegoError,
    ZegoOutcomeUnknownError,
    ZegoRateLimitError,
    ZegoServerError,
    ZegoValidationError,
    error_from_envelope,
)
from zego.models import (
    Ack,
    MixInputTile,
    RecordInputParams,
    RecordOutputParams,
    RecordStatus,
    StartRecordResult,
    StopRecordResult,
    StorageParams,
    StreamList,
    TakeSnapshotResult,
    TaskList,
    TaskSummary,
    UserCountList,
    UserList,
    to_wire,
)
from zego.ratelimit import RateLimiter, default_rate_limiter
from zego.signing import new_nonce, sign
from zego.validation import validate_request

logger = logging.getLogger("zego")

DEFAULT_USER_AGENT = f"Recdesk/0.1 (+zego client) python-requests/{requests.__version__}"
REDACTED = "[redacted]"
# Request-body keys holding the customer's storage secrets; hidden from logs.
SECRET_BODY_KEYS = frozenset({"AccessKeySecret", "SecretKey"})
_SIGNATURE_IN_URL = re.compile(r"([?&]Signature=)[^&\s'\"]*")
# A start time this far inside ZEGO's 3-day window survives clock skew and transit time.
_QUERY_WINDOW_MARGIN_MS = 60_000
_MAX_ERROR_BODY_CHARS = 200


# What `Client(observer=...)` is told once per request sent: AppID, action and ZEGO's Code
# (0 for success, NO_REPLY when no ZEGO envelope came back: timeout, transport error, bad body).
CallObserver = Callable[[int, str, int], None]
NO_REPLY = -1


@dataclass(frozen=True)
class RetryPolicy:
    retry_transient: bool  # repeat on 5xx, timeouts, transport errors, transient codes
    ok_on_retry: frozenset[int] = frozenset()  # codes meaning "an earlier attempt worked"
    outcome_unknown: bool = False  # unanswered attempts raise ZegoOutcomeUnknownError
    retry_rate_limited: bool = True  # repeat a call ZEGO refused for its rate limit

    def should_retry(self, err: ZegoError) -> bool:
        if isinstance(err, ZegoRateLimitError) and not self.retry_rate_limited:
            return False
        # 300000003 means ZEGO refused the call outright, so any action may repeat it.
        return err.code == C.RATE_LIMITED or (self.retry_transient and not err.permanent)


_READ_ONLY = RetryPolicy(retry_transient=True)
# ZEGO answers one stream-list query per room per 10 s (PER_ROOM_MIN_INTERVAL_SECONDS), far
# longer than the backoff, so a quick repeat is only refused again: the caller asks later.
_READ_ONLY_PER_ROOM = RetryPolicy(retry_transient=True, retry_rate_limited=False)
RETRY_POLICIES: dict[str, RetryPolicy] = {
    Action.DESCRIBE_RECORD_STATUS: _READ_ONLY,
    Action.DESCRIBE_TASKS: _READ_ONLY,
    Action.DESCRIBE_SIMPLE_STREAM_LIST: _READ_ONLY_PER_ROOM,
    Action.DESCRIBE_USER_NUM: _READ_ONLY,
    Action.DESCRIBE_USER_LIST: _READ_ONLY,
    Action.DESCRIBE_RTC_STREAM_STATE: _READ_ONLY,
    # Repeating sets the same state: UpdateLayout replaces the whole layout, UpdateWhiteboard
    # names the board, and pausing a paused task leaves it paused.
    Action.UPDATE_LAYOUT: RetryPolicy(retry_transient=True),
    Action.UPDATE_WHITEBOARD: RetryPolicy(retry_transient=True),
    Action.PAUSE_RECORD: RetryPolicy(retry_transient=True),
    # If the unanswered first attempt got through, the retry is told the task has already
    # ended / is not paused: that is our own success, not a failure.
    Action.STOP_RECORD: RetryPolicy(
        retry_transient=True, ok_on_retry=frozenset({C.TASK_ALREADY_ENDED})
    ),
    Action.RESUME_RECORD: RetryPolicy(
        retry_transient=True, ok_on_retry=frozenset({C.TASK_NOT_PAUSED})
    ),
    # Each call takes (and bills) another JPG, so an unanswered one is not repeated.
    Action.TAKE_SNAPSHOT: RetryPolicy(retry_transient=False),
    # A repeat could start a second, billed recording of the same room.
    Action.START_RECORD: RetryPolicy(retry_transient=False, outcome_unknown=True),
}
_UNKNOWN_ACTION_POLICY = RetryPolicy(retry_transient=False)
# Codes after which ZEGO may have acted although it reports a failure.
_SIDE_EFFECTS_UNKNOWN_CODES = frozenset({C.SYSTEM_ERROR, C.GATEWAY_INTERNAL_ERROR})


def redact_url(text: str) -> str:
    return _SIGNATURE_IN_URL.sub(r"\1" + REDACTED, text)


def redact_body(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            key: REDACTED if key in SECRET_BODY_KEYS else redact_body(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_body(item) for item in value]
    return value


def encode_query(pairs: Sequence[tuple[str, Any]]) -> str:
    """Percent-encoded query. ZEGO writes `RoomId[]=a`; RFC 3986 (and urllib3) encode the
    brackets as `RoomId%5B%5D=a`, which servers decode to the same key."""
    return "&".join(f"{quote(key, safe='')}={quote(_query_value(v), safe='')}" for key, v in pairs)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _business_pairs(body: Mapping[str, Any]) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key, value in body.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            pairs.extend((f"{key}[]", item) for item in value)
        else:
            pairs.append((key, value))
    return pairs


class Client:
    """ZEGO server API client for one AppID. Thread-safe; share one per AppID."""

    def __init__(
        self,
        app_id: int | str,
        server_secret: str,
        *,
        api_url: str = DEFAULT_API_URL,
        rtc_api_url: str = DEFAULT_RTC_API_URL,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        rate_limiter: RateLimiter | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        max_attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        observer: CallObserver | None = None,
    ) -> None:
        self.app_id = _parse_app_id(app_id)
        if not isinstance(server_secret, str) or not server_secret:
            raise ZegoValidationError("ServerSecret", "The ServerSecret is empty.")
        self._server_secret = server_secret
        self.api_url = api_url.rstrip("/")
        self.rtc_api_url = rtc_api_url.rstrip("/")
        self.timeout = timeout
        self.session = session if session is not None else requests.Session()
        self.rate_limiter = rate_limiter if rate_limiter is not None else default_rate_limiter()
        self.user_agent = user_agent
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self._sleep = sleep
        self._clock = clock
        self.observer = observer

    def __repr__(self) -> str:
        return f"<zego.Client app_id={self.app_id} api_url={self.api_url!r}>"

    # --- cloud recording (§3) -------------------------------------------------------------

    def start_record(
        self,
        room_id: str,
        *,
        record_input_params: RecordInputParams | Mapping[str, Any],
        storage_params: StorageParams | Mapping[str, Any],
        record_output_params: RecordOutputParams | Mapping[str, Any] | None = None,
    ) -> StartRecordResult:
        """Start a task (§3.1). Never repeated blindly: see ZegoOutcomeUnknownError."""
        body = {
            "RoomId": room_id,
            "RecordInputParams": record_input_params,
            "RecordOutputParams": record_output_params,
            "StorageParams": storage_params,
        }
        envelope = self._execute(Action.START_RECORD, _without_none(body))
        result = StartRecordResult.from_envelope(envelope)
        if not result.task_id:
            raise ZegoOutcomeUnknownError(
                "ZEGO reported success but returned no TaskId",
                action=Action.START_RECORD,
                request_id=result.request_id or None,
                payload=envelope,
            )
        return result

    def stop_record(self, task_id: str) -> StopRecordResult:
        """Stop a task (§3.2). `already_ended` is set when a retry found our stop had worked."""
        envelope = self._execute(Action.STOP_RECORD, {"TaskId": task_id})
        return StopRecordResult.from_envelope(envelope)

    def describe_record_status(self, task_id: str) -> RecordStatus:
        """Task state and files (§3.3); only tasks started in the last 3 days."""
        envelope = self._execute(Action.DESCRIBE_RECORD_STATUS, {"TaskId": task_id})
        return RecordStatus.from_envelope(envelope)

    def describe_tasks(
        self,
        status: int,
        *,
        room_id: str | None = None,
        page_offset: int | None = None,
        page_size: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
    ) -> TaskList:
        """One page of tasks (§3.4). Times are Unix ms; they default to the last 3 days."""
        now_ms = self._now_ms()
        end_time = now_ms if end_time is None else end_time
        if start_time is None:
            start_time = now_ms - QUERY_WINDOW_MS + _QUERY_WINDOW_MARGIN_MS
        body = {
            "Status": status,
            "RoomId": room_id,
            "PageOffset": page_offset,
            "PageSize": page_size,
            "StartTime": start_time,
            "EndTime": end_time,
        }
        envelope = self._execute(Action.DESCRIBE_TASKS, _without_none(body))
        return TaskList.from_envelope(envelope)

    def iter_tasks(
        self, status: int, *, room_id: str | None = None, page_size: int = 50, **times: int
    ) -> Iterator[TaskSummary]:
        """Every task matching the filter, across pages (`start_time`/`end_time` optional)."""
        page = 1
        while True:
            result = self.describe_tasks(
                status, room_id=room_id, page_offset=page, page_size=page_size, **times
            )
            yield from result.tasks
            if not result.tasks or not result.has_more:
                return
            page += 1

    def update_layout(
        self,
        task_id: str,
        *,
        mix_mode: int | None = None,
        mix_input_list: Sequence[MixInputTile | Mapping[str, Any]] | None = None,
        mix_max_resolution_stream_id: str | None = None,
        canvas: tuple[int, int] | None = None,
    ) -> Ack:
        """Replace the mixed layout (§3.5). `canvas` (width, height) is only used to validate."""
        body = {
            "TaskId": task_id,
            "MixMode": mix_mode,
            "MixInputList": mix_input_list,
            "MixMaxResolutionStreamId": mix_max_resolution_stream_id,
        }
        envelope = self._execute(Action.UPDATE_LAYOUT, _without_none(body), canvas=canvas)
        return Ack.from_envelope(envelope)

    def update_whiteboard(self, task_id: str, *, whiteboard_id: str) -> Ack:
        """Switch the recorded whiteboard (§3.6)."""
        body = {"TaskId": task_id, "WhiteboardId": whiteboard_id}
        return Ack.from_envelope(self._execute(Action.UPDATE_WHITEBOARD, body))

    def pause_record(self, task_id: str) -> Ack:
        """Pause a mixed-stream task (§3.7)."""
        return Ack.from_envelope(self._execute(Action.PAUSE_RECORD, {"TaskId": task_id}))

    def resume_record(self, task_id: str) -> Ack:
        """Resume a paused task (§3.7)."""
        return Ack.from_envelope(self._execute(Action.RESUME_RECORD, {"TaskId": task_id}))

    def take_snapshot(self, task_id: str) -> TakeSnapshotResult:
        """Take one JPG of a mixed task (§3.8); the file arrives through callback event 1."""
        envelope = self._execute(Action.TAKE_SNAPSHOT, {"TaskId": task_id})
        return TakeSnapshotResult.from_envelope(envelope)

    # --- RTC rooms (§7) -------------------------------------------------------------------

    def describe_simple_stream_list(self, room_id: str) -> StreamList:
        """Streams published in a room (§7.1). ZEGO allows 1 call per 10 s per room."""
        envelope = self._execute(Action.DESCRIBE_SIMPLE_STREAM_LIST, {"RoomId": room_id})
        return StreamList.from_envelope(envelope)

    def describe_user_num(self, room_id: str | Sequence[str]) -> UserCountList:
        """Head counts for up to 10 rooms (§7.2)."""
        rooms = [room_id] if isinstance(room_id, str) else list(room_id)
        envelope = self._execute(Action.DESCRIBE_USER_NUM, {"RoomId": rooms})
        return UserCountList.from_envelope(envelope)

    def describe_user_list(
        self,
        room_id: str,
        *,
        mode: int | None = None,
        limit: int | None = None,
        marker: str | None = None,
    ) -> UserList:
        """One page of a room's users (§7.3); pass `result.marker` back for the next page."""
        body = {"RoomId": room_id, "Mode": mode, "Limit": limit, "Marker": marker}
        envelope = self._execute(Action.DESCRIBE_USER_LIST, _without_none(body))
        return UserList.from_envelope(envelope)

    # --- generic --------------------------------------------------------------------------

    def call(
        self, action: str, body: Mapping[str, Any] | None = None, *, validate: bool = True
    ) -> dict[str, Any]:
        """Any action with a wire-shaped body; returns the raw envelope, raises on Code != 0.

        RTC actions travel as GET with the body in the query string (lists as `Key[]`).
        """
        return self._execute(str(action), dict(body or {}), validate=validate)

    def build_request(self, action: str, body: Mapping[str, Any]) -> requests.PreparedRequest:
        """A freshly signed request: new nonce and timestamp every time."""
        action = str(action)
        query = self._common_query(action)
        if action in RTC_ACTIONS:
            business = _business_pairs(to_wire(body))
            if business:
                query = f"{query}&{encode_query(business)}"
            url = f"{self.rtc_api_url}/?{query}"
            headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
            return requests.Request("GET", url, headers=headers).prepare()
        data = json.dumps(to_wire(body), ensure_ascii=False, separators=(",", ":"))
        headers = {
            "User-Agent": self.user_agent,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        url = f"{self.api_url}/?{query}"
        return requests.Request("POST", url, headers=headers, data=data.encode()).prepare()

    def _common_query(self, action: str) -> str:
        nonce = new_nonce()
        timestamp = int(self._clock())
        signature = sign(self.app_id, nonce, self._server_secret, timestamp)
        return encode_query(
            (
                ("Action", action),
                ("AppId", self.app_id),
                ("SignatureNonce", nonce),
                ("Timestamp", timestamp),
                ("Signature", signature),
                ("SignatureVersion", SIGNATURE_VERSION),
            )
        )

    # --- execution ------------------------------------------------------------------------

    def _execute(
        self, action: str, body: dict[str, Any], *, validate: bool = True, **context: Any
    ) -> dict[str, Any]:
        if action not in RECORDING_ACTIONS and action not in RTC_ACTIONS:
            raise ZegoValidationError("Action", f"Unknown ZEGO action {action!r}.", action=action)
        body = to_wire(body)
        if validate:
            validate_request(action, body, now_ms=self._now_ms(), **context)
        policy = RETRY_POLICIES.get(action, _UNKNOWN_ACTION_POLICY)
        attempt = 1
        while True:
            try:
                return self._attempt(action, body)
            except ZegoError as err:
                if attempt > 1 and err.code in policy.ok_on_retry and err.payload is not None:
                    return dict(err.payload)
                if attempt >= self.max_attempts or not policy.should_retry(err):
                    final = self._final_error(policy, err)
                    if final is err:
                        raise
                    raise final from err
                logger.info("ZEGO %s attempt %d failed, retrying: %s", action, attempt, err)
                self._sleep(self.backoff * 2 ** (attempt - 1))
                attempt += 1

    def _observe(self, action: str, code: int) -> None:
        if self.observer is None:
            return
        try:
            self.observer(self.app_id, action, code)
        except Exception:
            # Counting calls must never cost the call itself.
            logger.exception("ZEGO call observer failed for %s", action)

    def _final_error(self, policy: RetryPolicy, err: ZegoError) -> ZegoError:
        if not policy.outcome_unknown or not isinstance(err, ZegoServerError):
            return err
        if err.code is not None and err.code not in _SIDE_EFFECTS_UNKNOWN_CODES:
            return err  # ZEGO refused the request, so nothing started
        return ZegoOutcomeUnknownError(
            err.message,
            code=err.code,
            request_id=err.request_id,
            action=err.action,
            http_status=err.http_status,
            payload=err.payload,
        )

    def _attempt(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        self.rate_limiter.acquire(self.app_id, action)
        request = self.build_request(action, body)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "ZEGO %s -> %s %s body=%s",
                action,
                request.method,
                redact_url(request.url or ""),
                json.dumps(redact_body(body), ensure_ascii=False),
            )
        started = time.monotonic()
        try:
            response = self._send(action, request)
            envelope = self._parse(action, response)
        except ZegoError as err:
            self._observe(action, NO_REPLY if err.code is None else err.code)
            raise
        self._observe(action, C.SUCCESS)
        logger.debug(
            "ZEGO %s <- HTTP %s Code %s RequestId %s in %.0f ms",
            action,
            response.status_code,
            envelope.get("Code"),
            envelope.get("RequestId"),
            (time.monotonic() - started) * 1000,
        )
        return envelope

    def _send(self, action: str, request: requests.PreparedRequest) -> requests.Response:
        # Like Session.request(): honour proxy/CA-bundle environment settings.
        settings = self.session.merge_environment_settings(request.url, {}, None, None, None)
        try:
            return self.session.send(
                request, timeout=self.timeout, allow_redirects=False, **settings
            )
        except requests.Timeout:
            message = f"No response from ZEGO within {self.timeout} s"
        except requests.RequestException as exc:
            text = self._redact(str(exc), request.url or "")
            message = f"Could not reach ZEGO ({type(exc).__name__}: {text})"
        # Not chained: requests' exceptions carry the signed URL, which authorises any call
        # for 10 minutes; the redacted text above is enough to diagnose.
        raise ZegoServerError(message, action=action)

    def _parse(self, action: str, response: requests.Response) -> dict[str, Any]:
        envelope = _json_object(response)
        if envelope is None or not _is_code(envelope.get("Code")):
            raise self._not_an_envelope(action, response)
        code = int(envelope["Code"])
        if code != C.SUCCESS:
            raise error_from_envelope(action, envelope, response.status_code)
        return envelope

    def _not_an_envelope(self, action: str, response: requests.Response) -> ZegoError:
        status = response.status_code
        snippet = self._redact(response.text[:_MAX_ERROR_BODY_CHARS])
        if status == 429:
            return ZegoRateLimitError(
                f"HTTP 429 without a ZEGO reply: {snippet!r}", action=action, http_status=status
            )
        if status >= 500 or 200 <= status < 300:
            return ZegoServerError(
                f"ZEGO's reply was not a ZEGO JSON envelope: {snippet!r}",
                action=action,
                http_status=status,
            )
        return ZegoError(
            f"Unexpected HTTP {status} without a ZEGO reply; check the API URL. Body: {snippet!r}",
            action=action,
            http_status=status,
            permanent=True,
        )

    def _redact(self, text: str, signed_url: str = "") -> str:
        text = redact_url(text).replace(self._server_secret, REDACTED)
        # Also catch the signature where the URL was re-encoded or truncated in the text.
        signature = re.search(r"[?&]Signature=([^&]+)", signed_url)
        return text.replace(signature.group(1), REDACTED) if signature else text

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)


def _parse_app_id(app_id: int | str) -> int:
    try:
        value = int(str(app_id).strip())
    except ValueError:
        value = -1
    if not 0 < value < 2**32:
        raise ZegoValidationError("AppId", "The AppID must be a positive 32-bit integer.")
    return value


def _without_none(body: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    try:
        value = response.json()
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _is_code(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True
