"""Storage pages: list, create (per vendor), edit, duplicate, delete and probe, for each role."""

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from storage_profiles import services
from storage_profiles.models import ProbeRun, StorageProfile, Vendor
from tests.storage_profiles.conftest import SECRET_IN_TESTS, form_data

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


# --- list ----------------------------------------------------------------------------------------


def test_the_list_shows_profiles_and_their_last_probe(client_for, make_profile, immediate_tasks):
    profile = make_profile(bucket="no-such-bucket-here")
    client = client_for("storage")
    client.post(reverse("storage_profiles:probe", args=[profile.pk]))
    body = client.get(reverse("storage_profiles:list")).content.decode()
    assert "Local bucket" in body
    assert "Failed" in body
    assert "Bucket reachable: There is no bucket “no-such-bucket-here”" in body


def test_the_list_query_count_does_not_grow_with_rows(
    client_for, make_profile, django_assert_max_num_queries
):
    client = client_for("storage")
    for index in range(15):
        profile = make_profile(name=f"p{index}")
        profile.last_probe = ProbeRun.objects.create(profile=profile, status="ok")
        profile.save()
    with django_assert_max_num_queries(7):
        response = client.get(reverse("storage_profiles:list"))
    assert response.content.decode().count("Passed") == 15


@pytest.mark.parametrize(
    ("persona", "status"), [("storage", 200), ("admin", 200), ("support", 403), ("reviewer", 403)]
)
def test_only_storage_admins_and_admins_may_manage_profiles(
    client_for, make_profile, persona, status
):
    client = client_for(persona)
    profile = make_profile()
    assert client.get(reverse("storage_profiles:list")).status_code == status
    response = client.post(reverse("storage_profiles:edit", args=[profile.pk]), form_data(name="x"))
    assert response.status_code == (302 if status == 200 else 403)


# --- create / edit ---------------------------------------------------------------------------------


def test_choosing_a_vendor_swaps_in_that_vendors_fields(client_for):
    response = client_for("storage").get(
        reverse("storage_profiles:create"), {"vendor": Vendor.TENCENT_COS}, headers=HTMX
    )
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="profile-form"' in body
    assert "SecretId" in body
    assert "mybucket123-1250000000" in body  # the COS bucket help
    assert "StorageLocation" not in body and "Storage location" not in body
    assert response.templates[0].name == "form"  # the partial, not the page


def test_the_full_create_page_defaults_to_s3_compatible(client_for):
    body = client_for("storage").get(reverse("storage_profiles:create")).content.decode()
    assert "<html" in body
    assert '<option value="10" selected>S3-compatible</option>' in body


def test_it_creates_a_profile_and_audits_it_without_the_secret(client_for, personas):
    response = client_for("storage").post(reverse("storage_profiles:create"), form_data())
    profile = StorageProfile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("storage_profiles:detail", args=[profile.pk])
    assert profile.path_prefix == "recordings/"
    entry = AuditEntry.objects.get(action="storage_profile.create")
    assert entry.actor == personas["storage"]
    assert entry.detail["credentials_replaced"] is True
    assert "test-secret" not in str(entry.detail)


