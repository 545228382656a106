"""Policies starting and stopping recordings against the emulator's rooms."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

import zego
from accounts.models import AuditEntry
from core.models import PeriodicJob
from policies import services
from policies.models import PolicyStart, RecordingPolicy
from recordings import services as recording_services
from recordings.models import RecordingPreset, RecordingTask, Room, TaskEvent, ZegoApp
from tests.recordings.conftest import mixed_options, wait_for

pytestmark = pytest.mark.django_db
S = RecordingTask.Status
EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]


def emulator_tasks(emulator, room_id="class-1"):
    return [t for t in emulator.control("GET", "tasks").json()["tasks"] if t["room_id"] == room_id]


def policy_tasks(room):
    return list(RecordingTask.objects.filter(room=room).order_by("pk"))


def set_presence(room, streams):
    """What the scheduler's presence refresh would have cached (ZEGO lets us look once per 10 s)."""
    Room.objects.filter(pk=room.pk).update(streams=streams, presence_refreshed_at=timezone.now())


def finish(task):
    def ended():
        recording_services.reconcile_all()
        task.refresh_from_db()
        return task.is_final

    wait_for(ended, timeout=30, interval=0.3)


def stop_by(person, task):
    task.refresh_from_db()
    recording_services.recording_stop(task=task, user=person)
    finish(task)


# ------------------------------------------------------------------------- on first publisher


def test_a_first_publisher_starts_one_recording_signed_by_the_policy(
    room, small_preset, make_policy, emulator
):
    make_policy(name="Classes", preset=small_preset)

    report = services.policies_evaluate()

    [task] = policy_tasks(room)
    assert report.started == [task.pk]
    assert task.status == S.INITIALISING and task.task_id
    assert task.started_by is None and task.started_by_label == "policy: Classes"
    start_event = TaskEvent.objects.get(task=task, action="StartRecord")
    assert start_event.actor_label == "policy: Classes"
    policy_event = TaskEvent.objects.get(task=task, action="Policy")
    assert "Classes" in policy_event.message and "first publisher" in policy_event.message
    audit = AuditEntry.objects.get(action="policy.start")
    assert audit.actor_label == "policy: Classes" and audit.detail["policy"] == "Classes"
    assert AuditEntry.objects.get(action="recording.start").actor_label == "policy: Classes"
    assert len(emulator_tasks(emulator)) == 1


def test_the_task_page_says_which_policy_started_it(
    room, small_preset, make_policy, client_for, emulator
):
    make_policy(name="Classes", preset=small_preset)
    services.policies_evaluate()
    [task] = policy_tasks(room)

    response = client_for("support").get(reverse("recordings:task_detail", args=[task.pk]))

    assert "policy: Classes" in response.text
    assert "Started automatically by the recording policy “Classes”" in response.text


def test_evaluating_again_starts_nothing_more(room, small_preset, make_policy, emulator):
    make_policy(preset=small_preset)
    services.policies_evaluate()

    report = services.policies_evaluate()

    assert report.started == []
    assert report.decisions["class-1"] == "already recording"
    assert len(policy_tasks(room)) == 1 and len(emulator_tasks(emulator)) == 1


def test_a_room_nobody_publishes_in_is_not_recorded(zego_app, small_preset, make_policy, emulator):
    Room.objects.create(app=zego_app, room_id="empty-room")
    make_policy(preset=small_preset)

    report = services.policies_evaluate()

    assert report.decisions == {"empty-room": "nobody is publishing"}
    assert not RecordingTask.objects.exists() and emulator_tasks(emulator, "empty-room") == []


