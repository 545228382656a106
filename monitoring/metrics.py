"""Prometheus metrics read from the database at scrape time.

Nothing is kept in process memory, so any web process answers for every process: tasks, files
and ZEGO calls (counted by all web and worker processes, monitoring.callcounts) all live in the
database. Served by monitoring.views.metrics behind METRICS_TOKEN.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Min
from django.db.models.functions import Coalesce
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from core.jobs import last_enqueued
from monitoring.callcounts import flush_calls, lifetime_call_counts
from monitoring.models import Alert
from recordings.models import (
    RecordingFile,
    RecordingTask,
    TaskEvent,
    ZegoApp,
)
from recordings.scheduling import RECONCILE_JOB

Status = RecordingTask.Status
LIVE_STATUSES = [Status.INITIALISING, Status.RECORDING, Status.PAUSED]
UPLOAD_STATUS_LABELS = {status.value: status.name.lower() for status in RecordingFile.UploadStatus}


class DatabaseCollector:
    """A prometheus_client custom collector: one set of queries per scrape."""

    def collect(self) -> Iterable[Metric]:
        flush_calls()
        now = timezone.now()
        app_ids = _app_ids()
        yield tasks_by_status()
        yield files_by_upload_status(app_ids)
        yield last_callback_received()
        yield reconcile_lag(now)
        yield reconcile_last_enqueued()
        yield from zego_calls(app_ids)
        yield open_alerts()


def tasks_by_status() -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "recdesk_tasks", "Recording tasks by app and status.", labels=["app", "status"]
    )
    rows = RecordingTask.objects.values("app__app_id", "status").annotate(n=Count("id")).order_by()
    for row in rows:
        family.add_metric([str(row["app__app_id"]), row["status"]], row["n"])
    return family


def files_by_upload_status(app_ids: dict[int, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "recdesk_recording_files",
        "Recorded files by app and upload status (ZEGO's 1-5 as words).",
        labels=["app", "status"],
    )
    # Grouped by the file's own app column (no join across every file), named in Python.
    rows = RecordingFile.objects.values("app_id", "upload_status").annotate(n=Count("id"))
    for row in rows.order_by():
        status = UPLOAD_STATUS_LABELS.get(row["upload_status"], str(row["upload_status"]))
        family.add_metric([str(app_ids.get(row["app_id"], "")), status], row["n"])
    return family


def _app_ids() -> dict[int, int]:
    """ZEGO AppID of each app by primary key."""
    return dict(ZegoApp.objects.values_list("pk", "app_id"))


def last_callback_received() -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "recdesk_last_callback_timestamp_seconds",
        "When the console last received a ZEGO callback, of any app (Unix time); 0 if never. "
        "ZEGO calls back only when a task ends, pauses, resumes or uploads, so a long silence "
        "while tasks end means callbacks are not arriving.",
    )
    last = (
        TaskEvent.objects.filter(kind=TaskEvent.Kind.CALLBACK)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    family.add_metric([], last.timestamp() if last else 0.0)
    return family


def reconcile_lag(now: datetime) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "recdesk_reconcile_lag_seconds",
        "Longest time a live task of the app has gone without a status poll of ZEGO.",
        labels=["app"],
    )
    oldest = _oldest_per_app(
        RecordingTask.objects.filter(status__in=LIVE_STATUSES, task_id__isnull=False),
        Coalesce("last_polled_at", "created_at"),
    )
    for app_id, when in oldest:
        family.add_metric([str(app_id)], max(0.0, (now - when).total_seconds()))
    return family


def _oldest_per_app(tasks, moment) -> list[tuple[int, datetime]]:
    rows = tasks.values("app__app_id").annotate(oldest=Min(moment)).order_by()
    return [(row["app__app_id"], row["oldest"]) for row in rows if row["oldest"]]


def reconcile_last_enqueued() -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "recdesk_reconcile_last_enqueued_timestamp_seconds",
        "When the scheduler last enqueued a reconcile pass (Unix time); 0 if never.",
    )
    last = last_enqueued(RECONCILE_JOB)
    family.add_metric([], last.timestamp() if last else 0.0)
    return family


def zego_calls(app_ids: dict[int, int]) -> Iterable[CounterMetricFamily]:
    calls = CounterMetricFamily(
        "recdesk_zego_calls",
        "Requests sent to ZEGO by every process, by app, action and ZEGO Code (0 success, -1 no "
        "ZEGO reply).",
        labels=["app", "action", "code"],
    )
    errors = CounterMetricFamily(
        "recdesk_zego_errors",
        "Requests to ZEGO that failed (Code other than 0), by app, action and code.",
        labels=["app", "action", "code"],
    )
    for (app_pk, action, code), count in sorted(lifetime_call_counts().items()):
        labels = [str(app_ids.get(app_pk, "")), action, str(code)]
        calls.add_metric(labels, count)
        if code != 0:
            errors.add_metric(labels, count)
    return [calls, errors]


def open_alerts() -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "recdesk_alerts_open", "Open alerts by app and rule kind.", labels=["app", "kind"]
    )
    rows = (
        Alert.objects.filter(state=Alert.State.OPEN)
        .values("app__app_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        family.add_metric([str(row["app__app_id"]), row["kind"]], row["n"])
    return family


# Our own registry, not prometheus_client's global one: its process and GC metrics would describe
# only the one web process that happened to answer the scrape.
REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(DatabaseCollector())


def render() -> bytes:
    return generate_latest(REGISTRY)
