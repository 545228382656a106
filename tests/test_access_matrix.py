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

PUBLIC = {"accounts:login", "accounts:logout", "core:healthz"}
LOGIN_ONLY = {"core:home"}
SKIPPED_NAMESPACES = {"admin"}  # Django's admin has its own staff checks.

# How to build kwargs for URLs that take arguments: name -> callable(objects) -> kwargs.
URL_KWARGS = {
    "recordings:app_edit": lambda objects: {"pk": objects["zego_app"].pk},
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
    from recordings.models import ZegoApp

    return {
        "zego_app": ZegoApp.objects.create(name="Matrix", app_id=42, server_secret="x" * 32),
    }


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


@pytest.mark.parametrize("name", PROTECTED)
def test_anonymous_users_are_sent_to_login(client, objects, name):
    url = reverse(name, kwargs=URL_KWARGS.get(name, lambda o: {})(objects))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", sorted(ROLE_USERS))
@pytest.mark.parametrize("name", PROTECTED)
def test_each_role_gets_exactly_its_pages(client, personas, objects, persona, name):
    client.force_login(personas[persona])
    url = reverse(name, kwargs=URL_KWARGS.get(name, lambda o: {})(objects))
    response = client.get(url)
    assert response.status_code == expected_status(persona, name), (persona, name)
