"""The smoke version of `make bench`: every part runs on a small data set and prints its row.

The real numbers come from the full run (100,000 tasks, 1,000,000 files) by hand; this only
proves the bench still works, so the ratios are checked for sense, not against the goals.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ["--tasks", "300", "--files", "3000", "--callbacks", "30", "--reconcile-tasks", "12"]


def test_make_bench_prints_every_measure_with_a_ratio():
    # Its own throwaway SQLite, and the real task backend (the callbacks enqueue work).
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TASKS_BACKEND"}}
    result = subprocess.run(
        [sys.executable, "-m", "bench", *SMOKE, "--render-seconds", "2", "--repeats", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "300 tasks, 3,000 files, 300 audit entries" in out
    for measure in [
        "recordings list, first page",
        "task page (",
        "audit log, first page",
        "files, first page",
        "files, in backup",
        "presign 100 URLs",
        "callback ingestion (30)",
        "reconcile 12 live tasks",
        "emulator render (2 s",
    ]:
        line = next((line for line in out.splitlines() if line.startswith(measure)), None)
        assert line, f"{measure!r} missing from:\n{out}"
        ratio = float(re.search(r"  ([0-9.]+)x  ", line).group(1))
        assert ratio > 0, line
    assert re.search(r"^goals missed: ", out, re.MULTILINE)
    assert "0 ZEGO errors" in out  # the reconcile pass kept under ZEGO's QPS cap
