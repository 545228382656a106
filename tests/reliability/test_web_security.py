"""Web security over the whole URL conf: CSRF on every POST, CSP with nonces and clickjacking
protection on every page, secure cookies and HSTS under production settings."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.core.test_deploy import PRODUCTION_ENV, run_manage
from tests.reliability.test_input_fuzz import FUZZED, POSTABLE, url_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loopback_only(objects):
    profile = objects["storage_profile"]
    profile.endpoint = "http://127.0.0.1:9"
    profile.save()


@pytest.mark.parametrize("name", [*POSTABLE, "accounts:logout"])
def test_every_post_without_a_csrf_token_is_refused(name, personas, objects):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["admin"])
    response = client.post(url_for(name, objects), {"name": "x"})
    assert response.status_code == 403, name
    assert b"CSRF" in response.content


def test_the_callback_endpoint_is_guarded_by_its_signature_instead(personas):
    from recordings.models import ZegoApp

    app = ZegoApp.objects.create(name="c", app_id=99, server_secret="s" * 32, callback_secret="cb")
    client = Client(enforce_csrf_checks=True)
    body = json.dumps({"app_id": 99, "task_id": "T", "signature": "0" * 40, "nonce": "1",
                       "timestamp": "1", "event_type": 5, "sequence": 1})  # fmt: skip
    response = client.post(
        reverse("recordings:zego_callback", args=[app.app_id]),
        body,
        content_type="application/json",
    )
    assert response.status_code == 401  # not 403: no CSRF cookie needed, the signature decides


PAGES = [name for name in FUZZED if name != "playback:file_export"]


def html_page(name: str, personas, objects):
    """The page `name` as the admin sees it (skipping the test if it is not HTML)."""
    client = Client()
    if name != "accounts:login":
        client.force_login(personas["admin"])
    response = client.get(url_for(name, objects))
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        pytest.skip(f"{name} is not an HTML page (status {response.status_code})")
    return response


@pytest.mark.parametrize("name", PAGES)
def test_every_page_has_a_nonce_csp_and_refuses_framing(name, personas, objects):
    response = html_page(name, personas, objects)
    if b"<html" not in response.content:
        pytest.skip(f"{name} is a fragment swapped into a page, whose CSP governs it")
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    body = response.content.decode()
    nonce = policy.split("'nonce-")[1].split("'")[0]
    for attrs in re.findall(r"<script([^>]*)>", body):
        executable_inline = "src=" not in attrs and "application/json" not in attrs
        if executable_inline:
            assert f'nonce="{nonce}"' in attrs, (name, attrs)
    assert " onclick=" not in body and " onload=" not in body


@pytest.mark.parametrize("name", PAGES)
def test_every_aria_reference_on_a_page_points_at_an_element_of_it(name, personas, objects):
    """A field's aria-describedby names its help text and error: a screen reader reads them."""
    body = html_page(name, personas, objects).content.decode()
    assert dangling_aria_references(body) == set(), name


def test_the_aria_references_of_a_form_with_errors_point_at_its_errors(personas, objects):
    client = Client()
    client.force_login(personas["admin"])
    url = url_for("recordings:room_start", objects)
    body = client.post(url, {"max_record_time": "10", "fps": "-1"}).content.decode()
    assert "field-error" in body  # the form did come back with errors
    assert dangling_aria_references(body) == set()


def dangling_aria_references(body: str) -> set[str]:
    ids = set(re.findall(r'\sid="([^"]+)"', body))
    referenced = {
        ref
        for refs in re.findall(r'aria-(?:describedby|labelledby|controls)="([^"]*)"', body)
        for ref in refs.split()
    }
    return referenced - ids


PROBE = """
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="recdesk.example.com", HTTP_X_FORWARDED_PROTO="https")
response = client.get("/accounts/login/", secure=True)
csrf = response.cookies.get("csrftoken")
print("RESULT", {
    "status": response.status_code,
    "hsts": response.get("Strict-Transport-Security", ""),
    "xfo": response.get("X-Frame-Options", ""),
    "nosniff": response.get("X-Content-Type-Options", ""),
    "csrf_secure": bool(csrf and csrf["secure"]),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "plain_http": Client(HTTP_HOST="recdesk.example.com").get("/accounts/login/").status_code,
})
"""


def test_production_settings_send_hsts_and_secure_cookies():
    env = {**PRODUCTION_ENV, "DATABASE_URL": "sqlite:///:memory:", "STATIC_MANIFEST": "false"}
    result = run_manage("shell", "-c", PROBE, env=env)
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT")), None)
    assert line, result.stdout + result.stderr
    import ast

    found = ast.literal_eval(line.removeprefix("RESULT "))
    assert found["status"] == 200, found
    assert found["hsts"].startswith("max-age=31536000"), found
    assert found["xfo"] == "DENY" and found["nosniff"] == "nosniff"
    assert found["csrf_secure"] and found["session_secure"] and found["session_httponly"]
    assert found["ssl_redirect"] and found["plain_http"] == 301
