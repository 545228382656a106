"""The database-backed ZEGO rate limiter: one budget per (AppID, action) across processes."""

import pytest

from recordings.ratelimit import DatabaseRateLimiter
from recordings.zego_clients import client_for

pytestmark = pytest.mark.django_db


class FakeTime:
    def __init__(self):
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 3))


def limiter(fake: FakeTime) -> DatabaseRateLimiter:
    return DatabaseRateLimiter(clock=fake.clock, sleep=fake.sleep)


def test_calls_within_zegos_limit_do_not_wait_and_the_next_waits_for_a_slot():
    fake = FakeTime()
    shared = limiter(fake)
    for _ in range(10):  # DescribeTasks: 10 QPS
        shared.acquire(42, "DescribeTasks")
    assert fake.slept == []
    shared.acquire(42, "DescribeTasks")
    assert fake.slept == [1.0]


def test_two_processes_share_one_budget():
    fake = FakeTime()
    web, worker = limiter(fake), limiter(fake)  # separate instances, as in separate processes
    for _ in range(5):
        web.acquire(42, "DescribeTasks")
        worker.acquire(42, "DescribeTasks")
    worker.acquire(42, "DescribeTasks")
    assert fake.slept == [1.0]


def test_budgets_are_per_app_and_per_action():
    fake = FakeTime()
    shared = limiter(fake)
    for _ in range(10):
        shared.acquire(42, "DescribeTasks")
    shared.acquire(43, "DescribeTasks")
    for _ in range(50):  # StartRecord: 50 QPS
        shared.acquire(42, "StartRecord")
    assert fake.slept == []


def test_the_console_clients_use_the_shared_limiter(db):
    from recordings.models import ZegoApp

    app = ZegoApp(name="a", app_id=1, server_secret="s" * 32)
    assert isinstance(client_for(app).rate_limiter, DatabaseRateLimiter)
