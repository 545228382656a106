"""Delivers signed status callbacks from a background thread, retrying as ZEGO does."""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field

import requests

from .faults import FaultRegistry
from .protocol import callback_signature

log = logging.getLogger("zego_emulator.callbacks")

MAX_RETRIES = 2
RETRY_INTERVAL = 5.0
REORDER_DELAY = 1.0
LOG_LIMIT = 1000


@dataclass
class Delivery:
    url: str
    body: dict
    attempts: int = 0
    outcome: str = "pending"
    responses: list[str] = field(default_factory=list)
    delivery_id: int = 0

    def to_json(self) -> dict:
        return {
            "id": self.delivery_id,
            "url": self.url,
            "event_type": self.body.get("event_type"),
            "task_id": self.body.get("task_id"),
            "sequence": self.body.get("sequence"),
            "attempts": self.attempts,
            "outcome": self.outcome,
            "responses": self.responses,
            "body": self.body,
        }


def signed_body(
    app_id: int,
    task_id: str,
    room_id: str,
    event_type: int,
    sequence: int,
    detail: dict,
    secret: str,
) -> dict:
    nonce = str(secrets.randbelow(10**9))
    timestamp = str(int(time.time()))
    return {
        "app_id": app_id,
        "task_id": task_id,
        "room_id": room_id,
        "event_type": event_type,
        "message": "",
        "nonce": nonce,
        "timestamp": timestamp,
        "signature": callback_signature(secret, timestamp, nonce),
        "sequence": sequence,
        "detail": detail,
    }


class CallbackSender:
    """A due-time queue drained by one daemon thread; at most 2 retries, 5 s (time-scaled) apart."""

    def __init__(
        self, faults: FaultRegistry, time_scale: float = 1.0, timeout: float = 5.0
    ) -> None:
        self.faults = faults
        self.retry_interval = RETRY_INTERVAL / time_scale
        self.timeout = timeout
        self._queue: list[tuple[float, int, Delivery]] = []
        self._order = itertools.count()
        self._ids = itertools.count(1)
        self._log: list[Delivery] = []
        self._condition = threading.Condition()
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name="zego-callbacks", daemon=True)
        self._stopping = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()

    def send(self, url: str, body: dict) -> None:
        event_type = body.get("event_type")
        delivery = self._new_delivery(url, body)
        if self.faults.take("drop_callbacks", event_type=event_type):
            delivery.outcome = "dropped"
            return
        delay = 0.0
        reorder = self.faults.take("reorder_callbacks", event_type=event_type)
        if reorder:
            delay = float(reorder.params.get("delay", REORDER_DELAY))
        self._enqueue(delivery, delay)
        if self.faults.take("duplicate_callbacks", event_type=event_type):
            self._enqueue(self._new_delivery(url, body), delay)

    def deliveries(self) -> list[dict]:
        with self._condition:
            return [delivery.to_json() for delivery in self._log]

    def clear(self) -> None:
        with self._condition:
            self._queue.clear()
            self._log.clear()

    def pending(self) -> int:
        with self._condition:
            return len(self._queue)

    def _new_delivery(self, url: str, body: dict) -> Delivery:
        delivery = Delivery(url=url, body=body, delivery_id=next(self._ids))
        with self._condition:
            self._log.append(delivery)
            del self._log[:-LOG_LIMIT]
        return delivery

    def _enqueue(self, delivery: Delivery, delay: float) -> None:
        with self._condition:
            heapq.heappush(self._queue, (time.monotonic() + delay, next(self._order), delivery))
            self._condition.notify_all()

    def _next_due(self) -> Delivery | None:
        with self._condition:
            while not self._stopping:
                now = time.monotonic()
                if self._queue and self._queue[0][0] <= now:
                    return heapq.heappop(self._queue)[2]
                timeout = self._queue[0][0] - now if self._queue else None
                self._condition.wait(timeout)
        return None

    def _run(self) -> None:
        while (delivery := self._next_due()) is not None:
            self._attempt(delivery)

    def _attempt(self, delivery: Delivery) -> None:
        delivery.attempts += 1
        ok, note = self._post(delivery)
        delivery.responses.append(note)
        if ok:
            delivery.outcome = "delivered"
        elif delivery.attempts > MAX_RETRIES:
            delivery.outcome = "failed"
            log.warning(
                "callback to %s dropped after %d attempts: %s",
                delivery.url,
                delivery.attempts,
                note,
            )
        else:
            delivery.outcome = "retrying"
            self._enqueue(delivery, self.retry_interval)

    def _post(self, delivery: Delivery) -> tuple[bool, str]:
        try:
            response = self._session.post(
                delivery.url,
                data=json.dumps(delivery.body),
                headers={"Content-Type": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            return False, type(error).__name__
        return 200 <= response.status_code < 300, str(response.status_code)
