"""Let a response's page load media from the storage endpoints it links to.

settings.SECURE_CSP allows settings.MEDIA_ORIGINS; a storage profile added later (another vendor,
another region) should play without a redeploy, so pages that link to a bucket add its origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

MEDIA_DIRECTIVES = ("img-src", "media-src", "connect-src")


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def allow_media_from(response, urls) -> None:
    origins = sorted({origin for url in urls if url and (origin := origin_of(url))})
    if not origins or not settings.SECURE_CSP:
        return
    config = {key: list(value) for key, value in settings.SECURE_CSP.items()}
    for directive in MEDIA_DIRECTIVES:
        values = config.setdefault(directive, [])
        values.extend(origin for origin in origins if origin not in values)
    response._csp_config = config
