"""Re-encrypt every stored secret under the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), run this
command, then remove the old keys.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from core import crypto
from core.fields import EncryptedTextField


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the current (first) encryption key."

    def handle(self, *args, **options):
        total = 0
        with transaction.atomic():
            for model in apps.get_models():
                fields = EncryptedTextField.encrypted_fields(model)
                if fields:
                    total += rotate_model(model, fields)
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} secret value(s)."))


def rotate_model(model, fields: list[str]) -> int:
    """Rewrite the raw ciphertext column by column; the ORM would hand us plaintext instead."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    columns = [quote(model._meta.get_field(name).column) for name in fields]
    assignments = ", ".join(f"{column} = %s" for column in columns)
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {', '.join(columns)} FROM {table}")
        for row_pk, *tokens in cursor.fetchall():
            rotated = [crypto.rotate(token) if token else token for token in tokens]
            cursor.execute(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", [*rotated, row_pk])
            count += sum(1 for token in tokens if token)
    return count
