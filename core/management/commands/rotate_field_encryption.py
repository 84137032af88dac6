"""Re-encrypt every encrypted field with the newest key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first and keep the old one after it, deploy, run this command, then
remove the old key. A value no key opens stops the command with a clear message."""

import pgtrigger
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.crypto import EncryptedJSONField, EncryptedTextField, EncryptionKeyError, reset_keys


def encrypted_fields():
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, (EncryptedTextField, EncryptedJSONField))]
        if names:
            yield model, names


class Command(BaseCommand):
    help = "Re-encrypt sensitive fields with the newest FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        reset_keys()
        total = 0
        for model, names in encrypted_fields():
            # The history triggers would record a new version of every row: the values did not change.
            triggers = [f"{m._meta.label}:{t.name}" for m, t in pgtrigger.registered() if m is model]
            try:
                with transaction.atomic(), pgtrigger.ignore(*triggers):
                    # Reading decrypts with whichever key wrote the value; writing uses the newest.
                    for pk, *values in model.objects.values_list("pk", *names).iterator(chunk_size=500):
                        model.objects.filter(pk=pk).update(**dict(zip(names, values, strict=True)))
                        total += 1
            except EncryptionKeyError as error:
                raise CommandError(f"{model._meta.label}: {error}") from error
            self.stdout.write(f"{model._meta.label}: {', '.join(names)}")
        self.stdout.write(f"{total} row(s) re-encrypted with the newest key.")
