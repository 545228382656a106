"""Smoke run of the render benchmark (the real numbers come from a 60 s run by hand)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_render_runs_and_reports_real_time_multiples():
    """`python -m bench.bench_render --seconds 2` finishes and prints its measurements."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_render", "--seconds", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "x real time" in result.stdout
    assert "render/baseline time ratio" in result.stdout
    assert "render_snapshot" in result.stdout
