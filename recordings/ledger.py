"""The one state machine: every source of truth about a task goes through `apply`.

Our own calls' replies, callbacks and polls become an `Observation`; `apply` locks the task,
records the observation once (dedupe key), moves the status only forwards (recording ⇄ paused
ordered by callback sequence), upserts files with monotonic upload status, and recomputes the
task's problems.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

import zego
from recordings.models import RecordingFile, RecordingTask, TaskEvent

logger = logging.getLogger(__name__)
Status = RecordingTask.Status

ZEGO_STATUS = {
    zego.TaskStatus.INITIALISING: Status.INITIALISING,
    zego.TaskStatus.RECORDING: Status.RECORDING,
    zego.TaskStatus.ENDED: Status.ENDED,
    zego.TaskStatus.ENDED_ABNORMALLY: Status.ENDED_ABNORMALLY,
    zego.TaskStatus.PAUSED: Status.PAUSED,
}

QUIT_REASONS = {
    1: "the recorder failed to start (ZEGO suggests retrying)",
    2: "the recorder could not log into the room",
    3: "nobody published for longer than MaxIdleTime",
    4: "MaxRecordTime was reached",
    5: "the recording engine failed to start",
    6: "the recorder lost its network connection",
    1001: "an unknown ZEGO error",
    1002: "the file name was too long (shorten the room or stream ids)",
    1003: "ZEGO could not open the output file",
    1004: "the recorder ran out of disk",
    1005: "the recording engine failed to initialise",
    1006: "writing the file header failed",
    1007: "a write error (EBADF)",
    1008: "a write error (EIO)",
    1009: "an internal channel error",
    1010: "the output format is not supported",
    1011: "an illegal recorder state",
}

# Quit reasons that are the normal end of a task's life rather than a fault.
ROUTINE_QUIT_REASONS = {3, 4}

# Upload statuses only move up: recording → uploading → failed (backup or lost) → uploaded. A file
# rescued from ZEGO's backup (4 → 3) therefore stays uploaded whatever a later poll repeats.
UPLOAD_RANK = {1: 0, 2: 1, 4: 2, 5: 2, 3: 3}


def quit_reason_text(reason: int | None) -> str:
    if reason is None:
        return ""
    return QUIT_REASONS.get(int(reason), f"quit reason {reason}")


@dataclass
class Observation:
    source: str  # TaskEvent.Kind value
    action: str
    status: str | None = None
    files: list[zego.RecordFile] = field(default_factory=list)
    sequence: int | None = None
    dedupe_key: str | None = None
    quit_reason: int | None = None
    upload_result: int | None = None
    began_at: datetime | None = None
    ended_at: datetime | None = None
    end_callback: bool = False
    sticky_problem: dict | None = None
    message: str = ""
    zego_code: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    actor: Any = None
    actor_label: str = ""  # who acted when it was no person (e.g. a recording policy)
    record_when_unchanged: bool = True
    live_playlist: str | None = None  # file_id of an HLS playlist uploading while recording


@dataclass
class Outcome:
    task: RecordingTask
    applied: bool
    duplicate: bool = False
    changed: bool = False


def next_status(task: RecordingTask, target: str | None, sequence: int | None) -> str:
    current = task.status
    if target is None or target == current or current in RecordingTask.FINAL_STATUSES:
        return current
    rank = RecordingTask.RANK
    if rank[target] > rank[current]:
        return target
    toggling = {current, target} == {Status.RECORDING, Status.PAUSED}
    if toggling and (sequence is None or sequence > task.toggle_sequence):
        return target
    return current


def apply(task: RecordingTask, observation: Observation) -> Outcome:
    """Apply one observation to a task, atomically; safe to call with duplicates and stale news."""
    try:
        with transaction.atomic():
            locked = RecordingTask.objects.select_for_update().get(pk=task.pk)
            if (
                observation.dedupe_key
                and locked.events.filter(dedupe_key=observation.dedupe_key).exists()
            ):
                return Outcome(task=locked, applied=False, duplicate=True)
            return _apply_locked(locked, observation)
    except IntegrityError:
        # A concurrent delivery of the same fact won the race to record it.
        return Outcome(task=RecordingTask.objects.get(pk=task.pk), applied=False, duplicate=True)


def _apply_locked(task: RecordingTask, observation: Observation) -> Outcome:
    before = task.status
    now = timezone.now()
    task.status = next_status(task, observation.status, observation.sequence)
    if _holds_toggle(task, observation):
        task.toggle_sequence = max(task.toggle_sequence, observation.sequence)
    _note_times(task, observation, now)
    files_changed = upsert_files(task, observation.files, now)
    if observation.live_playlist:
        mark_live(task, observation.live_playlist, now)
    if observation.source == TaskEvent.Kind.CALLBACK:
        task.last_callback_at = now
        task.callbacks_received += 1
        task.end_callback_received |= observation.end_callback
    if observation.source == TaskEvent.Kind.POLL:
        task.last_polled_at = now
        if task.is_final and task.end_seen_by_poll_at is None:
            task.end_seen_by_poll_at = now
    if observation.sticky_problem:
        task.problems = [*_sticky(task.problems), observation.sticky_problem]
    task.problems = compute_problems(task, now, files_changed=bool(files_changed))
    task.save()

    changed = task.status != before or files_changed == NOTABLE
    if changed or observation.record_when_unchanged:
        TaskEvent.objects.create(
            task=task,
            kind=observation.source,
            action=observation.action,
            actor=observation.actor,
            actor_label=observation.actor_label
            or (observation.actor.get_username() if observation.actor else ""),
            status_before=before,
            status_after=task.status,
            zego_code=observation.zego_code,
            message=observation.message[:500],
            detail=observation.detail,
            sequence=observation.sequence,
            dedupe_key=observation.dedupe_key,
        )
    return Outcome(task=task, applied=True, changed=changed)


def _holds_toggle(task: RecordingTask, observation: Observation) -> bool:
    """A sequenced pause/resume whose state now holds becomes the newest toggle seen."""
    return (
        observation.sequence is not None
        and observation.status in (Status.RECORDING, Status.PAUSED)
        and task.status == observation.status
    )


def _note_times(task: RecordingTask, observation: Observation, now: datetime) -> None:
    if observation.began_at and not task.record_began_at:
        task.record_began_at = observation.began_at
    if task.is_final and not task.ended_at:
        task.ended_at = observation.ended_at or now
    if observation.quit_reason is not None:
        task.quit_reason = observation.quit_reason
    if observation.upload_result is not None:
        task.upload_result = observation.upload_result


# What upsert_files found: nothing new, details only (a growing size or duration), or something a
# person would want in the timeline (a new file, an upload status change).
UNCHANGED, DETAILS, NOTABLE = 0, 1, 2


FILE_TEXT_FIELDS = {
    "file_id": lambda task, reported: reported.file_id,
    "user_id": lambda task, reported: reported.user_id or "",
    "stream_id": lambda task, reported: reported.stream_id or "",
    "file_url": lambda task, reported: reported.file_url or "",
    "output_format": lambda task, reported: reported.output_file_format or "",
    "object_key": lambda task, reported: object_key_for(task, reported.file_id),
}


def oversized_file_field(task: RecordingTask, reported: zego.RecordFile) -> str:
    """Which reported value is longer than its column ("" if none): PostgreSQL would refuse the
    row, a 500 that ZEGO retries for ever."""
    for name, value_of in FILE_TEXT_FIELDS.items():
        value, limit = value_of(task, reported), RecordingFile._meta.get_field(name).max_length
        if len(value) > limit:
            return (
                f"{name} of {reported.file_id[:60]!r} is {len(value)} characters, more than {limit}"
            )
    return ""


def upsert_files(task: RecordingTask, files: list[zego.RecordFile], now: datetime) -> int:
    """Create or update files by name; upload status never moves backwards."""
    if not files:
        return UNCHANGED
    existing = {f.file_id: f for f in task.files.filter(file_id__in=[f.file_id for f in files])}
    change = UNCHANGED
    for reported in files:
        if not reported.file_id:
            continue
        if problem := oversized_file_field(task, reported):
            logger.warning("task %s: file left out: %s", task.task_id, problem)
            continue
        current = existing.get(reported.file_id) or RecordingFile(
            task=task, file_id=reported.file_id
        )
        was = (current.pk, current.upload_status)
        if _merge_file(current, reported, task, now):
            current.save()
            notable = was[0] is None or was[1] != current.upload_status
            change = max(change, NOTABLE if notable else DETAILS)
    return change


def mark_live(task: RecordingTask, file_id: str, now: datetime) -> None:
    """The file can be watched while the task records; the first announcement's time stands."""
    task.files.filter(file_id=file_id, live_since__isnull=True).update(live_since=now)


