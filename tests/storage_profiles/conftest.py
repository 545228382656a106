from __future__ import annotations

import pytest

from storage_profiles.models import StorageProfile, Vendor

SECRET_IN_TESTS = (
    "test-secret-key-0123456789"  # the session SeaweedFS's secret (fixtures/seaweed.py)
)
IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings):
    """Run background tasks inline, so a probe has finished when the request returns."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def make_profile(db, seaweed_s3):
    """make_profile(**overrides) -> a saved S3-compatible profile for the session's SeaweedFS."""

    def make(**overrides) -> StorageProfile:
        values = {
            "name": "Local bucket",
            "vendor": Vendor.S3_COMPATIBLE,
            "endpoint": seaweed_s3.endpoint,
            "region": "us-east-1",
            "bucket": seaweed_s3.bucket,
            "access_key_id": seaweed_s3.access_key,
            "secret": seaweed_s3.secret_key,
            "path_prefix": "recordings/",
            **overrides,
        }
        return StorageProfile.objects.create(**values)

    return make


def form_data(seaweed_s3=None, **overrides) -> dict:
    """POST data for an S3-compatible profile (the SeaweedFS one when given)."""
    data = {
        "name": "Local bucket",
        "vendor": str(int(Vendor.S3_COMPATIBLE)),
        "endpoint": seaweed_s3.endpoint if seaweed_s3 else "https://lon1.digitaloceanspaces.com",
        "region": "us-east-1",
        "bucket": seaweed_s3.bucket if seaweed_s3 else "my-recordings",
        "access_key_id": seaweed_s3.access_key if seaweed_s3 else "AKIAEXAMPLE",
        "secret": seaweed_s3.secret_key if seaweed_s3 else SECRET_IN_TESTS,
        "path_prefix": "recordings/",
        "notes": "",
        **overrides,
    }
    return {key: value for key, value in data.items() if value is not None}
