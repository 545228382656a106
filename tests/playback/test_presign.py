"""Presigned URLs: botocore's exact signature, accepted by a real S3, refused once expired, renewed."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse

from playback.presign import presigner_for
from storage_profiles.models import StorageProfile
from storage_profiles.presign import presigned_url
from tests.playback.conftest import make_files, make_task

pytestmark = pytest.mark.django_db
MOMENT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def params(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@pytest.mark.parametrize(
    ("vendor", "endpoint", "region", "key", "download_as"),
    [
        (10, "http://127.0.0.1:8333", "us-east-1", "recordings/a b+ü.mp4", None),
        (10, "http://127.0.0.1:8333", "us-east-1", "recordings/x.mp4", 'clip "one".mp4'),
        (1, "", "eu-west-1", "rec/file_1~x.m3u8", None),
    ],
)
def test_the_batch_signer_signs_exactly_like_botocore(vendor, endpoint, region, key, download_as):
    profile = StorageProfile(
        name="p",
        vendor=vendor,
        region=region,
        bucket="bucket-1",
        endpoint=endpoint,
        access_key_id="AKIDEXAMPLE",
        secret="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=MOMENT.replace(tzinfo=None)):
        expected = presigned_url(profile, key, expires_in=300, download_as=download_as)
    ours = presigner_for(profile).url(key, expires_in=300, download_as=download_as, now=MOMENT)
    assert urlsplit(ours)[:3] == urlsplit(expected)[:3]
    assert params(ours) == params(expected)


def test_presigned_urls_work_until_they_expire(seaweed_s3, s3_client, profile):
    s3_client.put_object(Bucket=seaweed_s3.bucket, Key="recordings/expiry.mp4", Body=b"x" * 100)
    signer = presigner_for(profile)
    url = signer.url("recordings/expiry.mp4", expires_in=1)
    assert requests.get(url, timeout=5).content == b"x" * 100
    tampered = url.replace("expiry.mp4", "other.mp4")
    assert requests.get(tampered, timeout=5).status_code == 403
    time.sleep(2.1)
    assert requests.get(url, timeout=5).status_code == 403  # S3 refuses it once expired
    assert requests.get(signer.url("recordings/expiry.mp4", expires_in=60), timeout=5).ok


def test_the_player_gets_fresh_urls_with_a_later_expiry(
    client_for, settings, offline_app, offline_profile
):
    settings.PLAYBACK_URL_TTL = 120
    task = make_task(offline_app, "room-r", offline_profile)
    files = make_files(task, 3)
    client = client_for("reviewer")
    first = client.get(reverse("playback:player_urls", args=[task.pk])).json()
    time.sleep(1.1)
    second = client.get(reverse("playback:player_urls", args=[task.pk])).json()
    assert second["expires_at"] > first["expires_at"]
    assert second["ttl"] == 120
    for file in files:
        url = second["files"][str(file.pk)]["url"]
        assert params(url)["X-Amz-Expires"] == "120"
        assert url != first["files"][str(file.pk)]["url"]
        assert (
            "attachment"
            in params(second["files"][str(file.pk)]["download"])["response-content-disposition"]
        )
    page = client.get(reverse("playback:player", args=[task.pk])).content.decode()
    assert 'data-ttl="120"' in page and "data-expires-at=" in page
    assert (
        client_for("storage").get(reverse("playback:player_urls", args=[task.pk])).status_code
        == 403
    )


def test_flv_files_are_offered_for_download_only(client_for, offline_app, offline_profile):
    task = make_task(offline_app, "room-f", offline_profile, output_format="flv")
    make_files(task, 1, output_format="flv")
    page = client_for("reviewer").get(reverse("playback:player", args=[task.pk])).content.decode()
    assert "<video" not in page
    assert "browsers cannot play it" in page
    assert "response-content-disposition=attachment" in page
