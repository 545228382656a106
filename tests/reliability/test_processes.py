"""Processes die and databases restart: the ledger, kept in the database, stays true.

- a worker killed in the middle of a reconcile pass (an exception after some tasks, in-process;
  and, on PostgreSQL, a real `manage.py reconcile --once` subprocess SIGKILLed mid-pass);
- the database restarted (PostgreSQL: every backend terminated between steps);
- the web process restarted during a recording (connections dropped, a new client carries on);
- two worker processes reconciling the same load at once (PostgreSQL): no double ZEGO calls,
  no rate-limit refusals, no lost updates, no event recorded twice.

Subprocesses need a database they can share with the test, so those cases run on PostgreSQL
only: the SQLite test database is in memory and invisible to another process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.db import close_old_connections, connection, connections
from django.db.utils import DatabaseError
from django.urls import reverse

from recordings import services
from recordings.models import RecordingTask, TaskEvent
from tests.recordings.conftest import mixed_options, new_click, wait_for
from tests.reliability.conftest import (
    emulator_tasks,
    events_recorded_once,
    form_data,
    ledger_is_true,
    requires_postgres,
)

S = RecordingTask.Status
ROOT = Path(__file__).resolve().parents[2]
RATE_LIMITED = 300000003


def start_tasks(room, profile, user, n: int) -> list[RecordingTask]:
    return [
        services.recording_start(
            app=room.app,
            room=room,
            options=mixed_options(profile),
            user=user,
            click_token=new_click(),
        )
        for _ in range(n)
    ]


def reconcile_until_all(tasks, predicate, timeout=40):
    def done():
        services.reconcile_all()
        for task in tasks:
            task.refresh_from_db()
        return all(predicate(task) for task in tasks)

    wait_for(done, timeout=timeout, interval=0.3)


def stopped_and_uploaded(emulator, tasks, user) -> None:
    """Record a moment, stop every task, and wait until ZEGO has settled all their files."""
    reconcile_until_all(tasks, lambda t: t.status == S.RECORDING)
    time.sleep(1.0)
    for task in tasks:
        services.recording_stop(task=task, user=user)
    ids = {t.task_id for t in tasks}
    wait_for(
        lambda: all(t["files_final"] for t in emulator_tasks(emulator) if t["task_id"] in ids),
        timeout=60,
        interval=0.3,
    )


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def manage(*args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def terminate_other_backends() -> int:
    """What a PostgreSQL restart does to every open connection of this database."""
    db = connection.settings_dict
    admin = database_url().rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as pg:
        rows = pg.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [db["NAME"]],
        ).fetchall()
    return len(rows)


# --- a worker dies mid-pass -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reconcile_pass_that_dies_half_way_is_finished_by_the_next_one(
    room, profile, personas, emulator, monkeypatch
):
    tasks = start_tasks(room, profile, personas["support"], 4)
    stopped_and_uploaded(emulator, tasks, personas["support"])
    real = services._reconcile_task
    calls = []

    def dies_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_reconcile_task", dies_on_the_third)
    with pytest.raises(RuntimeError):
        services.reconcile_all()
    done = [t for t in RecordingTask.objects.all() if t.is_final]
    assert len(done) == 2  # two applied before the crash, the rest untouched
    monkeypatch.setattr(services, "_reconcile_task", real)
    services.reconcile_all()
    services.reconcile_all()
    assert all(t.status == S.ENDED for t in RecordingTask.objects.all())
    ledger_is_true(emulator)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_sigkilled_mid_pass_loses_nothing(room, profile, personas, emulator):
    tasks = start_tasks(room, profile, personas["support"], 4)
    stopped_and_uploaded(emulator, tasks, personas["support"])
    # Each status call takes 0.6 s, so the kill lands in the middle of the pass.
    emulator.add_fault(kind="slow", action="DescribeRecordStatus", delay=0.6)
    worker = manage("reconcile", "--once")
    wait_for(
        lambda: RecordingTask.objects.filter(status=S.ENDED).exists() or worker.poll() is not None,
        timeout=20,
        interval=0.05,
    )
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=10)
    ended = RecordingTask.objects.filter(status=S.ENDED).count()
    assert 1 <= ended < 4, f"the kill should land mid-pass ({ended} ended)"
    emulator.control("DELETE", "faults")
    finisher = manage("reconcile", "--once")
    out, err = finisher.communicate(timeout=60)
    assert finisher.returncode == 0, err
    assert "Reconciled" in out
    assert RecordingTask.objects.filter(status=S.ENDED).count() == 4
    ledger_is_true(emulator)


# --- the database restarts --------------------------------------------------------------------


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_restart_between_steps_loses_nothing(room, profile, personas, emulator):
    support = personas["support"]
    (task,) = start_tasks(room, profile, support, 1)
    assert terminate_other_backends() >= 1  # our own connection is gone too
    # A worker meets the dead connection once, closes it between tasks, and carries on.
    with pytest.raises(DatabaseError):
        services.reconcile_all()
    close_old_connections()
    reconcile_until_all([task], lambda t: t.status == S.RECORDING)
    time.sleep(1.0)
    services.recording_stop(task=task, user=support)

    terminate_other_backends()
    close_old_connections()  # the web handler does this at the start of each request
    finisher = manage("reconcile", "--once")
    finisher.communicate(timeout=60)
    wait_for(
        lambda: emulator.task(task.task_id)["files_final"],
        timeout=40,
    )
    terminate_other_backends()
    close_old_connections()
    reconcile_until_all([task], lambda t: t.is_final and t.files.filter(upload_status=3).exists())
    assert task.status == S.ENDED
    ledger_is_true(emulator)


# --- the web process restarts -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_web_restart_during_a_recording_is_picked_up_from_the_ledger(
    room, profile, personas, emulator, client
):
    client.force_login(personas["support"])
    from recordings.forms import StartForm

    data = form_data(StartForm(initial={"click_token": new_click()}, app=room.app, room=room))
    data.update(storage_profile=profile.pk, fps=10, bitrate_kbps=300)
    response = client.post(reverse("recordings:room_start", args=[room.pk]), data)
    task = RecordingTask.objects.get()
    assert response.status_code in (200, 302), response.content[:500]
    assert task.task_id, task.status

    # The web process dies: its connections and its memory go; only the database remains.
    connections.close_all()
    from django.test import Client

    fresh = Client()
    fresh.force_login(personas["support"])
    page = fresh.get(reverse("recordings:task_detail", args=[task.pk]))
    assert page.status_code == 200 and task.task_id.encode() in page.content
    reconcile_until_all([task], lambda t: t.status == S.RECORDING)
    time.sleep(1.0)
    stopped = fresh.post(reverse("recordings:task_control", args=[task.pk, "stop"]))
    assert stopped.status_code == 302
    reconcile_until_all([task], lambda t: t.is_final and t.files.filter(upload_status=3).exists())
    assert len(emulator_tasks(emulator)) == 1
    ledger_is_true(emulator)


# --- two workers at once ----------------------------------------------------------------------


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_reconciling_at_once_call_zego_once_per_task(
    room, profile, personas, emulator, counting_proxy
):
    app = room.app
    app.api_url = app.rtc_api_url = counting_proxy.url
    app.save()
    n = 8
    tasks = start_tasks(room, profile, personas["support"], n)
    stopped_and_uploaded(emulator, tasks, personas["support"])
    # The first pass's listing takes 2 s, so the two passes surely overlap.
    emulator.add_fault(kind="slow", action="DescribeTasks", delay=2.0, count=1)
    counting_proxy.reset()
    events_before = TaskEvent.objects.count()

    workers = [manage("reconcile", "--once") for _ in range(2)]
    outputs = [worker.communicate(timeout=90) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), outputs

    calls, codes = counting_proxy.calls, counting_proxy.codes
    print(f"ZEGO calls by two concurrent workers: {dict(calls)}; reply codes: {dict(codes)}")
    assert codes[RATE_LIMITED] == 0, f"rate-limit refusals: {dict(codes)}"
    assert calls["DescribeRecordStatus"] == n, dict(calls)
    tasks = list(RecordingTask.objects.all())
    assert all(t.status == S.ENDED for t in tasks)
    # One poll event per task (stopping -> ended), never two.
    assert TaskEvent.objects.count() - events_before == n
    events_recorded_once(tasks)
    ledger_is_true(emulator)


# --- two task workers share one queue ---------------------------------------------------------


def db_worker(worker_id: str) -> subprocess.Popen:
    """`manage.py db_worker` as the Procfile runs it, until the queue is empty (--batch)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"]
        + ["--interval", "0.2", "--worker-id", worker_id],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_task_workers_split_the_queue_and_run_each_job_once(
    room, profile, personas, emulator, counting_proxy
):
    from django.test.utils import override_settings
    from django_tasks_db.models import DBTaskResult

    from recordings.tasks import reconcile_one

    app = room.app
    app.api_url = app.rtc_api_url = counting_proxy.url
    app.save()
    n = 10
    tasks = start_tasks(room, profile, personas["support"], n)
    # Each job waits on ZEGO for a while, so the second worker is up before the first is done.
    emulator.add_fault(kind="slow", action="DescribeRecordStatus", delay=0.6, count=n)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        for task in tasks:
            reconcile_one.enqueue(task.pk)
    counting_proxy.reset()

    workers = [db_worker("worker-a"), db_worker("worker-b")]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), outputs

    results = list(DBTaskResult.objects.filter(task_path__endswith="reconcile_one"))
    assert len(results) == n
    assert all(result.status == "SUCCESSFUL" for result in results), [
        (r.status, r.traceback[-500:]) for r in results
    ]
    assert all(len(result.worker_ids) == 1 for result in results)  # each job ran once
    share = {w: sum(r.worker_ids == [w] for r in results) for w in ("worker-a", "worker-b")}
    print(f"jobs run by each worker: {share}")
    assert all(count > 0 for count in share.values()), share  # split, not one doing all
    assert counting_proxy.calls["DescribeRecordStatus"] == n, dict(counting_proxy.calls)
    assert counting_proxy.codes[RATE_LIMITED] == 0
