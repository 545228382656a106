"""The one wrapper every API endpoint has: token, method, capability, JSON errors, audit trail.

Only `Authorization: Bearer <token>` authenticates: a browser's session cookie does not, so no
request can reach the API on a user's behalf without the token (which is why CSRF checks, whose
job is to stop exactly that, are not needed here).
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest
from django.views.decorators.csrf import csrf_exempt

from accounts.access import has_capability
from accounts.audit import acting_through, client_ip
from accounts.roles import CAPABILITIES
from api import tokens
from api.errors import ApiError, error_response
from api.models import ApiToken

logger = logging.getLogger(__name__)

UNAUTHENTICATED = {"WWW-Authenticate": 'Bearer realm="recdesk"'}
MAX_BODY_BYTES = 100_000


def api_endpoint(*, capability: str, methods: tuple[str, ...] = ("GET",)):
    """Authenticate by token, then allow only `methods`, then require `capability`."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")

    def decorator(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            try:
                token = _authenticate(request)
                _check_method(request, methods)
                _check_capability(request, capability)
                with acting_through(_audit_detail(token), ip_address=client_ip(request)):
                    return view(request, *args, **kwargs)
            except ApiError as error:
                return error.response()
            except RequestDataTooBig:
                return _too_big().response()
            except SuspiciousOperation as error:
                # As Django's own handler does: 400, and a note in the security log.
                _security_logger(error).warning(str(error))
                return _unreadable(error).response()
            except BadRequest as error:
                return _unreadable(error).response()
            except Http404:
                return error_response(404, "not_found", "Nothing here with that id.")
            except Exception:
                logger.exception("API %s %s failed", request.method, request.path)
                return error_response(500, "server_error", "Something went wrong on our side.")

        wrapped.required_capability = capability
        wrapped.api_methods = methods
        return wrapped

    return decorator


def _authenticate(request: HttpRequest) -> ApiToken:
    raw = tokens.bearer_token(request.headers.get("Authorization", ""))
    if raw is None:
        raise ApiError(
            401,
            "unauthenticated",
            "Send your API token as `Authorization: Bearer <token>` (create one under API tokens).",
            headers=UNAUTHENTICATED,
        )
    token = tokens.token_for(raw)
    if token is None:
        raise ApiError(
            401,
            "invalid_token",
            "This token is unknown, revoked, or its user is deactivated.",
            headers=UNAUTHENTICATED,
        )
    request.user = token.user
    request.api_token = token
    return token


def _check_method(request: HttpRequest, methods: tuple[str, ...]) -> None:
    allowed = (*methods, "HEAD") if "GET" in methods else methods
    if request.method not in allowed:
        raise ApiError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed here; use {' or '.join(methods)}.",
            headers={"Allow": ", ".join(allowed)},
        )


def _check_capability(request: HttpRequest, capability: str) -> None:
    if not has_capability(request.user, capability):
        raise ApiError(
            403,
            "forbidden",
            f"Your role does not allow this: it needs “{CAPABILITIES[capability]}”.",
        )


def _audit_detail(token: ApiToken) -> dict[str, Any]:
    return {"via": "api", "api_credential": f"{token.prefix}… ({token.name})"}


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object (an empty body is an empty object); 400/413 otherwise."""
    try:
        body = request.body
    except RequestDataTooBig as error:
        raise _too_big() from error
    if len(body) > MAX_BODY_BYTES:
        raise _too_big()
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, "invalid_json", f"The body is not valid JSON: {error}.") from error
    except RecursionError as error:
        raise ApiError(400, "invalid_json", "The body's JSON is nested too deeply.") from error
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "Send a JSON object.")
    return data


def _security_logger(error: SuspiciousOperation) -> logging.Logger:
    return logging.getLogger(f"django.security.{error.__class__.__name__}")


def _unreadable(error: Exception) -> ApiError:
    """Too many query parameters, say: Django refuses to parse the request."""
    return ApiError(400, "invalid", f"The request could not be read: {error}")


def _too_big() -> ApiError:
    return ApiError(413, "too_large", f"Keep the body under {MAX_BODY_BYTES} bytes.")
