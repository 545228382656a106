"""Secrets (ZEGO server/callback secrets, storage keys) never leave the database in clear: not at
rest, not in HTML, logs, errors, audit entries, the files CSV, nor Django's technical 500 page.
(Storage-profile rotation and pages: tests/storage_profiles/test_secrets.py, test_commands.py.)"""

from __future__ import annotations

import logging
import sys

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import technical_500_response

from accounts.models import AuditEntry
from recordings.models import RecordingFile, RecordingTask, Room, ZegoApp
from storage_profiles.models import StorageProfile

pytestmark = pytest.mark.django_db

SERVER_SECRET = "S3rv3rS3cr3t0123456789abcdefABCD"
CALLBACK_SECRET = "CallbackSecret-zz-9f8e7d6c5b4a"
STORAGE_SECRET = "StorageSecret+xyz/0123456789QRSTU"
SECRETS = (SERVER_SECRET, CALLBACK_SECRET, STORAGE_SECRET)


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a secret appeared in {where}"


def raw_row(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608 - test tables
        return " ".join(str(value) for value in cursor.fetchone())


@pytest.fixture
def world(personas, client, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(personas["admin"])
    from recordings.forms import ZegoAppForm
    from tests.reliability.conftest import form_data

    response = client.post(
        reverse("recordings:app_create"),
        {
            **form_data(ZegoAppForm()),
            "name": "Secret app",
            "app_id": "31415926",
            "server_secret": SERVER_SECRET,
            "callback_secret": CALLBACK_SECRET,
            "api_url": "http://127.0.0.1:9",
            "rtc_api_url": "http://127.0.0.1:9",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    app = ZegoApp.objects.get(app_id=31415926)
    profile = StorageProfile.objects.create(
        name="Secret bucket",
        vendor=10,
        region="us-east-1",
        bucket="secret-bucket",
        endpoint="http://127.0.0.1:9",
        access_key_id="AKIDSECRETTEST",
        secret=STORAGE_SECRET,
    )
    room = Room.objects.create(app=app, room_id="r1")
    task = RecordingTask.objects.create(
        app=app, room=room, task_id="T1", click_token="00000000-0000-0000-0000-00000000cafe",
        record_mode=2, stream_type=3, storage_profile=profile, status="ended",
    )  # fmt: skip
    RecordingFile.objects.create(
        task=task, file_id="a.mp4", object_key="a.mp4", output_format="mp4", upload_status=3
    )
    return {"app": app, "profile": profile, "task": task}


def test_secrets_are_encrypted_in_the_raw_database(world):
    assert_no_secret(raw_row("recordings_zegoapp", world["app"].pk), "recordings_zegoapp")
    assert_no_secret(
        raw_row("storage_profiles_storageprofile", world["profile"].pk), "the profile row"
    )
    world["app"].refresh_from_db()
    assert world["app"].server_secret == SERVER_SECRET  # and they still decrypt


def test_no_page_csv_audit_entry_or_log_line_shows_a_secret(world, client, caplog):
    pages = [
        reverse("recordings:app_list"),
        reverse("recordings:app_edit", args=[world["app"].pk]),
        reverse("storage_profiles:detail", args=[world["profile"].pk]),
        reverse("storage_profiles:edit", args=[world["profile"].pk]),
        reverse("recordings:task_detail", args=[world["task"].pk]),
        reverse("playback:player", args=[world["task"].pk]),
        reverse("playback:player_urls", args=[world["task"].pk]),
        reverse("accounts:audit"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(response.content.decode(), url)
    csv = b"".join(client.get(reverse("playback:file_export")).streaming_content).decode()
    assert "a.mp4" in csv
    assert_no_secret(csv, "the files CSV")
    for entry in AuditEntry.objects.all():
        assert_no_secret(f"{entry.action} {entry.detail}", f"audit entry {entry.action}")
    assert_no_secret(caplog.text, "the log")


def test_the_technical_500_page_of_a_request_that_posted_secrets_hides_them(world, settings):
    settings.DEBUG = True
    request = RequestFactory().post(
        "/apps/new/",
        {"server_secret": SERVER_SECRET, "callback_secret": CALLBACK_SECRET,
         "secret": STORAGE_SECRET, "name": "x"},
    )  # fmt: skip
    request.user = world["app"]  # anything; the page lists request attributes
    try:
        server_secret = SERVER_SECRET  # noqa: F841 - a local the traceback shows
        storage_params = {"AccessKeySecret": STORAGE_SECRET}  # noqa: F841
        raise RuntimeError("boom")
    except RuntimeError:
        response = technical_500_response(request, *sys.exc_info())
    body = response.content.decode()
    assert "boom" in body  # it is the debug page
    assert_no_secret(body, "the technical 500 page")
