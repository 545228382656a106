"""Every view, every form and query string, fed bad values (hypothesis).

Views come from the URL conf (like the access matrix), so a new view is fuzzed without a line
here. For each: GET with a fuzzed query string and, where the view takes POSTs, a fuzzed POST built
from the field names its page renders plus common parameter names. The rules: never a 500 (clear
errors: a 200 re-render, a 4xx, or a redirect), and a rejected POST (4xx, or a 200 re-render)
writes nothing — row counts of every model are unchanged.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_access_matrix import ALL_VIEWS, URL_KWARGS

pytestmark = pytest.mark.django_db

SKIPPED = {
    "recordings:zego_callback",  # signed JSON, not a form: tests/reliability/test_callback_load.py
    "accounts:logout",  # ends the session the fuzzing runs in
}
EXTRA_KWARGS = {
    "playback:share_page": lambda o: {"token": "no-such-token"},
    "playback:share_urls": lambda o: {"token": "no-such-token"},
    "playback:share_playlist": lambda o: {"token": "no-such-token"},
    "playback:share_segment": lambda o: {"token": "no-such-token", "name": "x_0.ts"},
}
# Rows these models gain are records of an attempt (audit, a refused ZEGO call on the timeline,
# log-in attempts, sessions), not a partial write of the rejected input.
RECORDS_OF_ATTEMPTS = {
    "accounts.auditentry",
    "recordings.taskevent",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "sessions.session",
    "playback.sharelinkuse",
}
COMMON_PARAMS = [
    "app", "room", "room_id", "status", "since", "until", "page", "after", "sort", "q", "user",
    "stream", "format", "preset", "action", "pk", "id", "name", "expires", "expires_at",
    "layout", "whiteboard_id", "vendor", "bucket", "endpoint", "secret", "click_token",
]  # fmt: skip
NASTY = [
    "", " ", "-1", "0", "1e309", "NaN", "99999999999999999999999999", "2026-13-45", "2026-02-30",
    "'; DROP TABLE x; --", "<script>alert(1)</script>", "\x00", "a\x00b", "../../etc/passwd",
    "%00", "💥" * 50, "x" * 5000, "[]", "{}", '{"a": [1, {"b": null}]}', "true", "None",
    "00000000-0000-0000-0000-000000000000", "http://127.0.0.1:9/", "1,2,3", "\r\n", "\ud800",
]  # fmt: skip
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def url_for(name: str, objects) -> str:
    make = {**URL_KWARGS, **EXTRA_KWARGS}.get(name, lambda o: {})
    return reverse(name, kwargs=make(objects))


def accepts_post(name: str) -> bool:
    view = ALL_VIEWS[name]
    closure = [getattr(c, "cell_contents", None) for c in (view.__closure__ or ())]
    methods = next((c for c in closure if isinstance(c, list | tuple | set)), None)
    if methods is not None:
        return "POST" in methods
    return hasattr(view, "view_class") and hasattr(view.view_class, "post")


def row_counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label_lower not in RECORDS_OF_ATTEMPTS and model._meta.managed
    }


def field_names(client: Client, url: str) -> list[str]:
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    names = set(re.findall(r'name="([^"]+)"', response.content.decode(errors="replace")))
    return sorted(names - {"csrfmiddlewaretoken"})


def params(names: list[str]):
    return st.dictionaries(
        keys=st.sampled_from(sorted(set(names + COMMON_PARAMS))),
        values=st.one_of(values, st.lists(values, max_size=3)),
        max_size=8,
    )


def clean(data: dict) -> dict:
    """The test client cannot encode lone surrogates; a browser cannot send them either."""

    def ok(value):
        return value.encode("utf-8", "replace").decode("utf-8")

    return {
        k: [ok(v) for v in value] if isinstance(value, list) else ok(value)
        for k, value in data.items()
    }


FUZZED = sorted(name for name in ALL_VIEWS if name not in SKIPPED)


ERROR_MARKERS = (b"field-error", b"has-error", b"form-errors", b"errorlist")


def rejected(response) -> bool:
    """Refused input: a 4xx, or the form re-rendered (200) with its errors shown."""
    if response.status_code >= 400:
        return True
    return response.status_code == 200 and any(m in response.content for m in ERROR_MARKERS)


@pytest.fixture(autouse=True)
def loopback_only(objects, monkeypatch):
    """The matrix's objects point at real vendors; keep every outside call on a dead loopback
    port, and let the ZEGO client give up without backing off."""
    import zego

    profile = objects["storage_profile"]
    profile.endpoint = "http://127.0.0.1:9"
    profile.save()
    monkeypatch.setitem(zego.Client.__init__.__kwdefaults__, "backoff", 0.0)


def assert_clear(response, name: str) -> None:
    assert response.status_code < 500, f"{name} answered {response.status_code}"


@pytest.mark.parametrize("name", FUZZED)
def test_fuzzed_query_strings_never_break_a_view(name, personas, objects):
    client = Client()
    client.force_login(personas["admin"])
    url = url_for(name, objects)
    names = field_names(client, url) if name not in SKIPPED else []

    @settings(
        max_examples=8,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(query=params(names), htmx=st.booleans())
    def check(query, htmx):
        client.force_login(personas["admin"])
        headers = {"HX-Request": "true"} if htmx else {}
        assert_clear(client.get(url, clean(query), headers=headers), name)

    check()


POSTABLE = [name for name in FUZZED if accepts_post(name)]


@pytest.mark.parametrize("name", POSTABLE)
def test_fuzzed_posts_are_refused_clearly_and_write_nothing(name, personas, objects):
    client = Client()
    client.force_login(personas["admin"])
    url = url_for(name, objects)
    names = field_names(client, url)

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(data=params(names))
    def check(data):
        client.force_login(personas["admin"])
        before = row_counts()
        response = client.post(url, clean(data))
        assert_clear(response, name)
        if rejected(response):
            assert row_counts() == before, f"{name} wrote rows for a rejected POST {data!r}"

    check()


def test_every_post_view_is_fuzzed():
    assert {"recordings:room_start", "storage_profiles:create", "recordings:app_create"} <= set(
        POSTABLE
    )