def test_two_workers_deciding_at_once_make_one_task(room, small_preset, make_policy, emulator):
    """B looked for a running task just before A claimed one, and decides while A's StartRecord
    is in flight: the click token both derive is the same, so B gets A's task and sends nothing."""
    policy = make_policy(preset=small_preset)
    room.refresh_from_db()
    now = timezone.now()
    seen_by_b = []
    real_start = zego.Client.start_record

    def worker_b_decides_meanwhile(client, *args, **kwargs):
        with mock.patch.object(services, "_room_is_recording", return_value=False):
            report = services.EvaluationReport()
            seen_by_b.append(services.evaluate_room(room, policy, now, report))
        return real_start(client, *args, **kwargs)

    with mock.patch.object(zego.Client, "start_record", worker_b_decides_meanwhile):
        seen_by_a = services.evaluate_room(room, policy, now, services.EvaluationReport())

    [task] = policy_tasks(room)
    assert seen_by_b == [seen_by_a] == [f"started task {task.pk}"]
    assert PolicyStart.objects.get().task == task
    assert TaskEvent.objects.filter(task=task, action="Policy").count() == 1
    assert TaskEvent.objects.filter(task=task, action="StartRecord").count() == 1
    assert AuditEntry.objects.filter(action="policy.start").count() == 1
    assert len(emulator_tasks(emulator)) == 1


def test_a_worker_evaluating_while_the_start_is_in_flight_waits(
    room, small_preset, make_policy, emulator
):
    """Another worker whose pass took the lease (the first one's expired, say) decides on the
    room while the first one's StartRecord is in flight."""
    make_policy(preset=small_preset)
    decisions = []
    real_start = zego.Client.start_record

    def start_while_another_worker_evaluates(client, *args, **kwargs):
        [(fresh_room, fresh_policy)] = services.effective_policies()
        report = services.EvaluationReport()
        decisions.append(services.evaluate_room(fresh_room, fresh_policy, timezone.now(), report))
        return real_start(client, *args, **kwargs)

    with mock.patch.object(zego.Client, "start_record", start_while_another_worker_evaluates):
        services.policies_evaluate()

    assert decisions == ["already recording"]
    assert len(policy_tasks(room)) == 1 and len(emulator_tasks(emulator)) == 1


def test_a_person_starting_the_room_just_after_the_running_check_wins_and_the_policy_waits(
    room, small_preset, make_policy, emulator, personas, profile, monkeypatch
):
    """The policy checked the room was idle; a person's Start was claimed before the policy's."""
    make_policy(preset=small_preset)
    real_check = services._room_is_recording

    def idle_then_a_person_starts(checked_room):
        idle = real_check(checked_room)
        recording_services.recording_start(
            app=checked_room.app,
            room=checked_room,
            options=mixed_options(profile),
            user=personas["support"],
            click_token=uuid.uuid4(),
        )
        return idle

    monkeypatch.setattr(services, "_room_is_recording", idle_then_a_person_starts)
    report = services.policies_evaluate()

    assert report.decisions["class-1"] == "already recording" and report.started == []
    [task] = policy_tasks(room)
    assert task.started_by == personas["support"] and not PolicyStart.objects.exists()
    assert len(emulator_tasks(emulator)) == 1


def test_the_same_policy_decision_again_returns_its_own_running_task(
    room, small_preset, make_policy, emulator, profile
):
    make_policy(preset=small_preset)
    services.policies_evaluate()
    [task] = policy_tasks(room)
    again = recording_services.recording_start(
        app=task.app,
        room=room,
        options=mixed_options(profile),
        user=None,
        click_token=task.click_token,
        only_if_idle=True,
    )
    assert again == task and len(emulator_tasks(emulator)) == 1


def test_a_pass_enqueued_while_one_runs_does_nothing(room, small_preset, make_policy, emulator):
    make_policy(preset=small_preset)
    meanwhile = []
    real_start = zego.Client.start_record

    def start_while_the_next_pass_begins(client, *args, **kwargs):
        meanwhile.append(services.policies_evaluate())
        return real_start(client, *args, **kwargs)

    with mock.patch.object(zego.Client, "start_record", start_while_the_next_pass_begins):
        first = services.policies_evaluate()

    [overlapping] = meanwhile
    assert overlapping.skipped == "another evaluation is running"
    assert overlapping.decisions == {} and overlapping.rooms == 0
    assert len(first.started) == 1
    assert services.policies_evaluate().decisions["class-1"] == "already recording"


