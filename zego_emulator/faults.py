"""Injected faults: turned on over the control API, each for a number of uses or a time window."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field

KINDS = {
    "http_5xx",
    "slow",
    "start_timeout",
    "rate_limit",
    "drop_callbacks",
    "duplicate_callbacks",
    "reorder_callbacks",
    "upload_failure",
}
_ids = itertools.count(1)


class FaultError(ValueError):
    pass


@dataclass
class Fault:
    kind: str
    action: str | None = None
    event_type: int | None = None
    remaining: int | None = None
    expires_at: float | None = None
    params: dict = field(default_factory=dict)
    used: int = 0
    fault_id: int = field(default_factory=lambda: next(_ids))

    def is_live(self, now: float) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        return self.expires_at is None or now < self.expires_at

    def matches(self, kind: str, action: str | None, event_type: int | None) -> bool:
        if self.kind != kind:
            return False
        if self.action is not None and action is not None and self.action != action:
            return False
        return self.event_type is None or event_type is None or self.event_type == event_type

    def to_json(self, now: float) -> dict:
        return {
            "id": self.fault_id,
            "kind": self.kind,
            "action": self.action,
            "event_type": self.event_type,
            "remaining": self.remaining,
            "seconds_left": None
            if self.expires_at is None
            else round(max(0.0, self.expires_at - now), 3),
            "used": self.used,
            **self.params,
        }


def parse_fault(spec: dict) -> Fault:
    if not isinstance(spec, dict):
        raise FaultError("fault must be a JSON object")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultError(f"kind must be one of {sorted(KINDS)}")
    count, seconds = spec.get("count"), spec.get("seconds")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        raise FaultError("count must be a positive integer")
    if seconds is not None and (not isinstance(seconds, int | float) or seconds <= 0):
        raise FaultError("seconds must be a positive number")
    params = {
        key: value
        for key, value in spec.items()
        if key not in {"kind", "action", "event_type", "count", "seconds"}
    }
    return Fault(
        kind=kind,
        action=spec.get("action"),
        event_type=spec.get("event_type"),
        remaining=count,
        expires_at=None if seconds is None else time.monotonic() + seconds,
        params=params,
    )


class FaultRegistry:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, spec: dict) -> Fault:
        fault = parse_fault(spec)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(
        self, kind: str, action: str | None = None, event_type: int | None = None
    ) -> Fault | None:
        """Use up one application of the first live matching fault, if any."""
        now = time.monotonic()
        with self._lock:
            self._faults = [fault for fault in self._faults if fault.is_live(now)]
            for fault in self._faults:
                if fault.matches(kind, action, event_type):
                    fault.used += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    def active(self) -> list[dict]:
        now = time.monotonic()
        with self._lock:
            self._faults = [fault for fault in self._faults if fault.is_live(now)]
            return [fault.to_json(now) for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
