"""Special-category data encrypted at rest (issue 8 item 5; PDPL 91/2025; Decree 56/2017 art. 33).

Fernet (AES-128-CBC with HMAC-SHA256) from `cryptography`, with keys that are NOT the
SECRET_KEY: FIELD_ENCRYPTION_KEYS, newest first. Values written with an older key still read;
`manage.py rotate_field_encryption` rewrites everything with the newest. A value that no key
opens raises EncryptionKeyError with a message saying so, never garbage.
"""

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.utils.functional import cached_property

PREFIX = "fernet:"


class EncryptionKeyError(Exception):
    """The stored value was encrypted with a key that FIELD_ENCRYPTION_KEYS does not hold."""


class _Keys:
    @cached_property
    def fernet(self) -> MultiFernet:
        keys = list(settings.FIELD_ENCRYPTION_KEYS)
        if not keys:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: sensitive data cannot be stored.")
        return MultiFernet([Fernet(key) for key in keys])


_keys = _Keys()


def reset_keys() -> None:
    """Forget the cached keys (after FIELD_ENCRYPTION_KEYS changed: tests, rotation)."""
    _keys.__dict__.pop("fernet", None)


def encrypt(text: str) -> str:
    if text in (None, "") or text.startswith(PREFIX):
        return text
    return PREFIX + _keys.fernet.encrypt(text.encode()).decode()


def decrypt(stored: str | None) -> str | None:
    if not stored or not stored.startswith(PREFIX):
        return stored  # empty, or written before encryption was switched on
    try:
        return _keys.fernet.decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken:
        raise EncryptionKeyError(
            "A sensitive value cannot be decrypted: none of FIELD_ENCRYPTION_KEYS is the key it was "
            "written with. Restore the previous key (keep it after the new one) and try again."
        ) from None


def rotate(stored: str | None) -> str | None:
    """The same value encrypted with the newest key."""
    if not stored or not stored.startswith(PREFIX):
        return encrypt(stored) if stored else stored
    decrypt(stored)  # a clear error rather than MultiFernet's bare InvalidToken
    return PREFIX + _keys.fernet.rotate(stored[len(PREFIX):].encode()).decode()


class _NoLookups:
    def get_lookup(self, lookup_name):
        # Each encryption is randomised: an equality filter would silently match nothing. Allowed:
        # isnull, and pgtrigger's "df" (IS DISTINCT FROM between a row's old and new values).
        if lookup_name not in ("isnull", "df"):
            raise FieldError(f"{self.name} is encrypted and cannot be filtered with '{lookup_name}'.")
        return super().get_lookup(lookup_name)


class EncryptedTextField(_NoLookups, models.TextField):
    def from_db_value(self, value, expression, connection):
        return decrypt(value)

    def get_prep_value(self, value):
        return encrypt(super().get_prep_value(value))


class EncryptedJSONField(_NoLookups, models.TextField):
    """A JSON document stored encrypted (case forms' narratives)."""

    def from_db_value(self, value, expression, connection):
        plain = decrypt(value)
        return json.loads(plain) if plain else {}

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value) if value else {}
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(json.dumps(value, ensure_ascii=False, default=str))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, default=str)


def encrypt_existing(apps, label: str, fields: list[str], batch: int = 500) -> None:
    """Data migrations: encrypt values written before a field became encrypted. The historical
    model's fields are the encrypted ones, so reading returns the plain value and update() stores
    it encrypted. (A data migration importing app code: this is the one place that knows how.)"""
    model = apps.get_model(label)
    last = 0
    while True:
        rows = list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:batch])
        if not rows:
            return
        for pk, *values in rows:
            model.objects.filter(pk=pk).update(**dict(zip(fields, values, strict=True)))
        last = rows[-1][0]
