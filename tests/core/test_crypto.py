import io

import pytest
from django.core.management import call_command
from django.db import connection

from core import crypto
from recordings.models import ZegoApp

OLD_KEY = "b2xkLXRlc3QtZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="
NEW_KEY = "bmV3LXRlc3QtZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="


def raw_secret(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT server_secret FROM recordings_zegoapp WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_it_round_trips_and_never_stores_plaintext(settings):
    token = crypto.encrypt("hello secret")
    assert "hello secret" not in token
    assert crypto.decrypt(token) == "hello secret"


def test_a_token_from_an_unknown_key_fails_with_a_clear_error(settings):
    token = crypto.encrypt("value")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(crypto.DecryptionError, match="cannot be decrypted"):
        crypto.decrypt(token)


@pytest.mark.django_db
def test_rotate_keys_re_encrypts_every_secret_under_the_new_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    app = ZegoApp.objects.create(name="a", app_id=7, server_secret="s" * 32, callback_secret="cb")
    before = raw_secret(app.pk)

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("rotate_keys", stdout=io.StringIO())
    after = raw_secret(app.pk)
    assert after != before

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]  # the old key is gone
    app.refresh_from_db()
    assert app.server_secret == "s" * 32
    assert app.callback_secret == "cb"
