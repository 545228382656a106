"""The files page against Django admin's changelist of the same model, in the same run.

    .venv/bin/python -m bench.bench_files_page [--rows 1000000] [--repeats 5]

Builds a throwaway SQLite database (or uses --database-url) with `--rows` RecordingFile rows, adds
the indexes the files page asks for (RecordingFile.Meta.indexes), and times full GET requests through
Django's test client for both pages: the first page, a page half-way down, and two filters. The
admin counts the filtered and the whole table and pages with OFFSET; the files page does neither
(keyset pages over an index). Then times presigning a page of 100 file URLs: 100 calls of
storage_profiles.presign.presigned_url (botocore) against one playback.presign.Presigner.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument(
        "--database-url", default="", help="an empty database to fill (default: temp SQLite)"
    )
    return parser.parse_args(argv)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ["STATIC_MANIFEST"] = "false"
    import django

    django.setup()
    register_admin()


def register_admin() -> None:
    """RecordingFile in Django's admin as one would list it: same columns, order and page size."""
    from django.contrib import admin

    from recordings.models import RecordingFile

    class RecordingFileAdmin(admin.ModelAdmin):
        list_display = (
            "file_id",
            "task",
            "user_id",
            "stream_id",
            "output_format",
            "duration_ms",
            "size",
            "upload_status",
            "created_at",
        )
        list_select_related = ("task__room", "task__app")
        list_filter = ("upload_status", "output_format")
        ordering = ("-created_at", "-id")
        list_per_page = 50

    admin.site.register(RecordingFile, RecordingFileAdmin)


def build(rows: int, task_count: int) -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    from recordings.models import RecordingFile, RecordingTask, Room, ZegoApp
    from storage_profiles.models import StorageProfile

    call_command("migrate", verbosity=0)
    with connection.schema_editor() as editor:  # re-added after the bulk insert below
        for index in RecordingFile._meta.indexes:
            editor.remove_index(RecordingFile, index)
    User.objects.create_superuser("bench", "bench@example.com", "bench-password-1")
    profile = StorageProfile.objects.create(
        name="Bench",
        vendor=10,
        region="us-east-1",
        bucket="bench",
        endpoint="http://127.0.0.1:8333",
        access_key_id="AK",
        secret="bench-secret",
    )
    app = ZegoApp.objects.create(name="Bench", app_id=1, server_secret="s" * 32)
    rooms = Room.objects.bulk_create(Room(app=app, room_id=f"room-{i}") for i in range(100))
    tasks = RecordingTask.objects.bulk_create(
        RecordingTask(
            app=app,
            room=rooms[i % 100],
            task_id=f"T{i:015d}",
            click_token=uuid.uuid4(),
            status="ended",
            record_mode=1,
            stream_type=3,
            storage_profile=profile,
        )
        for i in range(task_count)
    )
    columns = (
        "task_id, file_id, user_id, stream_id, file_url, object_key, output_format, size, "
        "duration_ms, width, height, began_at, upload_status, missing_in_bucket, created_at, "
        "updated_at"
    )
    sql = f"INSERT INTO recordings_recordingfile ({columns}) VALUES ({', '.join(['%s'] * 16)})"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    formats = ["mp4"] * 90 + ["hls"] * 6 + ["flv"] * 3 + ["mp3"]
    batch = []
    with connection.cursor() as cursor:
        for i in range(rows):
            task = tasks[i % task_count]
            at = start + timedelta(seconds=i * 2)
            fmt = formats[i % 100]
            batch.append(
                (
                    task.pk,
                    f"{task.task_id}_s{i}.{fmt}",
                    f"user-{i % 5000}",
                    f"stream-{i % 7000}",
                    "",
                    f"recordings/{task.task_id}_s{i}.{fmt}",
                    fmt,
                    1000 + (i * 7919) % 10**8,
                    (i * 104729) % 3_600_000,
                    1280,
                    720,
                    at,
                    4 if i % 97 == 0 else 3,
                    False,
                    at,
                    at,
                )
            )
            if len(batch) == 50_000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
    # Indexes after the rows: building each once is far quicker than updating it per insert.
    with connection.schema_editor() as editor:
        for index in RecordingFile._meta.indexes:
            editor.add_index(RecordingFile, index)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE recordings_recordingfile")