def test_a_pass_left_running_by_a_dead_worker_does_not_block_the_next(
    room, small_preset, make_policy, emulator
):
    make_policy(preset=small_preset)
    ran_out = timezone.now() - timedelta(seconds=1)  # the dead pass's hold ran out
    PeriodicJob.objects.create(name="policies", running_until=ran_out)

    report = services.policies_evaluate()

    assert report.skipped == "" and len(report.started) == 1
    assert PeriodicJob.objects.get(name="policies").running_until is None


def test_an_app_whose_presence_cannot_be_read_leaves_the_other_apps_alone(
    room, small_preset, make_policy, emulator, caplog
):
    broken = ZegoApp.objects.create(
        name="Broken", app_id=99, server_secret="b" * 32, api_url="http://127.0.0.1:9"
    )
    Room.objects.create(app=broken, room_id="broken-room", streams=[{"stream_id": "cam"}])
    RecordingPolicy.objects.create(app=broken, name="Theirs", on_first_publisher=True)
    make_policy(preset=small_preset)
    set_presence(room, Room.objects.get(pk=room.pk).streams)
    real_refresh = recording_services.presence_refresh

    def refresh(*, app, rooms):
        if app.pk == broken.pk:
            raise RuntimeError("the app's secret cannot be decrypted")
        return real_refresh(app=app, rooms=rooms)

    with mock.patch.object(recording_services, "presence_refresh", refresh):
        report = services.policies_evaluate()

    assert report.decisions["broken-room"] == "its presence could not be refreshed (see the log)"
    assert report.decisions["class-1"].startswith("started task")
    assert "refreshing the presence of app 99 failed" in caplog.text
    assert len(emulator_tasks(emulator)) == 1


def test_a_person_stop_holds_until_the_room_empties(
    room, small_preset, make_policy, personas, emulator
):
    make_policy(preset=small_preset)
    services.policies_evaluate()
    [task] = policy_tasks(room)
    stop_by(personas["support"], task)
    streams = Room.objects.get(pk=room.pk).streams

    again = services.policies_evaluate()
    assert again.decisions["class-1"] == "a person stopped its recording during this live session"
    set_presence(room, [])
    assert services.policies_evaluate().decisions["class-1"] == "nobody is publishing"
    set_presence(room, streams)
    back = services.policies_evaluate()

    assert len(back.started) == 1 and len(policy_tasks(room)) == 2


def test_a_person_stopping_their_own_recording_does_not_hold_the_policy(
    room, small_preset, make_policy, personas, profile, emulator
):
    manual = recording_services.recording_start(
        app=room.app,
        room=room,
        options=mixed_options(profile),
        user=personas["support"],
        click_token=uuid.uuid4(),
    )
    stop_by(personas["support"], manual)
    make_policy(preset=small_preset)

    report = services.policies_evaluate()

    assert len(report.started) == 1  # the Stop was of the person's recording, not the policy's


def test_a_policy_made_anew_starts_afresh_in_a_room_whose_old_policy_was_stopped(
    room, small_preset, make_policy, personas, emulator
):
    old = make_policy(name="Old", preset=small_preset)
    services.policies_evaluate()
    [task] = policy_tasks(room)
    stop_by(personas["support"], task)
    old.delete()
    make_policy(name="New", preset=small_preset)

    report = services.policies_evaluate()

    assert len(report.started) == 1 and len(policy_tasks(room)) == 2


