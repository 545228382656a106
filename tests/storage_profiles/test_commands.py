"""bootstrap seeds a working profile for the local SeaweedFS; rotate_keys re-encrypts storage secrets."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from storage_profiles.models import ProbeRun, StorageProfile, Vendor
from storage_profiles.probe import run_probe

pytestmark = pytest.mark.django_db

OLD_KEY = "b2xkLXRlc3QtZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="
NEW_KEY = "bmV3LXRlc3QtZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="


@pytest.fixture
def local_s3_settings(settings, seaweed_s3):
    settings.S3_ENDPOINT = seaweed_s3.endpoint
    settings.S3_BUCKET = seaweed_s3.bucket
    settings.S3_ACCESS_KEY_ID = seaweed_s3.access_key
    settings.S3_SECRET_ACCESS_KEY = seaweed_s3.secret_key


def test_bootstrap_seeds_a_default_profile_that_probes_ok(local_s3_settings, seaweed_s3):
    call_command("bootstrap", stdout=io.StringIO())
    profile = StorageProfile.objects.get()
    assert (profile.name, profile.vendor, profile.is_default) == (
        "Local SeaweedFS",
        Vendor.S3_COMPATIBLE,
        True,
    )
    assert (profile.endpoint, profile.bucket, profile.path_prefix) == (
        seaweed_s3.endpoint,
        seaweed_s3.bucket,
        "recordings/",
    )
    assert run_probe(profile, origin="http://127.0.0.1:8000").status == ProbeRun.Status.OK


def test_bootstrap_leaves_existing_profiles_alone(local_s3_settings, make_profile):
    make_profile(name="Production")
    call_command("bootstrap", stdout=io.StringIO())
    call_command("bootstrap", stdout=io.StringIO())
    assert list(StorageProfile.objects.values_list("name", flat=True)) == ["Production"]


def raw_secret(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM storage_profiles_storageprofile WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_rotate_keys_re_encrypts_storage_secrets(settings, make_profile):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    profile = make_profile(secret="storage-secret-to-rotate")
    before = raw_secret(profile.pk)

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("rotate_keys", stdout=io.StringIO())
    assert raw_secret(profile.pk) != before

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]  # the old key is gone
    profile.refresh_from_db()
    assert profile.secret == "storage-secret-to-rotate"
