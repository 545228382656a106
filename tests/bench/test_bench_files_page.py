"""Smoke run of the files-page benchmark (the real numbers come from a 1,000,000-row run by hand)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_files_page_runs_and_reports_ratios():
    """`python -m bench.bench_files_page --rows 1500 --repeats 1` prints both comparisons."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_files_page", "--rows", "1500", "--repeats", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    assert "files page vs Django admin changelist: 1,500 RecordingFile rows" in result.stdout
    assert "geometric mean of admin/files ratios" in result.stdout
    assert "presign a page of 100 URLs" in result.stdout
