"""Client-side rate limiting per AppID and action (§1.5), so we wait instead of getting 300000003.

`RateLimiter` is the plug-in point: a Redis/PostgreSQL implementation shared by all worker
processes only needs `acquire(app_id, action)`. The in-process default is shared by every
`Client` in the process, so two clients for the same AppID share one budget.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Protocol, runtime_checkable

from zego.constants import DEFAULT_QPS_LIMIT, QPS_LIMITS


@runtime_checkable
class RateLimiter(Protocol):
    def acquire(self, app_id: int, action: str) -> None:
        """Block until one more `action` call for `app_id` fits within ZEGO's limit."""


class NoRateLimiter:
    """For tests and tools that must not wait."""

    def acquire(self, app_id: int, action: str) -> None:
        return None


class InProcessRateLimiter:
    """Sliding-window limiter: at most `limit` calls per `period` seconds per (AppID, action).

    A sliding window (not a token bucket) because a bucket allows up to twice the limit
    within one second, which a server counting per second could reject. Each caller
    reserves the earliest free slot under the lock and sleeps outside it, so waiters are
    served in arrival order and threads never sleep while holding the lock.
    """

    def __init__(
        self,
        limits: Mapping[str, int] | None = None,
        *,
        default_limit: int = DEFAULT_QPS_LIMIT,
        period: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._limits = dict(QPS_LIMITS if limits is None else limits)
        self._default_limit = default_limit
        self._period = period
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._recent_slots: dict[tuple[int, str], deque[float]] = {}

    def limit_for(self, action: str) -> int:
        return self._limits.get(str(action), self._default_limit)

    def acquire(self, app_id: int, action: str) -> None:
        wait = self._reserve_slot(int(app_id), str(action))
        if wait > 0:
            self._sleep(wait)

    def _reserve_slot(self, app_id: int, action: str) -> float:
        """Record the start time granted to this call; return how long to wait for it."""
        limit = self.limit_for(action)
        with self._lock:
            now = self._clock()
            slots = self._recent_slots.get((app_id, action))
            if slots is None:
                slots = self._recent_slots[(app_id, action)] = deque(maxlen=limit)
            # Slots are handed out in order, so slots[0] is the `limit`-th most recent one.
            start = now if len(slots) < limit else max(now, slots[0] + self._period)
            slots.append(start)
            return start - now


_process_limiter = InProcessRateLimiter()


def default_rate_limiter() -> InProcessRateLimiter:
    """The limiter shared by all clients in this process."""
    return _process_limiter
