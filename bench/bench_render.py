"""How fast the emulator renders a mixed recording, against a baseline in the same process.

    .venv/bin/python -m bench.bench_render [--seconds 60] [--size 1280x720] [--tiles 4] [--fps 15]

Prints the render's multiple of real time, and the same for a baseline that pushes the same
number of plain black frames (and silence) through the same encoders and settings — the ratio
between the two is what our composition and tone generation cost, independent of how busy the
machine is. Also times `render_snapshot`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from zego_emulator.media import (
    SAMPLE_RATE,
    LayoutSpec,
    MediaWriter,
    MixPlan,
    RenderPlan,
    StreamTrack,
    VideoSettings,
    encode_span,
    output_kinds,
    render,
    render_snapshot,
)

BEGIN_MS = 1_637_753_762_084


def mixed_plan(seconds: float, width: int, height: int, tiles: int, fps: int) -> RenderPlan:
    tracks = [
        StreamTrack(f"user{i}", f"stream{i}", True, True, i, [(0.0, seconds)]) for i in range(tiles)
    ]
    mix = MixPlan(
        "mix", width, height, fps, bitrate=1_130_000, layouts=[(0.0, LayoutSpec(mix_mode=2))]
    )
    return RenderPlan(
        task_id="BENCHTASK0000001",
        room_id="bench",
        record_mode=2,
        stream_type=3,
        output_format="mp4",
        begin_timestamp_ms=BEGIN_MS,
        duration=seconds,
        tracks=tracks,
        mix=mix,
    )


class BlackPicture:
    def __init__(self, width: int, height: int):
        self.width, self.height = width, height

    def draw(self, planes, t: float, continues: bool = False) -> None:
        planes[0].fill(16)
        planes[1].fill(128)
        planes[2].fill(128)


def silence(first_sample: int, count: int) -> np.ndarray:
    return np.zeros(count, np.float32)


def time_render(plan: RenderPlan, out_dir: Path) -> tuple[float, int]:
    started = time.perf_counter()
    files = render(plan, out_dir)
    return time.perf_counter() - started, sum(file.size for file in files)


def time_baseline(plan: RenderPlan, out_dir: Path) -> float:
    mix = plan.mix
    kind = output_kinds("mp4", 3, True, True)[0]
    video = VideoSettings(mix.width, mix.height, mix.fps, mix.bitrate)
    started = time.perf_counter()
    writer = MediaWriter(out_dir / "baseline.mp4", kind, video, mix.audio_bitrate)
    encode_span(writer, BlackPicture(mix.width, mix.height), silence, 0.0, plan.duration, mix.fps)
    return time.perf_counter() - started


def time_snapshot(plan: RenderPlan, out_dir: Path, repeats: int = 5) -> float:
    started = time.perf_counter()
    for attempt in range(repeats):
        render_snapshot(plan, plan.duration / 2, out_dir / f"snapshot{attempt}.jpg")
    return (time.perf_counter() - started) / repeats


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--tiles", type=int, default=4)
    parser.add_argument("--fps", type=int, default=15)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    width, height = (int(part) for part in args.size.lower().split("x"))
    plan = mixed_plan(args.seconds, width, height, args.tiles, args.fps)
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        out_dir = Path(tmp)
        baseline = time_baseline(plan, out_dir)
        rendered, size = time_render(plan, out_dir)
        snapshot = time_snapshot(plan, out_dir)
    print(
        f"render: {args.seconds:g} s of {width}x{height}, {args.tiles} tiles, {args.fps} fps, "
        f"A+V mp4 ({size / 1e6:.1f} MB)"
    )
    print(f"  render     {rendered:7.2f} s  = {args.seconds / rendered:5.1f}x real time")
    print(
        f"  baseline   {baseline:7.2f} s  = {args.seconds / baseline:5.1f}x real time "
        f"(black frames + silence, same encoders)"
    )
    print(f"  render/baseline time ratio {rendered / baseline:.2f}")
    print(f"  render_snapshot {snapshot * 1000:.0f} ms (mid-recording, {width}x{height})")
    print(f"  audio: {SAMPLE_RATE} Hz AAC; video: libx264 ultrafast/zerolatency")


if __name__ == "__main__":
    main()
