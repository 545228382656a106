from __future__ import annotations

from django.http import HttpRequest


def is_partial(request: HttpRequest) -> bool:
    """Serve a fragment only to HTMX requests that are not boosted navigations or history restores."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def template_for(request: HttpRequest, template: str, fragment: str) -> str:
    return f"{template}#{fragment}" if is_partial(request) else template
