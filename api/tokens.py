"""Personal API tokens: made, found from an Authorization header, revoked. Audited like the UI."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from accounts.audit import audit
from api.models import ApiToken, token_digest

TOKEN_PREFIX = "rdk_"
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
# Writing last_used_at on every request would make each API call also a write; a minute's
# precision is enough to tell a used token from an abandoned one.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    raw: str  # shown once, never stored


def token_create(*, user, name: str, request=None) -> NewToken:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:SHOWN_PREFIX_LENGTH], digest=token_digest(raw)
    )
    audit(action="api_token.create", request=request, actor=user, obj=token, name=name)
    return NewToken(token=token, raw=raw)


def token_revoke(*, token: ApiToken, user, request=None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(action="api_token.revoke", request=request, actor=user, obj=token, name=token.name)
    return token


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_for(raw: str) -> ApiToken | None:
    """The active token of an active user with this value, marked as used; None otherwise."""
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(digest=token_digest(raw), user__is_active=True)
        .first()
    )
    if token is not None:
        _mark_used(token)
    return token


def _mark_used(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