def test_an_htmx_post_redirects_the_browser(client_for):
    response = client_for("storage").post(
        reverse("storage_profiles:create"), form_data(), headers=HTMX
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/storage/")


def test_invalid_input_rerenders_the_form_fragment_and_changes_nothing(client_for):
    response = client_for("storage").post(
        reverse("storage_profiles:create"), form_data(bucket="Bad_Bucket"), headers=HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Use only lowercase letters" in body
    assert not StorageProfile.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="storage_profile").exists()


RETYPE = "Type it again: what you typed here is not sent back to the browser."


def test_an_error_elsewhere_asks_to_type_the_new_secret_again_without_echoing_it(client_for):
    response = client_for("storage").post(
        reverse("storage_profiles:create"), form_data(bucket="Bad_Bucket"), headers=HTMX
    )

    body = response.content.decode()
    assert "Use only lowercase letters" in body
    assert body.count(RETYPE) == 1
    assert re.search(
        r'<input [^>]*aria-describedby="[^"]*id_secret_retype"[^>]*id="id_secret"', body
    )
    assert SECRET_IN_TESTS not in body
    assert not StorageProfile.objects.exists()


def test_an_edit_s_error_asks_for_the_new_secret_again_or_keeps_the_stored_one(
    client_for, make_profile
):
    profile = make_profile()
    response = client_for("storage").post(
        reverse("storage_profiles:edit", args=[profile.pk]),
        form_data(bucket="Bad_Bucket", secret="brand-new-secret"),
    )

    body = response.content.decode()
    assert f"{RETYPE} Left blank, the stored value stays." in body
    assert "brand-new-secret" not in body and profile.secret not in body
    profile.refresh_from_db()
    assert profile.secret == "test-secret-key-0123456789"


def test_an_error_with_the_secret_left_blank_says_nothing_about_typing_it_again(
    client_for, make_profile
):
    profile = make_profile()
    response = client_for("storage").post(
        reverse("storage_profiles:edit", args=[profile.pk]),
        form_data(bucket="Bad_Bucket", secret=""),
    )

    body = response.content.decode()
    assert "Use only lowercase letters" in body
    assert "Type it again" not in body
    assert "Set — leave blank to keep it" in body


def test_editing_with_a_blank_secret_keeps_it_and_a_new_one_replaces_it(client_for, make_profile):
    profile = make_profile()
    client = client_for("storage")
    url = reverse("storage_profiles:edit", args=[profile.pk])
    assert "Set — leave blank to keep it" in client.get(url).content.decode()
    client.post(url, form_data(name="Renamed", secret=""))
    profile.refresh_from_db()
    assert (profile.name, profile.secret) == ("Renamed", "test-secret-key-0123456789")
    assert (
        AuditEntry.objects.get(action="storage_profile.update").detail["credentials_replaced"]
        is False
    )
    client.post(url, form_data(name="Renamed", secret="brand-new-secret"))
    profile.refresh_from_db()
    assert profile.secret == "brand-new-secret"


def test_making_a_profile_the_default_unsets_the_previous_one(client_for, make_profile):
    old = make_profile(name="old", is_default=True)
    client_for("storage").post(reverse("storage_profiles:create"), form_data(is_default="on"))
    old.refresh_from_db()
    assert not old.is_default
    assert StorageProfile.objects.get(is_default=True).name == "Local bucket"


def test_usable_profiles_list_the_default_first(make_profile):
    make_profile(name="a")
    make_profile(name="b", is_default=True)
    assert [p.name for p in StorageProfile.objects.usable()] == ["b", "a"]


# --- duplicate ------------------------------------------------------------------------------------


def test_duplicating_copies_settings_and_keys_under_a_new_name(client_for, make_profile):
    source = make_profile(is_default=True)
    client = client_for("storage")
    url = reverse("storage_profiles:duplicate", args=[source.pk])
    body = client.get(url).content.decode()
    assert 'value="Copy of Local bucket"' in body
    assert "keeps the keys of “Local bucket”" in body
    response = client.post(url, form_data(name="Copy of Local bucket", secret=""))
    assert response.status_code == 302
    copy = StorageProfile.objects.get(name="Copy of Local bucket")
    assert copy.secret == source.secret
    assert not copy.is_default
    assert (
        AuditEntry.objects.get(action="storage_profile.duplicate").detail["source_id"] == source.pk
    )


# --- delete ---------------------------------------------------------------------------------------


def test_it_deletes_after_confirmation(client_for, make_profile):
    profile = make_profile()
    client = client_for("storage")
    url = reverse("storage_profiles:delete", args=[profile.pk])
    assert "Delete profile" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert not StorageProfile.objects.exists()
    assert AuditEntry.objects.get(action="storage_profile.delete").outcome == "ok"


def test_delete_is_refused_while_a_running_task_uses_the_profile(
    client_for, make_profile, monkeypatch
):
    profile = make_profile()
    monkeypatch.setattr(StorageProfile, "in_use_by_running_tasks", lambda self: True)
    client = client_for("storage")
    url = reverse("storage_profiles:delete", args=[profile.pk])
    page = client.get(url).content.decode()
    assert "still running or uploading" in page
    assert "Delete profile" not in page
    response = client.post(url)
    assert response.status_code == 409
    assert StorageProfile.objects.exists()
    assert AuditEntry.objects.get(action="storage_profile.delete").outcome == "denied"


# --- probe ----------------------------------------------------------------------------------------


def test_probe_now_runs_the_task_and_shows_every_step(client_for, make_profile, immediate_tasks):
    profile = make_profile()
    response = client_for("storage").post(
        reverse("storage_profiles:probe", args=[profile.pk]), headers=HTMX
    )
    body = response.content.decode()
    assert "<html" not in body
    assert body.count(">Passed<") >= 8
    assert "hx-trigger" not in body  # finished: no more polling
    profile.refresh_from_db()
    assert profile.last_probe.status == ProbeRun.Status.OK
    assert AuditEntry.objects.filter(action="storage_profile.probe").count() == 1
    assert AuditEntry.objects.get(action="storage_profile.probe_result").outcome == "ok"


def test_a_queued_probe_polls_until_it_finishes(client_for, make_profile, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    profile = make_profile()
    client = client_for("storage")
    body = client.post(
        reverse("storage_profiles:probe", args=[profile.pk]), headers=HTMX
    ).content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert "waiting for the background worker" in body

    poll = client.get(reverse("storage_profiles:probe", args=[profile.pk]), headers=HTMX)
    assert poll.status_code == 200 and 'hx-trigger="every 1s"' in poll.content.decode()

    services.storage_probe_execute(profile.probe_runs.get().pk)
    poll = client.get(reverse("storage_profiles:probe", args=[profile.pk]), headers=HTMX)
    assert poll.status_code == 286  # htmx stops polling
    assert "hx-trigger" not in poll.content.decode()


def test_a_second_click_while_running_does_not_start_another_probe(
    client_for, make_profile, settings
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    profile = make_profile()
    client = client_for("storage")
    for _ in range(2):
        client.post(reverse("storage_profiles:probe", args=[profile.pk]))
    assert profile.probe_runs.count() == 1


def test_a_probe_that_lost_its_worker_stops_polling(client_for, make_profile):
    profile = make_profile()
    run = ProbeRun.objects.create(profile=profile)
    ProbeRun.objects.filter(pk=run.pk).update(started_at=run.started_at - ProbeRun.STALE_AFTER * 2)
    profile.last_probe = run
    profile.save()
    response = client_for("storage").get(
        reverse("storage_profiles:probe", args=[profile.pk]), headers=HTMX
    )
    assert response.status_code == 286
    assert "never finished" in response.content.decode()


def test_the_detail_page_shows_the_profile_but_never_the_secret(client_for, make_profile):
    profile = make_profile(vendor=Vendor.AMAZON_S3, endpoint="", region="eu-west-1")
    body = (
        client_for("storage")
        .get(reverse("storage_profiles:detail", args=[profile.pk]))
        .content.decode()
    )
    assert "https://s3.eu-west-1.amazonaws.com" in body
    assert "(derived from the region)" in body
    assert "secret set, never shown" in body
    assert "test-secret-key-0123456789" not in body
    assert "Not probed yet" in body


# db_worker closes its database connection when done, which would end a test's wrapping
# transaction on PostgreSQL: run this one without it.
@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_queued_probe(client_for, make_profile, settings):
    """The real path of `make run`: django-tasks-db queues the probe and `db_worker` runs it."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    profile = make_profile()
    client = client_for("storage")
    client.post(reverse("storage_profiles:probe", args=[profile.pk]))
    profile.refresh_from_db()
    assert profile.last_probe.is_waiting_for_worker
    call_command("db_worker", batch=True, queue_name="*", no_startup_delay=True, verbosity=0)
    profile.last_probe.refresh_from_db()
    assert profile.last_probe.status == ProbeRun.Status.OK
