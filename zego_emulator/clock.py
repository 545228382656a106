"""Wall time for timestamps, and a scaled "timer clock" for MaxIdleTime, MaxRecordTime and 3-day windows."""

from __future__ import annotations

import threading
import time


class Clock:
    def __init__(self, time_scale: float = 1.0) -> None:
        self.time_scale = time_scale
        self._origin = time.monotonic()
        self._advanced = 0.0
        self._lock = threading.Lock()

    @staticmethod
    def wall() -> float:
        return time.time()

    def timer(self) -> float:
        """Seconds on the timer clock: runs `time_scale` times faster than real time."""
        with self._lock:
            return (time.monotonic() - self._origin) * self.time_scale + self._advanced

    def advance(self, seconds: float) -> None:
        """Jump the timer clock forward (tests of 3-day windows); media time is unaffected."""
        with self._lock:
            self._advanced += seconds

    def real_seconds(self, timer_seconds: float) -> float:
        return timer_seconds / self.time_scale
