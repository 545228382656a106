"""Retention against a real bucket (SeaweedFS): report first, legal holds win, each deletion audited."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from recordings import retention
from recordings.models import RecordingFile, RecordingTask, RetentionRun, Room, ZegoApp
from storage_profiles.models import StorageProfile

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def app(db):
    return ZegoApp.objects.create(name="Kept", app_id=4242, server_secret="s" * 32)


def recorded(app, profile, s3_client, *, days_ago: int, files: int = 2, held=False):
    """An ended task recorded `days_ago`, whose files really are in the bucket."""
    room, _ = Room.objects.get_or_create(app=app, room_id="court-1")
    task = RecordingTask.objects.create(
        app=app,
        room=room,
        task_id=f"T{uuid.uuid4().hex[:15]}",
        click_token=uuid.uuid4(),
        status=RecordingTask.Status.ENDED,
        record_mode=2,
        stream_type=3,
        storage_profile=profile,
        legal_hold=held,
        legal_hold_reason="case 7" if held else "",
    )
    rows = []
    for index in range(files):
        key = f"retention/{task.task_id}_{index}.mp4"
        if not profile.is_vod:  # a video service keeps its own copies
            s3_client.put_object(Bucket=profile.bucket, Key=key, Body=b"x" * (100 + index))
        rows.append(
            RecordingFile.objects.create(
                task=task,
                file_id=f"{task.task_id}_{index}.mp4",
                object_key=key,
                output_format="mp4",
                size=100 + index,
                upload_status=RecordingFile.UploadStatus.UPLOADED,
            )
        )
    RecordingFile.objects.filter(task=task).update(created_at=NOW - timedelta(days=days_ago))
    return task, rows


def in_bucket(s3_client, profile, file) -> bool:
    listing = s3_client.list_objects_v2(Bucket=profile.bucket, Prefix=file.object_key)
    return listing.get("KeyCount", 0) > 0


@pytest.fixture
def history(app, profile, s3_client):
    old, old_files = recorded(app, profile, s3_client, days_ago=40)
    held, held_files = recorded(app, profile, s3_client, days_ago=50, held=True)
    recent, recent_files = recorded(app, profile, s3_client, days_ago=5)
    app.retention_days = 30
    app.save()
    return {"old": old_files, "held": held_files, "recent": recent_files}


def test_the_report_says_what_would_go_and_what_a_hold_keeps_and_changes_nothing(
    app, profile, s3_client, history
):
    report = retention.report(app, 30, now=NOW)
    assert (report.files, report.bytes, report.tasks) == (2, 201, 1)
    assert (report.held_files, report.held_tasks) == (2, 1)
    assert [f.file_id for f in report.sample] == [f.file_id for f in history["old"]]
    assert retention.report(app, 3, now=NOW).files == 4  # a shorter period takes the recent too
    for file in [*history["old"], *history["held"], *history["recent"]]:
        assert in_bucket(s3_client, profile, file)
    assert not RecordingFile.objects.filter(deleted_at__isnull=False).exists()
    assert not AuditEntry.objects.filter(action__startswith="retention").exists()


def test_a_run_deletes_only_due_files_not_held_and_audits_each(app, profile, s3_client, history):
    outcome = retention.run(app, actor_label="admin", now=NOW)
    assert (outcome.deleted, outcome.deleted_bytes, outcome.held, outcome.failed) == (2, 201, 2, 0)
    for file in history["old"]:
        assert not in_bucket(s3_client, profile, file)
        file.refresh_from_db()
        assert file.deleted_at is not None  # the row stays: what was recorded is never lost
    for file in [*history["held"], *history["recent"]]:
        assert in_bucket(s3_client, profile, file)
    entries = AuditEntry.objects.filter(action="retention.delete")
    assert sorted(e.detail["key"] for e in entries) == sorted(f.object_key for f in history["old"])
    assert all(e.detail["bucket"] == profile.bucket for e in entries)
    assert AuditEntry.objects.get(action="retention.run").detail["deleted"] == 2
    # A second run finds nothing more to do and audits no deletion twice.
    again = retention.run(app, actor_label="admin", now=NOW)
    assert (again.deleted, again.failed) == (0, 0)
    assert AuditEntry.objects.filter(action="retention.delete").count() == 2


def test_a_hold_released_lets_the_next_run_delete(app, profile, s3_client, history, personas):
    task = history["held"][0].task
    retention.set_legal_hold(task, held=False, reason="", user=personas["admin"])
    outcome = retention.run(app, actor_label="admin", now=NOW)
    assert outcome.deleted == 4 and outcome.held == 0
    assert AuditEntry.objects.filter(action="task.legal_hold_released").exists()


def test_a_bucket_that_refuses_keeps_the_files_due_and_says_why(
    app, profile, s3_client, history, seaweed_s3
):
    profile.secret = "not-the-secret"
    profile.save()
    outcome = retention.run(app, actor_label="admin", now=NOW)
    assert (outcome.deleted, outcome.failed) == (0, 2)
    assert "secret does not match" in outcome.errors[0]["error"]
    assert "not-the-secret" not in str(outcome.errors)
    assert not RecordingFile.objects.filter(deleted_at__isnull=False).exists()
    for file in history["old"]:
        assert in_bucket(s3_client, profile, file)
    # Fixed: the next run deletes them.
    profile.secret = seaweed_s3.secret_key
    profile.save()
    assert retention.run(app, actor_label="admin", now=NOW).deleted == 2


def test_an_app_without_a_period_is_never_run(app):
    with pytest.raises(ValueError, match="keeps its recordings"):
        retention.run(app, actor_label="admin")


def test_a_daily_run_queued_before_automatic_deletion_was_turned_off_does_nothing(app, history):
    from recordings.tasks import apply_retention

    assert apply_retention.call(app.pk, scheduled=True) == {}  # retention_enabled is off
    assert not RetentionRun.objects.exists()


def test_the_scheduler_enqueues_each_enabled_app_once_a_day(app, history):
    app.retention_enabled = True
    app.save()
    assert retention.enqueue_due(NOW) == [f"retention:{app.pk}"]  # runs inline in tests
    assert retention.enqueue_due(NOW + timedelta(hours=2)) == []
    assert retention.enqueue_due(NOW + timedelta(days=1, minutes=1)) == [f"retention:{app.pk}"]
    assert RetentionRun.objects.filter(app=app).count() == 2
    assert RetentionRun.objects.filter(started_by_label="retention (scheduled)").count() == 2


# --- pages -------------------------------------------------------------------------------------


def test_the_retention_page_previews_without_saving(client_for, app, history):
    url = reverse("recordings:retention", args=[app.pk])
    response = client_for("admin").post(url, {"action": "preview", "retention_days": "3"})
    assert response.status_code == 200
    assert response.context["report"].files == 4
    app.refresh_from_db()
    assert app.retention_days == 30  # a preview saves nothing


def test_the_retention_page_offers_no_run_when_nothing_is_due(client_for, app, history):
    app.retention_days = 3650
    app.save()
    page = client_for("admin").get(reverse("recordings:retention", args=[app.pk])).text
    assert "Nothing is due: no file is older than 3650 days." in page
    assert "files now" not in page


def test_the_retention_page_refuses_automatic_deletion_without_a_period(client_for, app):
    url = reverse("recordings:retention", args=[app.pk])
    response = client_for("admin").post(
        url, {"action": "save", "retention_days": "", "retention_enabled": "on"}
    )
    assert "Say how many days" in response.content.decode()
    app.refresh_from_db()
    assert app.retention_enabled is False


@pytest.mark.parametrize("days", ["-1", "0"])
def test_a_period_below_one_day_gets_one_clear_message(client_for, app, days):
    url = reverse("recordings:retention", args=[app.pk])
    response = client_for("admin").post(url, {"action": "save", "retention_days": days})
    assert response.context["form"].errors["retention_days"] == [
        "Keep files at least 1 day, or leave it empty to keep them forever."
    ]
    app.refresh_from_db()
    assert app.retention_days is None


def test_a_one_day_period_is_one_day_on_the_page(client_for, app, history):
    client = client_for("admin")
    url = reverse("recordings:retention", args=[app.pk])
    client.post(url, {"action": "save", "retention_days": "1"})
    page = " ".join(client.get(url).content.decode().split())
    assert "What 1 day would delete now" in page and "1 days" not in page
    preview = client.post(url, {"action": "preview", "retention_days": "2"}).content.decode()
    assert "save 2 days to run it (the saved period is 1 day)" in " ".join(preview.split())
    response = client.post(url, {"action": "run", "days": "2"}, follow=True)
    assert "The saved period is now 1 day;" in response.content.decode()


def test_saving_and_running_from_the_page(client_for, app, profile, s3_client, history):
    client = client_for("admin")
    url = reverse("recordings:retention", args=[app.pk])
    client.post(url, {"action": "save", "retention_days": "45", "retention_enabled": ""})
    app.refresh_from_db()
    assert app.retention_days == 45
    assert AuditEntry.objects.filter(action="retention.settings").exists()
    response = client.post(url, {"action": "run", "days": "45"}, follow=True)
    assert "Retention run started" in response.content.decode()
    run = RetentionRun.objects.get(app=app)
    assert (run.deleted, run.held) == (0, 2)  # only the 50-day one is due, and it is held
    assert run.started_by_label == "admin"
    assert AuditEntry.objects.get(action="retention.run").actor.username == "admin"
    page = client.get(url).content.decode()
    assert "Recent runs" in page and "45 days" in page


def test_a_legal_hold_needs_a_reason_and_is_audited(client_for, app, profile, s3_client):
    task, _ = recorded(app, profile, s3_client, days_ago=1, files=1)
    client = client_for("admin")
    url = reverse("recordings:legal_hold", args=[task.pk])
    response = client.post(url, {"held": "on", "reason": "  "}, follow=True)
    assert "Say why the recording is held." in response.content.decode()
    task.refresh_from_db()
    assert not task.legal_hold
    client.post(url, {"held": "on", "reason": "Subpoena 12"})
    task.refresh_from_db()
    assert task.legal_hold and task.legal_hold_reason == "Subpoena 12"
    entry = AuditEntry.objects.get(action="task.legal_hold")
    assert entry.detail["reason"] == "Subpoena 12"
    page = client.get(reverse("recordings:task_detail", args=[task.pk])).content.decode()
    assert "Subpoena 12" in page and "Release the hold" in page


def test_an_hls_recording_is_deleted_with_its_segments(app, profile, s3_client):
    task, _ = recorded(app, profile, s3_client, days_ago=40, files=0)
    folder = "retention/hls"
    playlist = "#EXTM3U\n#EXTINF:2.0,\nlive_0.ts\n#EXTINF:2.0,\nhttps://cdn.example/x/live_1.ts\n"
    s3_client.put_object(Bucket=profile.bucket, Key=f"{folder}/live.m3u8", Body=playlist)
    for name in ("live_0.ts", "live_1.ts", "other_0.ts"):
        s3_client.put_object(Bucket=profile.bucket, Key=f"{folder}/{name}", Body=b"ts")
    file = RecordingFile.objects.create(
        task=task,
        file_id="live.m3u8",
        object_key=f"{folder}/live.m3u8",
        output_format="hls",
        upload_status=RecordingFile.UploadStatus.UPLOADED,
    )
    RecordingFile.objects.filter(pk=file.pk).update(created_at=NOW - timedelta(days=40))
    app.retention_days = 30
    app.save()
    assert retention.run(app, actor_label="admin", now=NOW).deleted == 1
    listing = s3_client.list_objects_v2(Bucket=profile.bucket, Prefix=folder)
    assert [o["Key"] for o in listing.get("Contents", [])] == [f"{folder}/other_0.ts"]
    assert AuditEntry.objects.get(action="retention.delete").detail["objects"] == 3


def test_the_speaker_activity_beside_a_recording_is_deleted_with_it(app, profile, s3_client):
    task, (file,) = recorded(app, profile, s3_client, days_ago=40, files=1)
    task.request = {"RecordInputParams": {"MixConfig": {"RecordSoundWave": True}}}
    task.save()
    sidecar = file.object_key.removesuffix(".mp4") + ".sw"
    s3_client.put_object(Bucket=profile.bucket, Key=sidecar, Body=b"volumes")
    app.retention_days = 30
    app.save()
    assert retention.run(app, actor_label="admin", now=NOW).deleted == 1
    listing = s3_client.list_objects_v2(Bucket=profile.bucket, Prefix="retention/")
    assert {o["Key"] for o in listing.get("Contents", [])} & {sidecar, file.object_key} == set()


def test_a_hold_placed_mid_run_keeps_the_files_not_yet_deleted(
    app, profile, s3_client, history, monkeypatch
):
    task = history["old"][0].task
    deleting = retention._delete_objects

    def hold_after_the_first(target, keys):
        deleting(target, keys)
        RecordingTask.objects.filter(pk=task.pk).update(legal_hold=True)

    monkeypatch.setattr(retention, "_delete_objects", hold_after_the_first)
    outcome = retention.run(app, actor_label="admin", now=NOW)
    assert (outcome.deleted, outcome.held) == (1, 3)
    first, second = history["old"]
    assert not in_bucket(s3_client, profile, first)
    assert in_bucket(s3_client, profile, second)
    second.refresh_from_db()
    assert second.deleted_at is None


def test_two_runs_at_once_delete_and_audit_each_file_once(app, profile, history):
    # The second run starts while the first is between its query and its deletions.
    first_claim = retention._claim
    calls = []

    def claim_twice(file, now):
        if not calls:
            calls.append(None)
            calls[0] = retention.run(app, actor_label="other run", now=now)
        return first_claim(file, now)

    retention._claim = claim_twice
    try:
        outcome = retention.run(app, actor_label="admin", now=NOW)
    finally:
        retention._claim = first_claim
    assert outcome.deleted + calls[0].deleted == 2
    assert AuditEntry.objects.filter(action="retention.delete").count() == 2


def test_a_run_that_crashes_is_finished_and_audited_with_the_reason(
    app, profile, history, monkeypatch
):
    def broken(*args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(retention, "_delete_due", broken)
    with pytest.raises(RuntimeError):
        retention.run(app, actor_label="admin", now=NOW)
    run = RetentionRun.objects.get()
    assert run.finished_at is not None and "database went away" in run.errors[0]["error"]
    entry = AuditEntry.objects.get(action="retention.run")
    assert entry.outcome == "failed" and "database went away" in entry.detail["error"]


def test_files_on_a_video_service_are_reported_apart_and_never_tried(app, s3_client, history):
    vod = StorageProfile.objects.create(name="VOD", vendor=5, region="cn-shanghai")
    task, files = recorded(app, vod, s3_client, days_ago=60, files=1)
    report = retention.report(app, 30, now=NOW)
    assert report.files == 2 and report.unreachable_files == 1
    assert retention.run(app, actor_label="admin", now=NOW).failed == 0


def test_a_preview_never_arms_the_run_button_with_unsaved_days(client_for, app, history):
    client = client_for("admin")
    url = reverse("recordings:retention", args=[app.pk])
    page = client.post(url, {"action": "preview", "retention_days": "365"}).content.decode()
    assert "Delete 365-day-old" not in page and "save 365 days to run it" in page
    response = client.post(url, {"action": "run", "days": "365"}, follow=True)
    assert "The saved period is now 30 days" in response.content.decode()
    assert not RetentionRun.objects.exists()


def test_a_deleted_file_is_no_longer_offered_to_play_or_share(client_for, app, history):
    from playback.services import play_kind

    retention.run(app, actor_label="admin", now=NOW)
    file = RecordingFile.objects.get(pk=history["old"][0].pk)
    assert play_kind(file) == "none"
    response = client_for("reviewer").post(
        reverse("playback:share_create", args=[file.pk]), {"expires": "1d"}, follow=True
    )
    assert "deleted by retention" in response.content.decode()
    assert not file.share_links.exists()


def test_an_hls_recording_whose_playlist_is_gone_is_kept_due_with_the_reason(
    app, profile, s3_client
):
    task, _ = recorded(app, profile, s3_client, days_ago=40, files=0)
    s3_client.put_object(Bucket=profile.bucket, Key="retention/gone/x_0.ts", Body=b"ts")
    file = RecordingFile.objects.create(
        task=task,
        file_id="x.m3u8",
        object_key="retention/gone/x.m3u8",  # never uploaded: its segments cannot be known
        output_format="hls",
        upload_status=RecordingFile.UploadStatus.UPLOADED,
    )
    RecordingFile.objects.filter(pk=file.pk).update(created_at=NOW - timedelta(days=40))
    app.retention_days = 30
    app.save()
    outcome = retention.run(app, actor_label="admin", now=NOW)
    assert (outcome.deleted, outcome.failed) == (0, 1)
    file.refresh_from_db()
    assert file.deleted_at is None
    listing = s3_client.list_objects_v2(Bucket=profile.bucket, Prefix="retention/gone/")
    assert listing["KeyCount"] == 1  # the segment is still there, still due
