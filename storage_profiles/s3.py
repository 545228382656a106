"""How the console reaches a profile's bucket over the S3 protocol: one cached boto3 client each."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field

import boto3
from botocore.config import Config
from django.views.decorators.debug import sensitive_variables

from storage_profiles import vendors
from storage_profiles.models import StorageProfile

CONNECT_TIMEOUT = 3
READ_TIMEOUT = 10


class NotS3Reachable(Exception):
    """The profile's vendor has no S3-compatible API the console could use."""


@dataclass(frozen=True)
class S3Target:
    endpoint: str
    region: str  # the signing region
    bucket: str
    prefix: str
    access_key_id: str
    secret: str = field(repr=False)
    path_style: bool


def s3_target_for(profile: StorageProfile) -> S3Target:
    """The endpoint, signing region and addressing the console uses for this profile."""
    if profile.is_vod:
        raise NotS3Reachable(
            f"{profile.get_vendor_display()} is a video service, not a bucket: it has no "
            "S3-compatible API."
        )
    endpoint = effective_endpoint(profile)
    if not endpoint:
        raise NotS3Reachable("No endpoint: set the region or an endpoint.")
    return S3Target(
        endpoint=endpoint,
        region=vendors.s3_signing_region(profile.vendor, profile.region),
        bucket=profile.bucket,
        prefix=profile.path_prefix,
        access_key_id=profile.access_key_id,
        secret=profile.secret,
        path_style=vendors.uses_path_style(profile.vendor, endpoint),
    )


def effective_endpoint(profile: StorageProfile) -> str:
    """The explicit endpoint, else the one derived from vendor and region ("" for VOD)."""
    if profile.is_vod:
        return ""
    return (profile.endpoint or vendors.derived_endpoint(profile.vendor, profile.region)).rstrip(
        "/"
    )


_client_lock = threading.Lock()


def client_for(target: S3Target):
    """A boto3 S3 client for the target, built once per endpoint + credentials and reused."""
    return _cached_client(
        target.endpoint, target.region, target.access_key_id, target.secret, target.path_style
    )


@functools.lru_cache(maxsize=64)
@sensitive_variables("secret")
def _cached_client(endpoint: str, region: str, key_id: str, secret: str, path_style: bool):
    config = Config(
        signature_version="s3v4",
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        # One retry at most so a wrong endpoint fails in seconds, not minutes.
        retries={"max_attempts": 2, "mode": "standard"},
        s3={"addressing_style": "path" if path_style else "virtual"},
        # Default CRC checksums (botocore ≥ 1.36) are not understood by every S3-compatible store.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    # Sessions are not thread-safe to create clients from; the clients themselves are.
    with _client_lock:
        return boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=config,
        )


@dataclass(frozen=True)
class ObjectState:
    """What a HEAD learned about one object: found (with its size), missing, or unknown (why)."""

    found: bool | None
    size: int | None = None
    error: str = ""


MISSING_CODES = ("404", "NoSuchKey", "NotFound")


def object_state(target: S3Target, key: str) -> ObjectState:
    """HEAD `key` in the target's bucket; never raises for the bucket's own answers."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        head = client_for(target).head_object(Bucket=target.bucket, Key=key)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in MISSING_CODES:
            return ObjectState(found=False)
        return ObjectState(found=None, error=f"The bucket answered {code}.")
    except BotoCoreError as error:
        return ObjectState(found=None, error=str(error)[:300])
    return ObjectState(found=True, size=head["ContentLength"])
