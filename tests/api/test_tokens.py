"""Personal API tokens: stored hashed, shown once, listed without the secret, revoked, audited."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from api.models import ApiToken, token_digest
from api.tokens import token_create, token_for, token_revoke

pytestmark = pytest.mark.django_db


def create_in_ui(client, name: str = "nightly export") -> str:
    response = client.post(reverse("api:tokens"), {"name": name})
    assert response.status_code == 302 and response["Location"] == reverse("api:tokens")
    shown = client.get(response["Location"])
    raw = shown.context["created"].raw
    assert raw in shown.content.decode() and raw not in response["Location"]
    return raw


def test_the_raw_token_is_stored_nowhere(client_for):
    client = client_for("support")
    raw = create_in_ui(client)
    token = ApiToken.objects.get()
    assert token.digest == token_digest(raw)
    stored = [str(value) for row in ApiToken.objects.values_list() for value in row] + [
        str(entry.detail) for entry in AuditEntry.objects.all()
    ]
    assert not any(raw in value for value in stored)
    assert raw.startswith(token.prefix) and len(raw) > 40


def test_the_token_is_shown_once_and_listed_by_prefix_only(client_for):
    client = client_for("support")
    raw = create_in_ui(client)
    listing = client.get(reverse("api:tokens"))
    page = listing.content.decode()
    assert raw not in page
    assert ApiToken.objects.get().prefix in page and "nightly export" in page
    assert "never" in page  # not used yet
    assert "no-store" in listing["Cache-Control"]


def test_reloading_after_a_create_makes_no_second_token_and_shows_it_no_more(client_for):
    client = client_for("support")
    redirect = client.post(reverse("api:tokens"), {"name": "nightly export"})
    kept_for_display = str(dict(client.session))
    shown = client.get(redirect["Location"])
    raw = shown.context["created"].raw
    assert raw in shown.content.decode()
    assert raw not in kept_for_display  # the session holds it encrypted only
    again = client.get(reverse("api:tokens"))  # what a reload of the shown page sends
    assert again.context["created"] is None and raw not in again.content.decode()
    assert ApiToken.objects.count() == 1
    assert AuditEntry.objects.filter(action="api_token.create").count() == 1


def test_a_token_acts_as_its_user_and_records_its_use(client, personas):
    created = token_create(user=personas["reviewer"], name="ci")
    response = client.get(
        reverse("api:task_list"), headers={"Authorization": f"Bearer {created.raw}"}
    )
    assert response.status_code == 200
    created.token.refresh_from_db()
    assert created.token.last_used_at is not None


def test_a_revoked_token_stops_working(client_for, personas):
    client = client_for("support")
    raw = create_in_ui(client)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(reverse("api:task_list"), headers=headers).status_code == 200
    token = ApiToken.objects.get()
    response = client.post(reverse("api:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    refused = client.get(reverse("api:task_list"), headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_token"


def test_nobody_revokes_someone_elses_token(client_for, personas):
    theirs = token_create(user=personas["admin"], name="admin's").token
    response = client_for("support").post(reverse("api:token_revoke", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_a_deactivated_users_tokens_stop_working(client, personas):
    created = token_create(user=personas["support"], name="ci")
    personas["support"].is_active = False
    personas["support"].save()
    response = client.get(
        reverse("api:task_list"), headers={"Authorization": f"Bearer {created.raw}"}
    )
    assert response.status_code == 401


def test_losing_a_role_takes_effect_at_once(client, personas):
    created = token_create(user=personas["support"], name="ci")
    headers = {"Authorization": f"Bearer {created.raw}"}
    assert client.get(reverse("api:room_list"), headers=headers).status_code == 200
    personas["support"].groups.clear()
    assert client.get(reverse("api:room_list"), headers=headers).status_code == 403


def test_creating_and_revoking_are_audited(client_for, personas):
    client = client_for("reviewer")
    create_in_ui(client, name="reports")
    token = ApiToken.objects.get()
    client.post(reverse("api:token_revoke", args=[token.pk]))
    created, revoked = (
        AuditEntry.objects.get(action="api_token.create"),
        AuditEntry.objects.get(action="api_token.revoke"),
    )
    for entry in (created, revoked):
        assert entry.actor == personas["reviewer"]
        assert entry.object_id == str(token.pk)
        assert entry.detail["name"] == "reports"


def test_revoking_twice_is_audited_once(personas):
    token = token_create(user=personas["support"], name="ci").token
    token_revoke(token=token, user=personas["support"])
    first = token.revoked_at
    token_revoke(token=token, user=personas["support"])
    assert token.revoked_at == first
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1


def test_a_name_is_required(client_for):
    response = client_for("support").post(reverse("api:tokens"), {"name": ""})
    assert response.status_code == 200
    assert response.context["created"] is None
    assert not ApiToken.objects.exists()


def test_the_user_menu_links_to_the_tokens_page(client_for):
    page = client_for("reviewer").get(reverse("core:home")).content.decode()
    assert reverse("api:tokens") in page


def test_last_use_is_written_at_most_once_a_minute(personas, django_assert_num_queries):
    created = token_create(user=personas["reviewer"], name="ci")
    ApiToken.objects.filter(pk=created.token.pk).update(last_used_at=timezone.now())
    with django_assert_num_queries(1):
        assert token_for(created.raw) is not None
