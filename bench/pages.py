"""Server time of the console's pages, each against a baseline measured in the same run.

Every request goes through Django's whole stack (test client, all middleware, a logged-in
superuser), so the ratios compare like with like: a list page against a bare view rendering the
same base layout, and the files page against Django admin's changelist of the same model.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass


@dataclass
class Timing:
    ms: float
    sql_ms: float
    queries: int


class _SqlTimer:
    """Counts the queries of a request and sums their time (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def time_get(client, url: str, repeats: int) -> Timing:
    """Median of `repeats` GETs of `url` (after one warm-up that must succeed)."""
    from django.db import connection

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    totals, sql, queries = [], [], 0
    for _ in range(repeats):
        timer = _SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            client.get(url)
            totals.append((time.perf_counter() - started) * 1000)
        sql.append(timer.seconds * 1000)
        queries = timer.queries
    return Timing(statistics.median(totals), statistics.median(sql), queries)


def logged_in_client():
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench"))
    return client


def middle_cursor(queryset, page_size: int) -> tuple[str, int]:
    """The `after` cursor of the page half-way down `queryset` (newest first), and its number."""
    from core.keyset import cursor_for

    count = queryset.count()
    page_number = max(1, count // 2 // page_size)
    anchor = queryset.order_by("-created_at", "-id").only("created_at")[page_number * page_size - 1]
    return cursor_for(anchor, "-created_at"), page_number + 1


def list_pages(repeats: int) -> list[tuple[str, Timing, Timing]]:
    """Recordings list, task page and audit log against the bare base-layout page."""
    from accounts.models import AuditEntry
    from recordings.models import RecordingTask, ZegoApp

    client = logged_in_client()
    bare = time_get(client, "/bench/bare-page/", repeats)
    tasks_after, tasks_page = middle_cursor(RecordingTask.objects.all(), 25)
    audit_after, audit_page = middle_cursor(AuditEntry.objects.all(), 50)
    app = ZegoApp.objects.order_by("pk").first()
    task = RecordingTask.objects.filter(status="ended").order_by("-pk").first()
    scenarios = [
        ("recordings list, first page", "/recordings/"),
        (f"recordings list, page {tasks_page:,}", f"/recordings/?after={tasks_after}"),
        ("recordings list, one app", f"/recordings/?app={app.pk}"),
        ("recordings list, active only", "/recordings/?status=active"),
        ("recordings list, one room", "/recordings/?room=room-0001"),
        (f"task page ({task.files.count()} files)", f"/recordings/{task.pk}/"),
        ("audit log, first page", "/accounts/audit/"),
        (f"audit log, page {audit_page:,}", f"/accounts/audit/?after={audit_after}"),
    ]
    return [(name, time_get(client, url, repeats), bare) for name, url in scenarios]


def files_pages(repeats: int) -> list[tuple[str, Timing, Timing]]:
    """The files page against Django admin's changelist, scenario by scenario."""
    from recordings.models import RecordingFile, ZegoApp

    client = logged_in_client()
    admin = "/admin/recordings/recordingfile/"
    app = ZegoApp.objects.order_by("pk").first().pk
    after, page_number = middle_cursor(RecordingFile.objects.all(), 50)
    scenarios = [
        ("files, first page", "/files/", admin),
        (f"files, page {page_number:,}", f"/files/?after={after}", f"{admin}?p={page_number}"),
        ("files, in backup (1 %)", "/files/?upload_status=4", f"{admin}?upload_status__exact=4"),
        ("files, format FLV (3 %)", "/files/?format=flv", f"{admin}?output_format__exact=flv"),
        ("files, one app (20 %)", f"/files/?app={app}", f"{admin}?app__id__exact={app}"),
    ]
    return [
        (name, time_get(client, ours, repeats), time_get(client, theirs, repeats))
        for name, ours, theirs in scenarios
    ]


def presign(repeats: int) -> tuple[float, float]:
    """A page of 100 URLs: 100 single presigns against one Presigner for the page (ms)."""
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

    def median_ms(fn) -> float:
        timings = []
        for _ in range(max(repeats, 3)):
            started = time.perf_counter()
            fn()
            timings.append((time.perf_counter() - started) * 1000)
        return statistics.median(timings)

    return median_ms(singles), median_ms(page)
