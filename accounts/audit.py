"""The one helper every control action calls to leave an audit entry."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.http import HttpRequest

from accounts.models import AuditEntry

_SECRET_KEY = re.compile(r"(?i)secret|password|signature|token|access_?key_?secret")
REDACTED = "[redacted]"

# How the actor is acting right now (e.g. through an API token): added to every entry written.
_acting_through: ContextVar[tuple[dict[str, Any], str | None]] = ContextVar(
    "audit_acting_through", default=({}, None)
)


@contextmanager
def acting_through(detail: dict[str, Any], *, ip_address: str | None = None) -> Iterator[None]:
    """Every audit entry written inside says `detail` (and the address, if the caller gave none).

    Services audit with `actor=user` and no request; this is how they learn the request came
    through the API and with which token, without every service taking a new argument.
    """
    reset_token = _acting_through.set((detail, ip_address))
    try:
        yield
    finally:
        _acting_through.reset(reset_token)


def scrub(value: Any) -> Any:
    """Remove secret-looking keys from nested detail before it is stored."""
    if isinstance(value, dict):
        return {
            key: REDACTED if _SECRET_KEY.search(str(key)) else scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor=None,
    actor_label: str = "",
    obj: models.Model | None = None,
    outcome: str = AuditEntry.Outcome.OK,
    **detail: Any,
) -> AuditEntry:
    """Record who did what to which object, and how it went. Never pass secrets; they are scrubbed anyway."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    label = actor_label or (actor.get_username() if actor is not None else "system")
    through, through_ip = _acting_through.get()
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=label,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        outcome=outcome,
        detail=scrub({**through, **detail}),
        ip_address=client_ip(request) or through_ip,
    )
