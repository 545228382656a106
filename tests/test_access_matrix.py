"""Every URL × every role, generated from the URL conf so a new view cannot be forgotten.

Each view declares the capability it needs (accounts.access.capability_required); the expected
status for each persona follows from the roles' capabilities. A view with no declared capability
must be listed in PUBLIC or LOGIN_ONLY, or this test fails.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import ROLE_CAPABILITIES
from tests.fixtures.personas import ROLE_USERS

PUBLIC = {"accounts:login", "accounts:logout", "core:healthz", "recordings:zego_callback"}
# Views that only accept POST are checked with an empty POST instead of a GET.
POST_ONLY = {"recordings:room_add", "recordings:task_control"}
LOGIN_ONLY = {"core:home"}
SKIPPED_NAMESPACES = {"admin"}  # Django's admin has its own staff checks.

# How to build kwargs for URLs that take arguments: name -> callable(objects) -> kwargs.
URL_KWARGS = {
    "recordings:app_edit": lambda objects: {"pk": objects["zego_app"].pk},
    **{
        f"storage_profiles:{name}": lambda objects: {"pk": objects["storage_profile"].pk}
        for name in ("detail", "edit", "duplicate", "delete", "probe")
    },
    "recordings:room_add": lambda objects: {"app_pk": objects["zego_app"].pk},
    "recordings:room_start": lambda objects: {"pk": objects["room"].pk},
    "recordings:task_detail": lambda objects: {"pk": objects["task"].pk},
    "recordings:task_control": lambda objects: {"pk": objects["task"].pk, "action": "snapshot"},
}


def iter_named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            if ns in SKIPPED_NAMESPACES:
                continue
            prefix = f"{namespace}{ns}:" if ns else namespace
            yield from iter_named_patterns(pattern, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern.callback


ALL_VIEWS = dict(iter_named_patterns())


@pytest.fixture
def objects(db):
    from recordings.models import RecordingTask, Room, ZegoApp

    app = ZegoApp.objects.create(
        name="Matrix", app_id=42, server_secret="x" * 32, api_url="http://127.0.0.1:9"
    )
    room = Room.objects.create(app=app, room_id="matrix-room")
    task = RecordingTask.objects.create(
        app=app,
        room=room,
        click_token="00000000-0000-0000-0000-0000000000aa",
        record_mode=2,
        stream_type=3,
    )
    return {"zego_app": app, "room": room, "task": task, "storage_profile": _storage_profile()}


def _storage_profile():
    from storage_profiles.models import StorageProfile, Vendor

    return StorageProfile.objects.create(
        name="Matrix",
        vendor=Vendor.AMAZON_S3,
        region="us-east-1",
        bucket="matrix-bucket",
        access_key_id="AK",
        secret="matrix-secret",
    )


def required_capability(name: str) -> str | None:
    return getattr(ALL_VIEWS[name], "required_capability", None)


def test_every_view_declares_who_may_use_it():
    undeclared = [
        name
        for name in ALL_VIEWS
        if name not in PUBLIC | LOGIN_ONLY and required_capability(name) is None
    ]
    assert undeclared == [], f"views without capability_required: {undeclared}"


def expected_status(persona: str, name: str) -> int:
    capability = required_capability(name)
    if name in LOGIN_ONLY:
        return 200
    role = ROLE_USERS[persona]
    return 200 if role and capability in ROLE_CAPABILITIES[role] else 403


PROTECTED = sorted(name for name in ALL_VIEWS if name not in PUBLIC)


def request(client, objects, name):
    url = reverse(name, kwargs=URL_KWARGS.get(name, lambda o: {})(objects))
    return client.post(url) if name in POST_ONLY else client.get(url)


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


@pytest.mark.parametrize("name", PROTECTED)
def test_anonymous_users_are_sent_to_login(client, objects, name):
    assert sent_to_login(request(client, objects, name))


@pytest.mark.parametrize("persona", sorted(ROLE_USERS))
@pytest.mark.parametrize("name", PROTECTED)
def test_each_role_gets_exactly_its_pages(client, personas, objects, persona, name):
    client.force_login(personas[persona])
    response = request(client, objects, name)
    if expected_status(persona, name) == 403:
        assert response.status_code == 403, (persona, name)
    elif name in POST_ONLY:
        assert response.status_code not in (403, 405) and not sent_to_login(response), (
            persona,
            name,
        )
    else:
        assert response.status_code == 200, (persona, name)
