"""Downloads of background / watermark images (JPG, PNG, GIF, SVG; at most 5 MB)."""

from __future__ import annotations

import requests

MAX_IMAGE_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 5


def looks_like_image(data: bytes) -> bool:
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")):
        return True
    return b"<svg" in data[:1024].lower()


def fetch_image(url: str) -> bytes | None:
    """The image's bytes, or None when it cannot be used (ZEGO then ignores it)."""
    try:
        with requests.get(url, timeout=TIMEOUT_SECONDS, stream=True) as response:
            if response.status_code != 200:
                return None
            data = b""
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > MAX_IMAGE_BYTES:
                    return None
    except requests.RequestException:
        return None
    return data if looks_like_image(data) else None
