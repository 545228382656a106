from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.roles import CAPABILITIES


def has_capability(user, capability: str) -> bool:
    return user.is_authenticated and user.has_perm(f"accounts.{capability}")


def capability_required(capability: str):
    """Login first (redirect), then the capability (403). The view records what it needs."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_capability(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability
        return login_required(wrapped)

    return decorator
