"""Each rule kind fires once when its condition appears (one alert, one delivery) and clears when
it goes away. Conditions are driven the way production meets them: ledger observations (replies,
callbacks, polls), a real storage probe against SeaweedFS, ZEGO calls to the emulator."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

import zego
from monitoring.callcounts import call_stats, flush_calls
from monitoring.models import Alert, AlertRule, ZegoCallCount
from monitoring.services import CLEAR_AFTER, alerts_evaluate
from recordings import ledger
from recordings.ledger import Observation
from recordings.models import RecordingTask, TaskEvent, ZegoApp
from recordings.zego_clients import client_for
from storage_profiles.models import ProbeRun, StorageProfile
from storage_profiles.probe import planned_steps
from storage_profiles.services import storage_probe_execute

pytestmark = pytest.mark.django_db
Kind = AlertRule.Kind
Status = RecordingTask.Status


def new_task(app, room, **fields) -> RecordingTask:
    return RecordingTask.objects.create(
        app=app, room=room, click_token=uuid.uuid4(), record_mode=2, stream_type=3, **fields
    )


def observe(task, source=TaskEvent.Kind.POLL, **fields) -> RecordingTask:
    return ledger.apply(task, Observation(source=source, action="test", **fields)).task


def started(app, room) -> RecordingTask:
    task = new_task(app, room, task_id=f"T{uuid.uuid4().hex[:12]}")
    return observe(task, source=TaskEvent.Kind.API_CALL, status=Status.INITIALISING)


def evaluate_twice(now=None):
    """Two passes in a row: the second must add nothing (de-duplication)."""
    first = alerts_evaluate(now)
    second = alerts_evaluate(now)
    assert second.opened == 0, "a persisting condition was reported again"
    return first


def cleared_after_grace(now=None) -> int:
    """A pass that finds the condition gone only starts the clock; one CLEAR_AFTER later clears."""
    now = now or timezone.now()
    assert alerts_evaluate(now).cleared == 0, "an alert cleared on the first pass without it"
    return alerts_evaluate(now + CLEAR_AFTER).cleared


def only_alert() -> Alert:
    (alert,) = Alert.objects.all()
    return alert


def test_a_recording_that_ended_abnormally_alerts_once_with_its_quit_reason_and_clears(
    app, room, make_rule, mailoutbox
):
    make_rule(Kind.RECORDING_FAILED, minutes=30)
    task = observe(started(app, room), status=Status.RECORDING)
    observe(
        task,
        source=TaskEvent.Kind.CALLBACK,
        status=Status.ENDED_ABNORMALLY,
        quit_reason=6,
        end_callback=True,
        sequence=1,
        dedupe_key="callback:1:2",
    )

    assert evaluate_twice().opened == 1
    alert = only_alert()
    assert alert.is_open and alert.subject == f"task:{task.pk}"
    assert "the recorder lost its network connection" in alert.message
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["oncall@example.com"]
    assert "lost its network connection" in mailoutbox[0].body

    assert cleared_after_grace(timezone.now() + timedelta(minutes=31)) == 1
    alert.refresh_from_db()
    assert alert.state == Alert.State.CLEARED and alert.cleared_at
    assert len(mailoutbox) == 1


def test_a_routine_end_is_no_failure_but_a_failed_start_is(app, room, make_rule, mailoutbox):
    make_rule(Kind.RECORDING_FAILED)
    idle = observe(started(app, room), status=Status.RECORDING)
    observe(idle, source=TaskEvent.Kind.CALLBACK, status=Status.ENDED_ABNORMALLY, quit_reason=3)
    assert alerts_evaluate().opened == 0

    failed = new_task(app, room, error_message="Invalid storage parameters (ZEGO code 300000010)")
    observe(failed, source=TaskEvent.Kind.API_CALL, status=Status.FAILED_TO_START)
    RecordingTask.objects.filter(pk=failed.pk).update(
        error_message="Invalid storage parameters (ZEGO code 300000010)"
    )
    assert evaluate_twice().opened == 1
    assert "failed to start: Invalid storage parameters" in only_alert().message
    assert len(mailoutbox) == 1


def test_a_long_healthy_recording_without_callbacks_is_no_alert(app, room, make_rule, mailoutbox):
    # ZEGO sends no callback while a task records normally; hours of silence are no fault.
    make_rule(Kind.NO_CALLBACK, minutes=10)
    task = observe(started(app, room), status=Status.RECORDING)
    RecordingTask.objects.filter(pk=task.pk).update(created_at=timezone.now() - timedelta(hours=3))
    observe(task, status=Status.RECORDING)

    assert alerts_evaluate().opened == 0 and not mailoutbox


def test_a_task_that_ended_without_its_end_callback_alerts_once_and_clears_later(
    app, room, make_rule, mailoutbox, settings
):
    settings.CALLBACK_GRACE_SECONDS = 120
    make_rule(Kind.NO_CALLBACK, minutes=10)
    task = observe(started(app, room), status=Status.RECORDING)
    ended = timezone.now() - timedelta(minutes=3)
    task = observe(task, status=Status.ENDED, ended_at=ended)  # the poll sees the end
    RecordingTask.objects.filter(pk=task.pk).update(end_seen_by_poll_at=ended)
    task.refresh_from_db()
    task = observe(task, status=Status.ENDED)  # a later poll: still no end callback
    assert "no_callback" in [p["code"] for p in task.problems]

    assert evaluate_twice().opened == 1
    alert = only_alert()
    assert "no callback arrived within 2 min" in alert.message and len(mailoutbox) == 1
    assert "callback URL" in alert.message

    assert cleared_after_grace(ended + timedelta(minutes=13)) == 1


def test_a_task_stuck_initialising_alerts_and_clears_once_it_records(
    app, room, make_rule, mailoutbox, settings
):
    settings.RECORDING_STUCK_AFTER = 120
    make_rule(Kind.STUCK_INITIALISING)
    task = started(app, room)
    RecordingTask.objects.filter(pk=task.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    task = observe(task, status=Status.INITIALISING)  # the next poll computes the problem
    assert [p["code"] for p in task.problems] == ["stuck_initialising"]

    assert evaluate_twice().opened == 1
    assert "Stuck initialising for 5 min" in only_alert().message and len(mailoutbox) == 1

    observe(task, status=Status.RECORDING)
    assert cleared_after_grace() == 1


def reported_file(status: int) -> zego.RecordFile:
    return zego.RecordFile.from_callback(
        {"file_id": "class_mix.mp4", "status": status, "output_file_format": "mp4"}
    )


def test_an_upload_to_zego_backup_alerts_and_clears_when_fetched_into_the_bucket(
    app, room, make_rule, mailoutbox
):
    make_rule(Kind.BACKUP_UPLOAD)
    task = observe(started(app, room), status=Status.RECORDING)
    observe(
        task,
        source=TaskEvent.Kind.CALLBACK,
        status=Status.STOPPING,
        files=[reported_file(4)],
        upload_result=2,
        sequence=3,
    )

    assert evaluate_twice().opened == 1
    alert = only_alert()
    assert "in ZEGO's backup storage until" in alert.message
    assert "class_mix.mp4" in alert.title and len(mailoutbox) == 1

    observe(task, source=TaskEvent.Kind.PROBLEM, files=[reported_file(3)])  # rescued
    assert cleared_after_grace() == 1


def probe(profile: StorageProfile) -> ProbeRun:
    run = ProbeRun.objects.create(profile=profile, steps=planned_steps())
    profile.last_probe = run
    profile.save(update_fields=["last_probe"])
    storage_probe_execute(run.pk)
    run.refresh_from_db()
    return run


def test_a_failing_storage_probe_alerts_and_clears_when_a_probe_passes(
    app, make_rule, mailoutbox, seaweed_s3
):
    profile = StorageProfile.objects.create(
        name="Broken bucket",
        vendor=10,
        region="us-east-1",
        bucket="no-such-bucket-for-alerts",
        endpoint=seaweed_s3.endpoint,
        access_key_id=seaweed_s3.access_key,
        secret=seaweed_s3.secret_key,
        path_prefix="alerts/",
    )
    make_rule(Kind.PROBE_FAILING, storage_profile=profile)
    assert probe(profile).status == ProbeRun.Status.FAILED

    assert evaluate_twice().opened == 1
    alert = only_alert()
    assert "Broken bucket" in alert.title and "Bucket reachable" in alert.message
    assert len(mailoutbox) == 1

    profile.bucket = seaweed_s3.bucket
    profile.save()
    assert probe(profile).status != ProbeRun.Status.FAILED
    assert cleared_after_grace() == 1


def test_a_zego_error_rate_counted_through_the_client_hook_alerts_and_clears(
    db, emulator, make_rule, mailoutbox
):
    app = ZegoApp.objects.create(
        name="Emulated",
        app_id=emulator.app_id,
        server_secret=emulator.server_secret,
        api_url=emulator.url,
        rtc_api_url=emulator.url,
    )
    make_rule(Kind.ZEGO_ERROR_RATE, app=app, minutes=5, threshold_percent=50, min_calls=4)
    emulator.add_fault(kind="rate_limit", action="DescribeTasks", count=3)
    client = client_for(app)
    with pytest.raises(zego.ZegoRateLimitError):
        client.describe_tasks(zego.DescribeTasksStatus.RECORDING)  # three refused attempts
    client.describe_tasks(zego.DescribeTasksStatus.RECORDING)

    flush_calls()  # counted in memory; written at the latest a second later or when work ends
    counts = dict(
        ZegoCallCount.objects.filter(app=app).values_list("code", "count").order_by("code")
    )
    assert counts == {0: 1, 300000003: 3}

    assert evaluate_twice().opened == 1
    alert = only_alert()
    assert "3 of 4 ZEGO requests" in alert.message and "rate limit" in alert.message
    assert len(mailoutbox) == 1

    assert cleared_after_grace(timezone.now() + timedelta(minutes=6)) == 1


def test_the_zego_error_rate_rule_stays_quiet_on_an_idle_install(
    db, emulator, make_rule, client_for, settings
):
    """An idle console's own calls: scheduler passes, the rooms page and policy passes finding
    presence stale, the later ones inside ZEGO's 10 s per-room window (as a pass a moment early
    lands). Nothing is refused, so the rule with its defaults finds nothing (it used to open
    "37% of ZEGO calls failed … DescribeSimpleStreamList: Too many requests")."""
    from policies.services import _refresh_stale_presence
    from recordings import scheduling
    from recordings.models import Room

    app = ZegoApp.objects.create(
        name="Local emulator",
        app_id=emulator.app_id,
        server_secret=emulator.server_secret,
        api_url=emulator.url,
        rtc_api_url=emulator.url,
    )
    emulator.publish("demo-classroom", "teacher", "teacher-cam")
    for room_id in ("demo-classroom", "demo-lobby", "demo-studio", "demo-empty"):
        Room.objects.create(app=app, room_id=room_id)
    rule = make_rule(Kind.ZEGO_ERROR_RATE, app=app)  # 10 min, 20 %, 5 calls
    now = timezone.now()

    for seconds in (0, settings.PRESENCE_INTERVAL, 2 * settings.PRESENCE_INTERVAL):
        scheduling.tick("leader", now + timedelta(seconds=seconds))  # run inline in tests
        assert client_for("support").get(reverse("recordings:room_list")).status_code == 200
        settings.PRESENCE_MAX_AGE = 0
        _refresh_stale_presence(list(Room.objects.select_related("app")))

    stats = call_stats(app.pk, now - timedelta(minutes=rule.minutes))
    assert stats.calls >= rule.min_calls and stats.errors == 0, stats
    assert alerts_evaluate().opened == 0
    assert not Alert.objects.exists()
