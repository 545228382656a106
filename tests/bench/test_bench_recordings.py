import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_recordings_bench_runs_and_prints_its_figures():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TASKS_BACKEND"}}
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_recordings", "--callbacks", "30", "--tasks", "12"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    ratio = float(re.search(r"ratio \(ingestion / bare view\): ([0-9.]+)", result.stdout).group(1))
    assert 0 < ratio < 1
    assert "30 applied to the ledger" in result.stdout
    match = re.search(r"reconcile: 12 live tasks in ([0-9.]+) s", result.stdout)
    assert match and float(match.group(1)) < 30
