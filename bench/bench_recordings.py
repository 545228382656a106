"""Callback ingestion and reconcile, measured against baselines in the same run (`make bench`).

1. Callback ingestion: signed callbacks posted through Django's full stack (verified, stored raw,
   deduplicated, applied to the ledger), as a fraction of a bare Django view's request rate.
2. Reconcile: N live tasks in a local emulator (started on free ports), one reconcile pass with the
   rate limiter on; prints the pass's time (goal ≤ 5 s for 1,000) and the ZEGO calls it made, and
   checks no call was refused for exceeding the QPS cap.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import uuid

APP_ID = 1357924680  # the reconcile bench's app, in its emulator
CALLBACK_APP_ID = 1357924681  # the callback bench's (its task must not be reconciled)
SERVER_SECRET = "0123456789abcdef0123456789abcdef"
CALLBACK_SECRET = "bench-callback-secret"


def time_requests(client, count: int, make_request) -> float:
    started = time.perf_counter()
    for index in range(count):
        response = make_request(client, index)
        assert response.status_code == 200, response.status_code
    return time.perf_counter() - started


def bench_callbacks(count: int) -> dict:
    from django.test import Client

    from recordings.models import RecordingTask, Room, ZegoApp

    app = ZegoApp.objects.create(
        name="bench callbacks",
        app_id=CALLBACK_APP_ID,
        server_secret=SERVER_SECRET,
        callback_secret=CALLBACK_SECRET,
    )
    room = Room.objects.create(app=app, room_id="bench-room")
    task = RecordingTask.objects.create(
        app=app,
        room=room,
        task_id="BENCHTASK0000001",
        click_token=uuid.uuid4(),
        status=RecordingTask.Status.RECORDING,
        record_mode=2,
        stream_type=3,
    )
    bodies = [_callback_body(task.task_id, index) for index in range(count)]
    client = Client()
    url = f"/callbacks/zego/{CALLBACK_APP_ID}/"
    bare = time_requests(client, count, lambda c, i: c.get("/bench/bare/"))
    durable = time_requests(
        client,
        count,
        lambda c, i: c.post("/bench/durable/", bodies[i], content_type="application/json"),
    )
    ingest = time_requests(
        client, count, lambda c, i: c.post(url, bodies[i], content_type="application/json")
    )
    applied = task.events.count()
    return {
        "count": count,
        "bare_s": bare,
        "durable_s": durable,
        "ingest_s": ingest,
        "applied": applied,
    }


def _callback_body(task_id: str, index: int) -> bytes:
    import zego

    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:12]
    # Alternate pause/resume so every callback really changes state through the ledger.
    event_type = 201 if index % 2 == 0 else 202
    return json.dumps(
        {
            "app_id": CALLBACK_APP_ID,
            "task_id": task_id,
            "room_id": "bench-room",
            "event_type": event_type,
            "message": "",
            "nonce": nonce,
            "timestamp": timestamp,
            "sequence": index,
            "detail": {},
            "signature": zego.signing.callback_signature(CALLBACK_SECRET, timestamp, nonce),
        }
    ).encode()


def bench_reconcile(task_count: int) -> dict:

    from devtools.seaweed import free_port
    from recordings import services
    from recordings.models import RecordingTask, Room, ZegoApp

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zego_emulator",
            f"--port={port}",
            f"--app={APP_ID}:{SERVER_SECRET}",
            f"--data-dir={tempfile.mkdtemp()}",
            f"--max-concurrent-tasks={task_count + 10}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(url)
        app = ZegoApp.objects.update_or_create(
            app_id=APP_ID,
            defaults={
                "name": "bench",
                "server_secret": SERVER_SECRET,
                "api_url": url,
                "rtc_api_url": url,
            },
        )[0]
        task_ids = _start_live_tasks(app, url, task_count)
        room = Room.objects.get_or_create(app=app, room_id="bench-live")[0]
        RecordingTask.objects.bulk_create(
            RecordingTask(
                app=app,
                room=room,
                task_id=task_id,
                click_token=uuid.uuid4(),
                status=RecordingTask.Status.INITIALISING,
                record_mode=1,
                stream_type=3,
            )
            for task_id in task_ids
        )
        # The pass reconcile_all makes, for this app only: a data set's own live tasks (other apps,
        # no ZEGO behind them) are not what this measures.
        started = time.perf_counter()
        report = services.ReconcileReport()
        tasks = list(services.tasks_needing_reconcile().filter(app=app))
        services.reconcile_app(app, tasks, report)
        elapsed = time.perf_counter() - started
        recording = RecordingTask.objects.filter(task_id__in=task_ids, status="recording").count()
        return {
            "tasks": task_count,
            "seconds": elapsed,
            "report": vars(report),
            "now_recording": recording,
        }
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


def _wait_healthy(url: str) -> None:
    import requests

    for _ in range(100):
        try:
            if requests.get(f"{url}/_emulator/health", timeout=1).ok:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("emulator did not start")


def _start_live_tasks(app, url: str, count: int) -> list[str]:
    import requests

    from recordings.zego_clients import client_for

    requests.post(
        f"{url}/_emulator/rooms/bench-live/streams",
        json={"user_id": "u", "stream_id": "s", "audio": True, "video": False},
        timeout=5,
    ).raise_for_status()
    client = client_for(app)
    storage = {
        "Vendor": 10,
        "Region": "r",
        "Bucket": "bench",
        "AccessKeyId": "k",
        "AccessKeySecret": "s",
        "EndPoint": "http://127.0.0.1:9",
    }
    return [
        client.start_record(
            "bench-live",
            record_input_params={"RecordMode": 1, "StreamType": 1},
            storage_params=storage,
            record_output_params={"OutputFileFormat": "mp3"},
        ).task_id
        for _ in range(count)
    ]
