"""The per-AppID, per-action limiter."""

from __future__ import annotations

import threading
import time

import zego
from tests.zego.conftest import ok, queue


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_limiter(clock: FakeClock, **kwargs) -> zego.InProcessRateLimiter:
    return zego.InProcessRateLimiter(clock=clock, sleep=clock.sleep, **kwargs)


def most_in_any_window(times: list[float], period: float) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + period) for start in times)


def test_it_uses_the_spec_limits():
    """StartRecord/StopRecord 50/s, other recording actions 10/s (§1.5), RTC per §7."""
    limiter = zego.InProcessRateLimiter()
    assert limiter.limit_for("StartRecord") == 50
    assert limiter.limit_for("StopRecord") == 50
    for action in [
        "UpdateLayout",
        "UpdateWhiteboard",
        "DescribeRecordStatus",
        "DescribeTasks",
        "PauseRecord",
        "ResumeRecord",
        "TakeSnapshot",
    ]:
        assert limiter.limit_for(action) == 10
    assert limiter.limit_for("DescribeSimpleStreamList") == 50
    assert limiter.limit_for("DescribeUserNum") == 10
    assert limiter.limit_for("DescribeUserList") == 200


def test_it_lets_a_burst_up_to_the_limit_through_without_waiting():
    """The first N calls in a second don't sleep."""
    clock = FakeClock()
    limiter = make_limiter(clock)
    for _ in range(10):
        limiter.acquire(1, "DescribeTasks")
    assert clock.sleeps == []


def test_it_never_exceeds_the_limit_in_any_second():
    """25 calls at 10/s take two seconds and no 1-second window holds more than 10."""
    clock = FakeClock()
    limiter = make_limiter(clock)
    started_at = []
    for _ in range(25):
        limiter.acquire(1, "DescribeTasks")
        started_at.append(clock.now)
    assert clock.now - 1000.0 == 2.0
    assert most_in_any_window(started_at, 1.0) == 10


def test_it_allows_50_per_second_for_start_record():
    """StartRecord's higher limit gives 50 calls before any wait."""
    clock = FakeClock()
    limiter = make_limiter(clock)
    for _ in range(50):
        limiter.acquire(1, "StartRecord")
    assert clock.sleeps == []
    limiter.acquire(1, "StartRecord")
    assert clock.sleeps == [1.0]


def test_it_keeps_separate_budgets_per_app_and_action():
    """Different AppIDs and different actions don't share a budget."""
    clock = FakeClock()
    limiter = make_limiter(clock)
    for _ in range(10):
        limiter.acquire(1, "DescribeTasks")
        limiter.acquire(2, "DescribeTasks")
        limiter.acquire(1, "PauseRecord")
    assert clock.sleeps == []


def test_it_frees_slots_as_time_passes():
    """After a quiet second the full budget is back."""
    clock = FakeClock()
    limiter = make_limiter(clock)
    for _ in range(10):
        limiter.acquire(1, "DescribeTasks")
    clock.now += 1.0
    for _ in range(10):
        limiter.acquire(1, "DescribeTasks")
    assert clock.sleeps == []


def test_it_accepts_custom_limits():
    """Raised limits (ZEGO sales can raise them) are configurable."""
    clock = FakeClock()
    limiter = make_limiter(clock, limits={"DescribeTasks": 2}, default_limit=1)
    limiter.acquire(1, "DescribeTasks")
    limiter.acquire(1, "DescribeTasks")
    limiter.acquire(1, "Other")
    assert clock.sleeps == []
    limiter.acquire(1, "Other")
    assert clock.sleeps == [1.0]


def run_in_threads(target, threads: int = 6) -> None:
    workers = [threading.Thread(target=target) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def test_it_hands_out_each_slot_once_across_threads():
    """With time frozen, 30 concurrent calls at 5/s get exactly five per second's slot."""
    waits: list[float] = []
    lock = threading.Lock()

    def record_wait(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    limiter = zego.InProcessRateLimiter(
        limits={"DescribeTasks": 5}, clock=lambda: 1000.0, sleep=record_wait
    )

    def worker() -> None:
        for _ in range(5):
            limiter.acquire(1, "DescribeTasks")

    run_in_threads(worker)
    # Five calls went through at once (no sleep); the rest waited 1 s, 2 s, ... 5 s.
    assert sorted(waits) == [float(second) for second in range(1, 6) for _ in range(5)]


def test_it_really_waits_with_real_threads():
    """With the real clock, 30 calls at 5 per 0.1 s take at least 0.5 s."""
    limiter = zego.InProcessRateLimiter(limits={"DescribeTasks": 5}, period=0.1)
    done: list[int] = []

    def worker() -> None:
        for _ in range(5):
            limiter.acquire(1, "DescribeTasks")
            done.append(1)

    began = time.monotonic()
    run_in_threads(worker)
    assert len(done) == 30
    assert time.monotonic() - began >= 0.5 - 0.01


def test_it_shares_the_default_limiter_between_clients():
    """Clients built without a limiter share one process-wide instance."""
    first = zego.Client(1, "secret")
    second = zego.Client(1, "secret")
    assert first.rate_limiter is second.rate_limiter is zego.default_rate_limiter()


def test_it_calls_the_limiter_before_each_request(session):
    """A pluggable limiter only needs acquire(app_id, action)."""
    calls = []

    class SharedStoreLimiter:
        def acquire(self, app_id: int, action: str) -> None:
            calls.append((app_id, action))

    limiter = SharedStoreLimiter()
    assert isinstance(limiter, zego.RateLimiter)
    client = zego.Client(42, "secret", session=session, rate_limiter=limiter)
    queue(session, ok())
    client.stop_record("T1")
    assert calls == [(42, "StopRecord")]
