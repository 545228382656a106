"""What each kind of alert rule watches: the conditions present now, one Finding per subject.

Each function reads the database only (stored task problems, file statuses, probe results,
counted ZEGO calls); evaluation compares the findings with the open alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from monitoring.callcounts import call_stats, describe_result_code
from monitoring.models import AlertRule
from recordings import ledger
from recordings.models import RecordingFile, RecordingTask
from storage_profiles.models import ProbeRun, StorageProfile

Status = RecordingTask.Status
Kind = AlertRule.Kind
# ZEGO answers queries only about tasks of the last 3 days; older ones cannot change any more.
RECENT = timedelta(days=3)


@dataclass(frozen=True)
class Finding:
    subject: str
    title: str
    message: str
    link: str = ""


def findings_for(rule: AlertRule, now: datetime) -> list[Finding]:
    return CONDITIONS[rule.kind](rule, now)


def _task_link(task: RecordingTask) -> str:
    return reverse("recordings:task_detail", args=[task.pk])


def _task_name(task: RecordingTask) -> str:
    return f"task {task.task_id or f'#{task.pk}'} in room {task.room.room_id}"


def recording_failed(rule: AlertRule, now: datetime) -> list[Finding]:
    """Tasks that failed to start or ended for a fault, for `minutes` after they ended."""
    tasks = (
        RecordingTask.objects.filter(
            app=rule.app,
            ended_at__gte=now - timedelta(minutes=rule.minutes),
            status__in=[Status.FAILED_TO_START, Status.ENDED_ABNORMALLY],
        )
        .exclude(status=Status.ENDED_ABNORMALLY, quit_reason__in=ledger.ROUTINE_QUIT_REASONS)
        .select_related("room")
    )
    return [
        Finding(
            subject=f"task:{task.pk}",
            title=f"{rule.app.name}: {_task_name(task)} {task.get_status_display().lower()}",
            message=_failure_words(task),
            link=_task_link(task),
        )
        for task in tasks
    ]


def _failure_words(task: RecordingTask) -> str:
    if task.status == Status.FAILED_TO_START:
        reason = task.error_message or "ZEGO never reported the task"
        return f"The recording of {_task_name(task)} failed to start: {reason}."
    reason = (
        ledger.quit_reason_text(task.quit_reason)
        or "ZEGO has not said why yet (its callback carries the reason)"
    )
    return f"The recording of {_task_name(task)} ended abnormally: {reason}."


def no_callback(rule: AlertRule, now: datetime) -> list[Finding]:
    """Tasks whose stored problems say the end callback never came, for `minutes` after they ended.

    ZEGO sends nothing while a recording runs normally (no "started" event, §6.1 of the API
    notes), so silence proves nothing until ZEGO, when polled, says the task ended and no end
    callback followed within CALLBACK_GRACE_SECONDS: the ledger's `no_callback` problem.
    """
    tasks = RecordingTask.objects.filter(
        app=rule.app,
        end_callback_received=False,
        end_seen_by_poll_at__isnull=False,
        # The problem appears only a grace period after the end; `minutes` counts from then.
        ended_at__gte=now
        - timedelta(minutes=rule.minutes, seconds=settings.CALLBACK_GRACE_SECONDS),
    ).select_related("room")
    return [
        Finding(
            subject=f"task:{task.pk}",
            title=f"{rule.app.name}: no end callback for {_task_name(task)}",
            message=f"Recording {_task_name(task)}: {problem['message']}",
            link=_task_link(task),
        )
        for task in tasks
        for problem in task.problems
        if problem.get("code") == "no_callback"
    ]


def stuck_initialising(rule: AlertRule, now: datetime) -> list[Finding]:
    """Tasks whose stored problems say they are stuck initialising (recordings.ledger)."""
    tasks = RecordingTask.objects.filter(app=rule.app, status=Status.INITIALISING).select_related(
        "room"
    )
    return [
        Finding(
            subject=f"task:{task.pk}",
            title=f"{rule.app.name}: {_task_name(task)} stuck initialising",
            message=problem["message"],
            link=_task_link(task),
        )
        for task in tasks
        for problem in task.problems
        if problem.get("code") == "stuck_initialising"
    ]


def backup_upload(rule: AlertRule, now: datetime) -> list[Finding]:
    """Files in ZEGO's backup storage (until fetched or expired) or lost, of recent tasks."""
    files = RecordingFile.objects.filter(
        Q(upload_status=RecordingFile.UploadStatus.IN_ZEGO_BACKUP, backup_until__gt=now)
        | Q(upload_status=RecordingFile.UploadStatus.FAILED, task__created_at__gte=now - RECENT),
        task__app=rule.app,
    ).select_related("task__room")
    return [_file_finding(rule, file) for file in files]


