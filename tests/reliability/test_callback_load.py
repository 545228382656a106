"""The callback endpoint under a bounded loopback load (1,000 callbacks here; the bench does 20,000).

A real threaded web process, several client threads, a shuffled mix of genuine, duplicated and
forged callbacks: zero forgeries accepted, zero genuine facts lost, each duplicate ignored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
CALLBACKS = 1000


@pytest.fixture
def throwaway_database_url(db):
    """A fresh database for the bench's own processes: a temp SQLite file, or a new PG database."""
    if connection.vendor != "postgresql":
        yield None  # the bench makes its own temporary SQLite file
        return
    settings = connection.settings_dict
    base = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    name = f"cbload_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as pg:
        pg.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as pg:
            pg.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def test_a_thousand_callbacks_let_no_forgery_in_and_lose_nothing(throwaway_database_url):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TASKS_BACKEND"}}
    if throwaway_database_url:
        env["DATABASE_URL"] = throwaway_database_url
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_callback_load", "--callbacks", str(CALLBACKS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=170,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    figures = json.loads(result.stdout.split("RESULT ", 1)[1])
    assert figures["sent"] == CALLBACKS
    assert figures["forged_accepted"] == 0
    assert figures["forged_rejected"] == CALLBACKS // 10
    assert figures["lost"] == 0
    assert figures["accepted"] == figures["genuine_facts"] == CALLBACKS * 8 // 10
    assert figures["duplicates"] == CALLBACKS // 10
    assert figures["errors"] == 0
