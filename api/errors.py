"""Every failure of the API as one JSON shape: {"error": {"code", "message", "fields"?}}."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

import zego
from zego.errors import error_class_for


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields
        self.extra = extra or {}
        self.headers = headers or {}

    def response(self) -> JsonResponse:
        return error_response(
            self.status,
            self.code,
            self.message,
            fields=self.fields,
            extra=self.extra,
            headers=self.headers,
        )


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    fields: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return JsonResponse({"error": error, **(extra or {})}, status=status, headers=headers)


def form_error(form, message: str = "Some values are not valid; nothing was changed.") -> ApiError:
    """A 400 naming each field at fault (`__all__` for rules across fields)."""
    fields = {name: [str(text) for text in texts] for name, texts in form.errors.items()}
    return ApiError(400, "invalid", message, fields=fields)


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"No {what} with that id.")


# How a ZEGO failure reads to an API client: (HTTP status, error code). The first class in the
# exception's ancestry that is listed wins, so subclasses come before their parents.
ZEGO_FAILURES: list[tuple[type[zego.ZegoError], int, str]] = [
    (zego.ZegoRateLimitError, 429, "zego_rate_limited"),
    (zego.ZegoServerError, 502, "zego_unavailable"),
    (zego.ZegoAuthError, 502, "zego_auth_failed"),
    (zego.ZegoTaskStateError, 409, "zego_task_state"),
    (zego.ZegoNotFoundError, 409, "zego_task_not_found"),
    (zego.ZegoValidationError, 400, "zego_invalid_request"),
    (zego.ZegoInvalidParameterError, 400, "zego_invalid_request"),
    (zego.ZegoError, 409, "zego_refused"),
]


def zego_failure(error: BaseException | None) -> tuple[int, str]:
    """Status and code for a ZEGO error; (409, "conflict") when there was none (a local refusal)."""
    for cls, status, code in ZEGO_FAILURES:
        if isinstance(error, cls):
            return status, code
    return 409, "conflict"


def zego_failure_for_code(code: int | None) -> tuple[int, str]:
    """Like `zego_failure` when only ZEGO's return code was kept (None: no answer from ZEGO)."""
    if code in (None, 0):
        return 502, "zego_unavailable"
    cls, _permanent = error_class_for(code)
    return zego_failure(cls("", code=code))
