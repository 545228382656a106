"""The probe against a real SeaweedFS: it passes, and each kind of failure is told plainly."""

import os
import signal
import time

import pytest
from botocore.stub import Stubber

from devtools import seaweed
from storage_profiles import s3
from storage_profiles.models import ProbeRun, StorageProfile, Vendor
from storage_profiles.probe import S3Probe, run_probe
from storage_profiles.s3 import s3_target_for

pytestmark = pytest.mark.django_db

ORIGIN = "http://127.0.0.1:8000"


def statuses(outcome) -> dict[str, str]:
    return {step["key"]: step["status"] for step in outcome.steps}


def detail(outcome, key: str) -> str:
    return next(step["detail"] for step in outcome.steps if step["key"] == key)


def test_it_passes_every_step_against_the_local_bucket(make_profile, s3_client, seaweed_s3):
    outcome = run_probe(make_profile(), origin=ORIGIN)
    assert outcome.status == ProbeRun.Status.OK, outcome.steps
    assert set(statuses(outcome).values()) == {"ok"}
    assert all(step["ms"] is not None for step in outcome.steps)
    assert "HTTP 206" in detail(outcome, "presigned_range")
    assert ".m3u8: application/vnd.apple.mpegurl" in detail(outcome, "content_types")
    leftovers = s3_client.list_objects_v2(
        Bucket=seaweed_s3.bucket, Prefix="recordings/recdesk-probe"
    )
    assert leftovers.get("KeyCount", 0) == 0


def test_it_reports_progress_after_every_step(make_profile):
    seen = []
    run_probe(make_profile(), origin=ORIGIN, report=lambda steps: seen.append(steps))
    running = [
        next(s["key"] for s in steps if s["status"] == "running")
        for steps in seen
        if any(s["status"] == "running" for s in steps)
    ]
    assert running == [
        "credentials",
        "bucket",
        "write",
        "read_back",
        "presigned_range",
        "content_types",
        "cors",
        "cleanup",
    ]


def test_a_wrong_secret_is_named_as_such(make_profile):
    outcome = run_probe(make_profile(secret="not-the-secret"), origin=ORIGIN)
    assert outcome.status == ProbeRun.Status.FAILED
    assert statuses(outcome)["credentials"] == "failed"
    assert "The secret does not match the access key ID “test-access-key”" in detail(
        outcome, "credentials"
    )
    assert detail(outcome, "bucket") == "Not checked: “Credentials accepted” did not pass."
    assert "Nothing was written" in detail(outcome, "cleanup")


def test_an_unknown_access_key_is_named_as_such(make_profile):
    outcome = run_probe(make_profile(access_key_id="nobody"), origin=ORIGIN)
    assert "does not know the access key ID “nobody”" in detail(outcome, "credentials")


def test_a_missing_bucket_is_named_as_such(make_profile, seaweed_s3):
    outcome = run_probe(make_profile(bucket="no-such-bucket-here"), origin=ORIGIN)
    assert outcome.status == ProbeRun.Status.FAILED
    assert statuses(outcome)["credentials"] == "ok"
    assert detail(outcome, "bucket") == (
        f"There is no bucket “no-such-bucket-here” at {seaweed_s3.endpoint}. "
        "Check the bucket name and region."
    )
    assert statuses(outcome)["write"] == "skipped"


def test_a_wrong_endpoint_fails_fast_with_what_to_check(make_profile):
    endpoint = f"http://127.0.0.1:{seaweed.free_port()}"
    started = time.monotonic()
    outcome = run_probe(make_profile(endpoint=endpoint), origin=ORIGIN)
    assert time.monotonic() - started < 10
    assert detail(outcome, "credentials").startswith(f"Could not connect to {endpoint}.")


def test_a_bucket_in_another_region_says_which_region(make_profile):
    profile = make_profile(vendor=Vendor.AMAZON_S3, region="us-east-1", endpoint="")
    probe = S3Probe(s3_target_for(profile), ORIGIN, lambda steps: None)
    with Stubber(probe.client) as stubber:
        stubber.add_response("list_buckets", {"Buckets": []})
        stubber.add_client_error(
            "head_bucket",
            service_error_code="301",
            http_status_code=301,
            response_meta={"HTTPHeaders": {"x-amz-bucket-region": "eu-west-1"}},
        )
        steps = {step["key"]: step for step in probe.run()}
    assert steps["bucket"]["detail"] == (
        "Bucket “recdesk-test” is in region eu-west-1, not us-east-1. Set the region to eu-west-1."
    )