@pytest.mark.slow
def test_publishing_and_unpublishing_in_the_emulator_opens_and_closes_sessions(
    zego_app, small_preset, make_policy, personas, emulator, settings
):
    """The real presence path: ZEGO lets us look at a room once per 10 s, hence the waits."""
    settings.PRESENCE_MAX_AGE = 0  # every pass asks ZEGO, as stale presence would
    lobby = Room.objects.create(app=zego_app, room_id="lobby")
    make_policy(preset=small_preset)

    def decision_becomes(expected):
        def decided():
            return services.policies_evaluate().decisions["lobby"].startswith(expected)

        wait_for(decided, timeout=25, interval=0.5)

    decision_becomes("nobody is publishing")
    emulator.publish("lobby", "host", "host-cam")
    decision_becomes("started task")
    stop_by(personas["support"], policy_tasks(lobby)[0])
    decision_becomes("a person stopped")
    emulator.unpublish("lobby", "host-cam")
    decision_becomes("nobody is publishing")
    emulator.publish("lobby", "host", "host-cam")
    decision_becomes("started task")

    assert len(policy_tasks(lobby)) == 2
    assert len(emulator_tasks(emulator, "lobby")) == 2


def test_a_stop_whose_answer_was_lost_still_holds(
    room, small_preset, make_policy, personas, emulator
):
    make_policy(preset=small_preset)
    services.policies_evaluate()
    [task] = policy_tasks(room)
    task.refresh_from_db()
    real_stop = zego.Client.stop_record

    def stop_and_lose_the_answer(client, *args, **kwargs):
        real_stop(client, *args, **kwargs)
        raise zego.ZegoOutcomeUnknownError("timed out", action="StopRecord")

    with (
        mock.patch.object(zego.Client, "stop_record", stop_and_lose_the_answer),
        pytest.raises(recording_services.ControlError),
    ):
        recording_services.recording_stop(task=task, user=personas["support"])
    assert TaskEvent.objects.get(task=task, action="StopRecord").zego_code is None
    finish(task)

    report = services.policies_evaluate()

    assert report.decisions["class-1"] == "a person stopped its recording during this live session"
    assert len(policy_tasks(room)) == 1


def test_a_stop_by_a_person_since_deleted_still_holds(
    room, small_preset, make_policy, personas, emulator
):
    make_policy(preset=small_preset)
    services.policies_evaluate()
    [task] = policy_tasks(room)
    stop_by(personas["support"], task)
    personas["support"].delete()
    stop = TaskEvent.objects.get(task=task, action="StopRecord")
    assert stop.actor is None and stop.actor_label == "support"

    report = services.policies_evaluate()

    assert report.decisions["class-1"] == "a person stopped its recording during this live session"
    assert len(policy_tasks(room)) == 1


def end_at_once(task_pk, *, after_seconds=2):
    """What ZEGO's callback says of a task that ended by itself (Status ended abnormally)."""
    task = RecordingTask.objects.get(pk=task_pk)
    ended_at = task.created_at + timedelta(seconds=after_seconds)
    RecordingTask.objects.filter(pk=task_pk).update(status=S.ENDED_ABNORMALLY, ended_at=ended_at)


def test_recordings_that_end_at_once_count_as_failed_starts(
    room, small_preset, make_policy, emulator
):
    make_policy(preset=small_preset)

    for _ in range(5):
        for task_pk in services.policies_evaluate().started:
            end_at_once(task_pk)

    assert len(policy_tasks(room)) == 3
    decision = services.policies_evaluate().decisions["class-1"]
    assert decision == "3 starts failed or ended within 60 s; waiting for the next occasion"


def test_recordings_that_ran_a_while_are_started_again(room, small_preset, make_policy, emulator):
    """MaxRecordTime or MaxIdleTime ended them: people still publish, so the policy records on."""
    make_policy(preset=small_preset)

    for _ in range(4):
        for task_pk in services.policies_evaluate().started:
            end_at_once(task_pk, after_seconds=3600)

    assert len(policy_tasks(room)) == 4


def test_a_failing_start_is_retried_at_most_three_times(room, small_preset, make_policy, emulator):
    make_policy(preset=small_preset)
    emulator.add_fault(kind="rate_limit", action="StartRecord", count=20)

    for _ in range(5):
        services.policies_evaluate()

    tasks = policy_tasks(room)
    assert [task.status for task in tasks] == [S.FAILED_TO_START] * 3
    assert services.policies_evaluate().decisions["class-1"].startswith("3 starts failed")


