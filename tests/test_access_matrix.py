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
# Prometheus scrapes with a bearer token, not a login (tests/monitoring/test_metrics.py).
PUBLIC |= {"monitoring:metrics"}
# The API's description is public; the API itself is checked below with tokens.
PUBLIC |= {"api:openapi"}
# Share links: no login, the unguessable token is the key (tests/playback/test_share_links.py).
PUBLIC |= {
    f"playback:{name}" for name in ("share_page", "share_urls", "share_playlist", "share_segment")
}
# Views that only accept POST are checked with an empty POST instead of a GET.
POST_ONLY = {
    "recordings:room_add",
    "recordings:task_control",
    "recordings:layout_apply",
    "recordings:layout_preset_delete",
}
POST_ONLY |= {
    f"playback:{name}" for name in ("bucket_check", "share_create", "file_rescue", "share_revoke")
}
POST_ONLY |= {"monitoring:rule_delete", "monitoring:rule_test"}
POST_ONLY |= {"recordings:legal_hold", "recordings:start_cost"}
POST_ONLY |= {"policies:toggle", "policies:delete"}
# GET views that serve media rather than a page (the matrix's file is no HLS, so they 404/redirect):
# checked like POST_ONLY, i.e. anything but 403/405/login for the roles that may use them.
NOT_A_PAGE = {"playback:hls_playlist", "playback:hls_segment"}
LOGIN_ONLY = {"core:home"}
# Everyone manages their own API tokens (a token has only its user's capabilities).
LOGIN_ONLY |= {"api:tokens", "api:token_revoke"}
POST_ONLY |= {"api:token_revoke"}
SKIPPED_NAMESPACES = {"admin"}  # Django's admin has its own staff checks.

