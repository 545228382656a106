"""Exception hierarchy and readable messages for every ZEGO return code (§2.2, §2.3, §7).

`permanent` follows healthchecks' TransportError: True means repeating the same request
will fail the same way, so neither this client nor its callers should retry it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zego.constants import ReturnCode as C


class ZegoError(Exception):
    """Any failure talking to ZEGO. Views catch this, never `requests` exceptions."""

    default_permanent = True

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        request_id: str | None = None,
        action: str | None = None,
        http_status: int | None = None,
        permanent: bool | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id
        self.action = action
        self.http_status = http_status
        self.permanent = self.default_permanent if permanent is None else permanent
        self.payload = payload

    def __str__(self) -> str:
        head = f"ZEGO {self.action or 'request'} failed"
        if self.code is not None:
            head += f" with code {self.code}: {describe_code(self.code)}"
            if self.message and self.message != describe_code(self.code):
                head += f" (ZEGO said: {self.message!r})"
        else:
            head += f": {self.message}"
        if self.http_status is not None:
            head += f" [HTTP {self.http_status}]"
        if self.request_id:
            head += f" [RequestId {self.request_id}]"
        return head


class ZegoAuthError(ZegoError):
    """Signature, AppId, timestamp, or the AppID isn't allowed to use the service."""


class ZegoRateLimitError(ZegoError):
    default_permanent = False


class ZegoNotFoundError(ZegoError):
    """The task (or stream) does not exist, or is older than ZEGO's 3-day query window."""


class ZegoInvalidParameterError(ZegoError):
    """ZEGO rejected the request's parameters or shape (a bug on our side)."""


class ZegoTaskStateError(ZegoError):
    """The task exists but is in the wrong state (already ended, not paused)."""


class ZegoServerError(ZegoError):
    """ZEGO or the network failed: HTTP 5xx, transport error, timeout, unreadable response."""

    default_permanent = False


class ZegoOutcomeUnknownError(ZegoServerError):
    """StartRecord may or may not have started a task; look it up before trying again."""

    advice = (
        "Whether the recording started is unknown: look the task up with DescribeTasks for "
        "this room (Status 2) and adopt it instead of starting another one."
    )

    def __str__(self) -> str:
        return f"{super().__str__()}. {self.advice}"


class ZegoValidationError(ZegoError):
    """Rejected locally before any network call; `field` is a dotted path into the request."""

    def __init__(
        self,
        field: str,
        message: str,
        *,
        action: str | None = None,
        problems: Sequence[Any] = (),
    ) -> None:
        super().__init__(message, action=action, permanent=True)
        self.field = field
        self.problems = list(problems)

    def __str__(self) -> str:
        head = f"ZEGO {self.action} request invalid" if self.action else "ZEGO request invalid"
        text = f"{head}: {self.field}: {self.message}"
        if len(self.problems) > 1:
            text += f" (and {len(self.problems) - 1} more problem(s))"
        return text


