"""A storage admin adds the local bucket, watches the probe pass live, breaks the secret, fixes it."""

import re

import pytest

from storage_profiles import services
from storage_profiles.models import StorageProfile
from tests.e2e.conftest import log_in, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
STEP_COUNT = 8


def field(label: str) -> re.Pattern:
    """A form label, with or without the required-field asterisk."""
    return re.compile(rf"^{re.escape(label)}( \*)?$")


def probe_now(page) -> None:
    page.get_by_role("button", name="Probe now").click()


def test_storage_admin_adds_probes_breaks_and_fixes_a_profile(
    page, live_server, personas, seaweed_s3, settings
):
    settings.TASKS = DUMMY_TASKS  # queue without running, so the test plays the worker below
    log_in(page, live_server.url, "storage")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Storage").click()
    shoot(page, "storage-01-empty-list")
    page.get_by_role("button", name="Add profile").click()

    page.get_by_label(field("Vendor")).select_option(label="Tencent Cloud COS")
    page.get_by_label(field("SecretId")).wait_for()  # the form swapped to COS's fields
    assert page.get_by_text("mybucket123-1250000000").first.is_visible()
    shoot(page, "storage-02-cos-fields")
    page.get_by_label(field("Vendor")).select_option(label="S3-compatible")
    page.get_by_label(field("Endpoint")).wait_for()

    page.get_by_label(field("Name")).fill("Local SeaweedFS")
    page.get_by_label(field("Endpoint")).fill(seaweed_s3.endpoint)
    page.get_by_label(field("Region")).fill("us-east-1")
    page.get_by_label(field("Bucket")).fill("Bad_Bucket")
    page.get_by_label(field("Access key ID")).fill(seaweed_s3.access_key)
    page.get_by_label(field("Secret access key")).fill(seaweed_s3.secret_key)
    page.get_by_label(field("Path prefix")).fill("/e2e")
    page.get_by_role("button", name="Save").click()
    page.get_by_text(
        "Use only lowercase letters, digits, dots, hyphens and underscores."
    ).wait_for()
    shoot(page, "storage-03-form-errors")
    assert not StorageProfile.objects.exists()

    page.get_by_label(field("Bucket")).fill(seaweed_s3.bucket)
    page.get_by_label(field("Secret access key")).fill(seaweed_s3.secret_key)  # never rendered back
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Local SeaweedFS").wait_for()
    assert page.get_by_text("e2e/", exact=True).is_visible()  # the prefix, normalised

    probe_now(page)
    page.get_by_text("Queued: waiting for the background worker").wait_for()
    shoot(page, "storage-04-probe-queued")
    profile = StorageProfile.objects.get()
    services.storage_probe_execute(profile.last_probe_id)  # what `manage.py db_worker` does
    page.locator("#probe .badge-ok", has_text="Passed").nth(STEP_COUNT - 1).wait_for()
    # Finished, so polling stops. A poll that read the run between its last step and its finish
    # shows every step passed and still polls: the next poll brings the finished run.
    page.locator("#probe[hx-trigger]").wait_for(state="detached")
    shoot(page, "storage-05-probe-passed")

    settings.TASKS = IMMEDIATE_TASKS
    page.get_by_role("button", name="Edit").click()
    page.get_by_text("Set. Type a new value to replace it").wait_for()  # the edit page, parsed
    page.get_by_label(field("Secret access key")).fill("a-wrong-secret-for-the-demo")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Local SeaweedFS").wait_for()
    probe_now(page)
    page.get_by_text("The secret does not match the access key ID").wait_for()
    shoot(page, "storage-06-probe-wrong-secret")

    page.get_by_role("link", name="Storage", exact=True).first.click()
    page.get_by_text("Credentials accepted: The secret does not match").wait_for()
    shoot(page, "storage-07-list-shows-failure")

    page.get_by_role("link", name="Edit Local SeaweedFS").click()
    page.get_by_label(field("Secret access key")).fill(seaweed_s3.secret_key)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Local SeaweedFS").wait_for()
    probe_now(page)
    page.locator("#probe .badge-ok", has_text="Passed").nth(STEP_COUNT - 1).wait_for()
    shoot(page, "storage-08-fixed")
    assert seaweed_s3.secret_key not in page.content()


def test_support_cannot_open_storage_pages(page, live_server, personas):
    log_in(page, live_server.url, "support")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Storage").count() == 0
    assert page.goto(f"{live_server.url}/storage/").status == 403