class SqlTimer:
    """Sums the time spent in the database (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def median_ms(client, url: str, repeats: int) -> tuple[float, float]:
    """Median milliseconds of the whole GET, and of its SQL alone."""
    from django.db import connection

    response = client.get(url)  # warm up (and check)
    assert response.status_code == 200, (url, response.status_code)
    totals, sql = [], []
    for _ in range(repeats):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            client.get(url)
            totals.append((time.perf_counter() - started) * 1000)
        sql.append(timer.seconds * 1000)
    return statistics.median(totals), statistics.median(sql)


def compare_pages(rows: int, repeats: int) -> list[tuple[str, tuple, tuple]]:
    from django.contrib.auth.models import User
    from django.test import Client

    from playback.forms import cursor_for
    from recordings.models import RecordingFile

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench"))
    admin = "/admin/recordings/recordingfile/"
    middle = rows // 2
    page_number = middle // 50 + 1
    anchor = RecordingFile.objects.order_by("-created_at", "-id").only("created_at")[
        (page_number - 1) * 50 - 1 : (page_number - 1) * 50
    ][0]
    scenarios = [
        ("first page", "/files/", admin),
        (
            f"page {page_number:,} (row {middle:,})",
            f"/files/?after={cursor_for(anchor, '-created_at')}",
            f"{admin}?p={page_number}",
        ),
        ("upload status = 4 (1%)", "/files/?upload_status=4", f"{admin}?upload_status__exact=4"),
        ("format = flv (3%)", "/files/?format=flv", f"{admin}?output_format__exact=flv"),
    ]
    return [
        (name, median_ms(client, ours, repeats), median_ms(client, theirs, repeats))
        for name, ours, theirs in scenarios
    ]


def compare_presign(repeats: int) -> tuple[float, float]:
    from playback.presign import presigner_for
    from storage_profiles.models import StorageProfile
    from storage_profiles.presign import presigned_url

    profile = StorageProfile.objects.get(name="Bench")
    keys = [f"recordings/T{i:015d}_s{i}.mp4" for i in range(100)]
    presigned_url(profile, keys[0])

    def singles():
        for key in keys:
            presigned_url(profile, key)

    def page():
        signer = presigner_for(profile)
        for key in keys:
            signer.url(key, expires_in=300)

    def best(fn) -> float:
        timings = []
        for _ in range(max(repeats, 3)):
            started = time.perf_counter()
            fn()
            timings.append((time.perf_counter() - started) * 1000)
        return statistics.median(timings)

    return best(singles), best(page)


def main(argv=None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-files-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        setup_django(url)
        from django.db import connection

        started = time.perf_counter()
        build(args.rows, min(args.tasks, max(1, args.rows // 10)))
        built = time.perf_counter() - started
        results = compare_pages(args.rows, args.repeats)
        singles, page = compare_presign(args.repeats)
        vendor = connection.vendor
        connection.close()
    print(
        f"files page vs Django admin changelist: {args.rows:,} RecordingFile rows ({vendor}, "
        f"built in {built:.0f} s); whole GET through the test client, and its SQL alone; "
        f"median of {args.repeats}"
    )
    print(
        f"  {'scenario':<28} {'files page':>10} {'admin':>10} {'ratio':>7}"
        f"   {'SQL: files':>10} {'admin':>10} {'ratio':>8}"
    )
    ratios, sql_ratios = [], []
    for name, (ours, ours_sql), (theirs, theirs_sql) in results:
        ratios.append(theirs / ours)
        sql_ratios.append(theirs_sql / max(ours_sql, 0.001))
        print(
            f"  {name:<28} {ours:7.1f} ms {theirs:7.1f} ms {theirs / ours:6.1f}x"
            f"   {ours_sql:7.2f} ms {theirs_sql:7.1f} ms {sql_ratios[-1]:7.1f}x"
        )
    print(
        f"  geometric mean of admin/files ratios: whole request "
        f"{statistics.geometric_mean(ratios):.1f}x, SQL {statistics.geometric_mean(sql_ratios):.1f}x"
    )
    print(
        f"presign a page of 100 URLs: 100 x presigned_url {singles:.2f} ms "
        f"({singles * 10:.0f} us/URL), one Presigner {page:.2f} ms ({page * 10:.0f} us/URL), "
        f"ratio {singles / page:.1f}x"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
