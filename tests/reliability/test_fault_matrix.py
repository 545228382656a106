"""The fault matrix: each ZEGO / callback / bucket fault against the real emulator and SeaweedFS.

Every case ends with the same proof (`ledger_is_true`): no task lost or duplicated (ledger vs the
emulator's /_emulator/tasks), statuses and files agree, each fact recorded once — and the person
sees what happened in words (the task's problems, its timeline messages or its error message).
Callbacks go to a local receiver and are handed to `services.callback_ingest` in the test thread,
so faults on the way (drop, duplicate, reorder) reach the console exactly as ZEGO sends them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest

from recordings import services
from recordings.models import CallbackReceipt, RecordingTask, TaskEvent
from tests.recordings.conftest import mixed_options, new_click, wait_for
from tests.reliability.conftest import deliver, emulator_tasks, ledger_is_true

pytestmark = pytest.mark.django_db
S = RecordingTask.Status


@dataclass
class Run:
    """Drives one recording through its life, delivering callbacks after each step."""

    room: object
    profile: object
    user: object
    receiver: object
    delivered: int = 0
    reports: list = field(default_factory=list)

    def start(self, **overrides) -> RecordingTask:
        task = services.recording_start(
            app=self.room.app,
            room=self.room,
            options=mixed_options(self.profile, **overrides),
            user=self.user,
            click_token=new_click(),
        )
        self.settle_callbacks()
        return task

    def settle_callbacks(self) -> None:
        self.delivered = deliver(self.receiver, self.room.app, self.delivered)

    def reconcile(self) -> services.ReconcileReport:
        report = services.reconcile_all()
        self.reports.append(report)
        self.settle_callbacks()
        return report

    def until(self, task, predicate, timeout=30) -> RecordingTask:
        def done():
            self.reconcile()
            task.refresh_from_db()
            return predicate(task)

        wait_for(done, timeout=timeout, interval=0.25)
        return task

    def record_and_stop(self, task) -> RecordingTask:
        self.until(task, lambda t: t.status == S.RECORDING)
        time.sleep(1.0)
        services.recording_stop(task=task, user=self.user)
        return self.finish(task)

    def finish(self, task) -> RecordingTask:
        """Reconcile until ZEGO has settled the files, then once more for the last callbacks."""
        self.until(
            task,
            lambda t: (
                t.is_final
                and t.files.exists()
                and not t.files.filter(upload_status__in=[1, 2]).exists()
            ),
            timeout=40,
        )
        wait_for(lambda: self.receiver_quiet(), timeout=15)
        self.reconcile()
        task.refresh_from_db()
        return task

    def receiver_quiet(self) -> bool:
        before = len(self.receiver.all)
        time.sleep(0.4)
        return len(self.receiver.all) == before


@pytest.fixture
def run(room, profile, personas, callbacks_to, settings):
    settings.CALLBACK_GRACE_SECONDS = 0
    return Run(room, profile, personas["support"], callbacks_to)


def words(task: RecordingTask) -> str:
    """Everything the task page shows a person about what happened."""
    events = " | ".join(task.events.values_list("message", flat=True))
    problems = " | ".join(p["message"] for p in task.problems)
    return f"{task.error_message} | {problems} | {events}"


# --- StartRecord faults -----------------------------------------------------------------------


def test_a_5xx_before_zego_creates_the_task_ends_failed_to_start_without_a_task(
    run, emulator, settings
):
    emulator.add_fault(kind="http_5xx", action="StartRecord", count=1, status=502)
    task = run.start()
    assert task.status == S.UNKNOWN
    assert "did not answer StartRecord" in words(task)  # outcome_unknown, shown at once
    settings.RECORDING_STUCK_AFTER = 0  # the adoption window has passed
    run.reconcile()
    task.refresh_from_db()
    assert task.status == S.FAILED_TO_START
    assert "did not start" in words(task)
    assert emulator_tasks(emulator) == []
    ledger_is_true(emulator)


def test_a_5xx_after_zego_created_the_task_adopts_it_and_records_normally(run, emulator):
    emulator.add_fault(kind="http_5xx", action="StartRecord", count=1, status=503, after=True)
    task = run.start()
    assert task.task_id == emulator_tasks(emulator)[0]["task_id"]
    assert "adopted it" in words(task)
    task = run.record_and_stop(task)
    assert task.status == S.ENDED and task.problems == []
    ledger_is_true(emulator)


@pytest.mark.parametrize("mode", ["sleep", "drop"])
def test_a_start_timeout_after_creation_is_adopted_never_started_twice(
    run, emulator, settings, mode
):
    settings.ZEGO_TIMEOUT = 1
    emulator.add_fault(kind="start_timeout", mode=mode, delay=2.5, count=1)
    task = run.start()
    assert len(emulator_tasks(emulator)) == 1
    assert task.task_id == emulator_tasks(emulator)[0]["task_id"]
    assert task.events.filter(status_after=S.UNKNOWN).exists()  # "Outcome unknown" first
    assert "adopted it" in words(task)
    task = run.record_and_stop(task)
    assert task.status == S.ENDED
    assert RecordingTask.objects.count() == 1
    ledger_is_true(emulator)


def test_a_rate_limited_start_is_refused_in_words_and_creates_nothing(run, emulator):
    emulator.add_fault(kind="rate_limit", action="StartRecord", count=5)
    task = run.start()
    assert task.status == S.FAILED_TO_START
    assert "300000003" in task.error_message
    run.reconcile()
    assert emulator_tasks(emulator) == []
    ledger_is_true(emulator)


# --- Describe* faults during reconcile --------------------------------------------------------


@pytest.mark.parametrize("action", ["DescribeTasks", "DescribeRecordStatus"])
def test_a_5xx_burst_on_describe_is_survived_and_the_ledger_catches_up(
    run, emulator, action, caplog
):
    task = run.start()
    run.until(task, lambda t: t.status == S.RECORDING)
    time.sleep(1.0)
    services.recording_stop(task=task, user=run.user)
    emulator.add_fault(kind="http_5xx", action=action, count=3, status=500)
    report = run.reconcile()
    assert report.errors >= 1
    assert "reconcile" in caplog.text and "500" in caplog.text
    task = run.finish(task)
    assert task.status == S.ENDED
    ledger_is_true(emulator)


def test_rate_limit_replies_to_polls_are_waited_out_within_the_pass(run, emulator):
    task = run.start()
    emulator.add_fault(kind="rate_limit", action="DescribeTasks", count=2)
    report = run.reconcile()
    assert report.errors == 0  # the client backs off and asks again
    task = run.record_and_stop(task)
    assert task.status == S.ENDED
    ledger_is_true(emulator)


# --- Callback faults --------------------------------------------------------------------------


def test_dropped_callbacks_are_filled_in_by_polling_and_reported(run, emulator):
    emulator.add_fault(kind="drop_callbacks")
    task = run.record_and_stop(run.start())
    assert task.status == S.ENDED and task.callbacks_received == 0
    assert [p["code"] for p in task.problems] == ["no_callback"]
    assert "no callback arrived" in words(task)
    ledger_is_true(emulator)


def test_duplicated_callbacks_are_applied_once(run, emulator):
    emulator.add_fault(kind="duplicate_callbacks")
    task = run.record_and_stop(run.start())
    verdicts = list(CallbackReceipt.objects.values_list("verdict", flat=True))
    assert verdicts.count("duplicate") >= 3 and verdicts.count("applied") >= 3
    assert task.status == S.ENDED and task.problems == []
    ledger_is_true(emulator)


def test_reordered_pause_and_resume_callbacks_end_in_zegos_state(run, emulator):
    task = run.start()
    run.until(task, lambda t: t.status == S.RECORDING)
    emulator.add_fault(kind="reorder_callbacks", event_type=201, delay=0.8)
    services.recording_pause(task=task, user=run.user)
    services.recording_resume(task=task, user=run.user)
    wait_for(lambda: 201 in run.receiver.events(task.task_id), timeout=10)
    run.settle_callbacks()  # resume (202) arrived before the older pause (201)
    task.refresh_from_db()
    assert task.status == S.RECORDING
    deliveries = [b["event_type"] for b in run.receiver.all if b["event_type"] in (201, 202)]
    assert deliveries == [202, 201]
    task = run.finish(_stop(task, run))
    assert task.status == S.ENDED
    ledger_is_true(emulator)


def _stop(task, run):
    time.sleep(0.5)
    services.recording_stop(task=task, user=run.user)
    return task


def test_reordered_end_callbacks_never_move_the_task_backwards(run, emulator):
    emulator.add_fault(kind="reorder_callbacks", event_type=7, delay=0.8)
    task = run.record_and_stop(run.start())
    assert task.status == S.ENDED
    statuses = list(task.events.order_by("id").values_list("status_after", flat=True))
    ranks = [RecordingTask.RANK[s] for s in statuses if s]
    assert ranks == sorted(ranks), statuses
    ledger_is_true(emulator)


# --- Upload faults ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backup", "status", "code", "phrase"),
    [
        (True, 4, "in_backup", "backup storage until"),
        (False, 5, "upload_failed", "failed to both your storage and ZEGO's backup"),
    ],
)
def test_an_upload_failure_is_shown_in_words(run, emulator, backup, status, code, phrase):
    emulator.add_fault(kind="upload_failure", backup=backup, count=1)
    task = run.record_and_stop(run.start())
    assert task.files.get().upload_status == status
    assert [p["code"] for p in task.problems] == [code]
    assert phrase in words(task)
    ledger_is_true(emulator)


# --- Bucket unreachable -----------------------------------------------------------------------


def dead_endpoint() -> str:
    from devtools.seaweed import free_port

    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


def test_a_probe_of_an_unreachable_bucket_fails_in_words(profile):
    from storage_profiles.probe import run_probe

    profile.endpoint = dead_endpoint()
    profile.save()
    started = time.monotonic()
    outcome = run_probe(profile, origin="http://127.0.0.1:8000")
    assert time.monotonic() - started < 30
    assert outcome.status == "failed"
    first = outcome.steps[0]
    assert first["status"] == "failed" and first["detail"]
    assert all(step["status"] in ("failed", "skipped") for step in outcome.steps)


def test_presign_and_bucket_checks_against_a_dead_endpoint_report_not_crash(run, emulator, profile):
    from playback import services as playback
    from storage_profiles.presign import presigned_url

    task = run.record_and_stop(run.start())
    file = task.files.get()
    profile.endpoint = dead_endpoint()
    profile.save()
    task.refresh_from_db()
    assert presigned_url(profile, file.object_key).startswith(profile.endpoint)  # local signing
    checks = playback.bucket_check(task=task)
    assert [c.result for c in checks] == ["error"]
    assert checks[0].message
    type(file).objects.filter(pk=file.pk).update(bucket_checked_at=None)
    assert services.verify_uploaded_files([task]) == 0  # logged and left for the next pass
    file.refresh_from_db()
    assert file.bucket_checked_at is None and not file.missing_in_bucket
    assert not task.events.filter(kind=TaskEvent.Kind.PROBLEM).exists()
