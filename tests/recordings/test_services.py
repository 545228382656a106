"""Starting, controlling and reconciling tasks against the real emulator and SeaweedFS."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

import zego
from accounts.models import AuditEntry
from monitoring.callcounts import flush_calls
from monitoring.models import ZegoCallCount
from recordings import services
from recordings.models import RecordingTask, Room, TaskEvent
from tests.recordings.conftest import mixed_options, new_click, wait_for

pytestmark = pytest.mark.django_db
S = RecordingTask.Status


def start(room, profile, user, **overrides):
    return services.recording_start(
        app=room.app,
        room=room,
        options=mixed_options(profile, **overrides),
        user=user,
        click_token=new_click(),
    )


def record_a_moment(task):
    """Reach "recording" and let some media accumulate (a stop within one frame makes no file)."""
    reconcile_until(task, S.RECORDING)
    time.sleep(1.0)


def reconcile_until(task, *statuses, timeout=30):
    def settled():
        services.reconcile_all()
        task.refresh_from_db()
        return task.status in statuses

    wait_for(settled, timeout=timeout, interval=0.3)
    return task


def emulator_tasks(emulator, room_id="class-1"):
    return [t for t in emulator.control("GET", "tasks").json()["tasks"] if t["room_id"] == room_id]


def test_a_mixed_start_records_the_task_id_event_and_audit(room, profile, personas, emulator):
    task = start(room, profile, personas["support"])
    assert task.status == S.INITIALISING
    assert task.task_id and len(task.task_id) == 16
    assert task.started_by_label == "support"
    assert "AccessKeySecret" not in str(task.request)
    assert TaskEvent.objects.filter(task=task, action="StartRecord", zego_code=0).exists()
    assert AuditEntry.objects.filter(action="recording.start", actor_label="support").exists()
    assert len(emulator_tasks(emulator)) == 1


def test_a_single_stream_start_sends_the_selected_streams(room, profile, personas, emulator):
    task = start(room, profile, personas["support"], record_mode=1, include_streams=["teacher-cam"])
    assert task.status == S.INITIALISING
    assert task.request["RecordInputParams"]["RecordStreamList"] == [{"StreamId": "teacher-cam"}]


def test_a_double_click_makes_one_task(room, profile, personas, emulator):
    click = new_click()
    options = mixed_options(profile)
    first = services.recording_start(
        app=room.app, room=room, options=options, user=personas["support"], click_token=click
    )
    second = services.recording_start(
        app=room.app, room=room, options=options, user=personas["support"], click_token=click
    )
    assert first.pk == second.pk
    assert RecordingTask.objects.count() == 1
    assert len(emulator_tasks(emulator)) == 1


def test_a_start_timeout_after_creation_adopts_the_task_zego_made(
    room, profile, personas, emulator, settings
):
    emulator.add_fault(kind="start_timeout", mode="drop", count=1)
    task = start(room, profile, personas["support"])
    created = emulator_tasks(emulator)
    assert len(created) == 1
    assert task.task_id == created[0]["task_id"]
    assert task.status in (S.INITIALISING, S.RECORDING)
    assert TaskEvent.objects.filter(task=task, action="Adopted").exists()


def test_an_unanswered_start_never_adopts_the_task_of_a_later_click_in_the_room(
    room, profile, personas, emulator
):
    """First click: a 503 before ZEGO made anything. Second click: ZEGO made its task, the answer
    is still on its way. The first click's adoption must not take the second click's task."""
    emulator.add_fault(kind="http_5xx", action="StartRecord", count=1)
    first = start(room, profile, personas["support"])
    assert first.status == S.UNKNOWN and not first.task_id
    second = RecordingTask.objects.create(
        app=room.app, room=room, click_token=new_click(), record_mode=2, stream_type=3
    )
    options = mixed_options(profile)
    made = services.client_for(room.app).start_record(  # the second click's request, unanswered
        room.room_id,
        **options.zego_params(
            storage_params=services._storage_params(options),
            callback_url=services.callback_url_for(room.app),
        ),
    )

    assert services.adopt_started_task(first).task_id is None  # waits while the second is asked
    RecordingTask.objects.filter(pk=second.pk).update(status=S.UNKNOWN)  # its answer timed out
    assert services.adopt_started_task(first).task_id is None  # made after the second click
    assert services.adopt_started_task(second).task_id == made.task_id


def test_a_recording_seen_only_in_zegos_task_list_knows_when_it_began(
    room, profile, personas, emulator
):
    """The list poll (no per-task status call) must still note the begin: the dashboard's
    minutes recorded today count from it."""
    task = start(room, profile, personas["support"])
    reconcile_until(task, S.RECORDING)
    wait_for(lambda: (services.reconcile_all(), task.refresh_from_db(), task.record_began_at)[2])
    assert task.record_began_at <= timezone.now()


def test_a_refused_start_is_failed_to_start_with_zego_words(room, profile, personas, emulator):
    emulator.add_fault(kind="rate_limit", action="StartRecord", count=5)
    task = start(room, profile, personas["support"])
    assert task.status == S.FAILED_TO_START
    assert "ZEGO code" in task.error_message
    assert emulator_tasks(emulator) == []


def test_stop_then_reconcile_ends_the_task_with_uploaded_files(
    room, profile, personas, emulator, s3_client, seaweed_s3
):
    task = start(room, profile, personas["support"])
    record_a_moment(task)
    services.recording_stop(task=task, user=personas["support"])
    task.refresh_from_db()
    assert task.status == S.STOPPING
    wait_for(
        lambda: (services.reconcile_all(), task.files.filter(upload_status=3).exists())[1],
        timeout=40,
    )
    task.refresh_from_db()
    assert task.status == S.ENDED
    file = task.files.get()
    assert file.object_key.startswith("recordings/")
    assert (
        s3_client.head_object(Bucket=seaweed_s3.bucket, Key=file.object_key)["ContentLength"]
        == file.size
    )
    assert AuditEntry.objects.filter(action="recording.stop").exists()


def test_pause_and_resume_and_snapshot(room, profile, personas, emulator):
    task = start(room, profile, personas["support"])
    reconcile_until(task, S.RECORDING)
    task = services.recording_pause(task=task, user=personas["support"])
    assert task.status == S.PAUSED
    assert emulator.task(task.task_id)["status"] == 5
    task = services.recording_resume(task=task, user=personas["support"])
    assert task.status == S.RECORDING
    services.recording_snapshot(task=task, user=personas["support"])
    assert list(task.events.filter(kind="api_call").values_list("action", flat=True)) == [
        "StartRecord",
        "PauseRecord",
        "ResumeRecord",
        "TakeSnapshot",
    ]


def test_a_refused_control_action_says_why_in_words(room, profile, personas, emulator):
    task = start(room, profile, personas["support"], record_mode=1)
    reconcile_until(task, S.RECORDING)
    with pytest.raises(services.ControlError, match="ZEGO code"):
        services.recording_pause(task=task, user=personas["support"])
    failed = task.events.get(action="PauseRecord")
    assert failed.message.startswith("Failed:")
    assert AuditEntry.objects.filter(action="recording.pause", outcome="failed").exists()


def test_idle_auto_stop_is_seen_by_reconcile(room, profile, personas, emulator):
    task = start(room, profile, personas["support"], max_idle_time=5)
    emulator.unpublish("class-1", "teacher-cam")
    emulator.unpublish("class-1", "student-cam")
    reconcile_until(task, S.ENDED_ABNORMALLY, timeout=30)
    # Polling cannot tell why; until the callback says "idle", the task shows that it does not know.
    assert "has not said why yet" in task.problems[0]["message"]


def test_an_upload_failure_shows_the_backup_problem(room, profile, personas, emulator):
    emulator.add_fault(kind="upload_failure", count=1)
    task = start(room, profile, personas["support"])
    record_a_moment(task)
    services.recording_stop(task=task, user=personas["support"])
    wait_for(
        lambda: (services.reconcile_all(), task.files.filter(upload_status=4).exists())[1],
        timeout=40,
    )
    task.refresh_from_db()
    file = task.files.get()
    assert file.backup_until is not None
    assert any(
        p["code"] == "in_backup" and "backup storage until" in p["message"] for p in task.problems
    )


def test_reconcile_adopts_nothing_twice_and_counts_calls(room, profile, personas, emulator):
    tasks = [start(room, profile, personas["support"]) for _ in range(3)]
    report = services.reconcile_all()
    assert report.tasks == 3
    assert report.errors == 0
    assert len({t.task_id for t in tasks}) == 3


def test_presence_refresh_reads_streams_and_head_counts(room, emulator):
    emulator.publish("class-2", "solo", "solo-cam", video=False)

    other = Room.objects.create(app=room.app, room_id="class-2")
    empty = Room.objects.create(app=room.app, room_id="nobody-here")
    assert services.presence_refresh(app=room.app) == 3
    room.refresh_from_db()
    other.refresh_from_db()
    empty.refresh_from_db()
    assert {s["stream_id"] for s in room.streams} == {"teacher-cam", "student-cam"}
    assert room.user_count == 2
    assert [s["user_id"] for s in other.streams] == ["solo"]
    assert empty.streams == [] and empty.presence_refreshed_at is not None
    assert not services.presence_is_stale(room.app)


def test_a_refresh_that_breaks_half_way_keeps_what_it_read_and_releases_the_rest(
    room, emulator, monkeypatch
):
    from django.db import OperationalError

    long_ago = timezone.now() - timedelta(minutes=30)
    second = Room.objects.create(app=room.app, room_id="class-2", presence_refreshed_at=long_ago)
    third = Room.objects.create(app=room.app, room_id="class-3", presence_refreshed_at=long_ago)
    Room.objects.filter(pk=room.pk).update(presence_refreshed_at=long_ago)
    real = zego.Client.describe_simple_stream_list

    def breaks_on_the_second(client, room_id, *args, **kwargs):
        if room_id == "class-2":
            raise OperationalError("database is locked")
        return real(client, room_id, *args, **kwargs)

    monkeypatch.setattr(zego.Client, "describe_simple_stream_list", breaks_on_the_second)
    rooms = list(Room.objects.filter(pk__in=[room.pk, second.pk, third.pk]).order_by("room_id"))
    with pytest.raises(OperationalError):
        services.presence_refresh(app=room.app, rooms=rooms)

    room.refresh_from_db()
    third.refresh_from_db()
    assert {s["stream_id"] for s in room.streams} == {"teacher-cam", "student-cam"}  # kept
    assert room.presence_refreshed_at > long_ago
    assert third.presence_refreshed_at == long_ago  # not asked: still stale, asked next time


def test_the_head_count_leaves_out_the_recorder(room, profile, personas, emulator):
    """ZEGO counts the cloud recorder as an admin user of the room (UserCount includes
    AdminUserCount); the rooms page counts people."""
    task = start(room, profile, personas["support"])
    reconcile_until(task, S.RECORDING)  # the recorder has joined the room
    assert services.presence_refresh(app=room.app) == 1
    room.refresh_from_db()
    assert room.user_count == 2


def zego_calls(app) -> dict[tuple[str, int], int]:
    """(action, code) -> requests sent, as counted for the error-rate alert."""
    flush_calls()
    rows = ZegoCallCount.objects.filter(app=app).values_list("action", "code", "count")
    return {(action, code): count for action, code, count in rows}


def test_presence_asked_for_again_within_zegos_10_s_window_asks_zego_nothing(
    room, emulator, client_for, settings
):
    """The scheduler's refresh, a room added and a policy pass within one 10 s window: ZEGO is
    asked about each room once, and nothing is refused (it was: 300000003, retried twice)."""
    from policies.services import _refresh_stale_presence

    assert services.presence_refresh(app=room.app) == 1  # the scheduler's pass
    emulator.unpublish("class-1", "student-cam")

    client_for("support").post(
        reverse("recordings:room_add", args=[room.app.pk]), {"room_id": "class-2"}
    )  # the worker's refresh it enqueues asks about the new room only
    settings.PRESENCE_MAX_AGE = 0  # the policy pass finds both rooms stale and asks again
    assert _refresh_stale_presence(list(Room.objects.select_related("app"))) == set()
    assert services.presence_refresh(app=room.app) == 0  # the next scheduler pass, too early

    calls = zego_calls(room.app)
    assert calls[("DescribeSimpleStreamList", 0)] == 2
    assert not [key for key in calls if key[1] != 0], calls
    room.refresh_from_db()
    assert len(room.streams) == 2 and room.presence_error == ""  # the last view is kept
    assert Room.objects.get(room_id="class-2").presence_refreshed_at is not None


def test_only_rooms_last_asked_about_a_window_ago_or_more_are_asked_about(room, emulator):
    emulator.unpublish("class-1", "student-cam")
    window = services.STREAM_LIST_ROOM_WINDOW
    Room.objects.filter(pk=room.pk).update(presence_refreshed_at=timezone.now() - window)
    recent = Room.objects.create(
        app=room.app, room_id="class-2", presence_refreshed_at=timezone.now() - window / 2
    )
    assert services.presence_refresh(app=room.app) == 1
    room.refresh_from_db()
    recent.refresh_from_db()
    assert [s["stream_id"] for s in room.streams] == ["teacher-cam"]
    assert timezone.now() - recent.presence_refreshed_at >= window / 2  # untouched
    assert zego_calls(room.app) == {("DescribeUserNum", 0): 1, ("DescribeSimpleStreamList", 0): 1}


def test_a_refusal_caused_by_someone_else_is_counted_once_and_shown(room, emulator):
    """Another system on the AppID used the room's window: not hidden, and not retried at once."""
    emulator.add_fault(kind="rate_limit", action="DescribeSimpleStreamList", count=3)
    assert services.presence_refresh(app=room.app) == 1
    assert zego_calls(room.app)[("DescribeSimpleStreamList", 300000003)] == 1
    room.refresh_from_db()
    assert len(room.streams) == 2  # the last view is kept
    assert "300000003" in room.presence_error
    assert services.presence_refresh(app=room.app) == 0  # nor asked again within the window