# ------------------------------------------------------------------------- schedule


def schedule(**fields):
    return {
        "on_first_publisher": False,
        "schedule_days": EVERY_DAY,
        "window_start": time(9),
        "window_end": time(17),
        "time_zone": "UTC",
        **fields,
    }


def at(hour, minute=0, day=25):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_the_window_opening_starts_and_its_close_stops(room, small_preset, make_policy, emulator):
    make_policy(name="Office hours", preset=small_preset, **schedule())

    before = services.policies_evaluate(now=at(8, 59))
    assert before.decisions["class-1"] == "outside the schedule" and not policy_tasks(room)

    opened = services.policies_evaluate(now=at(9, 0))
    [task] = policy_tasks(room)
    assert opened.started == [task.pk]
    assert PolicyStart.objects.get(task=task).stop_at == at(17, 0)
    assert services.policies_evaluate(now=at(12)).started == []

    closed = services.policies_evaluate(now=at(17, 0))
    task.refresh_from_db()
    assert closed.stopped == [task.pk] and task.status == S.STOPPING
    stop = TaskEvent.objects.get(task=task, action="StopRecord")
    assert stop.actor_label == "policy: Office hours" and stop.actor is None
    assert AuditEntry.objects.get(action="recording.stop").actor_label == "policy: Office hours"
    assert services.policies_evaluate(now=at(17, 1)).stopped == []
    assert len(emulator_tasks(emulator)) == 1


def test_editing_the_window_of_a_running_recording_moves_its_stop(
    room, small_preset, make_policy, emulator
):
    policy = make_policy(preset=small_preset, **schedule())
    services.policies_evaluate(now=at(9))
    [task] = policy_tasks(room)

    policy.window_end = time(10)  # shortened while it records
    policy.save()
    assert services.retime_running_starts(policy, at(9, 30)) == 1
    assert services.policies_evaluate(now=at(9, 59)).stopped == []
    assert services.policies_evaluate(now=at(10)).stopped == [task.pk]


def test_a_lengthened_window_keeps_its_recording_going(room, small_preset, make_policy, emulator):
    policy = make_policy(preset=small_preset, **schedule(window_end=time(10)))
    services.policies_evaluate(now=at(9))
    policy.window_end = time(12)
    policy.save()
    services.retime_running_starts(policy, at(9, 30))
    assert services.policies_evaluate(now=at(10, 30)).stopped == []
    assert len(policy_tasks(room)) == 1  # not split in two


def test_a_person_stop_holds_for_the_rest_of_the_window(
    room, small_preset, make_policy, personas, emulator
):
    make_policy(preset=small_preset, **schedule())
    services.policies_evaluate(now=at(9))
    stop_by(personas["support"], policy_tasks(room)[0])

    later = services.policies_evaluate(now=at(10))
    next_day = services.policies_evaluate(now=at(9, 5, day=26))

    assert (
        later.decisions["class-1"] == "a person stopped its recording during this schedule window"
    )
    assert len(next_day.started) == 1


def test_with_both_triggers_a_room_live_for_days_is_recorded_in_each_window(
    room, small_preset, make_policy, personas, emulator
):
    make_policy(preset=small_preset, **schedule(on_first_publisher=True))
    services.policies_evaluate(now=at(9))
    stop_by(personas["support"], policy_tasks(room)[0])
    assert (
        services.policies_evaluate(now=at(12)).decisions["class-1"].startswith("a person stopped")
    )
    assert services.policies_evaluate(now=at(18)).decisions["class-1"] == "outside the schedule"

    next_day = services.policies_evaluate(now=at(9, 5, day=26))

    assert len(next_day.started) == 1 and len(policy_tasks(room)) == 2
    assert PolicyStart.objects.get(task=policy_tasks(room)[1]).occasion.kind == "window"