# (readable message for a support person, exception class, permanent)
_CODES: dict[int, tuple[str, type[ZegoError], bool]] = {
    C.SUCCESS: ("Success.", ZegoError, True),
    C.HOST_HEADER_WRONG: (
        "The request's Host header was wrong. Check the configured ZEGO API URL.",
        ZegoInvalidParameterError,
        True,
    ),
    C.APP_ID_FORMAT_WRONG: (
        "The AppID is malformed. Check the AppID copied from the ZEGO console (digits only).",
        ZegoAuthError,
        True,
    ),
    C.TIMESTAMP_EMPTY: (
        "The request had no Timestamp. This is a client bug; report it.",
        ZegoAuthError,
        True,
    ),
    C.TIMESTAMP_FORMAT_WRONG: (
        "The request's Timestamp was not Unix seconds. This is a client bug; report it.",
        ZegoAuthError,
        True,
    ),
    C.SIGNATURE_EXPIRED: (
        "The signature expired: this server's clock differs from ZEGO's by more than "
        "10 minutes. Fix the server clock (NTP).",
        ZegoAuthError,
        True,
    ),
    C.SIGNATURE_WRONG: (
        "The signature was rejected. Check that the ServerSecret matches the AppID in the "
        "ZEGO console.",
        ZegoAuthError,
        True,
    ),
    C.ACTION_EMPTY: (
        "The request named no Action. This is a client bug; report it.",
        ZegoInvalidParameterError,
        True,
    ),
    C.ACTION_NOT_SUPPORTED: (
        "ZEGO does not support this Action at this host. Check the API URL and action name.",
        ZegoInvalidParameterError,
        True,
    ),
    C.SIGNATURE_NONCE_EMPTY: (
        "The request had no SignatureNonce. This is a client bug; report it.",
        ZegoAuthError,
        True,
    ),
    C.SIGNATURE_EMPTY: (
        "The request had no Signature. This is a client bug; report it.",
        ZegoAuthError,
        True,
    ),
    C.SERVER_SECRET_UNAVAILABLE: (
        "ZEGO could not find a ServerSecret for this AppID. Check the AppID.",
        ZegoAuthError,
        True,
    ),
    C.APP_CONFIG_UNAVAILABLE: (
        "ZEGO could not load this app's configuration. Try again; if it persists, check the "
        "AppID and contact ZEGO support.",
        ZegoServerError,
        False,
    ),
    C.BODY_UNREADABLE: (
        "ZEGO could not read the request body. Try again; if it persists, report it.",
        ZegoServerError,
        False,
    ),
    C.SIGNATURE_VERSION_EMPTY: (
        "The request had no SignatureVersion. This is a client bug; report it.",
        ZegoAuthError,
        True,
    ),
    C.SIGNATURE_VERSION_UNSUPPORTED: (
        "ZEGO only supports SignatureVersion 2.0. This is a client bug; report it.",
        ZegoAuthError,
        True,
    ),
    C.GATEWAY_INTERNAL_ERROR: (
        "ZEGO's API gateway had an internal error. Try again later.",
        ZegoServerError,
        False,
    ),
    C.NO_PRODUCTION_ENVIRONMENT: (
        "This AppID has no production environment. It is a legacy test-environment project; "
        "check the IsTest setting or use a production AppID.",
        ZegoAuthError,
        True,
    ),
    C.SERVICE_NOT_ENABLED_FOR_APP: (
        "This AppID has not enabled the requested ZEGO service. Enable it in the ZEGO console.",
        ZegoAuthError,
        True,
    ),
    C.RECORDING_NOT_ENABLED: (
        "Cloud Recording is not enabled for this AppID. Enable it in the ZEGO console "
        "(Project > Service configuration > Cloud Recording).",
        ZegoAuthError,
        True,
    ),
    C.RATE_LIMITED: (
        "Too many requests: ZEGO's per-AppID rate limit was exceeded. Wait a moment and try again.",
        ZegoRateLimitError,
        False,
    ),
    C.INVALID_PARAMETER: (
        "ZEGO rejected a request parameter; its message names which one. Fix the recording "
        "settings and try again.",
        ZegoInvalidParameterError,
        True,
    ),
    C.GATEWAY_VERIFICATION_FAILED: (
        "ZEGO's gateway refused the request. Contact ZEGO support with the RequestId.",
        ZegoAuthError,
        True,
    ),
    C.TOO_MANY_CONCURRENT_TASKS: (
        "This AppID already runs the maximum number of concurrent recordings (1000 in "
        "mainland China, 200 elsewhere). Stop a recording or wait for one to finish.",
        ZegoRateLimitError,
        False,
    ),
    C.TASK_NOT_FOUND: (
        "The recording task does not exist (wrong TaskId, or it started more than 3 days ago).",
        ZegoNotFoundError,
        True,
    ),
    C.TASK_ALREADY_ENDED: (
        "The recording task has already ended (stopped, or stopped itself after MaxIdleTime "
        "or MaxRecordTime).",
        ZegoTaskStateError,
        True,
    ),
    C.TASK_NOT_PAUSED: (
        "The recording task is not paused, so it cannot be resumed.",
        ZegoTaskStateError,
        True,
    ),
    C.SYSTEM_ERROR: (
        "ZEGO had a system error. Try again later; if it persists, contact ZEGO support with "
        "the RequestId.",
        ZegoServerError,
        False,
    ),
    C.STREAM_LIST_FAILED: (
        "ZEGO could not fetch the room's stream list. Try again in a few seconds.",
        ZegoServerError,
        False,
    ),
    C.STREAM_NOT_FOUND: (
        "The stream does not exist or is not being published.",
        ZegoNotFoundError,
        True,
    ),
}

MESSAGES: dict[int, str] = {code: entry[0] for code, entry in _CODES.items()}


def describe_code(code: int) -> str:
    """A sentence a support person can act on, for any ZEGO return code."""
    if code in MESSAGES:
        return MESSAGES[code]
    return f"Unknown ZEGO return code {code}. Contact ZEGO support with the RequestId."


def error_class_for(code: int) -> tuple[type[ZegoError], bool]:
    """The exception class and `permanent` flag for a non-zero return code."""
    _, cls, permanent = _CODES.get(code, ("", ZegoError, True))
    return cls, permanent


def error_from_envelope(
    action: str, envelope: Mapping[str, Any], http_status: int | None = None
) -> ZegoError:
    code = int(envelope["Code"])
    cls, permanent = error_class_for(code)
    return cls(
        str(envelope.get("Message") or describe_code(code)),
        code=code,
        request_id=_request_id(envelope),
        action=action,
        http_status=http_status,
        permanent=permanent,
        payload=envelope,
    )


def _request_id(envelope: Mapping[str, Any]) -> str | None:
    value = envelope.get("RequestId")
    return None if value in (None, "") else str(value)
