"""Field encryption with a rotatable key list (settings.FIELD_ENCRYPTION_KEYS).

The first key encrypts; every key decrypts, so a new key can be put first, `manage.py rotate_keys`
re-encrypts every stored secret, and the old key can then be removed.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


def _fernet_key(raw: str) -> bytes:
    raw = raw.strip()
    try:
        decoded = base64.urlsafe_b64decode(raw.encode())
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not base64"
        ) from error
    if len(decoded) != 32:
        raise ImproperlyConfigured(
            "Each FIELD_ENCRYPTION_KEYS entry must be 32 bytes, url-safe base64 encoded "
            "(generate one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')"
        )
    return base64.urlsafe_b64encode(decoded)


@functools.cache
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def _fernet() -> MultiFernet:
    return _multi_fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError(
            "stored secret cannot be decrypted with the configured keys"
        ) from error


def rotate(token: str) -> str:
    """Re-encrypt a token under the first (current) key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionError(
            "stored secret cannot be decrypted with the configured keys"
        ) from error
