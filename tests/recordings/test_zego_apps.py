import logging

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEntry
from recordings.models import ZegoApp

pytestmark = pytest.mark.django_db

SERVER_SECRET = "s3rv3r-s3cr3t-0123456789abcdefXY"
CALLBACK_SECRET = "c4llb4ck-s3cr3t-zz"


def post_app(client, url, **overrides):
    data = {
        "name": "Production",
        "app_id": "1234567",
        "server_secret": SERVER_SECRET,
        "callback_secret": CALLBACK_SECRET,
        "api_url": "https://cloudrecord-api.zego.im",
        "rtc_api_url": "https://rtc-api.zego.im",
        "default_max_idle_time": "30",
        "default_max_record_time": "86400",
        "is_active": "on",
        "notes": "",
        **overrides,
    }
    return client.post(url, data)


def test_it_creates_an_app_and_audits_it_without_secrets(client_for):
    client = client_for("admin")
    response = post_app(client, reverse("recordings:app_create"))
    assert response.status_code == 302
    app = ZegoApp.objects.get()
    assert app.server_secret == SERVER_SECRET
    entry = AuditEntry.objects.get(action="zego_app.create")
    assert SERVER_SECRET not in str(entry.detail)
    assert entry.actor_label == "admin"


def test_it_stores_secrets_encrypted_at_rest(client_for):
    post_app(client_for("admin"), reverse("recordings:app_create"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT server_secret, callback_secret FROM recordings_zegoapp")
        raw_server, raw_callback = cursor.fetchone()
    assert SERVER_SECRET not in raw_server
    assert CALLBACK_SECRET not in raw_callback
    assert raw_server.startswith("gAAAAA")  # a Fernet token


def test_it_never_renders_a_secret_back(client_for):
    client = client_for("admin")
    post_app(client, reverse("recordings:app_create"))
    app = ZegoApp.objects.get()
    for url in (reverse("recordings:app_list"), reverse("recordings:app_edit", args=[app.pk])):
        body = client.get(url).content.decode()
        assert SERVER_SECRET not in body
        assert CALLBACK_SECRET not in body
    assert (
        "Set — leave blank to keep it"
        in client.get(reverse("recordings:app_edit", args=[app.pk])).content.decode()
    )


def test_a_blank_secret_on_edit_keeps_the_stored_one(client_for):
    client = client_for("admin")
    post_app(client, reverse("recordings:app_create"))
    app = ZegoApp.objects.get()
    response = post_app(
        client,
        reverse("recordings:app_edit", args=[app.pk]),
        name="Renamed",
        server_secret="",
        callback_secret="",
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.name == "Renamed"
    assert app.server_secret == SERVER_SECRET
    assert app.callback_secret == CALLBACK_SECRET


def test_a_new_secret_replaces_the_old_one(client_for):
    client = client_for("admin")
    post_app(client, reverse("recordings:app_create"))
    app = ZegoApp.objects.get()
    post_app(client, reverse("recordings:app_edit", args=[app.pk]), server_secret="n" * 32)
    app.refresh_from_db()
    assert app.server_secret == "n" * 32


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("app_id", "not-a-number", "Enter a whole number."),
        ("app_id", str(2**32), "less than or equal to 4294967295"),
        ("default_max_idle_time", "4", "greater than or equal to 5"),
        ("default_max_record_time", "86401", "less than or equal to 86400"),
        ("api_url", "ftp://x", "Enter a valid URL."),
        ("server_secret", "", "The server secret is required"),
        ("server_secret", "short", "32 characters long"),
    ],
)
def test_bad_input_gets_a_field_error_and_changes_nothing(client_for, field, value, message):
    response = post_app(client_for("admin"), reverse("recordings:app_create"), **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ZegoApp.objects.exists()
    assert not AuditEntry.objects.filter(action="zego_app.create").exists()


def test_secrets_never_reach_the_logs(client_for, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_for("admin")
    post_app(client, reverse("recordings:app_create"))
    post_app(client, reverse("recordings:app_create"), app_id="oops")
    assert SERVER_SECRET not in caplog.text
    assert CALLBACK_SECRET not in caplog.text


def test_a_rejected_new_secret_is_not_shown_as_set(client_for):
    response = post_app(
        client_for("admin"), reverse("recordings:app_create"), server_secret="short"
    )
    body = response.content.decode()
    assert "Set — leave blank to keep it" not in body
    assert 'value="short"' not in body
