"""A newcomer's path: `make run` from a clean checkout, log in with the printed credentials, see rooms.

The checkout borrows this project's installed .venv (CI's own `make test` already proves a fresh
install works); everything else — migrations, first-run bootstrap, every Procfile process — runs
exactly as for a person, on free ports so it cannot collide with a running copy.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from devtools.seaweed import free_port
from tests.e2e.conftest import shoot

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Variables a test run sets that a person's shell would not have.
TEST_ONLY = {
    "DEBUG",
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "STATIC_MANIFEST",
    "TASKS_BACKEND",
    "ZEGO_CALLBACK_BASE_URL",
    "DATABASE_URL",
    "LOG_LEVEL",
    "DJANGO_SETTINGS_MODULE",
}


@pytest.fixture
def checkout(tmp_path):
    target = tmp_path / "recdesk"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    (target / ".venv").symlink_to(ROOT / ".venv")
    return target


def wait_for_output(log: Path, pattern: str, process, timeout: float) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(pattern, log.read_text(errors="replace"))
        if match:
            return match
        if process.poll() is not None:
            raise AssertionError(f"make run exited early:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    raise AssertionError(f"no {pattern!r} in make run's output:\n{log.read_text()[-3000:]}")


def test_make_run_from_a_clean_checkout_serves_the_console_with_demo_rooms(checkout, page):
    ports = {"WEB_PORT": free_port(), "ZEGO_PORT": free_port(), "S3_PORT": free_port()}
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY and not k.startswith("PYTEST")}
    env.update({name: str(port) for name, port in ports.items()})
    log = checkout / "make-run.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            ["make", "run"],
            cwd=checkout,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        credentials = wait_for_output(log, r"Demo admin created: (\S+) / (\S+)", process, 120)
        base = f"http://127.0.0.1:{ports['WEB_PORT']}"
        wait_for_output(log, re.escape(f"Recdesk is starting at {base}"), process, 10)
        _wait_until_up(f"{base}/accounts/login/", process, log)

        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Username").fill(credentials.group(1))
        page.get_by_label("Password").fill(credentials.group(2))
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/rooms/")
        page.get_by_text("demo-classroom").first.wait_for()
        page.get_by_text("teacher-cam").first.wait_for(timeout=30_000)  # presence from the emulator
        shoot(page, "newcomer-01-rooms")
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    time.sleep(1)
    for port in ports.values():
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/", timeout=2)


def _wait_until_up(url: str, process, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if process.poll() is not None:
            raise AssertionError(f"make run exited early:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    raise AssertionError(f"{url} never answered:\n{log.read_text()[-3000:]}")
