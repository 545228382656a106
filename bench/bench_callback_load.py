"""The callback endpoint under a bounded loopback load: nothing forged gets in, nothing genuine is lost.

    .venv/bin/python -m bench.bench_callback_load [--callbacks 20000] [--threads 8] [--tasks 50]

A real web process (`manage.py runserver --noreload`, threaded) serves the console against a file
database (a temporary SQLite file, or $DATABASE_URL); several client threads post a shuffled mix
of signed ZEGO callbacks to `/callbacks/zego/<AppID>/` on 127.0.0.1:

- genuine: a unique fact (task, sequence, pause/resume) signed with the app's callback secret;
- duplicates: a genuine fact sent again (ZEGO's retry: a new nonce, the same fact);
- forged: signed with the wrong secret, a signature for another nonce, or a stale timestamp,
  each claiming "exited normally" — one accepted forgery would end a task.

It then reads the database and prints accepted / forged-rejected / duplicates / lost and the
request rate. Exit status 1 if any forgery was accepted or any genuine fact lost. Loopback only,
bounded by --callbacks and --max-seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.django_setup import setup_django

ROOT = Path(__file__).resolve().parents[1]
APP_ID = 2468013579
SERVER_SECRET = "fedcba9876543210fedcba9876543210"
CALLBACK_SECRET = "load-callback-secret-0123456789"
FORGED_SEQUENCE_BASE = 1_000_000  # forged facts use sequences no genuine fact has


@dataclass
class Callback:
    kind: str  # genuine | duplicate | forged
    body: bytes
    fact: tuple[str, str] | None = None  # (task_id, dedupe_key) of a genuine fact


def signed(task_id: str, event_type: int, sequence: int, *, secret=CALLBACK_SECRET, **over):
    from zego.signing import callback_signature

    timestamp = str(int(over.pop("timestamp", time.time())))
    nonce = uuid.uuid4().hex[:12]
    signature = over.pop("signature", None) or callback_signature(secret, timestamp, nonce)
    return json.dumps(
        {
            "app_id": APP_ID,
            "task_id": task_id,
            "room_id": "load-room",
            "event_type": event_type,
            "message": "",
            "nonce": nonce,
            "timestamp": timestamp,
            "signature": signature,
            "sequence": sequence,
            "detail": {},
        }
    ).encode()


def make_callbacks(task_ids: list[str], count: int, seed: int = 8) -> list[Callback]:
    """About 80 % genuine, 10 % duplicates of genuine ones, 10 % forged; shuffled."""
    rng = random.Random(seed)
    n_forged = count // 10
    n_duplicates = count // 10
    n_genuine = count - n_forged - n_duplicates
    genuine = []
    for index in range(n_genuine):
        task_id = task_ids[index % len(task_ids)]
        sequence = index // len(task_ids) + 1
        event_type = 201 if sequence % 2 else 202  # pause / resume: each one a fact
        genuine.append(
            Callback(
                "genuine",
                signed(task_id, event_type, sequence),
                (task_id, f"callback:{sequence}:{event_type}"),
            )
        )
    duplicates = []
    for original in rng.sample(genuine, min(n_duplicates, len(genuine))):
        payload = json.loads(original.body)
        body = signed(payload["task_id"], payload["event_type"], payload["sequence"])
        duplicates.append(Callback("duplicate", body, original.fact))
    forged = []
    for index in range(n_forged):
        task_id = task_ids[index % len(task_ids)]
        sequence = FORGED_SEQUENCE_BASE + index
        variant = index % 3
        if variant == 0:
            body = signed(task_id, 5, sequence, secret="not-the-callback-secret")
        elif variant == 1:
            body = signed(task_id, 5, sequence, signature="0" * 40)
        else:
            body = signed(task_id, 5, sequence, timestamp=time.time() - 3600)
        forged.append(Callback("forged", body))
    callbacks = genuine + duplicates + forged
    rng.shuffle(callbacks)
    return callbacks


def seed_database(tasks: int) -> list[str]:
    from recordings.models import RecordingTask, Room, ZegoApp

    app = ZegoApp.objects.create(
        name="load", app_id=APP_ID, server_secret=SERVER_SECRET, callback_secret=CALLBACK_SECRET
    )
    room = Room.objects.create(app=app, room_id="load-room")
    task_ids = [f"LOADTASK{index:08d}" for index in range(tasks)]
    RecordingTask.objects.bulk_create(
        RecordingTask(
            app=app,
            room=room,
            task_id=task_id,
            click_token=uuid.uuid4(),
            status=RecordingTask.Status.RECORDING,
            record_mode=2,
            stream_type=3,
        )
        for task_id in task_ids
    )
    return task_ids


def free_port() -> int:
    from devtools.seaweed import free_port as pick

    return pick()


def start_web(port: int) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "false", "LOG_LEVEL": "ERROR", "ALLOWED_HOSTS": "127.0.0.1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    import requests

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the web process exited")
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz/", timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the web process did not start")


def post_all(url: str, callbacks: list[Callback], threads: int, max_seconds: float):
    import requests

    local = threading.local()
    deadline = time.monotonic() + max_seconds
    statuses: Counter = Counter()

    def send(callback: Callback) -> tuple[str, int]:
        if time.monotonic() > deadline:
            return callback.kind, -1  # out of time: not sent
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        try:
            response = session.post(
                url, data=callback.body, headers={"Content-Type": "application/json"}, timeout=30
            )
            return callback.kind, response.status_code
        except requests.RequestException:
            return callback.kind, 0

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for kind, status in pool.map(send, callbacks):
            statuses[(kind, status)] += 1
    return statuses, time.perf_counter() - started


def tally(callbacks: list[Callback], statuses: Counter, elapsed: float) -> dict:
    from recordings.models import CallbackReceipt, RecordingTask, TaskEvent

    facts = {c.fact for c in callbacks if c.kind == "genuine"}
    recorded = set(
        TaskEvent.objects.filter(kind="callback").values_list("task__task_id", "dedupe_key")
    )
    forged_keys = TaskEvent.objects.filter(
        kind="callback", sequence__gte=FORGED_SEQUENCE_BASE
    ).count()
    verdicts = Counter(CallbackReceipt.objects.values_list("verdict", flat=True))
    sent = sum(n for (_, status), n in statuses.items() if status != -1)
    return {
        "sent": sent,
        "genuine_facts": len(facts),
        "accepted": verdicts["applied"],
        "duplicates": verdicts["duplicate"],
        "forged_rejected": verdicts["forged"] + verdicts["stale"],
        "forged_accepted": forged_keys
        + RecordingTask.objects.filter(status=RecordingTask.Status.ENDED).count()
        + sum(n for (kind, status), n in statuses.items() if kind == "forged" and status == 200),
        "lost": len(facts - recorded),
        "errors": sum(n for (_, status), n in statuses.items() if status == 0 or status >= 500),
        "not_sent": sum(n for (_, status), n in statuses.items() if status == -1),
        "seconds": round(elapsed, 2),
        "requests_per_second": round(sent / elapsed, 1) if elapsed else 0.0,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callbacks", type=int, default=20000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=900)
    args = parser.parse_args(argv)

    setup_django()
    task_ids = seed_database(args.tasks)
    callbacks = make_callbacks(task_ids, args.callbacks)
    port = free_port()
    web = start_web(port)
    try:
        url = f"http://127.0.0.1:{port}/callbacks/zego/{APP_ID}/"
        statuses, elapsed = post_all(url, callbacks, args.threads, args.max_seconds)
    finally:
        web.terminate()
        web.wait(timeout=10)
    result = tally(callbacks, statuses, elapsed)
    print(
        f"callback load: {result['sent']} callbacks over {args.threads} threads in "
        f"{result['seconds']} s = {result['requests_per_second']} requests/s\n"
        f"  accepted (applied): {result['accepted']} of {result['genuine_facts']} genuine facts\n"
        f"  duplicates answered and ignored: {result['duplicates']}\n"
        f"  forged rejected: {result['forged_rejected']}; forged accepted: "
        f"{result['forged_accepted']}\n"
        f"  lost genuine: {result['lost']}; transport/5xx errors: {result['errors']}; "
        f"not sent (time limit): {result['not_sent']}"
    )
    print("RESULT " + json.dumps(result))
    return 0 if result["forged_accepted"] == 0 and result["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
