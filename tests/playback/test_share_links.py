"""Share links: made by people who play files, public but unguessable, expiring, revocable, logged."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from playback.models import ShareLink, ShareLinkUse, token_digest
from tests.playback.conftest import HTMX, make_files, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def file(offline_app, offline_profile):
    return make_files(make_task(offline_app, "room-s", offline_profile), 1)[0]


def create(client, file, **data) -> str:
    response = client.post(
        reverse("playback:share_create", args=[file.pk]), {"expires": "1d", **data}, headers=HTMX
    )
    assert response.status_code == 200
    match = re.search(r'value="(http://testserver/share/[^"]+/)"', response.content.decode())
    return match.group(1) if match else response.content.decode()


def test_copy_link_makes_a_link_shown_once_and_stores_only_its_digest(client_for, file):
    client = client_for("reviewer")
    url = create(client, file)
    token = url.rstrip("/").rsplit("/", 1)[1]
    link = ShareLink.objects.get()
    assert link.token_digest == token_digest(token) and token not in link.token_digest
    assert link.created_by_label == "reviewer"
    assert timedelta(hours=23) < link.expires_at - timezone.now() <= timedelta(days=1)
    assert AuditEntry.objects.filter(action="share_link.create", actor_label="reviewer").exists()
    assert token not in str(AuditEntry.objects.get(action="share_link.create").detail)
    page = client.get(reverse("playback:player", args=[file.task_id])).content.decode()
    assert token not in page and link.token_hint in page


def test_a_link_can_expire_at_a_chosen_time(client_for, file):
    at = timezone.localtime() + timedelta(hours=5)
    create(client_for("reviewer"), file, expires="at", expires_at=at.strftime("%Y-%m-%dT%H:%M"))
    assert abs(
        ShareLink.objects.get().expires_at - at.replace(second=0, microsecond=0)
    ) < timedelta(seconds=1)


@pytest.mark.parametrize(
    ("when", "error"),
    [
        (timedelta(hours=-1), "Choose a time in the future."),
        (timedelta(days=40), "30 days at most"),
    ],
)
def test_a_chosen_time_must_be_soon_and_in_the_future(client_for, file, when, error):
    at = (timezone.localtime() + when).strftime("%Y-%m-%dT%H:%M")
    body = create(client_for("reviewer"), file, expires="at", expires_at=at)
    assert error in body
    assert not ShareLink.objects.exists()


def test_anyone_with_the_link_plays_the_file_without_logging_in(client_for, client, file):
    url = create(client_for("reviewer"), file)
    client.logout()
    response = client.get(url, HTTP_USER_AGENT="Reviewer's phone")
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    html = response.content.decode()
    src = re.search(r'<video[^>]* src="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert src.startswith("http://127.0.0.1:9/offline/recordings/")
    assert int(parse_qs(urlsplit(src).query)["X-Amz-Expires"][0]) <= 300
    use = ShareLinkUse.objects.get()
    assert use.outcome == "served" and use.user_agent == "Reviewer's phone"
    assert use.ip_address == "127.0.0.1"
    # Renewing the player's URLs is not a new use.
    urls = client.get(url + "urls/").json()
    assert urls["files"][str(file.pk)]["url"].startswith("http://127.0.0.1:9/")
    assert ShareLinkUse.objects.count() == 1


def test_presigned_urls_never_outlive_the_link(client_for, client, file):
    url = create(client_for("reviewer"), file)
    ShareLink.objects.update(expires_at=timezone.now() + timedelta(seconds=40))
    data = client.get(url + "urls/").json()
    expires = int(parse_qs(urlsplit(data["files"][str(file.pk)]["url"]).query)["X-Amz-Expires"][0])
    assert 30 <= expires <= 40


def test_an_expired_link_is_refused_and_the_attempt_recorded(client_for, client, file):
    url = create(client_for("reviewer"), file)
    ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(url)
    assert response.status_code == 410
    assert b"This link has expired." in response.content
    assert b"X-Amz-Signature" not in response.content
    assert ShareLinkUse.objects.get().outcome == "expired"
    assert client.get(url + "urls/").status_code == 404


def test_a_revoked_link_stops_working_at_once(client_for, file):
    reviewer = client_for("reviewer")
    url = create(reviewer, file)
    link = ShareLink.objects.get()
    response = reviewer.post(reverse("playback:share_revoke", args=[link.pk]), headers=HTMX)
    assert response.status_code == 200 and b"<html" not in response.content
    assert b"Revoked" in response.content
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by_label == "reviewer"
    assert AuditEntry.objects.filter(action="share_link.revoke").exists()
    assert reviewer.get(url).status_code == 410
    assert reviewer.get(url + "urls/").status_code == 404  # the player's next renewal fails
    assert ShareLinkUse.objects.get().outcome == "revoked"


def test_an_unknown_token_is_not_found_and_not_recorded(client, db):
    assert client.get("/share/not-a-real-token/").status_code == 404
    assert not ShareLinkUse.objects.exists()


def test_the_player_lists_links_with_their_use_counts(client_for, client, file):
    reviewer = client_for("reviewer")
    url = create(reviewer, file)
    for _ in range(3):
        client.get(url)
    page = reviewer.get(reverse("playback:player", args=[file.task_id])).content.decode()
    assert "3×" in page and "Active" in page


@pytest.mark.parametrize("persona", ["outsider", "storage"])
def test_only_people_who_play_files_make_or_revoke_links(client_for, file, persona):
    client = client_for(persona)
    assert (
        client.post(reverse("playback:share_create", args=[file.pk]), {"expires": "1d"}).status_code
        == 403
    )
    link = ShareLink.objects.create(
        file=file, token_digest="x" * 64, token_hint="x", expires_at=timezone.now()
    )
    assert client.post(reverse("playback:share_revoke", args=[link.pk])).status_code == 403