def test_dropped_callbacks_are_filled_in_by_reconcile_and_reported(
    room, profile, personas, emulator, settings
):
    settings.CALLBACK_GRACE_SECONDS = 0
    emulator.add_fault(kind="drop_callbacks")
    task = start(room, profile, personas["support"])
    record_a_moment(task)
    services.recording_stop(task=task, user=personas["support"])
    wait_for(
        lambda: (services.reconcile_all(), task.files.filter(upload_status=3).exists())[1],
        timeout=40,
    )
    time.sleep(0.05)
    services.reconcile_all()
    task.refresh_from_db()
    assert task.status == S.ENDED
    assert task.callbacks_received == 0
    assert [p["code"] for p in task.problems] == ["no_callback"]
    assert "no callback arrived" in task.problems[0]["message"]


def test_watching_a_task_brings_it_up_to_date(room, profile, personas, emulator):
    task = start(room, profile, personas["support"])
    wait_for(lambda: services.reconcile_one(task).status == S.RECORDING, timeout=20)
    task.refresh_from_db()
    assert services.watched_task_is_stale(task) is False  # just polled


def test_reconcile_flags_a_file_missing_from_the_bucket(
    room, profile, personas, emulator, s3_client, seaweed_s3
):
    task = start(room, profile, personas["support"])
    record_a_moment(task)
    services.recording_stop(task=task, user=personas["support"])
    wait_for(
        lambda: (services.reconcile_all(), task.files.filter(upload_status=3).exists())[1],
        timeout=40,
    )
    file = task.files.get()
    assert file.bucket_checked_at is not None and not file.missing_in_bucket

    s3_client.delete_object(Bucket=seaweed_s3.bucket, Key=file.object_key)
    type(file).objects.filter(pk=file.pk).update(bucket_checked_at=None)
    services.verify_uploaded_files([task])
    task.refresh_from_db()
    assert task.files.get().missing_in_bucket
    assert [p["code"] for p in task.problems] == ["missing_in_bucket"]
    assert task.events.filter(action="Bucket check").exists()


