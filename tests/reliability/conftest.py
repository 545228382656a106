"""Shared fixtures and checks for the reliability suite (issue 8).

`ledger_is_true` is the one invariant every fault case ends with: what the console's ledger says
about the room's tasks is what the emulator (standing in for ZEGO) says, nothing lost, nothing
duplicated, each fact recorded once.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.db import connection

from recordings import services
from recordings.models import RecordingTask, TaskEvent
from tests.recordings.conftest import profile, room, zego_app  # noqa: F401 - fixtures
from tests.test_access_matrix import objects  # noqa: F401 - fixture (one object per URL kwarg)

S = RecordingTask.Status
ZEGO_STATUS_NAMES = {
    1: S.INITIALISING,
    2: S.RECORDING,
    3: S.ENDED,
    4: S.ENDED_ABNORMALLY,
    5: S.PAUSED,
}

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (set DATABASE_URL): subprocesses must share the test database "
    "(SQLite's is in memory) and a server must be there to restart",
)


def emulator_tasks(emulator, room_id: str = "class-1") -> list[dict]:
    tasks = emulator.control("GET", "tasks").json()["tasks"]
    return [task for task in tasks if task["room_id"] == room_id]


def ledger_is_true(emulator, room_id: str = "class-1") -> list[RecordingTask]:
    """Assert ledger == ZEGO for a room: same tasks, same statuses, same files; facts once."""
    theirs = {task["task_id"]: task for task in emulator_tasks(emulator, room_id)}
    ours = list(RecordingTask.objects.filter(room__room_id=room_id).order_by("pk"))
    tracked = [task for task in ours if task.task_id]
    # Nothing lost: every task ZEGO made (and bills) is in the ledger, and the reverse.
    assert sorted(t.task_id for t in tracked) == sorted(theirs), "ledger and ZEGO disagree on tasks"
    # Nothing duplicated: one ledger row per ZEGO task.
    assert len({t.task_id for t in tracked}) == len(tracked)
    for task in ours:
        if not task.task_id:
            assert task.status in (S.FAILED_TO_START, S.UNKNOWN, S.STARTING), task.status
            continue
        zego_task = theirs[task.task_id]
        expected = ZEGO_STATUS_NAMES[zego_task["status"]]
        if task.status != S.STOPPING or expected not in (S.ENDED, S.ENDED_ABNORMALLY):
            assert task.status == expected, (task.task_id, task.status, zego_task["status"])
        if zego_task["files_final"]:
            zego_files = {f["FileId"]: f["Status"] for f in zego_task["files"]}
            our_files = dict(
                task.files.exclude(output_format="jpg").values_list("file_id", "upload_status")
            )
            assert our_files == zego_files, (our_files, zego_files)
    events_recorded_once(ours)
    return ours


def events_recorded_once(tasks) -> None:
    """Each callback fact (sequence + event type) is on a task's timeline at most once."""
    for task in tasks:
        facts = Counter(
            TaskEvent.objects.filter(task=task, kind=TaskEvent.Kind.CALLBACK).values_list(
                "dedupe_key", flat=True
            )
        )
        assert all(n == 1 for n in facts.values()), facts
        changes = Counter(
            TaskEvent.objects.filter(task=task)
            .exclude(status_before=None)
            .exclude(status_before="")
            .values_list("kind", "action", "status_before", "status_after")
        )
        polls = {k: n for k, n in changes.items() if k[0] == "poll" and k[2] != k[3]}
        assert all(n == 1 for n in polls.values()), f"a poll transition applied twice: {polls}"


def deliver(receiver, app, start: int = 0) -> int:
    """Hand the callbacks the receiver got since `start` to the console's ingest; returns the count."""
    bodies = receiver.all[start:]
    for body in bodies:
        clean = {k: v for k, v in body.items() if not k.startswith("_")}
        services.callback_ingest(app_id=str(app.app_id), body=json.dumps(clean).encode())
    return start + len(bodies)


@pytest.fixture
def callbacks_to(settings, callback_receiver):
    """Point tasks' CallbackUrl at a local receiver (its path is ignored)."""
    settings.ZEGO_CALLBACK_BASE_URL = callback_receiver.url.rsplit("/zego/", 1)[0]
    return callback_receiver


class CountingProxy:
    """A loopback HTTP proxy in front of the emulator that counts ZEGO calls by Action and code.

    The emulator exposes no call counters; pointing a ZegoApp's api_url here lets a test count
    what every process (this one and subprocesses) really sent to ZEGO.
    """

    def __init__(self, upstream: str) -> None:
        import threading

        import requests
        from werkzeug.serving import make_server
        from werkzeug.wrappers import Request, Response

        self.upstream = upstream
        self.calls: Counter = Counter()
        self.codes: Counter = Counter()
        self._lock = threading.Lock()
        session = requests.Session()

        @Request.application
        def app(request: Request) -> Response:
            action = request.args.get("Action", "?")
            upstream_response = session.request(
                request.method,
                f"{upstream}{request.path}",
                params=request.query_string.decode(),
                data=request.get_data(),
                headers={"Content-Type": request.headers.get("Content-Type", "")},
                timeout=30,
            )
            try:
                code = upstream_response.json().get("Code")
            except ValueError:
                code = f"http {upstream_response.status_code}"
            with self._lock:
                self.calls[action] += 1
                self.codes[code] += 1
            return Response(
                upstream_response.content,
                status=upstream_response.status_code,
                content_type=upstream_response.headers.get("Content-Type"),
            )

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.codes.clear()

    def stop(self) -> None:
        self._server.shutdown()


@pytest.fixture
def counting_proxy(emulator):
    proxy = CountingProxy(emulator.url)
    yield proxy
    proxy.stop()


def form_data(form) -> dict:
    """The POST a browser would send for an unbound form as rendered (its initial values)."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            value = "on"
        data[bound.html_name] = (
            [str(v) for v in value] if isinstance(value, list | tuple) else value
        )
    return data
