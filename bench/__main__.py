"""Recdesk's benchmarks in one run: `make bench` (or `python -m bench`).

    .venv/bin/python -m bench [--tasks 100000] [--files 1000000] [--database-url URL] ...

Builds a throwaway database (SQLite by default; --database-url for an empty PostgreSQL one) with
`--tasks` tasks and `--files` files spread over apps, rooms, two years and every status, then
measures each part of the console against a baseline in the same run and prints one table of
ratios with the goal each must meet. Machines are noisy; absolute times are not comparable between
runs, the ratios are. `--tasks 300 --files 3000 ...` is the smoke version CI runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Row:
    measure: str
    ours: str
    baseline: str
    ratio: float
    goal: str
    met: bool | None  # None: no goal, for information

    def cells(self) -> list[str]:
        met = {True: "yes", False: "NO", None: ""}[self.met]
        return [self.measure, self.ours, self.baseline, f"{self.ratio:.2f}x", self.goal, met]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--audit-entries", type=int, default=None, help="default: --tasks")
    parser.add_argument("--callbacks", type=int, default=2000)
    parser.add_argument("--reconcile-tasks", type=int, default=1000)
    parser.add_argument("--render-seconds", type=float, default=60)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database-url", default="", help="an empty database to fill")
    parser.add_argument(
        "--skip", default="", help="comma-separated parts to leave out: reconcile,render"
    )
    return parser.parse_args(argv)


def ms(timing) -> str:
    return f"{timing.ms:6.1f} ms {timing.queries:2d} q"


def page_rows(repeats: int) -> list[Row]:
    from bench import pages

    rows = [
        Row(name, ms(ours), f"bare page {bare.ms:.1f} ms", ours.ms / bare.ms, "<= 2x", None)
        for name, ours, bare in pages.list_pages(repeats)
    ]
    for row in rows:
        row.met = row.ratio <= 2
    for name, ours, admin in pages.files_pages(repeats):
        ratio = admin.ms / ours.ms
        rows.append(Row(name, ms(ours), f"admin {ms(admin)}", ratio, ">= 30x faster", ratio >= 30))
    singles, page = pages.presign(repeats)
    rows.append(
        Row(
            "presign 100 URLs (one signer)",
            f"{page:6.2f} ms",
            f"100 presigns {singles:.1f} ms",
            singles / page,
            "faster",
            singles > page,
        )
    )
    return rows


def callback_rows(count: int) -> list[Row]:
    from django.test.utils import override_settings

    from bench.bench_recordings import bench_callbacks

    with override_settings(ROOT_URLCONF="bench.urls"):
        result = bench_callbacks(count)
    ingest = result["count"] / result["ingest_s"]
    bare, durable = result["count"] / result["bare_s"], result["count"] / result["durable_s"]
    assert result["applied"] == count, result
    return [
        Row(
            f"callback ingestion ({count:,})",
            f"{ingest:6.0f} req/s",
            f"bare view {bare:.0f} req/s",
            ingest / bare,
            ">= 0.5x",
            ingest / bare >= 0.5,
        ),
        Row(
            "  same, against a durable bare view",
            f"{ingest:6.0f} req/s",
            f"1 INSERT view {durable:.0f} req/s",
            ingest / durable,
            "",
            None,
        ),
    ]


def reconcile_rows(count: int) -> list[Row]:
    from bench.bench_recordings import bench_reconcile

    result = bench_reconcile(count)
    budget = 5.0  # seconds for up to 1,000 live tasks
    errors = result["report"]["errors"]  # a call refused for exceeding the QPS cap is one
    return [
        Row(
            f"reconcile {count:,} live tasks",
            f"{result['seconds']:6.2f} s",
            f"budget {budget:g} s, {errors} ZEGO errors",
            budget / result["seconds"],
            "<= 5 s, 0 errors",
            result["seconds"] <= budget and errors == 0,
        )
    ]


def render_rows(seconds: float) -> list[Row]:
    from bench.bench_render import mixed_plan, time_baseline, time_render

    plan = mixed_plan(seconds, 1280, 720, 4, 15)
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        baseline = time_baseline(plan, Path(tmp))
        rendered, _ = time_render(plan, Path(tmp))
    return [
        Row(
            f"emulator render ({seconds:g} s, 720p, 4 tiles)",
            f"{seconds / rendered:6.1f}x real time",
            f"black frames {seconds / baseline:.1f}x",
            seconds / rendered,
            ">= 10x real time",
            seconds / rendered >= 10,
        )
    ]


def print_table(rows: list[Row]) -> None:
    header = ["measure", "recdesk", "baseline", "ratio", "goal", "met"]
    table = [header, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for index, line in enumerate(table):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    from bench.django_setup import setup_django

    setup_django()


def main(argv=None) -> int:
    args = parse_args(argv)
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        setup(args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        from django.db import connection
        from django.test.utils import override_settings

        from bench import dataset
        from monitoring.callcounts import flush_calls

        started = time.perf_counter()
        built = dataset.build(args.tasks, args.files, args.audit_entries or args.tasks)
        build_seconds = time.perf_counter() - started
        print(
            f"Recdesk bench on {connection.vendor}: {built.tasks:,} tasks, {built.files:,} files, "
            f"{built.audit_entries:,} audit entries (built in {build_seconds:.0f} s); "
            f"pages: median of {args.repeats} GETs through the whole stack",
            flush=True,
        )
        with override_settings(ROOT_URLCONF="bench.urls"):
            rows = page_rows(args.repeats)
        rows += callback_rows(args.callbacks)
        if "reconcile" not in skip:
            rows += reconcile_rows(args.reconcile_tasks)
        if "render" not in skip:
            rows += render_rows(args.render_seconds)
        flush_calls()  # counted ZEGO calls, written before the database goes away
        connection.close()
    print_table(rows)
    files = [row.ratio for row in rows if row.measure.startswith("files,")]
    print(f"files page vs admin, geometric mean: {statistics.geometric_mean(files):.1f}x")
    missed = [row.measure.strip() for row in rows if row.met is False]
    print(f"goals missed: {', '.join(missed) if missed else 'none'}")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
