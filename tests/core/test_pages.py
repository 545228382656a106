import logging

import pytest
from django.urls import reverse

from accounts.audit import audit, scrub
from core.logging import RedactSecretsFilter, redact

pytestmark = pytest.mark.django_db


def test_pages_carry_a_nonce_based_csp_without_unsafe_inline(client):
    response = client.get(reverse("accounts:login"))
    policy = response["Content-Security-Policy"]
    assert "'nonce-" in policy
    assert "unsafe-inline" not in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()


def test_the_base_layout_sends_csrf_through_hx_headers(client_for):
    body = client_for("admin").get(reverse("core:home")).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in body
    assert "htmx" in body


def test_navigation_shows_only_what_the_role_may_use(client_for):
    body = client_for("reviewer").get(reverse("core:home")).content.decode()
    assert ">Apps<" not in body
    assert ">Audit<" not in body
    body = client_for("admin").get(reverse("core:home")).content.decode()
    assert ">Apps<" in body
    assert ">Audit<" in body


def test_a_user_without_a_role_is_told_how_to_get_one(client_for):
    body = client_for("outsider").get(reverse("core:home")).content.decode()
    assert "has no role yet" in body


def test_healthz_answers(client):
    assert client.get(reverse("core:healthz")).json() == {"status": "ok"}


def test_audit_log_lists_entries_and_serves_a_fragment_to_htmx(client_for, personas):
    audit(action="recording.stop", actor=personas["support"], note="by hand")
    client = client_for("admin")
    full = client.get(reverse("accounts:audit"))
    assert b"recording.stop" in full.content and b"<html" in full.content
    fragment = client.get(
        reverse("accounts:audit"), {"action": "recording.stop"}, headers={"HX-Request": "true"}
    )
    assert b"recording.stop" in fragment.content
    assert b"<html" not in fragment.content


def test_audit_log_rejects_a_bad_date_range_with_a_message(client_for):
    response = client_for("admin").get(
        reverse("accounts:audit"), {"since": "2026-02-01", "until": "2026-01-01"}
    )
    assert response.status_code == 200
    assert b"The end date is before the start date." in response.content


def test_audit_log_query_count_does_not_grow_with_rows(
    client_for, personas, django_assert_max_num_queries
):
    client = client_for("admin")
    for index in range(30):
        audit(action="x", actor=personas["support"], n=index)
    with django_assert_max_num_queries(8):
        client.get(reverse("accounts:audit"))


def test_audit_detail_is_scrubbed_of_secrets():
    assert scrub({"server_secret": "abc", "nested": [{"password": "p", "ok": 1}]}) == {
        "server_secret": "[redacted]",
        "nested": [{"password": "[redacted]", "ok": 1}],
    }


def test_the_log_filter_redacts_secret_looking_values():
    assert "abc123" not in redact("GET /?Signature=abc123&AppId=1")
    record = logging.LogRecord("x", logging.INFO, "", 0, "secret=%s", ("hunter2",), None)
    RedactSecretsFilter().filter(record)
    assert "hunter2" not in record.getMessage()


def test_error_reports_hide_secret_post_fields(rf):
    from core.logging import SecretsExceptionReporterFilter

    request = rf.post("/x", {"server_secret": "hunter2", "secret": "s3", "name": "ok"})
    cleansed = SecretsExceptionReporterFilter().get_post_parameters(request)
    assert cleansed["name"] == "ok"
    assert "hunter2" not in str(cleansed) and "s3" not in cleansed.values()
