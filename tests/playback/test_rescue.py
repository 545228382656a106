"""Backup rescue: a file ZEGO could not upload is fetched from its backup into the bucket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from recordings.models import RecordingFile, TaskEvent
from tests.playback.conftest import HTMX, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def backed_up(room, profile, personas, emulator):
    emulator.add_fault(kind="upload_failure", count=1)
    task = record(room, profile, personas["support"], seconds=1.0)
    file = task.files.get()
    assert file.upload_status == RecordingFile.UploadStatus.IN_ZEGO_BACKUP
    assert "/_emulator/backup/" in file.file_url
    return file


def test_a_file_in_backup_shows_its_deadline_and_is_fetched_in_one_click(
    backed_up, client_for, s3_client, seaweed_s3
):
    client = client_for("reviewer")
    page = client.get(reverse("playback:player", args=[backed_up.task_id])).content.decode()
    assert "Kept by ZEGO until" in page
    assert backed_up.backup_until.isoformat() in page
    assert "Fetch into bucket" in page

    response = client.post(reverse("playback:file_rescue", args=[backed_up.pk]), headers=HTMX)
    assert response.status_code == 200 and b"<html" not in response.content
    assert b"from ZEGO&#x27;s backup into the bucket" in response.content

    backed_up.refresh_from_db()
    assert backed_up.upload_status == RecordingFile.UploadStatus.UPLOADED
    head = s3_client.head_object(Bucket=seaweed_s3.bucket, Key=backed_up.object_key)
    assert head["ContentLength"] == backed_up.size > 0
    assert head["ContentType"] == "video/mp4"
    event = TaskEvent.objects.get(action="BackupRescue")
    assert event.actor.username == "reviewer" and event.kind == "api_call"
    assert event.detail["file_id"] == backed_up.file_id
    task = backed_up.task
    task.refresh_from_db()
    assert not [p for p in task.problems if p["code"] == "in_backup"]
    assert AuditEntry.objects.filter(action="file.rescue", outcome="ok").exists()


def test_after_the_deadline_the_rescue_is_refused_and_recorded(backed_up, client_for):
    RecordingFile.objects.filter(pk=backed_up.pk).update(
        backup_until=timezone.now() - timedelta(minutes=1)
    )
    client = client_for("reviewer")
    page = client.get(reverse("playback:player", args=[backed_up.task_id])).content.decode()
    assert "ZEGO's 3 days are over" in page
    response = client.post(reverse("playback:file_rescue", args=[backed_up.pk]), follow=True)
    assert b"Failed: the file is not in ZEGO&#x27;s backup storage" in response.content
    backed_up.refresh_from_db()
    assert backed_up.upload_status == RecordingFile.UploadStatus.IN_ZEGO_BACKUP
    assert TaskEvent.objects.get(action="BackupRescue").message.startswith("Failed")
    assert AuditEntry.objects.filter(action="file.rescue", outcome="failed").exists()


def test_a_rescue_that_cannot_reach_the_backup_is_recorded_as_failed(backed_up, client_for):
    RecordingFile.objects.filter(pk=backed_up.pk).update(
        file_url=backed_up.file_url.replace("/_emulator/backup/", "/_emulator/backup/missing-")
    )
    client_for("reviewer").post(reverse("playback:file_rescue", args=[backed_up.pk]))
    event = TaskEvent.objects.get(action="BackupRescue")
    assert event.message == "Failed: ZEGO's backup storage answered HTTP 404."
    backed_up.refresh_from_db()
    assert backed_up.upload_status == RecordingFile.UploadStatus.IN_ZEGO_BACKUP
