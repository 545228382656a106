"""Retention: delete an app's recordings from their buckets once they are older than N days.

A report first (what would go, what a legal hold keeps), then runs — by hand or daily once the
app's admin turns automatic deletion on. Only files the bucket holds (uploaded, final task) are
due; a task on legal hold keeps all its files; each deletion is one audit entry and the file row
stays (marked deleted) so the history of what was recorded is never lost. A file the bucket
refused to delete stays due and is tried again by the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from accounts.audit import audit
from recordings.models import RecordingFile, RecordingTask, RetentionRun, ZegoApp
from storage_profiles.models import VOD_VENDORS

logger = logging.getLogger(__name__)

RUN_EVERY = timedelta(days=1)
FILES_PER_RUN = 10_000  # a larger backlog is finished by the next runs
SAMPLE_SIZE = 20
MAX_ERRORS_KEPT = 20


@dataclass
class RetentionReport:
    days: int
    cutoff: datetime
    files: int
    bytes: int
    tasks: int
    held_files: int
    held_tasks: int
    sample: list[RecordingFile]
    unreachable_files: int = 0  # on a video service (VOD): the console cannot delete there


def cutoff_for(days: int, now: datetime) -> datetime:
    return now - timedelta(days=days)


def _due(app: ZegoApp, cutoff: datetime) -> QuerySet[RecordingFile]:
    """Files of the app recorded before `cutoff` still in a bucket the console can delete from
    (a video service's store — VOD vendors — has no S3 API: those are reported apart)."""
    return _recorded_before(app, cutoff).exclude(task__storage_profile__vendor__in=VOD_VENDORS)


def _recorded_before(app: ZegoApp, cutoff: datetime) -> QuerySet[RecordingFile]:
    return RecordingFile.objects.filter(
        app=app,
        created_at__lt=cutoff,
        deleted_at__isnull=True,
        upload_status=RecordingFile.UploadStatus.UPLOADED,
        task__status__in=RecordingTask.FINAL_STATUSES,
        task__storage_profile__isnull=False,
    ).exclude(object_key="")


def report(app: ZegoApp, days: int, now: datetime | None = None) -> RetentionReport:
    """What a run with `days` would delete now, and what legal holds keep (changes nothing)."""
    cutoff = cutoff_for(days, now or timezone.now())
    due = _due(app, cutoff)
    deletable = due.filter(task__legal_hold=False)
    totals = deletable.aggregate(
        files=Count("id"), bytes=Sum("size"), tasks=Count("task", distinct=True)
    )
    held = due.filter(task__legal_hold=True).aggregate(
        files=Count("id"), tasks=Count("task", distinct=True)
    )
    sample = deletable.select_related("task__room").order_by("created_at", "id")[:SAMPLE_SIZE]
    return RetentionReport(
        days=days,
        cutoff=cutoff,
        files=totals["files"],
        bytes=totals["bytes"] or 0,
        tasks=totals["tasks"],
        held_files=held["files"],
        held_tasks=held["tasks"],
        sample=list(sample),
        unreachable_files=_recorded_before(app, cutoff)
        .filter(task__storage_profile__vendor__in=VOD_VENDORS)
        .count(),
    )


def run(app: ZegoApp, *, actor_label: str, actor=None, now: datetime | None = None) -> RetentionRun:
    """Delete the app's due files from their buckets; every deletion and the run audited.

    Each file is claimed (marked deleted, if still unheld and not yet deleted) just before its
    object is deleted, and unmarked if the bucket refuses: a hold placed mid-run stops the files
    not yet reached, and two runs at once never delete, count or audit a file twice.
    """
    now = now or timezone.now()
    if not app.retention_days:
        raise ValueError(f"{app} keeps its recordings: no retention period is set.")
    cutoff = cutoff_for(app.retention_days, now)
    outcome = RetentionRun.objects.create(
        app=app, started_by_label=actor_label, days=app.retention_days, cutoff=cutoff
    )
    crashed = ""
    try:
        outcome.held = _due(app, cutoff).filter(task__legal_hold=True).count()
        _delete_due(app, cutoff, outcome, now)
    except Exception as error:  # recorded on the run, then raised: a run never stays "running"
        crashed = f"{type(error).__name__}: {error}"[:300]
        outcome.errors.append({"files": [], "error": f"The run stopped: {crashed}"})
        raise
    finally:
        outcome.finished_at = timezone.now()
        outcome.save()
        audit(
            action="retention.run",
            actor=actor,
            actor_label=actor_label,
            obj=app,
            outcome="ok" if not (outcome.failed or crashed) else "failed",
            days=outcome.days,
            cutoff=cutoff.isoformat(),
            deleted=outcome.deleted,
            deleted_bytes=outcome.deleted_bytes,
            held=outcome.held,
            failed=outcome.failed,
            **({"error": crashed} if crashed else {}),
        )
    return outcome


def _delete_due(app: ZegoApp, cutoff: datetime, outcome: RetentionRun, now: datetime) -> None:
    from storage_profiles.s3 import NotS3Reachable, s3_target_for

    due = (
        _due(app, cutoff)
        .filter(task__legal_hold=False)
        .select_related("task__storage_profile", "task__room")
        .order_by("task_id", "id")[:FILES_PER_RUN]
    )
    for _, group in groupby(due, key=lambda file: file.task_id):
        files = list(group)
        try:
            target = s3_target_for(files[0].task.storage_profile)
        except NotS3Reachable as error:
            _failed(outcome, files, str(error))
            continue
        for file in files:
            _delete(target, file, outcome, now)


def _claim(file: RecordingFile, now: datetime) -> bool:
    return bool(
        RecordingFile.objects.filter(
            pk=file.pk, deleted_at__isnull=True, task__legal_hold=False
        ).update(deleted_at=now)
    )


def _delete(target, file: RecordingFile, outcome: RetentionRun, now: datetime) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    from playback.services import PlaylistUnavailable
    from storage_profiles.errors import explain

    if not _claim(file, now):
        outcome.held += RecordingTask.objects.filter(pk=file.task_id, legal_hold=True).exists()
        return
    try:
        keys = _object_keys(file)
        _delete_objects(target, keys)
    except (BotoCoreError, ClientError) as error:
        _unclaim(file)
        _failed(outcome, [file], explain(error, target, "delete the recording"))
        return
    except (
        PlaylistUnavailable
    ) as error:  # its segments unknown: deleting the playlist would orphan them
        _unclaim(file)
        _failed(outcome, [file], str(error))
        return
    outcome.deleted += 1
    outcome.deleted_bytes += file.size
    audit(
        action="retention.delete",
        actor_label=outcome.started_by_label,
        obj=file,
        task=file.task.task_id,
        room=file.task.room.room_id,
        bucket=target.bucket,
        key=file.object_key,
        objects=len(keys),
        size=file.size,
        recorded=file.created_at.isoformat(),
        retention_days=outcome.days,
    )


def _unclaim(file: RecordingFile) -> None:
    RecordingFile.objects.filter(pk=file.pk).update(deleted_at=None)


def _object_keys(file: RecordingFile) -> list[str]:
    """The file's objects: itself, for an HLS playlist the segments it lists (the media), and
    the speaker-activity sidecar beside it (each person's volume per second is theirs too)."""
    from playback.services import asks_sound_wave, file_format, segment_keys, sound_wave_key

    sidecar = [sound_wave_key(file)] if asks_sound_wave(file.task) else []
    if file_format(file) != "hls":
        return [*sidecar, file.object_key]
    return [*sidecar, *segment_keys(file), file.object_key]  # the playlist last: a retry finds it


def _delete_objects(target, keys: list[str]) -> None:
    from storage_profiles.s3 import client_for

    client = client_for(target)
    for key in keys:
        # DeleteObject succeeds for a key that is already gone: a retried run is harmless.
        client.delete_object(Bucket=target.bucket, Key=key)


def _failed(outcome: RetentionRun, files: list[RecordingFile], message: str) -> None:
    outcome.failed += len(files)
    logger.warning("retention: %d file(s) not deleted: %s", len(files), message)
    if len(outcome.errors) < MAX_ERRORS_KEPT:
        outcome.errors.append({"files": [f.file_id for f in files[:5]], "error": message})


def enqueue_due(now: datetime) -> list[str]:
    """For the scheduler: a run for each app with automatic deletion on, once a day."""
    from recordings import tasks

    enqueued = []
    apps = ZegoApp.objects.filter(
        is_active=True, retention_enabled=True, retention_days__isnull=False
    )
    for app in apps:
        if app.retention_enqueued_at and now - app.retention_enqueued_at < RUN_EVERY:
            continue
        # Claimed with a conditional update, so two schedulers never enqueue the same day twice.
        claimed = ZegoApp.objects.filter(
            pk=app.pk, retention_enqueued_at=app.retention_enqueued_at
        ).update(retention_enqueued_at=now)
        if claimed:
            tasks.apply_retention.enqueue(app.pk, scheduled=True)
            enqueued.append(f"retention:{app.pk}")
    return enqueued


def set_legal_hold(task: RecordingTask, *, held: bool, reason: str, user) -> None:
    task.legal_hold = held
    task.legal_hold_reason = reason if held else ""
    task.save(update_fields=["legal_hold", "legal_hold_reason", "updated_at"])
    audit(
        action="task.legal_hold" if held else "task.legal_hold_released",
        actor=user,
        obj=task,
        reason=reason,
    )