def test_with_both_triggers_a_person_stop_holds_until_the_room_empties(
    room, small_preset, make_policy, personas, emulator
):
    make_policy(preset=small_preset, **schedule(on_first_publisher=True))
    services.policies_evaluate(now=at(9))
    stop_by(personas["support"], policy_tasks(room)[0])
    streams = Room.objects.get(pk=room.pk).streams

    assert (
        services.policies_evaluate(now=at(10)).decisions["class-1"].startswith("a person stopped")
    )
    set_presence(room, [])
    services.policies_evaluate(now=at(10, 30))
    set_presence(room, streams)
    back = services.policies_evaluate(now=at(11))

    assert len(back.started) == 1 and len(policy_tasks(room)) == 2


def test_a_window_stop_that_fails_unexpectedly_leaves_the_others_and_is_retried(
    room, zego_app, small_preset, make_policy, emulator, caplog
):
    emulator.publish("class-2", "teacher-2", "teacher-2-cam")
    Room.objects.create(app=zego_app, room_id="class-2")
    make_policy(preset=small_preset, **schedule())
    first, second = services.policies_evaluate(now=at(9)).started
    real_stop = recording_services.recording_stop

    def stop(*, task, **kwargs):
        if task.pk == first:
            raise RuntimeError("the app's secret cannot be decrypted")
        return real_stop(task=task, **kwargs)

    with mock.patch.object(recording_services, "recording_stop", stop):
        closed = services.policies_evaluate(now=at(17))

    assert closed.stopped == [second]
    assert PolicyStart.objects.get(task_id=first).stop_sent_at is None
    assert f"policy stop of task {first} failed" in caplog.text
    assert services.policies_evaluate(now=at(17, 1)).stopped == [first]


def test_a_disabled_policy_neither_starts_nor_stops(room, small_preset, make_policy, emulator):
    policy = make_policy(preset=small_preset, **schedule())
    services.policies_evaluate(now=at(9))
    RecordingPolicy.objects.filter(pk=policy.pk).update(enabled=False)

    closed = services.policies_evaluate(now=at(17, 30))

    assert closed.stopped == [] and closed.rooms == 0
    assert policy_tasks(room)[0].status == S.INITIALISING


# ------------------------------------------------------------------------- what is recorded


def test_an_include_list_of_user_ids_is_the_mix_zego_records(
    room, small_preset, make_policy, emulator
):
    make_policy(
        preset=small_preset, consent="include", consent_match="user_id", consent_ids=["teacher"]
    )

    services.policies_evaluate()

    [task] = policy_tasks(room)
    tiles = task.request["RecordInputParams"]["MixConfig"]["MixInputList"]
    assert [tile["StreamId"] for tile in tiles] == ["teacher-cam"]
    [recorded] = emulator_tasks(emulator)
    assert [tile["StreamId"] for tile in recorded["layouts"][0]["tile_list"]] == ["teacher-cam"]


def test_an_exclude_list_of_stream_ids_is_the_single_stream_list_sent(
    room, zego_app, profile, make_policy, emulator
):
    single = RecordingPreset.objects.create(
        app=zego_app, name="Single", options=mixed_options(profile, record_mode=1).as_preset()
    )
    make_policy(preset=single, consent="exclude", consent_ids=["student-cam"])

    services.policies_evaluate()

    [task] = policy_tasks(room)
    assert task.request["RecordInputParams"]["RecordStreamList"] == [{"StreamId": "teacher-cam"}]
    wait_for(lambda: emulator_tasks(emulator)[0]["streams"], timeout=15)
    assert list(emulator_tasks(emulator)[0]["streams"]) == ["teacher-cam"]


def test_an_include_list_of_user_ids_nobody_listed_publishes_in_starts_nothing(
    room, small_preset, make_policy, emulator
):
    make_policy(
        preset=small_preset, consent="include", consent_match="user_id", consent_ids=["guest"]
    )

    report = services.policies_evaluate()

    assert report.decisions["class-1"] == "nobody the policy may record is publishing"
    assert not policy_tasks(room) and emulator_tasks(emulator) == []


