import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import AuditEntry
from tests.fixtures.personas import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_shows_the_login_page(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b"Log in to Recdesk" in response.content


def test_it_redirects_anonymous_users_to_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_logs_in_and_audits_it(client, personas):
    response = client.post(reverse("accounts:login"), {"username": "support", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert AuditEntry.objects.filter(action="login", actor_label="support").exists()


def test_it_rejects_a_wrong_password_with_a_message(client, personas):
    response = client.post(reverse("accounts:login"), {"username": "support", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


@override_settings(AXES_FAILURE_LIMIT=3)
def test_it_locks_out_after_repeated_failures(client, personas):
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "support", "password": "nope"})
    response = client.post(reverse("accounts:login"), {"username": "support", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_it_logs_out_with_post_only(client_for):
    client = client_for("support")
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
