"""Short-lived links to recorded files, for the files browser and the player.

Signing is local (SigV4 with the profile's keys): no network call, and the boto3 client is cached
per endpoint + credentials, so a page of files costs microseconds per link.
"""

from __future__ import annotations

import re

from storage_profiles.models import StorageProfile
from storage_profiles.s3 import NotS3Reachable, client_for, s3_target_for

DEFAULT_EXPIRES_IN = 300
MAX_EXPIRES_IN = 7 * 24 * 3600  # SigV4's own limit

__all__ = ["DEFAULT_EXPIRES_IN", "NotS3Reachable", "presigned_url"]


def presigned_url(
    profile: StorageProfile,
    key: str,
    *,
    expires_in: int = DEFAULT_EXPIRES_IN,
    download_as: str | None = None,
) -> str:
    """A GET URL for the object `key` (the full key, as ZEGO reports it) valid for `expires_in` s.

    `download_as` makes browsers save the file under that name instead of playing it. Raises
    NotS3Reachable for the VOD vendors, whose files are not objects in a bucket.
    """
    if not 1 <= expires_in <= MAX_EXPIRES_IN:
        raise ValueError(f"expires_in must be between 1 and {MAX_EXPIRES_IN} seconds")
    target = s3_target_for(profile)
    params = {"Bucket": target.bucket, "Key": key.lstrip("/")}
    if download_as:
        safe_name = re.sub(r'["\\\x00-\x1f]', "_", download_as)
        params["ResponseContentDisposition"] = f'attachment; filename="{safe_name}"'
    return client_for(target).generate_presigned_url(
        "get_object", Params=params, ExpiresIn=expires_in
    )