def test_an_exclude_list_of_user_ids_names_the_streams_it_records(
    room, small_preset, make_policy, emulator
):
    """The excluded user is not live yet: the start still names its streams, so ZEGO does not
    record "every stream" (which would take the excluded user's when they join)."""
    make_policy(
        preset=small_preset, consent="exclude", consent_match="user_id", consent_ids=["guest"]
    )

    services.policies_evaluate()

    [task] = policy_tasks(room)
    tiles = task.request["RecordInputParams"]["MixConfig"]["MixInputList"]
    assert sorted(tile["StreamId"] for tile in tiles) == ["student-cam", "teacher-cam"]


def test_an_exclude_list_of_user_ids_that_leaves_nobody_starts_nothing(
    zego_app, small_preset, make_policy, emulator
):
    emulator.publish("solo", "guest", "guest-cam")
    Room.objects.create(app=zego_app, room_id="solo")
    make_policy(
        preset=small_preset, consent="exclude", consent_match="user_id", consent_ids=["guest"]
    )

    report = services.policies_evaluate()

    assert report.decisions["solo"] == "nobody the policy may record is publishing"
    assert not RecordingTask.objects.exists() and emulator_tasks(emulator, "solo") == []


def test_a_presets_drawn_layout_is_not_used_for_every_stream(
    room, zego_app, profile, make_policy, emulator
):
    """Its tiles name the streams of the room it was drawn in: here, none of this room's."""
    elsewhere = [{"StreamId": "elsewhere-cam", "Left": 0, "Top": 0, "Right": 320, "Bottom": 180}]
    drawn = RecordingPreset.objects.create(
        app=zego_app,
        name="Drawn",
        options=mixed_options(profile, custom_tiles=elsewhere).as_preset(),
    )
    make_policy(preset=drawn)

    services.policies_evaluate()

    [task] = policy_tasks(room)
    mix = task.request["RecordInputParams"]["MixConfig"]
    assert mix["MixMode"] == 2 and "MixInputList" not in mix


def test_nobody_consenting_publishes_so_nothing_starts(room, small_preset, make_policy, emulator):
    make_policy(preset=small_preset, consent="include", consent_ids=["guest-cam"])

    report = services.policies_evaluate()

    assert report.decisions["class-1"] == "nobody the policy may record is publishing"
    assert emulator_tasks(emulator) == []


def test_the_policy_timers_override_the_presets(room, small_preset, make_policy, emulator):
    make_policy(preset=small_preset, max_idle_time=120, max_record_time=900)

    services.policies_evaluate()

    params = policy_tasks(room)[0].request["RecordInputParams"]
    assert (params["MaxIdleTime"], params["MaxRecordTime"]) == (120, 900)


def test_a_room_policy_overrides_its_apps(room, small_preset, make_policy, emulator):
    make_policy(name="Whole app", preset=small_preset)
    make_policy(
        name="Teacher only",
        room=room,
        preset=small_preset,
        consent="include",
        consent_ids=["teacher-cam"],
    )

    services.policies_evaluate()

    [task] = policy_tasks(room)
    assert task.started_by_label == "policy: Teacher only"
    assert task.layout["tiles"][0]["StreamId"] == "teacher-cam" and len(task.layout["tiles"]) == 1


# ------------------------------------------------------------------------- the scheduler


def test_the_scheduler_runs_an_evaluation_every_few_seconds(
    room, small_preset, make_policy, emulator
):
    from recordings.scheduling import tick

    make_policy(preset=small_preset)
    now = timezone.now()

    assert "policies" in tick("leader", now)  # run inline by the tests' task backend
    assert len(policy_tasks(room)) == 1
    assert "policies" not in tick("leader", now + timedelta(seconds=1))
    assert "policies" in tick("leader", now + timedelta(seconds=6))
    assert len(policy_tasks(room)) == 1 and len(emulator_tasks(emulator)) == 1
