"""In-process stand-ins for the media/storage half and for time, for the engine's unit tests."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

from zego_emulator.clock import Clock
from zego_emulator.config import EmulatorConfig
from zego_emulator.engine import Engine

PLAN_TYPES = SimpleNamespace(
    StreamTrack=SimpleNamespace,
    Tile=SimpleNamespace,
    LayoutSpec=SimpleNamespace,
    MixPlan=SimpleNamespace,
    RenderPlan=SimpleNamespace,
)


class FakeClock(Clock):
    """Wall and timer time that move only when told to."""

    def __init__(self, time_scale: float = 1.0) -> None:
        super().__init__(time_scale)
        self.now = 1_700_000_000.0
        self.timer_now = 0.0

    def wall(self) -> float:
        return self.now

    def timer(self) -> float:
        return self.timer_now

    def advance(self, seconds: float) -> None:
        self.timer_now += seconds

    def pass_real(self, seconds: float) -> None:
        self.now += seconds
        self.timer_now += seconds * self.time_scale


class FakeBackend:
    types = PLAN_TYPES

    def __init__(self) -> None:
        self.plans = []
        self.snapshots = []
        self.uploads: list[tuple[str, str]] = []
        self.fail_uploads = False

    def render(self, plan, out_dir: Path) -> list:
        self.plans.append(plan)
        out_dir.mkdir(parents=True, exist_ok=True)
        if plan.mix is not None:
            owners = [
                (plan.mix.output_stream_id, plan.mix.output_stream_id, [plan.mix.output_stream_id])
            ]
        else:
            owners = [(t.user_id, t.stream_id, [t.user_id, t.stream_id]) for t in plan.tracks]
        files = []
        for user_id, stream_id, parts in owners:
            name = (
                "_".join([plan.task_id, plan.room_id, *parts, "VA", "20231114221320000"]) + ".mp4"
            )
            path = out_dir / name
            path.write_bytes(b"fake-mp4")
            files.append(
                SimpleNamespace(
                    path=path,
                    file_name=name,
                    user_id=user_id,
                    stream_id=stream_id,
                    media_type="VA",
                    begin_timestamp_ms=plan.begin_timestamp_ms,
                    duration_ms=int(plan.duration * 1000),
                    size=8,
                    content_type="video/mp4",
                    extra=[],
                )
            )
        return files

    def render_snapshot(self, plan, at: float, out_path: Path) -> Path:
        self.snapshots.append((plan, at))
        out_path.write_bytes(b"\xff\xd8\xff fake jpg")
        return out_path

    def upload(self, storage_params, local_path, object_key, content_type, *, default_s3_endpoint):
        if self.fail_uploads:
            raise OSError("storage unreachable")
        self.uploads.append((object_key, content_type))
        return f"{default_s3_endpoint}/{storage_params['Bucket']}/{object_key}"


def make_engine(tmp_path: Path, **config) -> tuple[Engine, FakeClock, FakeBackend]:
    settings = {
        "data_dir": tmp_path,
        "start_delay": 0,
        "callback_url": "http://callbacks.invalid/zego",
        **config,
    }
    clock = FakeClock(settings.get("time_scale", 1.0))
    backend = FakeBackend()
    return Engine(EmulatorConfig(**settings), backend=backend, clock=clock), clock, backend


def wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


def sent_events(engine: Engine, task_id: str) -> list[int]:
    return [d["event_type"] for d in engine.callbacks.deliveries() if d["task_id"] == task_id]
