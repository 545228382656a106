"""The one place a ZegoApp becomes a `zego.Client`."""

from __future__ import annotations

import functools

from django.conf import settings

import zego
from recordings.models import ZegoApp


def client_for(app: ZegoApp) -> zego.Client:
    from monitoring.callcounts import observer_for

    return zego.Client(
        app.app_id,
        app.server_secret,
        api_url=app.api_url,
        rtc_api_url=app.rtc_api_url,
        timeout=settings.ZEGO_TIMEOUT,
        rate_limiter=_shared_limiter(),
        # Every request is counted in the database (alerts on error rate, /metrics).
        observer=observer_for(app.pk),
    )


@functools.cache
def _shared_limiter() -> zego.RateLimiter:
    """One QPS budget per AppID for all of the console's processes (or per process, if asked)."""
    if settings.ZEGO_RATE_LIMITER == "process":
        return zego.default_rate_limiter()
    from recordings.ratelimit import DatabaseRateLimiter

    return DatabaseRateLimiter()


def callback_url_for(app: ZegoApp) -> str:
    return f"{settings.ZEGO_CALLBACK_BASE_URL.rstrip('/')}/callbacks/zego/{app.app_id}/"


def explain(error: zego.ZegoError) -> str:
    """ZEGO's error in words for a person, with its code."""
    code = getattr(error, "code", None)
    text = zego.describe_code(code) if code not in (None, 0) else str(error)
    return f"{text} (ZEGO code {code})" if code not in (None, 0) else text
