"""Recording policies: saving them, and the periodic evaluation that starts and stops recordings.

Rules the evaluation keeps (README "Recording policies"):

- One recording per room at a time: nothing starts while any task of the room still runs.
- Every start's click token is derived from (policy, room, occasion, attempt), so evaluations
  that race — two workers, or one repeated — claim the same task through `recording_start`'s
  one-click-one-task rule; only the first sends StartRecord.
- A person's Stop holds for the rest of the occasion (the live session or the schedule window,
  whichever began last).
- After MAX_FAILED_STARTS starts in one occasion that ZEGO refused or that ended within
  SHORT_LIVED_SECONDS, the policy waits for the next occasion.
- One pass at a time (core.jobs.one_pass_at_a_time); one app's failure leaves the others alone.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

import zego
from accounts.audit import audit
from core.jobs import one_pass_at_a_time
from policies import schedule
from policies.models import (
    POLICY_ACTOR_PREFIX,
    PolicyOccasion,
    PolicyStart,
    RecordingPolicy,
)
from policies.scheduling import EVALUATION_JOB
from recordings import ledger, services
from recordings.models import RecordingTask, Room, TaskEvent
from recordings.start import StartOptions, request_problems

logger = logging.getLogger(__name__)

MAX_FAILED_STARTS = 3
# A recording that ends sooner than this after its start counts as a failed start.
SHORT_LIVED_SECONDS = 60
# A pass that began longer ago than this is taken for dead, and the next one runs.
EVALUATION_HOLD = timedelta(minutes=2)
# Namespace of the click tokens policies derive (uuid5), so repeats of one decision collide.
POLICY_CLICKS = uuid.UUID("5e0c2a6e-4f0b-4d43-9c39-7a2b1f3d8c10")


# ---------------------------------------------------------------------------------------------
# Saving


def policy_save(*, form, request) -> RecordingPolicy:
    creating = form.instance.pk is None
    with transaction.atomic():
        policy = form.save(commit=False)
        if creating:
            policy.created_by = request.user
        policy.save()
        audit(
            action="policy.create" if creating else "policy.update",
            request=request,
            obj=policy,
            app=policy.app.app_id,
            room=policy.room.room_id if policy.room else "",
            changed=form.changed_data,
        )
        if not creating:
            retime_running_starts(policy, timezone.now())
    return policy


def retime_running_starts(policy: RecordingPolicy, now: datetime) -> int:
    """After a policy's window is edited, its running recordings end with the new window: now if
    it no longer includes this moment, at its new close otherwise, and with no window at all when
    the schedule was removed. Returns how many were retimed."""
    running = PolicyStart.objects.filter(
        policy=policy,
        stop_at__isnull=False,
        stop_sent_at__isnull=True,
        task__status__in=RecordingTask.RUNNING_STATUSES,
    )
    if not policy.has_schedule:
        return running.update(stop_at=None)
    window = _window_for(policy, now)
    return running.update(stop_at=window.closes_at if window else now)


def policy_set_enabled(*, policy: RecordingPolicy, enabled: bool, request) -> RecordingPolicy:
    with transaction.atomic():
        policy.enabled = enabled
        policy.save(update_fields=["enabled", "updated_at"])
        audit(action="policy.enable" if enabled else "policy.disable", request=request, obj=policy)
    return policy


def policy_delete(*, policy: RecordingPolicy, request) -> None:
    with transaction.atomic():
        audit(action="policy.delete", request=request, obj=policy, app=policy.app.app_id)
        policy.delete()


# ---------------------------------------------------------------------------------------------
# Which policy applies to which room


def effective_policies() -> list[tuple[Room, RecordingPolicy]]:
    """Each room under an enabled policy, with the one that applies (its own before its app's)."""
    policies = list(
        RecordingPolicy.objects.filter(enabled=True, app__is_active=True).select_related(
            "app", "preset"
        )
    )
    app_wide = {policy.app_id: policy for policy in policies if policy.room_id is None}
    own = {policy.room_id: policy for policy in policies if policy.room_id is not None}
    rooms = Room.objects.filter(Q(app_id__in=app_wide) | Q(pk__in=own)).order_by("app", "room_id")
    pairs = []
    for room in rooms:
        policy = own.get(room.pk) or app_wide[room.app_id]
        room.app = policy.app  # one decrypted app per policy, not one per room
        pairs.append((room, policy))
    return pairs


# ---------------------------------------------------------------------------------------------
# What a policy records with


def start_options_for(policy: RecordingPolicy, room: Room) -> tuple[StartOptions | None, str]:
    """The options a start would send now, or None and why it cannot start."""
    profile = _storage_profile_for(policy)
    if profile is None:
        return None, "no usable storage profile"
    if policy.preset is not None:
        options = StartOptions.from_preset(policy.preset.options, storage_profile=profile)
    else:
        options = StartOptions(record_mode=2, storage_profile=profile)
    options.max_idle_time = policy.max_idle_time or policy.app.default_max_idle_time
    options.max_record_time = policy.max_record_time or policy.app.default_max_record_time
    consented = consented_streams(policy, room.streams)
    if not consented:
        return None, "nobody the policy may record is publishing"
    _select(options, policy, room.streams, consented)
    if problems := request_problems(options, room.room_id):
        return None, "ZEGO would refuse the start: " + "; ".join(problems)
    return options, ""


def _storage_profile_for(policy: RecordingPolicy):
    from storage_profiles.models import StorageProfile

    usable = StorageProfile.objects.usable()
    chosen = (policy.preset.options.get("storage_profile_id") if policy.preset else None) or None
    return (chosen and usable.filter(pk=chosen).first()) or usable.first()


def consented_streams(policy: RecordingPolicy, streams: list[dict]) -> list[str]:
    """The streams live now that the policy's consent list lets it record."""
    live = [stream["stream_id"] for stream in streams]
    if policy.consent == RecordingPolicy.Consent.EVERYONE:
        return live
    listed = _listed_streams(policy, streams)
    if policy.consent == RecordingPolicy.Consent.INCLUDE:
        return [stream for stream in live if stream in listed]
    return [stream for stream in live if stream not in listed]


def _listed_streams(policy: RecordingPolicy, streams: list[dict]) -> set[str]:
    if policy.consent_match == RecordingPolicy.MatchBy.USER_ID:
        users = set(policy.consent_ids)
        return {stream["stream_id"] for stream in streams if stream.get("user_id") in users}
    return set(policy.consent_ids)


def _select(
    options: StartOptions, policy: RecordingPolicy, streams: list[dict], consented: list[str]
) -> None:
    """Replace the preset's selection, which named another room's streams.

    With a consent list the start names the consented live streams outright: an empty
    selection would make ZEGO record every stream, those joining later included (whoever they
    are). The preset's drawn tiles are dropped whatever the consent, for the same reason.
    """
    options.room_streams = [stream["stream_id"] for stream in streams]
    options.exclude_streams = []
    everyone = policy.consent == RecordingPolicy.Consent.EVERYONE
    options.include_streams = [] if everyone else consented
    options.custom_tiles = []
    if options.mix_mode == zego.MixMode.CUSTOM:
        options.mix_mode = zego.MixMode.GRID  # custom without tiles names no stream at all


# ---------------------------------------------------------------------------------------------
# Evaluation


@dataclass
class EvaluationReport:
    rooms: int = 0
    started: list[int] = field(default_factory=list)  # task pks
    stopped: list[int] = field(default_factory=list)
    decisions: dict[str, str] = field(default_factory=dict)  # room id → what was decided
    skipped: str = ""  # why the pass did nothing at all


def policies_evaluate(*, now: datetime | None = None) -> EvaluationReport:
    """One pass: stop what a closed window ends, then start what each room's policy calls for.

    A pass enqueued while another still runs does nothing (core.jobs.one_pass_at_a_time).
    """
    now = now or timezone.now()
    report = EvaluationReport()
    with one_pass_at_a_time(EVALUATION_JOB, EVALUATION_HOLD) as held:
        if not held:
            report.skipped = "another evaluation is running"
            return report
        stop_closed_windows(now, report)
        _evaluate_rooms(now, report)
    return report


def _evaluate_rooms(now: datetime, report: EvaluationReport) -> None:
    pairs = effective_policies()
    unreadable = _refresh_stale_presence([room for room, _ in pairs])
    for room, policy in pairs:
        report.rooms += 1
        if room.pk in unreadable:
            report.decisions[room.room_id] = "its presence could not be refreshed (see the log)"
            continue
        try:
            report.decisions[room.room_id] = evaluate_room(room, policy, now, report)
        except Exception:
            # One room's surprise must not keep the other rooms from being recorded.
            logger.exception("policy %s: evaluating room %s failed", policy.pk, room.room_id)
            report.decisions[room.room_id] = "failed (see the log)"


def _refresh_stale_presence(rooms: list[Room]) -> set[int]:
    """Ask ZEGO only about rooms whose cached presence is older than PRESENCE_MAX_AGE (the
    scheduler's own refresh usually keeps them fresh, so this rarely calls ZEGO).

    Returns the pks of the stale rooms whose app could not be asked: they are not evaluated on
    presence that old, and one app's failure leaves the other apps' rooms alone.
    """
    oldest_allowed = timezone.now() - timedelta(seconds=settings.PRESENCE_MAX_AGE)
    stale: dict[int, list[Room]] = {}
    for room in rooms:
        if room.presence_refreshed_at is None or room.presence_refreshed_at < oldest_allowed:
            stale.setdefault(room.app_id, []).append(room)
    unreadable: set[int] = set()
    for app_rooms in stale.values():
        app = app_rooms[0].app
        try:
            services.presence_refresh(app=app, rooms=app_rooms)
        except Exception:
            logger.exception("policies: refreshing the presence of app %s failed", app.app_id)
            unreadable.update(room.pk for room in app_rooms)
    return unreadable


def evaluate_room(
    room: Room, policy: RecordingPolicy, now: datetime, report: EvaluationReport
) -> str:
    """Start a recording in the room if its policy calls for one now; say what was decided."""
    live = bool(room.streams)
    session = _track_session(room, live, now) if policy.on_first_publisher else None
    window = _window_for(policy, now)
    if policy.has_schedule and window is None:
        return "outside the schedule"
    if not live:
        return "nobody is publishing"
    if session is None and window is None:
        return "the policy has neither a first-publisher trigger nor a schedule"
    occasion = _current_occasion(room, session, window)
    # Read before the running check: a start another worker completes in between then shows as
    # a running task, or its click token equals ours; never as a new attempt number.
    attempts = list(occasion.starts.select_related("task"))
    if _room_is_recording(room):
        return "already recording"
    if _stopped_by_a_person(room, occasion, policy):
        return "a person stopped its recording during this " + occasion.get_kind_display().lower()
    if _failed_starts(attempts) >= MAX_FAILED_STARTS:
        return (
            f"{MAX_FAILED_STARTS} starts failed or ended within {SHORT_LIVED_SECONDS} s; "
            "waiting for the next occasion"
        )
    options, problem = start_options_for(policy, room)
    if options is None:
        return problem
    reason = _reason(policy, session, window)
    task = _start(policy, room, occasion, len(attempts), options, window, reason)
    if task is None:
        return "already recording"
    report.started.append(task.pk)
    return f"started task {task.pk}"


def _window_for(policy: RecordingPolicy, now: datetime) -> schedule.Window | None:
    if not policy.has_schedule:
        return None
    return schedule.window_at(
        days=policy.schedule_days,
        opens=policy.window_start,
        closes=policy.window_end,
        time_zone=policy.time_zone,
        now=now,
    )


def _track_session(room: Room, live: bool, now: datetime) -> PolicyOccasion | None:
    """The room's open live session: opened at the first publisher seen, closed when empty."""
    open_sessions = PolicyOccasion.objects.filter(
        room=room, kind=PolicyOccasion.Kind.SESSION, ended_at__isnull=True
    )
    if not live:
        open_sessions.update(ended_at=now)
        return None
    if session := open_sessions.first():
        return session
    try:
        with transaction.atomic():
            return PolicyOccasion.objects.create(
                room=room,
                kind=PolicyOccasion.Kind.SESSION,
                key=now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                began_at=now,
                events_before=_newest_event_id(),
            )
    except IntegrityError:
        return open_sessions.get()  # another worker saw the same first publisher first


def _current_occasion(
    room: Room, session: PolicyOccasion | None, window: schedule.Window | None
) -> PolicyOccasion:
    """Of the live session and the schedule window, the one that began last.

    A room can stay live for days: its session then began before today's window opened, and
    today's window is a new occasion (yesterday's Stop and failed starts do not carry over). A
    session that began within the window is the occasion, so a Stop holds until the room empties.
    """
    if window is None:
        return session
    scheduled = _window_occasion(room, window)
    if session is not None and session.began_at >= scheduled.began_at:
        return session
    return scheduled


def _window_occasion(room: Room, window: schedule.Window) -> PolicyOccasion:
    occasion, _ = PolicyOccasion.objects.get_or_create(
        room=room,
        kind=PolicyOccasion.Kind.WINDOW,
        key=window.key,
        defaults={"began_at": window.opens_at, "events_before": _newest_event_id()},
    )
    return occasion


def _newest_event_id() -> int:
    return TaskEvent.objects.aggregate(newest=Max("id"))["newest"] or 0


def _room_is_recording(room: Room) -> bool:
    return RecordingTask.objects.filter(
        room=room, status__in=RecordingTask.RUNNING_STATUSES
    ).exists()


def _stopped_by_a_person(room: Room, occasion: PolicyOccasion, policy: RecordingPolicy) -> bool:
    """Whether anyone but a policy asked to stop a recording this policy started in the room
    during the occasion. A person's own recordings are theirs to stop, and a policy saved anew
    (another policy, or this one deleted and made again) starts afresh.

    The asking is what counts, whatever ZEGO answered (an unanswered Stop may well have
    stopped it) and whether the person's account still exists (the event keeps their name).
    """
    return (
        TaskEvent.objects.filter(
            task__room=room,
            task__policy_start__policy=policy,
            pk__gt=occasion.events_before,
            kind=TaskEvent.Kind.API_CALL,
            action="StopRecord",
        )
        .exclude(actor_label__startswith=POLICY_ACTOR_PREFIX)
        .exists()
    )


def _failed_starts(attempts: list[PolicyStart]) -> int:
    return sum(_did_not_record(start.task) for start in attempts)


def _did_not_record(task: RecordingTask) -> bool:
    """ZEGO refused the start, or accepted it and the recording ended at once (each such start
    is a billed task: without counting them a pass would start one every few seconds)."""
    if task.status == RecordingTask.Status.FAILED_TO_START:
        return True
    if not task.is_final:
        return False
    ended_at = task.ended_at or task.updated_at
    return (ended_at - task.created_at).total_seconds() < SHORT_LIVED_SECONDS


def _reason(
    policy: RecordingPolicy, session: PolicyOccasion | None, window: schedule.Window | None
) -> str:
    parts = []
    if session is not None:
        parts.append("first publisher")
    if window is not None:
        parts.append(
            f"schedule {policy.days_display()} {policy.window_start:%H:%M}–"
            f"{policy.window_end:%H:%M} {policy.time_zone}"
        )
    return ", ".join(parts)


def _start(
    policy: RecordingPolicy,
    room: Room,
    occasion: PolicyOccasion,
    attempt: int,
    options: StartOptions,
    window: schedule.Window | None,
    reason: str,
) -> RecordingTask | None:
    """The task started, or None if a recording began in the room since the running check."""
    click = uuid.uuid5(POLICY_CLICKS, f"{policy.pk}:{room.pk}:{occasion.pk}:{attempt}")
    try:
        task = services.recording_start(
            app=policy.app,
            room=room,
            options=options,
            user=None,
            click_token=click,
            actor_label=policy.actor_label,
            only_if_idle=True,
        )
    except services.RoomBusy:
        return None
    record, created = PolicyStart.objects.get_or_create(
        task=task,
        defaults={
            "policy": policy,
            "policy_name": policy.name,
            "occasion": occasion,
            "attempt": attempt,
            "reason": reason[:300],
            "stop_at": window.closes_at if window else None,
        },
    )
    if created:
        _note_start(record, policy)
    return task


def _note_start(record: PolicyStart, policy: RecordingPolicy) -> None:
    """The task's timeline and the audit log say which policy started it, and why."""
    task = record.task
    ledger.apply(
        task,
        ledger.Observation(
            source=TaskEvent.Kind.API_CALL,
            action="Policy",
            actor_label=policy.actor_label,
            message=f"Started automatically by the recording policy “{policy.name}” "
            f"({record.reason}).",
            detail={"policy_id": policy.pk, "occasion": record.occasion.key},
        ),
    )
    audit(
        action="policy.start",
        actor_label=policy.actor_label,
        obj=task,
        policy_id=policy.pk,
        policy=policy.name,
        room=task.room.room_id,
        reason=record.reason,
        status=task.status,
    )


# ---------------------------------------------------------------------------------------------
# Closing windows


def stop_closed_windows(now: datetime, report: EvaluationReport) -> None:
    """Stop the recordings policies started for schedule windows that have closed.

    A disabled or deleted policy does nothing more, this included: its recordings then run
    until someone stops them or MaxRecordTime does.
    """
    due = PolicyStart.objects.filter(
        policy__enabled=True,
        stop_at__lte=now,
        stop_sent_at__isnull=True,
        task__status__in=RecordingTask.RUNNING_STATUSES,
    ).select_related("task__app", "task__room", "policy")
    for record in due:
        if record.task.can_stop() and _claim_stop(record, now):
            _stop(record, report)


def _claim_stop(record: PolicyStart, now: datetime) -> bool:
    """Only one evaluation sends the Stop (two workers may find the same closed window)."""
    return bool(
        PolicyStart.objects.filter(pk=record.pk, stop_sent_at__isnull=True).update(stop_sent_at=now)
    )


def _stop(record: PolicyStart, report: EvaluationReport) -> None:
    try:
        services.recording_stop(task=record.task, user=None, actor_label=record.policy.actor_label)
    except services.ControlError as error:
        logger.warning("policy stop of task %s failed: %s", record.task.pk, error)
    except Exception:
        # One app's surprise (its client, its secrets) must not keep the other windows open.
        logger.exception("policy stop of task %s failed", record.task.pk)
    else:
        report.stopped.append(record.task.pk)
        return
    PolicyStart.objects.filter(pk=record.pk).update(stop_sent_at=None)  # try again next pass
