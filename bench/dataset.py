"""A large, realistic data set built in bulk: years of tasks over several apps and rooms.

Tasks are spread evenly over two years, most ended, some abnormally, a few failed to start and
about 1 % still live; each has the same share of the files (mostly MP4, some HLS/FLV/MP3 and JPG
snapshots; 1 % in ZEGO's backup storage). Rows go in with one multi-row INSERT per batch and the
lists' indexes are built afterwards, which is far quicker than updating them per row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

APPS = 5
ROOMS = 1000
SPAN = timedelta(days=730)
START = datetime(2024, 11, 1, tzinfo=UTC)
BATCH = 20_000
STATUSES = ["ended"] * 93 + ["ended_abnormally"] * 4 + ["failed_to_start"] * 2 + ["recording"]
FORMATS = ["mp4"] * 86 + ["hls"] * 6 + ["flv"] * 3 + ["mp3"] * 2 + ["jpg"] * 3


@dataclass
class DataSet:
    tasks: int
    files: int
    audit_entries: int
    seconds: float = 0.0


def build(tasks: int, files: int, audit_entries: int) -> DataSet:
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from accounts.models import AuditEntry
    from recordings.models import RecordingFile, RecordingTask

    call_command("migrate", verbosity=0)
    User.objects.create_superuser("bench", "bench@example.com", "bench-password-1")
    profile = _storage_profile()
    apps, rooms = _apps_and_rooms(min(ROOMS, max(1, tasks // 10)))
    with _indexes_built_after(RecordingTask, RecordingFile, AuditEntry):
        _insert(RecordingTask, _task_rows(tasks, apps, rooms, profile))
        task_pks = list(
            RecordingTask.objects.order_by("pk").values_list("pk", "app_id", "created_at")
        )
        _insert(RecordingFile, _file_rows(files, task_pks))
        _insert(AuditEntry, _audit_rows(audit_entries))
    _analyze()
    return DataSet(tasks, files, audit_entries)


def _storage_profile():
    from storage_profiles.models import StorageProfile

    return StorageProfile.objects.create(
        name="Bench",
        vendor=10,
        region="us-east-1",
        bucket="bench",
        endpoint="http://127.0.0.1:8333",
        access_key_id="AK",
        secret="bench-secret",
    )


def _apps_and_rooms(room_count: int):
    from recordings.models import Room, ZegoApp

    apps = [
        ZegoApp.objects.create(name=f"App {i}", app_id=100 + i, server_secret="s" * 32)
        for i in range(APPS)
    ]
    rooms = Room.objects.bulk_create(
        Room(app=apps[i % APPS], room_id=f"room-{i:04d}") for i in range(room_count)
    )
    return apps, rooms


def _task_rows(count: int, apps, rooms, profile):
    step = SPAN / max(count, 1)
    for i in range(count):
        room = rooms[(i * 7919) % len(rooms)]
        created = START + step * i
        status = STATUSES[(i * 31) % len(STATUSES)]
        live = status == "recording"
        yield {
            "app_id": room.app_id,
            "room_id": room.pk,
            "task_id": f"T{i:015d}",
            "click_token": uuid.uuid4().hex,
            "status": status,
            "record_mode": 2 if i % 3 else 1,
            "stream_type": 3,
            "output_format": "mp4",
            "storage_profile_id": profile.pk,
            "request": "{}",
            "layout": "{}",
            "max_idle_time": 30,
            "max_record_time": 86400,
            "started_by_label": f"support-{i % 12}",
            "created_at": created,
            "updated_at": created,
            "record_began_at": created + timedelta(seconds=3),
            "ended_at": None if live else created + timedelta(minutes=5 + i % 55),
            "toggle_sequence": -1,
            "callbacks_received": 3,
            "end_callback_received": not live,
            "problems": '[{"code": "ended_abnormally", "message": "Ended abnormally."}]'
            if status == "ended_abnormally"
            else "[]",
            "error_message": "",
            "legal_hold": i % 500 == 0,
            "legal_hold_reason": "bench hold" if i % 500 == 0 else "",
        }


def _file_rows(count: int, task_pks: list[tuple[int, int, datetime]]):
    for i in range(count):
        task_pk, app_pk, task_created = task_pks[i % len(task_pks)]
        fmt = FORMATS[(i * 13) % len(FORMATS)]
        at = task_created + timedelta(seconds=30 * (i // len(task_pks)) + 5)
        yield {
            "task_id": task_pk,
            "app_id": app_pk,
            "file_id": f"{task_pk}_s{i}.{fmt}",
            "user_id": f"user-{i % 5000}",
            "stream_id": f"stream-{i % 7000}",
            "file_url": "",
            "object_key": f"recordings/{task_pk}_s{i}.{fmt}",
            "output_format": fmt,
            "size": 1000 + (i * 7919) % 10**8,
            "duration_ms": 0 if fmt == "jpg" else (i * 104729) % 3_600_000,
            "width": 1280,
            "height": 720,
            "began_at": at,
            "upload_status": 4 if i % 97 == 0 else 3,
            "missing_in_bucket": False,
            "created_at": at,
            "updated_at": at,
        }


def _audit_rows(count: int):
    actions = ["recording.start", "recording.stop", "layout.update", "files.export", "login"]
    step = SPAN / max(count, 1)
    for i in range(count):
        yield {
            "created_at": START + step * i,
            "actor_label": f"support-{i % 12}",
            "action": actions[i % len(actions)],
            "object_type": "task",
            "object_id": str(i),
            "object_repr": f"T{i:015d}",
            "outcome": "ok" if i % 50 else "failed",
            "detail": "{}",
        }


def _insert(model, rows) -> None:
    """Multi-row INSERTs of raw column values (no model instances: a million of them is slow)."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            _insert_batch(connection, table, batch)
            batch = []
    if batch:
        _insert_batch(connection, table, batch)


def _insert_batch(connection, table: str, batch: list[dict]) -> None:
    columns = list(batch[0])
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    values = [[_adapt(connection, row[c]) for c in columns] for row in batch]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _adapt(connection, value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class _indexes_built_after:
    """Drop the models' declared indexes for the bulk insert and build each once afterwards."""

    def __init__(self, *models) -> None:
        self.models = models

    def __enter__(self):
        from django.db import connection

        with connection.schema_editor() as editor:
            for model in self.models:
                for index in model._meta.indexes:
                    editor.remove_index(model, index)

    def __exit__(self, *exc) -> None:
        from django.db import connection

        with connection.schema_editor() as editor:
            for model in self.models:
                for index in model._meta.indexes:
                    editor.add_index(model, index)


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
