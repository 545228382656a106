"""ZEGO's QPS limits shared by every process (web, workers) through the database.

`zego.InProcessRateLimiter` keeps one budget per process; with a web process and a worker both
calling ZEGO for the same AppID, their sum could exceed ZEGO's cap. This limiter hands out the same
sliding-window slots, but keeps them in one row per (AppID, action) that every process locks
in turn. The sleep happens after the transaction, so no one waits holding the row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from django.db import IntegrityError, transaction

from recordings.models import RateLimitWindow
from zego.constants import DEFAULT_QPS_LIMIT, QPS_LIMITS


class DatabaseRateLimiter:
    def __init__(
        self,
        limits: Mapping[str, int] | None = None,
        *,
        default_limit: int = DEFAULT_QPS_LIMIT,
        period: float = 1.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._limits = dict(QPS_LIMITS if limits is None else limits)
        self._default_limit = default_limit
        self._period = period
        self._clock = clock
        self._sleep = sleep

    def limit_for(self, action: str) -> int:
        return self._limits.get(str(action), self._default_limit)

    def acquire(self, app_id: int, action: str) -> None:
        wait = self._reserve_slot(f"{int(app_id)}:{action}", self.limit_for(action))
        if wait > 0:
            self._sleep(wait)

    def _reserve_slot(self, key: str, limit: int) -> float:
        """Record the start time granted to this call; return how long to wait for it."""
        for _ in range(3):  # a first call races another process creating the row
            try:
                with transaction.atomic():
                    window, _ = RateLimitWindow.objects.select_for_update().get_or_create(key=key)
                    now = self._clock()
                    slots = window.slots[-limit:]
                    start = now if len(slots) < limit else max(now, slots[0] + self._period)
                    window.slots = [*slots, start][-limit:]
                    window.save(update_fields=["slots"])
                    return start - now
            except IntegrityError:
                continue
        raise RuntimeError(f"could not reserve a ZEGO rate-limit slot for {key}")
