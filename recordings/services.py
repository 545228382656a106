"""Multi-step work touching the database and ZEGO. Views call these; these call `ledger.apply`."""

from __future__ import annotations

import json
import logging
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

import zego
from accounts.audit import audit
from accounts.models import AuditEntry
from recordings import ledger
from recordings.ledger import ZEGO_STATUS, Observation, problem
from recordings.models import (
    CallbackReceipt,
    RecordingFile,
    RecordingTask,
    Room,
    TaskEvent,
    ZegoApp,
)
from recordings.start import StartOptions
from recordings.zego_clients import callback_url_for, client_for, explain
from zego.constants import PER_ROOM_MIN_INTERVAL_SECONDS

logger = logging.getLogger(__name__)
Status = RecordingTask.Status
Kind = TaskEvent.Kind

# StopRecord on a task ZEGO already ended: the goal (a stopped task) is met.
ALREADY_ENDED_CODE = 300001001
QUERY_WINDOW = timedelta(days=3)
# ZEGO answers one DescribeSimpleStreamList per room per 10 s (API notes §7.1).
STREAM_LIST_ROOM_WINDOW = timedelta(
    seconds=PER_ROOM_MIN_INTERVAL_SECONDS[zego.Action.DESCRIBE_SIMPLE_STREAM_LIST]
)


class ControlError(Exception):
    """A control action ZEGO refused or could not be reached for; the message is for people."""


# ---------------------------------------------------------------------------------------------
# Rooms


def room_add(*, app: ZegoApp, room_id: str, label: str = "", user=None) -> tuple[Room, bool]:
    """The app's room with that ID and whether this call added it (an existing one is left as is)."""
    room, created = Room.objects.get_or_create(
        app=app, room_id=room_id, defaults={"label": label, "added_by": user}
    )
    if created:
        audit(action="room.add", actor=user, obj=room, app=app.app_id)
    return room, created


def presence_refresh(*, app: ZegoApp, rooms: list[Room] | None = None) -> int:
    """Read streams and head counts from ZEGO into the cache fields of those of the app's rooms
    (or of `rooms`) ZEGO will answer about now; returns how many rooms were asked about.

    Every caller (scheduler, rooms page, policies) comes through here, so the per-room limit is
    kept whoever asks: an idle console causes no refusals of its own.
    """
    candidates = rooms if rooms is not None else list(app.rooms.all())
    previously = {room.pk: room.presence_refreshed_at for room in candidates}
    rooms, claimed_at = _claim_for_stream_list(candidates)
    if not rooms:
        return 0
    answered: list[Room] = []
    try:
        client = client_for(app)
        counts = _user_counts(client, [room.room_id for room in rooms])
        for room in rooms:
            _read_presence(client, room, counts)
            answered.append(room)
    finally:
        # Whatever happens (the database, a killed worker), what was read is kept, and a room
        # not asked about is not left looking freshly read with old streams.
        Room.objects.bulk_update(
            answered, ["streams", "user_count", "presence_refreshed_at", "presence_error"]
        )
        for room in rooms[len(answered) + 1 :]:
            Room.objects.filter(pk=room.pk, presence_refreshed_at=claimed_at).update(
                presence_refreshed_at=previously[room.pk]
            )
    return len(rooms)


def _read_presence(client: zego.Client, room: Room, counts: dict[str, int]) -> None:
    try:
        streams = client.describe_simple_stream_list(room.room_id).streams
    except zego.ZegoError as error:
        # A refusal here is someone else's query (e.g. another system on this AppID).
        room.presence_error = explain(error)[:300]
    else:
        room.streams = [
            {"stream_id": s.stream_id, "user_id": s.user_id, "user_name": s.user_name}
            for s in streams
        ]
        room.presence_error = ""
    room.user_count = counts.get(room.room_id, room.user_count)
    # After the answer: ZEGO's window started when it got the query, a little earlier.
    room.presence_refreshed_at = timezone.now()


