"""presigned_url: short-lived links signed locally, cheap enough for a page of files."""

import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from storage_profiles.models import StorageProfile, Vendor
from storage_profiles.presign import NotS3Reachable, presigned_url

pytestmark = pytest.mark.django_db


def test_the_link_serves_the_object_and_byte_ranges(make_profile, s3_client, seaweed_s3):
    s3_client.put_object(
        Bucket=seaweed_s3.bucket,
        Key="recordings/a.mp4",
        Body=b"0123456789",
        ContentType="video/mp4",
    )
    url = presigned_url(make_profile(), "recordings/a.mp4")
    assert requests.get(url, timeout=5).content == b"0123456789"
    ranged = requests.get(url, headers={"Range": "bytes=2-4"}, timeout=5)
    assert (ranged.status_code, ranged.content) == (206, b"234")


def test_the_link_expires_when_asked(make_profile):
    url = presigned_url(make_profile(), "recordings/a.mp4", expires_in=60)
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["60"]
    assert parse_qs(urlsplit(url).query)["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]


def test_download_as_sets_a_safe_content_disposition(make_profile):
    url = presigned_url(make_profile(), "k.mp4", download_as='a"b.mp4')
    disposition = parse_qs(urlsplit(url).query)["response-content-disposition"][0]
    assert disposition == 'attachment; filename="a_b.mp4"'


def test_it_makes_no_network_call_and_is_cheap(make_profile, monkeypatch):
    profile = make_profile(endpoint="https://unreachable.invalid")
    presigned_url(profile, "warm-up.mp4")

    def no_network(*args, **kwargs):
        raise AssertionError("presigning must not open a connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    started = time.perf_counter()
    for index in range(50):
        presigned_url(profile, f"recordings/file-{index}.mp4")
    assert time.perf_counter() - started < 1.0


def test_the_secret_is_not_in_the_link(make_profile, seaweed_s3):
    url = presigned_url(make_profile(), "recordings/a.mp4")
    assert seaweed_s3.secret_key not in url


def test_virtual_hosted_vendors_put_the_bucket_in_the_host():
    profile = StorageProfile(
        name="oss",
        vendor=Vendor.ALIBABA_OSS,
        region="oss-cn-hangzhou",
        bucket="rec-bucket",
        access_key_id="AK",
        secret="SK",
    )
    url = presigned_url(profile, "rec/a.mp4")
    assert url.startswith("https://rec-bucket.oss-cn-hangzhou.aliyuncs.com/rec/a.mp4?")


def test_vod_profiles_cannot_be_presigned():
    profile = StorageProfile(
        name="vod", vendor=Vendor.TENCENT_VOD, region="ap-beijing", secret="SK"
    )
    with pytest.raises(NotS3Reachable, match="video service"):
        presigned_url(profile, "a.mp4")


@pytest.mark.parametrize("expires_in", [0, 7 * 24 * 3600 + 1])
def test_expiry_is_bounded(make_profile, expires_in):
    with pytest.raises(ValueError, match="expires_in"):
        presigned_url(make_profile(), "a.mp4", expires_in=expires_in)
