"""The console log as a running process writes it: logging configured from settings, as at start-up."""

import io
import logging
import sys
from unittest import mock

import pytest
from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.test import override_settings
from django.urls import reverse
from django.utils.log import configure_logging
from django_tasks_db.management.commands.db_worker import Command as DbWorker

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    """What the process prints, with DEBUG on as under `make run` (Django's own console handler
    only prints then)."""
    stream = io.StringIO()
    try:
        with mock.patch.object(sys, "stderr", stream), override_settings(DEBUG=True):
            configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
            yield stream
    finally:
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def lines_with(text: str, output: str) -> list[str]:
    return [line for line in output.splitlines() if text in line]


def test_a_refused_request_logs_one_formatted_warning_without_a_traceback(client_for, console):
    response = client_for("reviewer").get(reverse("storage_profiles:list"))

    assert response.status_code == 403
    output = console.getvalue()
    logged = lines_with("Forbidden (Permission denied)", output)
    assert len(logged) == 1, output
    assert " WARNING django.request: Forbidden (Permission denied): /storage/" in logged[0]
    assert "Traceback" not in output


def test_runserver_access_lines_come_out_once_formatted_like_the_rest(console):
    logging.getLogger("django.server").warning('"GET /storage/ HTTP/1.1" 403 135')

    output = console.getvalue()
    assert len(lines_with("GET /storage/", output)) == 1, output
    assert ' WARNING django.server: "GET /storage/ HTTP/1.1" 403 135' in output


def test_a_server_error_keeps_its_traceback(rf, console):
    try:
        raise RuntimeError("the disk caught fire")
    except RuntimeError as error:
        response_for_exception(rf.get("/boom/"), error)

    output = console.getvalue()
    assert len(lines_with("Internal Server Error: /boom/", output)) == 1, output
    assert " ERROR django.request: Internal Server Error: /boom/" in output
    assert output.count("Traceback") == 1
    assert "RuntimeError: the disk caught fire" in output


def test_the_worker_logs_task_failures_once_and_finished_tasks_not_at_all(console):
    DbWorker().configure_logging(verbosity=1)  # what `manage.py db_worker` does at start
    tasks = logging.getLogger("django.tasks")

    tasks.info("Task id=1 path=recordings.tasks.reconcile state=SUCCESSFUL")
    tasks.error("Task id=2 path=recordings.tasks.reconcile state=FAILED")
    logging.getLogger("django_tasks_db").info("Starting worker worker_id=w queues=*")

    output = console.getvalue()
    assert "SUCCESSFUL" not in output
    assert "Starting worker" not in output
    failed = lines_with("state=FAILED", output)
    assert len(failed) == 1, output
    assert " ERROR django.tasks: Task id=2" in failed[0]


def test_the_log_still_redacts_secrets(console):
    logging.getLogger("zego").warning("GET /?Signature=abc123&AppId=1")

    assert "abc123" not in console.getvalue()
    assert "Signature=[redacted]" in console.getvalue()
