"""Upload rendered files to the task's storage (StorageParams, spec 3.1.10).

Where each vendor's files go in the emulator:

* 10 (any S3-compatible provider): the `EndPoint` given in StorageParams.
* 1 Amazon S3, 2 Alibaba OSS, 3 Tencent COS, 4 Qiniu Kodo, 7 Huawei OBS, 8 Google Cloud Storage,
  9 China Mobile EOS: all speak the S3 protocol, and the emulator sends them to
  `default_s3_endpoint` — the local SeaweedFS stands in for every one of these clouds, so a
  laptop without vendor accounts still ends up with real files in a real bucket.
* 5 Alibaba Cloud VOD, 6 Tencent Cloud VOD: not object storage; the emulator cannot upload to
  video-on-demand services and raises `UploadError` saying so.

Uploads are S3 signature v4 with path-style addressing (`{endpoint}/{bucket}/{key}`), the region
from StorageParams (us-east-1 when absent), short connect timeouts and few retries, so a wrong
endpoint fails in seconds. Every failure is an `UploadError` whose `reason` is plain words.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

VOD_VENDORS = {5: "Alibaba Cloud VOD", 6: "Tencent Cloud VOD"}
STAND_IN_VENDORS = {
    1: "Amazon S3",
    2: "Alibaba Cloud OSS",
    3: "Tencent Cloud COS",
    4: "Qiniu Kodo",
    7: "Huawei Cloud OBS",
    8: "Google Cloud Storage",
    9: "China Mobile eCloud EOS",
}
S3_COMPATIBLE_VENDOR = 10
DEFAULT_REGION = "us-east-1"
CREDENTIAL_ERRORS = {
    "InvalidAccessKeyId": "the storage does not know this AccessKeyId",
    "SignatureDoesNotMatch": "the AccessKeySecret is wrong (signature does not match)",
    "AccessDenied": "the storage denied access: these keys may not write to this bucket",
    "InvalidToken": "the storage rejected the credentials",
    "ExpiredToken": "the storage rejected the credentials as expired",
}
CLIENT_CONFIG = Config(
    signature_version="s3v4",
    s3={"addressing_style": "path"},
    connect_timeout=3,
    read_timeout=60,
    retries={"max_attempts": 2, "mode": "standard"},
    # only add checksums S3 requires: not every S3-compatible store accepts the newer ones
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
)
TRANSFER_CONFIG = TransferConfig(multipart_threshold=64 * 1024 * 1024, max_concurrency=2)


class UploadError(Exception):
    """An upload failed; `reason` says why in plain words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def upload(
    storage_params: dict,
    local_path: Path,
    object_key: str,
    content_type: str,
    *,
    default_s3_endpoint: str,
) -> str:
    """Upload `local_path` as `object_key` with `content_type`; returns the file's URL."""
    endpoint = storage_endpoint(storage_params, default_s3_endpoint)
    bucket = _required(storage_params, "Bucket")
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=_required(storage_params, "AccessKeyId"),
        aws_secret_access_key=_required(storage_params, "AccessKeySecret"),
        region_name=storage_params.get("Region") or DEFAULT_REGION,
        config=CLIENT_CONFIG,
    )
    try:
        client.upload_file(
            str(local_path),
            bucket,
            object_key,
            ExtraArgs={"ContentType": content_type},
            Config=TRANSFER_CONFIG,
        )
    except (S3UploadFailedError, ClientError, BotoCoreError) as error:
        raise UploadError(explain(error, endpoint, bucket)) from error
    return file_url(endpoint, bucket, object_key)


def storage_endpoint(storage_params: dict, default_s3_endpoint: str) -> str:
    vendor = storage_params.get("Vendor")
    if vendor in VOD_VENDORS:
        raise UploadError(
            f"the emulator cannot upload to video-on-demand services "
            f"(Vendor {vendor}, {VOD_VENDORS[vendor]}); use an object-storage vendor"
        )
    if vendor == S3_COMPATIBLE_VENDOR:
        endpoint = _required(storage_params, "EndPoint")
        return endpoint if "://" in endpoint else f"https://{endpoint}"
    if vendor in STAND_IN_VENDORS:
        return default_s3_endpoint
    raise UploadError(f"unknown storage Vendor {vendor!r}")


def file_url(endpoint: str, bucket: str, object_key: str) -> str:
    return f"{endpoint.rstrip('/')}/{bucket}/{quote(object_key, safe='/')}"


def explain(error: Exception, endpoint: str, bucket: str) -> str:
    """Plain words for a boto3/botocore failure."""
    cause = _client_error_in(error)
    if cause is not None:
        code = cause.response.get("Error", {}).get("Code", "")
        if code in CREDENTIAL_ERRORS:
            return f"{CREDENTIAL_ERRORS[code]} ({code})"
        if code == "NoSuchBucket":
            return f"bucket '{bucket}' does not exist at {endpoint}"
        message = cause.response.get("Error", {}).get("Message", "")
        return f"the storage refused the upload: {code or 'error'} {message}".strip()
    if isinstance(_root(error), EndpointConnectionError) or "connect" in str(error).lower():
        return f"cannot reach the storage endpoint {endpoint}"
    return f"upload failed: {error}"


def _client_error_in(error: BaseException) -> ClientError | None:
    # upload_file wraps a ClientError into S3UploadFailedError without keeping it as the cause
    while error is not None:
        if isinstance(error, ClientError):
            return error
        error = error.__cause__ or error.__context__
    return None


def _root(error: BaseException) -> BaseException:
    while error.__cause__ or error.__context__:
        error = error.__cause__ or error.__context__
    return error


def _required(storage_params: dict, name: str) -> str:
    value = storage_params.get(name)
    if not value:
        raise UploadError(f"StorageParams.{name} is missing")
    return value
