"""A storage secret, once typed, never comes back: not in pages, logs, audit entries or error pages."""

import logging

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEntry
from storage_profiles import services
from storage_profiles.models import ProbeRun, StorageProfile
from tests.storage_profiles.conftest import form_data

pytestmark = pytest.mark.django_db

WRONG_SECRET = "typed-wrong-secret-9876543210"
HTMX = {"HX-Request": "true"}


def everything_said(responses, caplog) -> str:
    parts = [r.content.decode(errors="replace") + str(dict(r.headers)) for r in responses]
    parts += [caplog.text, *(str(record.__dict__) for record in caplog.records)]
    for entry in AuditEntry.objects.all():
        parts += [entry.object_repr, str(entry.detail)]
    for run in ProbeRun.objects.all():
        parts += [str(run.steps), str(run.not_checked)]
    return "\n".join(parts)


def test_no_page_log_audit_entry_or_probe_report_shows_a_secret(
    client_for, seaweed_s3, immediate_tasks, caplog
):
    caplog.set_level(logging.DEBUG)
    client = client_for("storage")
    responses = [
        client.post(reverse("storage_profiles:create"), form_data(seaweed_s3, bucket="Bad_Bucket")),
        client.post(reverse("storage_profiles:create"), form_data(seaweed_s3)),
    ]
    profile = StorageProfile.objects.get()
    edit = reverse("storage_profiles:edit", args=[profile.pk])
    probe = reverse("storage_profiles:probe", args=[profile.pk])
    responses += [
        client.get(reverse("storage_profiles:list")),
        client.get(reverse("storage_profiles:detail", args=[profile.pk])),
        client.get(edit),
        client.get(edit, {"vendor": 1}, headers=HTMX),
        client.get(reverse("storage_profiles:duplicate", args=[profile.pk])),
        client.get(reverse("storage_profiles:delete", args=[profile.pk])),
        client.post(probe),
        client.post(probe, headers=HTMX),
        client.post(edit, form_data(seaweed_s3, secret=WRONG_SECRET, region="")),  # invalid
        client.post(edit, form_data(seaweed_s3, secret=WRONG_SECRET)),
        client.post(probe, headers=HTMX),  # fails: the secret does not match
        client.get(reverse("storage_profiles:list")),
        client.get(reverse("accounts:audit")),
    ]
    said = everything_said(responses, caplog)
    assert "The secret does not match" in said  # the failing probe was reported…
    assert seaweed_s3.secret_key not in said  # …without either secret
    assert WRONG_SECRET not in said


def test_secrets_are_encrypted_at_rest(make_profile, seaweed_s3):
    profile = make_profile()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret FROM storage_profiles_storageprofile WHERE id = %s", [profile.pk]
        )
        raw = cursor.fetchone()[0]
    assert seaweed_s3.secret_key not in raw
    assert raw.startswith("gAAAAA")


@pytest.mark.parametrize("debug", [False, True])
def test_an_error_page_does_not_show_the_secret(
    client_for, seaweed_s3, monkeypatch, settings, debug
):
    settings.DEBUG = debug

    def crash(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "storage_profile_save", crash)
    client = client_for("storage")
    client.raise_request_exception = False
    response = client.post(
        reverse("storage_profiles:create"), form_data(seaweed_s3, secret=WRONG_SECRET)
    )
    assert response.status_code == 500
    body = response.content.decode()
    assert ("database went away" in body) is debug  # the technical page really was rendered
    assert WRONG_SECRET not in body