def _merge_file(current: RecordingFile, reported: zego.RecordFile, task, now) -> bool:
    new_status = int(reported.status or 1)
    old_status = current.upload_status if current.pk else 0
    if current.pk and UPLOAD_RANK.get(new_status, 0) < UPLOAD_RANK.get(old_status, 0):
        return False
    before = (current.upload_status, current.size, current.file_url, current.duration_ms)
    current.upload_status = new_status
    current.user_id = reported.user_id or current.user_id
    current.stream_id = reported.stream_id or current.stream_id
    current.file_url = reported.file_url or current.file_url
    current.output_format = reported.output_file_format or current.output_format
    current.size = reported.file_size or current.size
    current.duration_ms = reported.duration or current.duration_ms
    current.width = reported.resolution_width or current.width
    current.height = reported.resolution_height or current.height
    current.media_track_type = int(reported.media_track_type or 0) or current.media_track_type
    current.began_at = reported.begins_at or current.began_at
    current.object_key = current.object_key or object_key_for(task, reported.file_id)
    if new_status == RecordingFile.UploadStatus.IN_ZEGO_BACKUP and not current.backup_until:
        current.backup_until = now + timedelta(days=3)
    after = (current.upload_status, current.size, current.file_url, current.duration_ms)
    return current.pk is None or before != after


