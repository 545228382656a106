"""Every operation of /api/v1/openapi.json, fuzzed by schemathesis against the Django app.

State-changing calls go to the ZEGO emulator (never real ZEGO); the presigned URLs point at a
bucket that is never contacted. A handful of examples per operation keeps it CI-sized.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.tokens import token_create
from recordings.models import Room, ZegoApp
from tests.api.conftest import make_file, make_task

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def world(personas, emulator, local_profile):
    """Objects the generated ids are pointed at half the time, and an admin's token."""
    app = ZegoApp.objects.create(
        name="Fuzzed",
        app_id=emulator.app_id,
        server_secret=emulator.server_secret,
        api_url=emulator.url,
        rtc_api_url=emulator.url,
    )
    room = Room.objects.create(app=app, room_id="fuzz-room", streams=[{"stream_id": "cam"}])
    task = make_task(room, local_profile, task_id="fuzz-task", status="recording")
    make_file(task, "fuzz.mp4")
    raw = token_create(user=personas["admin"], name="schemathesis").raw
    return {
        "headers": {"Authorization": f"Bearer {raw}"},
        "ids": {
            "/api/v1/rooms/{id}/recordings": room.pk,
            "/api/v1/storage-profiles/{id}": local_profile.pk,
            **dict.fromkeys(
                (path for path in schema.raw_schema["paths"] if path.startswith("/api/v1/tasks/")),
                task.pk,
            ),
        },
    }


@pytest.fixture(autouse=True)
def _connection_kept_between_requests():
    """The WSGI app closes the database connection as a request starts and ends; Django's test client
    stops that for its requests (the test's transaction lives on that connection), and so must
    the calls schemathesis makes to the app directly."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_description(case, world):
    ids, generated = world["ids"], case.path_parameters or {}
    # Half the valid ids generated are pointed at a real object, so success answers get checked
    # too (an invalid one stays as it is: it is there to be refused).
    even = str(generated.get("id", "")).endswith(("0", "2", "4", "6", "8"))
    if case.path in ids and case.meta.generation.mode.is_positive and even:
        case.path_parameters["id"] = ids[case.path]
    # A valid-looking start may still break a rule across fields (MP3 needs "audio only"), and
    # JSON Schema cannot say so: such a 400 is right, not a rejection of valid data.
    case.call_and_validate(headers=world["headers"], excluded_checks=[positive_data_acceptance])