def test_a_region_the_endpoint_rejects_is_named(make_profile):
    profile = make_profile(vendor=Vendor.AMAZON_S3, region="eu-west-1", endpoint="")
    probe = S3Probe(s3_target_for(profile), ORIGIN, lambda steps: None)
    with Stubber(probe.client) as stubber:
        stubber.add_client_error(
            "list_buckets",
            service_error_code="AuthorizationHeaderMalformed",
            service_message="the region 'eu-west-1' is wrong; expecting 'us-east-1'",
            http_status_code=400,
        )
        steps = {step["key"]: step for step in probe.run()}
    assert steps["credentials"]["detail"] == (
        "The region “eu-west-1” is wrong for this bucket or endpoint. The server said: "
        "the region 'eu-west-1' is wrong; expecting 'us-east-1'"
    )


def test_a_key_that_may_not_list_buckets_still_passes_the_credentials_step(make_profile):
    profile = make_profile()
    probe = S3Probe(s3_target_for(profile), ORIGIN, lambda steps: None)
    with Stubber(probe.client) as stubber:
        stubber.add_client_error(
            "list_buckets", service_error_code="AccessDenied", http_status_code=403
        )
        probe.step("credentials", probe.check_credentials, doing="list buckets")
    assert probe.steps["credentials"].status == "ok"
    assert "may not list buckets" in probe.steps["credentials"].detail


@pytest.fixture(scope="module")
def seaweed_without_cors(tmp_path_factory):
    config = seaweed.SeaweedConfig(
        data_dir=tmp_path_factory.mktemp("seaweed-no-cors"),
        s3_port=seaweed.free_port(),
        access_key="cors-access-key",
        secret_key="cors-secret-key-0123456789",
        bucket="recdesk-cors",
        allowed_origins="http://other.example",
    )
    process = seaweed.start(config)
    yield config
    # Its data is throwaway and weed takes >10 s to honour SIGTERM, so kill it outright.
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_cors_that_does_not_allow_the_console_is_reported(make_profile, seaweed_without_cors):
    profile = make_profile(
        endpoint=seaweed_without_cors.endpoint,
        bucket=seaweed_without_cors.bucket,
        access_key_id=seaweed_without_cors.access_key,
        secret=seaweed_without_cors.secret_key,
    )
    outcome = run_probe(profile, origin=ORIGIN)
    assert outcome.status == ProbeRun.Status.FAILED
    failed = [key for key, status in statuses(outcome).items() if status == "failed"]
    assert failed == ["cors"]
    assert detail(outcome, "cors").startswith(
        f"The bucket's CORS rules do not allow {ORIGIN}, so the player in the console cannot "
        "load files from it."
    )
    assert statuses(outcome)["cleanup"] == "ok"


@pytest.mark.parametrize("vendor", [Vendor.ALIBABA_VOD, Vendor.TENCENT_VOD])
def test_vod_vendors_are_reported_as_not_checked_with_the_reason(vendor):
    profile = StorageProfile.objects.create(
        name="vod", vendor=vendor, region="cn-shanghai", access_key_id="AK", secret="SK"
    )
    outcome = run_probe(profile, origin=ORIGIN)
    assert outcome.status == ProbeRun.Status.PARTIAL
    assert set(statuses(outcome).values()) == {"skipped"}
    assert "is a video service, not a bucket" in detail(outcome, "credentials")
    assert "Start a short test recording" in outcome.not_checked[0]


def test_s3_protocol_vendors_say_what_their_s3_api_cannot_show(make_profile):
    outcome = run_probe(
        make_profile(vendor=Vendor.ALIBABA_OSS, region="oss-cn-hangzhou"), origin=ORIGIN
    )
    assert outcome.status == ProbeRun.Status.OK
    assert any(
        "ZEGO uploads with Alibaba Cloud OSS's own API" in note for note in outcome.not_checked
    )


def test_clients_are_cached_per_credentials(make_profile):
    profile = make_profile()
    first = s3.client_for(s3_target_for(profile))
    assert s3.client_for(s3_target_for(profile)) is first
    profile.secret = "another-secret"
    assert s3.client_for(s3_target_for(profile)) is not first
