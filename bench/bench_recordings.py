"""Callback ingestion and reconcile, measured against baselines in the same run.

    .venv/bin/python -m bench.bench_recordings [--callbacks 2000] [--tasks 1000]

1. Callback ingestion: signed callbacks posted through Django's full stack (verified, stored raw,
   deduplicated, applied to the ledger), as a fraction of a bare Django view's request rate.
2. Reconcile: N live tasks in a local emulator (started on free ports), one reconcile pass with the
   rate limiter on; prints the pass's time (goal ≤ 5 s for 1,000) and the ZEGO calls it made, and
   checks no call was refused for exceeding the QPS cap.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid

from bench.django_setup import setup_django

APP_ID = 1357924680
SERVER_SECRET = "0123456789abcdef0123456789abcdef"
CALLBACK_SECRET = "bench-callback-secret"


def bare_view(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


urlpatterns = []  # filled in main(): the console's URLs plus the bare view


def time_requests(client, count: int, make_request) -> float:
    started = time.perf_counter()
    for index in range(count):
        response = make_request(client, index)
        assert response.status_code == 200, response.status_code
    return time.perf_counter() - started


def bench_callbacks(count: int) -> dict:
    from django.test import Client
    from django.urls import include, path

    from recordings.models import RecordingTask, Room, ZegoApp

    urlpatterns[:] = [path("bare/", bare_view), path("", include("config.urls"))]
    app = ZegoApp.objects.create(
        name="bench", app_id=APP_ID, server_secret=SERVER_SECRET, callback_secret=CALLBACK_SECRET
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
    url = f"/callbacks/zego/{APP_ID}/"
    bare = time_requests(client, count, lambda c, i: c.get("/bare/"))
    ingest = time_requests(
        client, count, lambda c, i: c.post(url, bodies[i], content_type="application/json")
    )
    applied = task.events.count()
    return {"count": count, "bare_s": bare, "ingest_s": ingest, "applied": applied}


def _callback_body(task_id: str, index: int) -> bytes:
    import zego

    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:12]
    # Alternate pause/resume so every callback really changes state through the ledger.
    event_type = 201 if index % 2 == 0 else 202
    return json.dumps(
        {
            "app_id": APP_ID,
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
        started = time.perf_counter()
        report = services.reconcile_all()
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callbacks", type=int, default=2000)
    parser.add_argument("--tasks", type=int, default=1000)
    args = parser.parse_args(argv)
    setup_django()
    from django.test.utils import override_settings

    with override_settings(ROOT_URLCONF=__name__):
        result = bench_callbacks(args.callbacks)
    bare_rate = result["count"] / result["bare_s"]
    ingest_rate = result["count"] / result["ingest_s"]
    print(
        f"callbacks: {result['count']} signed callbacks, {result['applied']} applied to the ledger"
    )
    print(f"  bare Django view   {bare_rate:8.0f} req/s")
    print(f"  callback ingestion {ingest_rate:8.0f} req/s")
    print(f"  ratio (ingestion / bare view): {ingest_rate / bare_rate:.3f}")
    reconcile = bench_reconcile(args.tasks)
    report = reconcile["report"]
    print(
        f"reconcile: {reconcile['tasks']} live tasks in {reconcile['seconds']:.2f} s (goal ≤ 5 s for 1,000)"
    )
    print(
        f"  {report['status_calls']} DescribeRecordStatus calls, {report['errors']} errors "
        f"(rate-limit refusals count as errors), {reconcile['now_recording']} tasks now recording"
    )


if __name__ == "__main__":
    main()