# How to build kwargs for URLs that take arguments: name -> callable(objects) -> kwargs.
URL_KWARGS = {
    "recordings:app_edit": lambda objects: {"pk": objects["zego_app"].pk},
    "recordings:retention": lambda objects: {"app_pk": objects["zego_app"].pk},
    "recordings:start_cost": lambda objects: {"pk": objects["room"].pk},
    "recordings:legal_hold": lambda objects: {"pk": objects["task"].pk},
    **{
        f"storage_profiles:{name}": lambda objects: {"pk": objects["storage_profile"].pk}
        for name in ("detail", "edit", "duplicate", "delete", "probe")
    },
    "recordings:room_add": lambda objects: {"app_pk": objects["zego_app"].pk},
    "recordings:room_start": lambda objects: {"pk": objects["room"].pk},
    "recordings:task_detail": lambda objects: {"pk": objects["task"].pk},
    "recordings:task_control": lambda objects: {"pk": objects["task"].pk, "action": "snapshot"},
    "recordings:layout_editor": lambda objects: {"pk": objects["task"].pk},
    "recordings:layout_apply": lambda objects: {"pk": objects["task"].pk},
    "recordings:layout_presets": lambda objects: {"app_pk": objects["zego_app"].pk},
    "recordings:layout_preset_delete": lambda objects: {"pk": objects["layout_preset"].pk},
    "playback:player": lambda objects: {"pk": objects["task"].pk},
    "playback:player_urls": lambda objects: {"pk": objects["task"].pk},
    "playback:live_player": lambda objects: {"pk": objects["task"].pk},
    "playback:bucket_check": lambda objects: {"pk": objects["task"].pk},
    "playback:hls_playlist": lambda objects: {"pk": objects["file"].pk},
    "playback:hls_segment": lambda objects: {"pk": objects["file"].pk, "name": "x_0.ts"},
    "playback:share_create": lambda objects: {"pk": objects["file"].pk},
    "playback:file_rescue": lambda objects: {"pk": objects["file"].pk},
    "playback:share_revoke": lambda objects: {"pk": objects["share_link"].pk},
    # Nobody's token: revoking answers 404 (only one's own tokens are found), never 403.
    "api:token_revoke": lambda objects: {"pk": 999_999},
    "api:room_start": lambda objects: {"pk": objects["room"].pk},
    "api:storage_profile_detail": lambda objects: {"pk": objects["storage_profile"].pk},
    **{
        f"api:{name}": lambda objects: {"pk": objects["task"].pk}
        for name in (
            "task_detail",
            "task_stop",
            "task_pause",
            "task_resume",
            "task_snapshot",
            "task_whiteboard",
            "task_layout",
        )
    },
    **{
        f"monitoring:{name}": lambda objects: {"pk": objects["alert_rule"].pk}
        for name in ("rule_edit", "rule_delete", "rule_test")
    },
    **{
        f"policies:{name}": lambda objects: {"pk": objects["policy"].pk}
        for name in ("edit", "toggle", "delete")
    },
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
    from monitoring.models import AlertRule
    from recordings.models import LayoutPreset, RecordingTask, Room, ZegoApp

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
    profile = _storage_profile()
    return {
        "zego_app": app,
        "room": room,
        "task": task,
        "storage_profile": profile,
        "layout_preset": LayoutPreset.objects.create(
            app=app, name="Matrix", layout={"mix_mode": 2}
        ),
        **_playback_objects(app, room, profile),
        "alert_rule": AlertRule.objects.create(
            app=app, kind=AlertRule.Kind.NO_CALLBACK, email_to="matrix@example.com"
        ),
        "policy": _policy(app),
    }


def _policy(app):
    from policies.models import RecordingPolicy

    return RecordingPolicy.objects.create(app=app, name="Matrix", on_first_publisher=True)


def _playback_objects(app, room, profile):
    from django.utils import timezone

    from playback.models import ShareLink
    from recordings.models import RecordingFile, RecordingTask

    task = RecordingTask.objects.create(
        app=app,
        room=room,
        click_token="00000000-0000-0000-0000-0000000000bb",
        record_mode=2,
        stream_type=3,
        storage_profile=profile,
    )
    file = RecordingFile.objects.create(
        task=task,
        file_id="matrix.mp4",
        object_key="matrix.mp4",
        output_format="mp4",
        upload_status=3,
    )
    link = ShareLink.objects.create(
        file=file, token_digest="0" * 64, token_hint="000000", expires_at=timezone.now()
    )
    return {"file": file, "share_link": link}


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


# The JSON API (api.access.api_endpoint) takes tokens, not logins: checked by the API tests below.
TOKEN_API = sorted(name for name, view in ALL_VIEWS.items() if hasattr(view, "api_methods"))
PROTECTED = sorted(name for name in ALL_VIEWS if name not in PUBLIC and name not in TOKEN_API)


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
    elif name in POST_ONLY | NOT_A_PAGE:
        assert response.status_code not in (403, 405) and not sent_to_login(response), (
            persona,
            name,
        )
    else:
        assert response.status_code == 200, (persona, name)


def _accepts_get_and_post(name: str) -> bool:
    closure = [getattr(c, "cell_contents", None) for c in (ALL_VIEWS[name].__closure__ or ())]
    methods = next((c for c in closure if isinstance(c, list | tuple | set)), ())
    return "POST" in methods and "GET" in methods


GET_AND_POST = sorted(
    name for name in PROTECTED if name not in POST_ONLY and _accepts_get_and_post(name)
)


@pytest.mark.parametrize("persona", ["anonymous", *sorted(ROLE_USERS)])
@pytest.mark.parametrize("name", GET_AND_POST)
def test_posts_to_get_and_post_views_are_guarded_like_their_gets(
    client, personas, objects, persona, name
):
    """A role that may not see a form may not submit it either (an empty POST changes nothing)."""
    if persona != "anonymous":
        client.force_login(personas[persona])
    url = reverse(name, kwargs=URL_KWARGS.get(name, lambda o: {})(objects))
    response = client.post(url)
    if persona == "anonymous":
        assert sent_to_login(response)
    elif expected_status(persona, name) == 403:
        assert response.status_code == 403, (persona, name)
    else:
        assert response.status_code not in (403, 405) and not sent_to_login(response)


def test_get_and_post_views_are_found():
    assert {"recordings:app_create", "recordings:room_start", "storage_profiles:create"} <= set(
        GET_AND_POST
    )


# ---------------------------------------------------------------------------------- the JSON API


def api_request(client, objects, name, headers):
    """The endpoint's own method (the first it declares) with an empty JSON body."""
    method = ALL_VIEWS[name].api_methods[0]
    url = reverse(name, kwargs=URL_KWARGS.get(name, lambda o: {})(objects))
    return client.generic(method, url, b"", content_type="application/json", headers=headers)


def test_the_api_endpoints_are_found():
    assert {"api:room_list", "api:room_start", "api:task_stop", "api:file_list"} <= set(TOKEN_API)


@pytest.mark.parametrize("name", TOKEN_API)
def test_the_api_refuses_requests_without_a_token(client, personas, objects, name):
    """401 in JSON, not a login page; a logged-in browser session is not a token either."""
    assert api_request(client, objects, name, {}).status_code == 401
    client.force_login(personas["admin"])
    assert api_request(client, objects, name, {}).status_code == 401


@pytest.mark.parametrize("persona", sorted(ROLE_USERS))
@pytest.mark.parametrize("name", TOKEN_API)
def test_each_roles_token_gets_exactly_its_endpoints(client, personas, objects, persona, name):
    from api.tokens import token_create

    raw = token_create(user=personas[persona], name="matrix").raw
    response = api_request(client, objects, name, {"Authorization": f"Bearer {raw}"})
    if expected_status(persona, name) == 403:
        assert response.status_code == 403, (persona, name)
    else:
        assert response.status_code not in (401, 403, 405), (persona, name, response.content)