def test_a_whiteboard_recording_can_switch_boards(room, profile, personas, emulator):
    task = start(room, profile, personas["support"], whiteboard_id="board-1")
    assert task.request["RecordInputParams"]["HasWhiteboard"] is True
    assert task.can_update_whiteboard()
    services.recording_update_whiteboard(
        task=task, user=personas["support"], whiteboard_id="board-2"
    )
    assert emulator.task(task.task_id)["whiteboard_id"] == "board-2"
    assert task.events.filter(action="UpdateWhiteboard", zego_code=0).exists()


def test_polls_while_recording_add_no_timeline_noise(room, profile, personas, emulator):
    task = start(room, profile, personas["support"])
    reconcile_until(task, S.RECORDING)
    for _ in range(4):  # the file grows between polls; that is not news for the timeline
        time.sleep(0.3)
        services.reconcile_all()
    polls = list(task.events.filter(kind="poll").values_list("status_before", "status_after"))
    assert polls == [("initialising", "recording")]


def test_the_scheduler_asks_for_presence_less_often_than_zego_answers_about_a_room(settings):
    """At an interval equal to ZEGO's window, a pass a moment early found every room still in it."""
    margin = settings.PRESENCE_INTERVAL - services.STREAM_LIST_ROOM_WINDOW.total_seconds()
    assert margin >= 2  # for a scheduler tick (2.5 s apart) and the worker's pick-up
