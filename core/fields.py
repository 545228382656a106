from __future__ import annotations

from django.db import models

from core import crypto


class EncryptedTextField(models.TextField):
    """Stores a secret encrypted at rest; Python code sees the plaintext.

    Empty means "not set" and is stored as an empty string (nothing to encrypt). Secrets are
    write-only in forms: see core.forms.SecretField.
    """

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value or ""
        return crypto.encrypt(value)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "core.fields.EncryptedTextField", args, kwargs

    @classmethod
    def encrypted_fields(cls, model: type[models.Model]) -> list[str]:
        return [f.name for f in model._meta.get_fields() if isinstance(f, cls)]