def object_key_for(task: RecordingTask, file_id: str) -> str:
    folder = task.request.get("RecordOutputParams", {}).get("OutputFolder", "")
    return f"{folder}{file_id}"


def _sticky(problems: list[dict]) -> list[dict]:
    return [p for p in problems if p.get("sticky")]


FILE_PROBLEM_CODES = {"in_backup", "upload_failed", "missing_in_bucket"}


def compute_problems(
    task: RecordingTask, now: datetime, *, files_changed: bool = True
) -> list[dict]:
    """What a support person should know is wrong with this task, in words.

    Files' problems are read again only when they may have changed (this apply touched files, or
    the task is past recording); otherwise the ones already found stand — a reconcile pass over a
    thousand live tasks then costs no query per task for them.
    """
    problems = _sticky(task.problems)
    age = now - task.created_at if task.created_at else timedelta(0)
    if task.status == Status.UNKNOWN:
        problems.append(
            problem(
                "outcome_unknown",
                "ZEGO did not answer StartRecord in time; looking for the task it may have created.",
            )
        )
    if task.status == Status.INITIALISING and age > timedelta(
        seconds=settings.RECORDING_STUCK_AFTER
    ):
        problems.append(
            problem(
                "stuck_initialising",
                f"Stuck initialising for {int(age.total_seconds() // 60)} min: nobody may be "
                "publishing in the room, or the recorder cannot join it.",
            )
        )
    if task.status == Status.ENDED_ABNORMALLY and task.quit_reason not in ROUTINE_QUIT_REASONS:
        reason = (
            quit_reason_text(task.quit_reason)
            or "ZEGO has not said why yet (its callback carries the reason)"
        )
        problems.append(problem("ended_abnormally", f"Ended abnormally: {reason}."))
    if _callbacks_missed(task, now):
        problems.append(
            problem(
                "no_callback",
                "ZEGO reports the task ended but no callback arrived within "
                f"{_seconds_in_words(settings.CALLBACK_GRACE_SECONDS)}: check the app's callback URL "
                "and callback secret. The status here comes from polling ZEGO.",
            )
        )
    if files_changed or task.status == Status.STOPPING or task.is_final:
        problems.extend(_file_problems(task))
    else:
        problems.extend(p for p in task.problems if p.get("code") in FILE_PROBLEM_CODES)
    return problems


def _seconds_in_words(seconds: int) -> str:
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


def _callbacks_missed(task: RecordingTask, now: datetime) -> bool:
    seen = task.end_seen_by_poll_at
    grace = timedelta(seconds=settings.CALLBACK_GRACE_SECONDS)
    return bool(seen) and not task.end_callback_received and now - seen > grace


def _file_problems(task: RecordingTask) -> list[dict]:
    problems = []
    for file in task.files.all() if task.pk else []:
        if file.upload_status == RecordingFile.UploadStatus.IN_ZEGO_BACKUP:
            until = timezone.localtime(file.backup_until).strftime("%Y-%m-%d %H:%M %Z")
            problems.append(
                problem(
                    "in_backup",
                    f"Upload of {file.file_id} failed: the file is in ZEGO's backup storage until "
                    f"{until}. Fix the storage profile and fetch it before then.",
                )
            )
        elif file.upload_status == RecordingFile.UploadStatus.FAILED:
            problems.append(
                problem(
                    "upload_failed",
                    f"Upload of {file.file_id} failed to both your storage and ZEGO's backup.",
                )
            )
        elif file.missing_in_bucket:
            problems.append(
                problem(
                    "missing_in_bucket",
                    f"ZEGO reports {file.file_id} uploaded, but it is not in the bucket.",
                )
            )
    return problems


def problem(code: str, message: str, *, sticky: bool = False) -> dict:
    item = {"code": code, "message": message}
    if sticky:
        item["sticky"] = True
    return item
