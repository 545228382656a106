"""Uploading rendered files to S3-protocol storage (against a real SeaweedFS)."""

from __future__ import annotations

import socket
import time

import pytest
from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import ClientError

from zego_emulator.storage import UploadError, explain, upload


@pytest.fixture
def media_file(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    return path


def s3_params(seaweed_s3, **changes) -> dict:
    params = {
        "Vendor": 10,
        "EndPoint": seaweed_s3.endpoint,
        "Region": "us-east-1",
        "Bucket": seaweed_s3.bucket,
        "AccessKeyId": seaweed_s3.access_key,
        "AccessKeySecret": seaweed_s3.secret_key,
    }
    return params | changes


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_vendor_10_uploads_to_its_endpoint(seaweed_s3, s3_client, media_file):
    """Vendor 10 goes to StorageParams.EndPoint; the object reads back byte for byte with its
    Content-Type, and the returned URL is path-style."""
    key = "record/task_room_mix_VA_20211124113602084.mp4"
    url = upload(
        s3_params(seaweed_s3), media_file, key, "video/mp4", default_s3_endpoint="http://unused"
    )
    assert url == f"{seaweed_s3.endpoint}/{seaweed_s3.bucket}/{key}"
    stored = s3_client.get_object(Bucket=seaweed_s3.bucket, Key=key)
    assert stored["ContentType"] == "video/mp4"
    assert stored["Body"].read() == media_file.read_bytes()


@pytest.mark.parametrize("vendor", [1, 2, 3, 4, 7, 8, 9])
def test_cloud_vendors_go_to_the_default_endpoint(seaweed_s3, s3_client, media_file, vendor):
    """Vendors 1–4 and 7–9 are stood in for by the default S3 endpoint (the local SeaweedFS),
    whatever their region code looks like."""
    params = s3_params(seaweed_s3, Vendor=vendor, Region="oss-cn-hangzhou")
    del params["EndPoint"]
    key = f"vendor{vendor}/playlist.m3u8"
    url = upload(
        params,
        media_file,
        key,
        "application/vnd.apple.mpegurl",
        default_s3_endpoint=seaweed_s3.endpoint,
    )
    assert url.startswith(seaweed_s3.endpoint)
    head = s3_client.head_object(Bucket=seaweed_s3.bucket, Key=key)
    assert head["ContentType"] == "application/vnd.apple.mpegurl"


def test_wrong_secret_is_a_plain_credentials_error(seaweed_s3, media_file):
    """A wrong AccessKeySecret becomes an UploadError naming the secret."""
    with pytest.raises(UploadError) as caught:
        upload(
            s3_params(seaweed_s3, AccessKeySecret="wrong-secret"),
            media_file,
            "k.mp4",
            "video/mp4",
            default_s3_endpoint="",
        )
    assert "AccessKeySecret is wrong" in caught.value.reason


def test_unknown_access_key_is_a_plain_credentials_error(seaweed_s3, media_file):
    """An AccessKeyId the storage doesn't know becomes an UploadError saying so."""
    with pytest.raises(UploadError) as caught:
        upload(
            s3_params(seaweed_s3, AccessKeyId="nobody"),
            media_file,
            "k.mp4",
            "video/mp4",
            default_s3_endpoint="",
        )
    assert "does not know this AccessKeyId" in caught.value.reason


def test_unreachable_endpoint_fails_quickly(seaweed_s3, media_file):
    """Nothing listening at the endpoint: an UploadError within seconds, not a hang."""
    endpoint = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    with pytest.raises(UploadError) as caught:
        upload(
            s3_params(seaweed_s3, EndPoint=endpoint),
            media_file,
            "k.mp4",
            "video/mp4",
            default_s3_endpoint="",
        )
    assert time.monotonic() - started < 10
    assert caught.value.reason == f"cannot reach the storage endpoint {endpoint}"


@pytest.mark.parametrize("vendor", [5, 6])
def test_vod_vendors_cannot_be_uploaded_to(media_file, vendor):
    """Alibaba/Tencent VOD aren't object storage: the emulator refuses with a clear reason."""
    with pytest.raises(UploadError) as caught:
        upload({"Vendor": vendor}, media_file, "k.mp4", "video/mp4", default_s3_endpoint="x")
    assert "cannot upload to video-on-demand services" in caught.value.reason


def test_missing_parameters_are_named(seaweed_s3, media_file):
    """A missing Bucket or EndPoint is reported by name before any request."""
    params = s3_params(seaweed_s3)
    del params["Bucket"]
    with pytest.raises(UploadError, match=r"StorageParams\.Bucket is missing"):
        upload(params, media_file, "k", "video/mp4", default_s3_endpoint="")
    with pytest.raises(UploadError, match=r"StorageParams\.EndPoint is missing"):
        upload({"Vendor": 10}, media_file, "k", "video/mp4", default_s3_endpoint="")


def test_missing_bucket_error_is_explained():
    """NoSuchBucket (wrapped the way boto3's upload_file wraps it) reads as plain words."""
    client_error = ClientError(
        {"Error": {"Code": "NoSuchBucket", "Message": "The specified bucket does not exist"}},
        "PutObject",
    )
    try:
        try:
            raise client_error
        except ClientError as error:
            raise S3UploadFailedError(f"Failed to upload: {error}")  # noqa: B904 - as boto3 does
    except S3UploadFailedError as wrapped:
        reason = explain(wrapped, "http://s3.local", "missing-bucket")
    assert reason == "bucket 'missing-bucket' does not exist at http://s3.local"