def _claim_for_stream_list(rooms: list[Room]) -> tuple[list[Room], datetime]:
    """The rooms not asked about within ZEGO's per-room window, now marked as asked about (at
    the time returned).

    One conditional UPDATE, so of two callers at the same moment only one asks about a room.
    """
    now = timezone.now()
    askable = Q(presence_refreshed_at__isnull=True) | Q(
        presence_refreshed_at__lte=now - STREAM_LIST_ROOM_WINDOW
    )
    pks = [room.pk for room in rooms]
    if not rooms or not Room.objects.filter(askable, pk__in=pks).update(presence_refreshed_at=now):
        return [], now
    claimed = set(
        Room.objects.filter(pk__in=pks, presence_refreshed_at=now).values_list("pk", flat=True)
    )
    return [room for room in rooms if room.pk in claimed], now


def _user_counts(client: zego.Client, room_ids: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for start in range(0, len(room_ids), 10):  # DescribeUserNum takes up to 10 rooms
        try:
            result = client.describe_user_num(room_ids[start : start + 10])
        except zego.ZegoError:
            continue
        for item in result.rooms:
            # People only: ZEGO counts admin users (the cloud recorder, moderation bots) too.
            counts[item.room_id] = max(item.user_count - item.admin_user_count, 0)
    return counts


def presence_is_stale(app: ZegoApp) -> bool:
    oldest_allowed = timezone.now() - timedelta(seconds=settings.PRESENCE_MAX_AGE)
    return app.rooms.filter(
        Q(presence_refreshed_at__isnull=True) | Q(presence_refreshed_at__lt=oldest_allowed)
    ).exists()


# ---------------------------------------------------------------------------------------------
# Starting


def recording_start(
    *,
    app: ZegoApp,
    room: Room,
    options: StartOptions,
    user,
    click_token: uuid.UUID,
    actor_label: str = "",
    only_if_idle: bool = False,
) -> RecordingTask:
    """Start one task for one click. A repeated click returns the task the first one made.

    `actor_label` names who started it when no person did (e.g. "policy: Weekdays").
    `only_if_idle` raises RoomBusy when the room already records (an automatic start must not
    add a second recording to one a person started a moment before).
    """
    task, created = _claim_click(app, room, options, user, click_token, actor_label, only_if_idle)
    if not created:
        return task
    client = client_for(app)
    params = options.zego_params(
        storage_params=_storage_params(options), callback_url=callback_url_for(app)
    )
    try:
        result = client.start_record(room.room_id, **params)
    except zego.ZegoOutcomeUnknownError as error:
        ledger.apply(task, _start_observation(user, actor_label, Status.UNKNOWN, error))
        audit(
            action="recording.start",
            actor=user,
            actor_label=actor_label,
            obj=task,
            outcome=AuditEntry.Outcome.FAILED,
            note="outcome unknown",
        )
        return adopt_started_task(task)
    except zego.ZegoError as error:
        outcome = ledger.apply(
            task, _start_observation(user, actor_label, Status.FAILED_TO_START, error)
        )
        RecordingTask.objects.filter(pk=task.pk).update(error_message=explain(error)[:500])
        audit(
            action="recording.start",
            actor=user,
            actor_label=actor_label,
            obj=task,
            outcome=AuditEntry.Outcome.FAILED,
            error=explain(error),
        )
        outcome.task.refresh_from_db()
        return outcome.task
    RecordingTask.objects.filter(pk=task.pk).update(task_id=result.task_id)
    task.task_id = result.task_id
    outcome = ledger.apply(
        task,
        Observation(
            source=Kind.API_CALL,
            action="StartRecord",
            status=Status.INITIALISING,
            actor=user,
            actor_label=actor_label,
            zego_code=0,
            message=f"ZEGO created task {result.task_id}",
            detail={"request_id": result.request_id},
        ),
    )
    audit(
        action="recording.start",
        actor=user,
        actor_label=actor_label,
        obj=outcome.task,
        task_id=result.task_id,
    )
    return outcome.task


class RoomBusy(Exception):
    """The room already has a recording running (or starting)."""


def _claim_click(
    app, room, options: StartOptions, user, click_token, actor_label: str, only_if_idle: bool
) -> tuple[RecordingTask, bool]:
    try:
        with transaction.atomic():
            # Starts in one room take turns here, so an only-if-idle start sees any other start
            # claimed before it (on SQLite the IMMEDIATE transaction serialises them already).
            Room.objects.select_for_update().filter(pk=room.pk).exists()
            if only_if_idle and _another_recording(room, click_token):
                raise RoomBusy(room.room_id)
            task, created = RecordingTask.objects.get_or_create(
                click_token=click_token,
                defaults={
                    "app": app,
                    "room": room,
                    "record_mode": options.record_mode,
                    "stream_type": options.stream_type,
                    "output_format": options.output_format,
                    "storage_profile": options.storage_profile,
                    "request": options.request_for_ledger(callback_url_for(app)),
                    "layout": options.layout_for_ledger(),
                    "max_idle_time": options.max_idle_time,
                    "max_record_time": options.max_record_time,
                    "started_by": user,
                    "started_by_label": actor_label or (user.get_username() if user else ""),
                },
            )
    except IntegrityError:
        return RecordingTask.objects.get(click_token=click_token), False
    return task, created


def _another_recording(room: Room, click_token: uuid.UUID) -> bool:
    running = RecordingTask.objects.filter(room=room, status__in=RecordingTask.RUNNING_STATUSES)
    return running.exclude(click_token=click_token).exists()


def _storage_params(options: StartOptions) -> dict:
    from storage_profiles.services import storage_params_for

    return storage_params_for(options.storage_profile)


def _start_observation(user, actor_label: str, status: str, error: zego.ZegoError) -> Observation:
    return Observation(
        source=Kind.API_CALL,
        action="StartRecord",
        status=status,
        actor=user,
        actor_label=actor_label,
        zego_code=getattr(error, "code", None),
        message=explain(error),
    )


def adopt_started_task(task: RecordingTask) -> RecordingTask:
    """After an unanswered StartRecord, find the task ZEGO created for this click and adopt it."""
    task = RecordingTask.objects.select_related("app", "room").get(pk=task.pk)
    if task.task_id or task.status != Status.UNKNOWN:
        return task
    if _another_start_in_flight(task):
        return task  # its answer will name the task it made: wait for it before choosing ours
    try:
        candidate = _find_unclaimed_task(task)
    except zego.ZegoError as error:
        logger.warning("adoption lookup for task %s failed: %s", task.pk, error)
        return task
    if candidate is None:
        return _give_up_if_too_old(task)
    try:
        with transaction.atomic():
            RecordingTask.objects.filter(pk=task.pk, task_id__isnull=True).update(
                task_id=candidate.task_id
            )
    except IntegrityError:
        return task  # another click's ledger entry already holds that TaskId
    task.task_id = candidate.task_id
    outcome = ledger.apply(
        task,
        Observation(
            source=Kind.POLL,
            action="Adopted",
            status=ZEGO_STATUS.get(candidate.status, Status.INITIALISING),
            message=f"Found task {candidate.task_id} that ZEGO created for this click; adopted it.",
        ),
    )
    replay_unmatched_callbacks(outcome.task)
    return outcome.task


# Longer than a StartRecord can wait for its answer (ZEGO_TIMEOUT and the client's retries).
START_IN_FLIGHT = timedelta(seconds=60)


def _unanswered_starts(task: RecordingTask):
    """Other starts in the task's room that have no TaskId yet: asked, or answered unknown."""
    return RecordingTask.objects.filter(
        app=task.app,
        room=task.room,
        task_id__isnull=True,
        status__in=(Status.STARTING, Status.UNKNOWN),
    ).exclude(pk=task.pk)


def _another_start_in_flight(task: RecordingTask) -> bool:
    recent = timezone.now() - START_IN_FLIGHT
    return _unanswered_starts(task).filter(status=Status.STARTING, created_at__gt=recent).exists()


def _find_unclaimed_task(task: RecordingTask) -> zego.TaskSummary | None:
    """The earliest task ZEGO began in the room since this click that no click holds, and that no
    later unanswered click in the room could have made (ZEGO begins a task after its request, so
    a task that began after a later click's request is that click's as much as ours)."""
    client = client_for(task.app)
    since_ms = int((task.created_at - timedelta(seconds=30)).timestamp() * 1000)
    known = set(
        RecordingTask.objects.filter(app=task.app, task_id__isnull=False).values_list(
            "task_id", flat=True
        )
    )
    later_clicks = [
        int(created_at.timestamp() * 1000)
        for created_at in _unanswered_starts(task)
        .filter(created_at__gt=task.created_at)
        .values_list("created_at", flat=True)
    ]
    candidates = [
        summary
        for status in (zego.DescribeTasksStatus.RECORDING, zego.DescribeTasksStatus.ENDED)
        for summary in client.iter_tasks(status, room_id=task.room.room_id, start_time=since_ms)
        if summary.task_id not in known
        and summary.record_begin_timestamp >= since_ms
        and not any(click < summary.record_begin_timestamp for click in later_clicks)
    ]
    return min(candidates, key=lambda s: s.record_begin_timestamp, default=None)


def _give_up_if_too_old(task: RecordingTask) -> RecordingTask:
    if timezone.now() - task.created_at < timedelta(seconds=settings.RECORDING_STUCK_AFTER):
        return task
    return ledger.apply(
        task,
        Observation(
            source=Kind.POLL,
            action="Adoption",
            status=Status.FAILED_TO_START,
            message="ZEGO never reported a task for this click: it did not start.",
        ),
    ).task


# ---------------------------------------------------------------------------------------------
# Controlling


def recording_stop(*, task: RecordingTask, user, actor_label: str = "") -> RecordingTask:
    def call(client):
        try:
            client.stop_record(task.task_id)
        except zego.ZegoError as error:
            if getattr(error, "code", None) != ALREADY_ENDED_CODE:
                raise
            return "ZEGO says the task had already ended."
        return "Stop requested; ZEGO is uploading the files."

    return _control(
        task, user, "StopRecord", "recording.stop", call, Status.STOPPING, actor_label=actor_label
    )


def recording_pause(*, task: RecordingTask, user) -> RecordingTask:
    return _control(
        task,
        user,
        "PauseRecord",
        "recording.pause",
        lambda c: c.pause_record(task.task_id),
        Status.PAUSED,
    )


def recording_resume(*, task: RecordingTask, user) -> RecordingTask:
    return _control(
        task,
        user,
        "ResumeRecord",
        "recording.resume",
        lambda c: c.resume_record(task.task_id),
        Status.RECORDING,
    )


def recording_snapshot(*, task: RecordingTask, user) -> RecordingTask:
    def call(client):
        client.take_snapshot(task.task_id)
        return "Snapshot requested; the picture appears with the files when ZEGO has uploaded it."

    return _control(task, user, "TakeSnapshot", "recording.snapshot", call, None)


def recording_update_whiteboard(*, task: RecordingTask, user, whiteboard_id: str) -> RecordingTask:
    def call(client):
        client.update_whiteboard(task.task_id, whiteboard_id=whiteboard_id)
        return f"Now recording whiteboard {whiteboard_id}."

    return _control(
        task,
        user,
        "UpdateWhiteboard",
        "recording.whiteboard",
        call,
        None,
        whiteboard_id=whiteboard_id,
    )


def _control(
    task, user, action, audit_action, call, target_status, actor_label: str = "", **detail
) -> RecordingTask:
    try:
        message = call(client_for(task.app))
    except zego.ZegoError as error:
        words = explain(error)
        ledger.apply(
            task,
            Observation(
                source=Kind.API_CALL,
                action=action,
                actor=user,
                actor_label=actor_label,
                zego_code=getattr(error, "code", None),
                message=f"Failed: {words}",
                detail=detail,
            ),
        )
        audit(
            action=audit_action,
            actor=user,
            actor_label=actor_label,
            obj=task,
            outcome=AuditEntry.Outcome.FAILED,
            error=words,
            **detail,
        )
        raise ControlError(words) from error
    outcome = ledger.apply(
        task,
        Observation(
            source=Kind.API_CALL,
            action=action,
            status=target_status,
            actor=user,
            actor_label=actor_label,
            zego_code=0,
            message=message if isinstance(message, str) else "",
            detail=detail,
        ),
    )
    audit(
        action=audit_action,
        actor=user,
        actor_label=actor_label,
        obj=outcome.task,
        task_id=task.task_id,
        **detail,
    )
    return outcome.task


# ---------------------------------------------------------------------------------------------
# Callbacks


@dataclass
class CallbackResult:
    verdict: str
    http_status: int
    reason: str = ""  # why a callback was refused, in words


def callback_ingest(*, app_id: str, body: bytes, remote_addr: str | None = None) -> CallbackResult:
    """Verify, store raw, deduplicate and apply one ZEGO callback."""
    app = (
        ZegoApp.objects.filter(app_id=app_id).order_by().first() if str(app_id).isdigit() else None
    )
    receipt = CallbackReceipt(
        app=app, raw_body=body.decode("utf-8", "replace")[:100_000], remote_addr=remote_addr
    )
    event, verdict, reason = _verify(app, body)
    if event is not None:
        receipt.event_type = event.event_type if isinstance(event.event_type, int) else None
    if verdict is None:
        task = (
            RecordingTask.objects.filter(app=app, task_id=event.task_id)
            .only("pk")
            .order_by()
            .first()
        )
        receipt.task = task
        if task is None:
            verdict = CallbackReceipt.Verdict.UNKNOWN_TASK
        elif reason := _task_problem(task, event):
            verdict = CallbackReceipt.Verdict.MALFORMED
        else:
            outcome = ledger.apply(task, observation_from_callback(event))
            verdict = (
                CallbackReceipt.Verdict.DUPLICATE
                if outcome.duplicate
                else CallbackReceipt.Verdict.APPLIED
            )
    receipt.verdict = verdict
    receipt.save()
    if verdict in REJECTED_VERDICTS:
        logger.warning(
            "rejected ZEGO callback for app %s from %s: %s %s", app_id, remote_addr, verdict, reason
        )
    return CallbackResult(
        verdict=verdict, http_status=REJECTED_VERDICTS.get(verdict, 200), reason=reason
    )


REJECTED_VERDICTS = {
    CallbackReceipt.Verdict.FORGED: 401,
    CallbackReceipt.Verdict.STALE: 401,
    CallbackReceipt.Verdict.MALFORMED: 400,
    CallbackReceipt.Verdict.UNKNOWN_APP: 404,
}


def _verify(app: ZegoApp | None, body: bytes) -> tuple[zego.CallbackEvent | None, str | None, str]:
    """The parsed event, and the verdict refusing it (None if it may be applied) with why."""
    Verdict = CallbackReceipt.Verdict
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None, Verdict.MALFORMED, "the body is not JSON"
    if not isinstance(payload, dict):
        return None, Verdict.MALFORMED, "the body is not a JSON object"
    event = zego.parse_callback(payload)
    if app is None:
        return event, Verdict.UNKNOWN_APP, ""
    if not zego.verify_callback(app.callback_secret, event.timestamp, event.nonce, event.signature):
        return event, Verdict.FORGED, ""
    if not zego.callback_timestamp_fresh(
        event.timestamp, window=settings.CALLBACK_TIMESTAMP_WINDOW
    ):
        return event, Verdict.STALE, ""
    if event.app_id != app.app_id or not event.task_id:
        return event, Verdict.MALFORMED, "app_id or task_id does not match"
    if problem := _detail_problem(event):
        return event, Verdict.MALFORMED, problem
    return event, None, ""


def _detail_problem(event: zego.CallbackEvent) -> str:
    """What is wrong with the detail of an event whose detail we act on ("" if nothing)."""
    if event.event_type == zego.CallbackEventType.HLS_PLAYLIST_READY:
        try:
            event.live_playlist  # noqa: B018 - parsing is the check
        except zego.BadCallbackDetail as error:
            return str(error)
    return ""


def _task_problem(task: RecordingTask, event: zego.CallbackEvent) -> str:
    """What makes a well-formed event wrong for this task ("" if nothing)."""
    if event.event_type == zego.CallbackEventType.HLS_PLAYLIST_READY:
        return live_playlist_problem(task, event.live_playlist)
    if event.event_type == zego.CallbackEventType.UPLOAD_RESULT:
        for reported in event.files:
            if problem := ledger.oversized_file_field(task, reported):
                return f"event 1 file_info: {problem}"
    return ""


def live_playlist_problem(task: RecordingTask, playlist: zego.LivePlaylist) -> str:
    """Why event 102 cannot be recorded for this task ("" if it can): the task did not ask for a
    live HLS upload; a value is longer than its column (PostgreSQL would refuse the row: a 500,
    which ZEGO retries); or a mixed task's playlist is not of its mixed output."""
    outputs = task.request.get("RecordOutputParams", {})
    output_format = str(outputs.get("OutputFileFormat", "mp4")).lower()
    if outputs.get("RealtimeUploadFragment") is not True or output_format != "hls":
        return (
            "event 102 for a task that did not ask for RealtimeUploadFragment with HLS output "
            f"(OutputFileFormat {output_format!r})"
        )
    values = {
        "file_id": playlist.file_id,
        "stream_id": playlist.stream_id,
        "file_url": playlist.file_url,
        "object_key": ledger.object_key_for(task, playlist.file_id),
    }
    for name, value in values.items():
        limit = RecordingFile._meta.get_field(name).max_length
        if len(value) > limit:
            return f"event 102 {name} is {len(value)} characters long, more than {limit}"
    mix_config = task.request.get("RecordInputParams", {}).get("MixConfig", {})
    mix_stream = mix_config.get("MixOutputStreamId", "")
    if task.is_mixed and mix_stream and playlist.stream_id not in ("", mix_stream):
        return (
            f"event 102 stream_id {playlist.stream_id[:40]!r} is not the mixed output "
            f"{mix_stream!r} of this mixed task"
        )
    return ""


# Callback names that the enum's name, capitalised, would get wrong.
CALLBACK_LABELS = {zego.CallbackEventType.HLS_PLAYLIST_READY: "HLS playlist ready"}


def callback_label(kind: zego.CallbackEventType | int | None) -> str:
    """The timeline's name for a callback event: "Upload result", "HLS playlist ready"."""
    if not isinstance(kind, zego.CallbackEventType):
        return f"Event {kind}"
    return CALLBACK_LABELS.get(kind) or kind.name.replace("_", " ").capitalize()


def observation_from_callback(event: zego.CallbackEvent) -> Observation:
    kind = event.event_type
    observation = Observation(
        source=Kind.CALLBACK,
        action=f"Callback: {callback_label(kind)}"[:40],
        sequence=event.sequence,
        dedupe_key=f"callback:{event.sequence}:{int(kind) if kind is not None else 'none'}",
        message=event.message,
        detail={"event_type": kind, "detail": event.detail},
    )
    Event = zego.CallbackEventType
    if kind == Event.UPLOAD_RESULT:
        files = event.files
        observation.files = files
        observation.upload_result = int(event.upload_status) if event.upload_status else None
        snapshots_only = bool(files) and all(f.output_file_format == "jpg" for f in files)
        if not snapshots_only:
            observation.status = Status.STOPPING
            observation.end_callback = True
    elif kind == Event.ENDED_ABNORMALLY:
        observation.status = Status.ENDED_ABNORMALLY
        observation.quit_reason = event.quit_reason
        observation.end_callback = True
        observation.message = f"Ended abnormally: {ledger.quit_reason_text(event.quit_reason)}"
    elif kind == Event.EXITED_NORMALLY:
        observation.status = Status.ENDED
        observation.end_callback = True
    elif kind == Event.STOPPED_UPLOADING:
        observation.status = Status.STOPPING
        observation.end_callback = True
    elif kind == Event.PAUSED:
        observation.status = Status.PAUSED
    elif kind == Event.RESUMED:
        observation.status = Status.RECORDING
    elif kind == Event.STREAM_NOT_FOUND:
        stream = event.detail.get("stream_id", "")
        observation.sticky_problem = problem(
            "stream_not_found", f"Stream {stream} asked for is not in the room.", sticky=True
        )
    elif kind == Event.IMAGE_DOWNLOAD_FAILED:
        observation.sticky_problem = problem(
            "image_failed",
            f"ZEGO could not download the image {event.detail.get('image_url', '')}; it was left out.",
            sticky=True,
        )
    elif kind == Event.ROOM_HAS_NO_STREAMS:
        observation.message = "The room has no streams; the task stops itself after MaxIdleTime."
    elif kind == Event.HLS_PLAYLIST_READY:
        playlist = event.live_playlist
        observation.files = [playlist.as_record_file()]
        observation.live_playlist = playlist.file_id
        observation.message = f"Watch live: ZEGO uploads {playlist.file_id} while it records."
    return observation


def replay_unmatched_callbacks(task: RecordingTask) -> int:
    """Apply callbacks that arrived before we knew this TaskId (e.g. during adoption)."""
    replayed = 0
    receipts = CallbackReceipt.objects.filter(
        app=task.app, verdict=CallbackReceipt.Verdict.UNKNOWN_TASK, task__isnull=True
    ).order_by("received_at")
    for receipt in receipts:
        payload = json.loads(receipt.raw_body)
        if payload.get("task_id") != task.task_id:
            continue
        event = zego.parse_callback(payload)
        receipt.task = task
        if problem_found := _task_problem(task, event):
            logger.warning("not replaying callback %s: %s", receipt.pk, problem_found)
            receipt.verdict = CallbackReceipt.Verdict.MALFORMED
        else:
            ledger.apply(task, observation_from_callback(event))
            receipt.verdict = CallbackReceipt.Verdict.APPLIED
            replayed += 1
        receipt.save(update_fields=["task", "verdict"])
    return replayed


# ---------------------------------------------------------------------------------------------
# Reconcile: keep the ledger true when callbacks are lost


@dataclass
class ReconcileReport:
    apps: int = 0
    tasks: int = 0
    status_calls: int = 0
    changed: int = 0
    errors: int = 0
    skipped: bool = False  # another process's pass was running


def tasks_needing_reconcile():
    horizon = timezone.now() - QUERY_WINDOW
    unsettled_files = Q(
        status__in=RecordingTask.FINAL_STATUSES,
        created_at__gte=horizon,
        files__upload_status__in=[
            RecordingFile.UploadStatus.RECORDING,
            RecordingFile.UploadStatus.UPLOADING,
        ],
    )
    # Ended tasks stay watched a while so a missing end callback is noticed and reported.
    awaiting_end_callback = Q(
        status__in=[Status.ENDED, Status.ENDED_ABNORMALLY],
        end_callback_received=False,
        ended_at__gte=timezone.now() - timedelta(seconds=settings.CALLBACK_GRACE_SECONDS + 600),
    )
    return (
        RecordingTask.objects.filter(
            Q(status__in=RecordingTask.RUNNING_STATUSES) | unsettled_files | awaiting_end_callback
        )
        .exclude(status=Status.STARTING, created_at__gte=timezone.now() - timedelta(seconds=60))
        .select_related("app", "room")
        .distinct()
    )


def reconcile_all() -> ReconcileReport:
    report = ReconcileReport()
    with one_reconcile_pass_at_a_time() as running:
        if not running:
            report.skipped = True
            return report
        _reconcile_everything(report)
    return report


# Two workers reconciling at once would each ask ZEGO about every task (double calls) and, each
# with its own in-process limiter, together exceed ZEGO's per-AppID QPS (found by
# tests/reliability/test_processes.py). One pass at a time; a concurrent pass has nothing to add.
RECONCILE_LOCK_KEY = 0x7265636F6E63  # "reconc"


@contextmanager
def one_reconcile_pass_at_a_time():
    """Yield True if this process may run a reconcile pass now (a PostgreSQL advisory lock,
    released with the session if the worker dies); SQLite is one host, one writer: always True."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RECONCILE_LOCK_KEY])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [RECONCILE_LOCK_KEY])


def _reconcile_everything(report: ReconcileReport) -> None:
    by_app: dict[int, list[RecordingTask]] = {}
    for task in tasks_needing_reconcile():
        by_app.setdefault(task.app_id, []).append(task)
    for tasks in by_app.values():
        report.apps += 1
        reconcile_app(tasks[0].app, tasks, report)


def reconcile_app(app: ZegoApp, tasks: list[RecordingTask], report: ReconcileReport) -> None:
    client = client_for(app)
    for task in tasks:
        if task.status in (Status.UNKNOWN, Status.STARTING) and not task.task_id:
            adopt_started_task(task)
    tracked = [task for task in tasks if task.task_id]
    if not tracked:
        return
    try:
        live = _live_tasks(client, min(task.created_at for task in tracked))
    except zego.ZegoError as error:
        logger.warning("reconcile: DescribeTasks failed for app %s: %s", app.app_id, error)
        report.errors += 1
        return
    for task in tracked:
        report.tasks += 1
        try:
            outcome = _reconcile_task(client, task, live.get(task.task_id), report)
        except zego.ZegoError as error:
            logger.warning("reconcile: task %s: %s", task.task_id, error)
            report.errors += 1
            continue
        report.changed += outcome.changed
    verify_uploaded_files(tracked)


def verify_uploaded_files(tasks: list[RecordingTask], limit: int = 200) -> int:
    """HEAD each newly uploaded file in its bucket; flag what ZEGO reports but the bucket lacks."""
    from storage_profiles.s3 import NotS3Reachable, object_state, s3_target_for

    files = RecordingFile.objects.filter(
        task__in=tasks,
        task__storage_profile__isnull=False,
        upload_status=RecordingFile.UploadStatus.UPLOADED,
        bucket_checked_at__isnull=True,
        deleted_at__isnull=True,
    ).select_related("task__storage_profile", "task__app", "task__room")[:limit]
    checked = 0
    for file in files:
        try:
            state = object_state(s3_target_for(file.task.storage_profile), file.object_key)
        except NotS3Reachable:
            continue  # VOD vendors: nothing to check in a bucket
        if state.found is None:
            logger.warning("bucket check of %s failed: %s", file.file_id, state.error)
            continue
        record_bucket_state(file, found=state.found)
        checked += 1
    return checked


def record_bucket_state(file: RecordingFile, *, found: bool) -> None:
    """Remember what the bucket said about a file; a missing one becomes a problem on its task."""
    RecordingFile.objects.filter(pk=file.pk).update(
        missing_in_bucket=not found, bucket_checked_at=timezone.now()
    )
    if found and not file.missing_in_bucket:
        return
    ledger.apply(
        file.task,
        Observation(
            source=Kind.PROBLEM,
            action="Bucket check",
            message=f"{file.file_id} is reported uploaded but is not in the bucket."
            if not found
            else f"{file.file_id} is back in the bucket.",
        ),
    )


def reconcile_one(task: RecordingTask) -> RecordingTask:
    """Bring one task up to date now (a person is watching it); same rules as the full pass."""
    if task.task_id is None:
        return adopt_started_task(task) if task.status == Status.UNKNOWN else task
    try:
        return _reconcile_task(client_for(task.app), task, None, ReconcileReport()).task
    except zego.ZegoError as error:
        logger.warning("reconcile: task %s: %s", task.task_id, error)
        return task


def task_is_settled(task: RecordingTask, files: list[RecordingFile]) -> bool:
    """Nothing more will change: final, every file's upload decided, and the end callback came
    (or the task already says it never did)."""
    if not task.is_final or any(
        f.upload_status not in RecordingFile.FINAL_UPLOAD_STATUSES for f in files
    ):
        return False
    if task.end_callback_received or task.status == Status.FAILED_TO_START:
        return True
    return any(problem["code"] == "no_callback" for problem in task.problems)


def watched_task_is_stale(task: RecordingTask) -> bool:
    """Worth asking ZEGO again for a task someone is looking at: unsettled and not polled lately."""
    if task_is_settled(task, list(task.files.all())):
        return False
    recent = timezone.now() - timedelta(seconds=settings.WATCHED_TASK_POLL_SECONDS)
    return task.last_polled_at is None or task.last_polled_at < recent


def _live_tasks(client: zego.Client, since: datetime) -> dict[str, zego.TaskSummary]:
    floor = timezone.now() - QUERY_WINDOW + timedelta(minutes=1)
    start_ms = int(max(since - timedelta(seconds=60), floor).timestamp() * 1000)
    return {
        s.task_id: s
        for s in client.iter_tasks(zego.DescribeTasksStatus.RECORDING, start_time=start_ms)
    }


def _reconcile_task(
    client, task: RecordingTask, summary: zego.TaskSummary | None, report
) -> ledger.Outcome:
    if (
        summary is not None
        and not task.is_final
        and ZEGO_STATUS.get(summary.status)
        not in (
            Status.ENDED,
            Status.ENDED_ABNORMALLY,
        )
    ):
        return ledger.apply(
            task,
            poll_observation(
                status=ZEGO_STATUS.get(summary.status),
                began_at=_ms(summary.record_begin_timestamp),  # the dashboard's minutes need it
            ),
        )
    report.status_calls += 1
    status = client.describe_record_status(task.task_id)
    return ledger.apply(
        task,
        poll_observation(
            status=ZEGO_STATUS.get(status.status),
            files=status.record_files,
            began_at=_ms(status.record_begin_timestamp),
            ended_at=_ms(status.record_end_timestamp),
        ),
    )


def poll_observation(*, status: str | None, files=(), began_at=None, ended_at=None) -> Observation:
    return Observation(
        source=Kind.POLL,
        action="Poll",
        status=status,
        files=list(files),
        began_at=began_at,
        ended_at=ended_at,
        message="Status from polling ZEGO",
        record_when_unchanged=False,
    )


def _ms(value: int) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, tz=UTC) if value else None
