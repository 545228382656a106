"""ZEGO calls counted in the database, so every web and worker process adds to the same numbers.

`zego.Client` calls its observer once per request sent; the observer counts in memory and
`flush_calls` adds the counts to the bucket of their minute, app, action and code with an atomic
`F()` update (or creates it). A row written per call cost a reconcile pass over 1,000 tasks half
its time again (make bench); so the counts are written at most once a second, when a request or a
background task ends, and at exit. The buckets feed the error-rate alert and /metrics, which
flush this process's counts before reading.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

import zego
from monitoring.models import ZegoCallCount, ZegoCallTotal

logger = logging.getLogger(__name__)

# Minutes older than this are folded into ZegoCallTotal (the error-rate window is far shorter).
KEEP_BUCKETS = timedelta(days=2)


FLUSH_EVERY_SECONDS = 1.0

_pending: Counter = Counter()  # (app pk, minute, action, code) -> calls not yet written
_pending_lock = threading.Lock()
_last_flush = time.monotonic()


def observer_for(app_pk: int) -> Callable[[int, str, int], None]:
    def observe(app_id: int, action: str, code: int) -> None:
        count_call(app_pk, action, code)

    return observe


def count_call(app_pk: int, action: str, code: int, now: datetime | None = None) -> None:
    """Count one call in memory; write the counts if the last write is a second old."""
    minute = (now or timezone.now()).replace(second=0, microsecond=0)
    with _pending_lock:
        _pending[(app_pk, minute, str(action)[:40], int(code))] += 1
        due = time.monotonic() - _last_flush >= FLUSH_EVERY_SECONDS
    if due:
        flush_calls()


def flush_calls(**signal_kwargs) -> None:
    """Write this process's counted calls to the database (a signal receiver too)."""
    global _last_flush
    with _pending_lock:
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    for key, amount in batch.items():
        try:
            _add_to_bucket(*key, amount)
        except DatabaseError:
            # Kept for the next write rather than lost; counting never fails the work itself.
            logger.exception("could not write ZEGO call counts; keeping them for the next try")
            with _pending_lock:
                _pending[key] += amount


def discard_unwritten_calls() -> None:
    """Forget counts not yet written (a test's, whose database is about to be rolled back)."""
    with _pending_lock:
        _pending.clear()


def record_call(app_pk: int, action: str, code: int, now: datetime | None = None) -> None:
    """Count one call and write it at once."""
    count_call(app_pk, action, code, now)
    flush_calls()


def _add_to_bucket(app_pk: int, minute: datetime, action: str, code: int, amount: int) -> None:
    bucket = {"app_id": app_pk, "minute": minute, "action": action, "code": code}
    if ZegoCallCount.objects.filter(**bucket).update(count=F("count") + amount):
        return
    try:
        with transaction.atomic():
            ZegoCallCount.objects.create(**bucket, count=amount)
    except IntegrityError:
        # Another process created this minute's bucket first.
        ZegoCallCount.objects.filter(**bucket).update(count=F("count") + amount)


atexit.register(flush_calls)


FOLD_BATCH = 5000  # buckets per pass: a bounded transaction and IN list; the next pass goes on


def fold_old_buckets(now: datetime | None = None) -> int:
    """Move minutes older than KEEP_BUCKETS into the lifetime totals; returns buckets folded.

    The buckets are locked while read (select_for_update) and deleted by primary key in the same
    transaction that adds them to the totals: a fold running alongside waits, then no longer finds
    them, so no call is counted twice, and a reader sees them either in the buckets or the totals.
    """
    before = (now or timezone.now()) - KEEP_BUCKETS
    with transaction.atomic():
        rows = list(
            ZegoCallCount.objects.select_for_update()
            .filter(minute__lt=before)
            .order_by("pk")
            .values_list("pk", "app_id", "action", "code", "count")[:FOLD_BATCH]
        )
        sums: Counter = Counter()
        for _pk, app_pk, action, code, count in rows:
            sums[(app_pk, action, code)] += count
        for key, amount in sums.items():
            _add_to_total(*key, amount)
        ZegoCallCount.objects.filter(pk__in=[row[0] for row in rows]).delete()
    return len(rows)


def _add_to_total(app_pk: int, action: str, code: int, amount: int) -> None:
    key = {"app_id": app_pk, "action": action, "code": code}
    if ZegoCallTotal.objects.filter(**key).update(count=F("count") + amount):
        return
    try:
        with transaction.atomic():
            ZegoCallTotal.objects.create(**key, count=amount)
    except IntegrityError:
        # Another fold created this total first.
        ZegoCallTotal.objects.filter(**key).update(count=F("count") + amount)


def lifetime_call_counts() -> dict[tuple[int, str, int], int]:
    """Calls per (app pk, action, code) since counting began, buckets and totals together.

    One statement (UNION ALL), so a fold committing in between cannot make a counter drop.
    """
    flush_calls()
    columns = ("app_id", "action", "code")
    totals = ZegoCallTotal.objects.values(*columns).annotate(n=Sum("count")).order_by()
    buckets = ZegoCallCount.objects.values(*columns).annotate(n=Sum("count")).order_by()
    counts: Counter = Counter()
    for row in totals.union(buckets, all=True):
        counts[(row["app_id"], row["action"], row["code"])] += row["n"]
    return dict(counts)


@dataclass
class CallStats:
    calls: int = 0
    errors: int = 0
    errors_by_kind: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def error_percent(self) -> float:
        return 100.0 * self.errors / self.calls if self.calls else 0.0

    def commonest_errors(self, limit: int = 3) -> list[tuple[str, int, int]]:
        ranked = sorted(self.errors_by_kind.items(), key=lambda item: -item[1])[:limit]
        return [(action, code, count) for (action, code), count in ranked]


def call_stats(app_pk: int, since: datetime) -> CallStats:
    """Calls and errors of one app from `since` (whole minutes) until now."""
    flush_calls()
    stats = CallStats()
    rows = (
        ZegoCallCount.objects.filter(
            app_id=app_pk, minute__gte=since.replace(second=0, microsecond=0)
        )
        .values("action", "code")
        .annotate(total=Sum("count"))
        .order_by()
    )
    for row in rows:
        stats.calls += row["total"]
        if row["code"] != 0:
            stats.errors += row["total"]
            stats.errors_by_kind[(row["action"], row["code"])] = row["total"]
    return stats


def describe_result_code(code: int) -> str:
    if code == zego.NO_REPLY:
        return "no ZEGO reply (timeout, network or a non-ZEGO answer)"
    return f"{zego.describe_code(code)} (code {code})"