def _file_finding(rule: AlertRule, file: RecordingFile) -> Finding:
    task = file.task
    if file.upload_status == RecordingFile.UploadStatus.IN_ZEGO_BACKUP:
        until = timezone.localtime(file.backup_until).strftime("%Y-%m-%d %H:%M %Z")
        words = (
            f"Upload of {file.file_id} ({_task_name(task)}) to your bucket failed: the file is "
            f"in ZEGO's backup storage until {until}. Fix the storage profile, then use "
            "Fetch into bucket on the player before then."
        )
        title = f"{rule.app.name}: {file.file_id} is in ZEGO's backup storage"
    else:
        words = (
            f"Upload of {file.file_id} ({_task_name(task)}) failed to both your bucket and "
            "ZEGO's backup storage: the file is lost."
        )
        title = f"{rule.app.name}: upload of {file.file_id} failed"
    return Finding(subject=f"file:{file.pk}", title=title, message=words, link=_task_link(task))


def probe_failing(rule: AlertRule, now: datetime) -> list[Finding]:
    """Watched storage profiles whose last finished probe failed."""
    findings = []
    for profile in _watched_profiles(rule, now):
        run = profile.last_probe
        if run is None or run.status != ProbeRun.Status.FAILED:
            continue
        step = run.first_failure or {}
        findings.append(
            Finding(
                subject=f"profile:{profile.pk}",
                title=f"{rule.app.name}: storage probe of {profile.name} failing",
                message=f"The last probe of storage profile {profile.name} failed at "
                f"“{step.get('label', 'a step')}”: {step.get('detail') or 'no detail'}",
                link=reverse("storage_profiles:detail", args=[profile.pk]),
            )
        )
    return findings


def _watched_profiles(rule: AlertRule, now: datetime) -> list[StorageProfile]:
    profiles = StorageProfile.objects.select_related("last_probe")
    if rule.storage_profile_id:
        return list(profiles.filter(pk=rule.storage_profile_id))
    used = RecordingTask.objects.filter(
        app=rule.app, created_at__gte=now - RECENT, storage_profile__isnull=False
    ).values("storage_profile_id")
    return list(profiles.filter(Q(is_default=True) | Q(pk__in=used)))


def zego_error_rate(rule: AlertRule, now: datetime) -> list[Finding]:
    """The share of the app's ZEGO requests that failed in the last `minutes`."""
    stats = call_stats(rule.app_id, now - timedelta(minutes=rule.minutes))
    if stats.calls < rule.min_calls or stats.error_percent < rule.threshold_percent:
        return []
    commonest = "; ".join(
        f"{action}: {describe_result_code(code)} ×{count}"
        for action, code, count in stats.commonest_errors()
    )
    return [
        Finding(
            subject=f"app:{rule.app_id}",
            title=f"{rule.app.name}: {stats.error_percent:.0f}% of ZEGO calls failed",
            message=f"{stats.errors} of {stats.calls} ZEGO requests of {rule.app.name} failed in "
            f"the last {rule.minutes} min ({stats.error_percent:.0f}%, threshold "
            f"{rule.threshold_percent}%). Commonest: {commonest}.",
        )
    ]


CONDITIONS = {
    Kind.RECORDING_FAILED: recording_failed,
    Kind.NO_CALLBACK: no_callback,
    Kind.STUCK_INITIALISING: stuck_initialising,
    Kind.BACKUP_UPLOAD: backup_upload,
    Kind.PROBE_FAILING: probe_failing,
    Kind.ZEGO_ERROR_RATE: zego_error_rate,
}
