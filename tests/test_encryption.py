"""Special-category fields are encrypted at rest with their own key, rotate, and fail clearly
with a wrong key (issue 8 item 5)."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from beneficiaries import services
from beneficiaries.models import Child, SensitiveInfo
from cases.models import CaseDocument
from core.crypto import EncryptionKeyError, reset_keys

pytestmark = pytest.mark.django_db


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])  # noqa: S608 - test constants
        return cursor.fetchone()[0]


@pytest.fixture
def keys(settings):
    """Set FIELD_ENCRYPTION_KEYS for a test and forget the cached keys before and after."""
    def use(*values):
        settings.FIELD_ENCRYPTION_KEYS = list(values)
        reset_keys()

    yield use
    reset_keys()


@pytest.fixture
def child_with_secret(persona):
    child = Child.objects.filter(commune__province__code="15").first()
    services.update_sensitive(child, data={"hiv_status": "positive", "drug_use": "Dùng ma túy đá năm 2025"},
                              by=persona("supervisor"))
    return child


def test_the_database_holds_ciphertext_and_the_app_reads_plain_text(child_with_secret, settings):
    info = SensitiveInfo.objects.get(child=child_with_secret)
    stored = raw("beneficiaries_sensitiveinfo", "drug_use", info.pk)
    assert stored.startswith("fernet:") and "ma túy" not in stored
    assert settings.SECRET_KEY not in settings.FIELD_ENCRYPTION_KEYS
    assert (info.hiv_status, info.drug_use) == ("positive", "Dùng ma túy đá năm 2025")


def test_case_narratives_are_encrypted_too():
    document = CaseDocument.objects.filter(kind="INTAKE").first()
    assert raw("cases_casedocument", "content", document.pk).startswith("fernet:")
    assert isinstance(document.content, dict) and document.content


def test_a_wrong_key_is_a_clear_error_not_garbage(child_with_secret, keys):
    keys(Fernet.generate_key().decode())
    with pytest.raises(EncryptionKeyError, match="FIELD_ENCRYPTION_KEYS"):
        SensitiveInfo.objects.get(child=child_with_secret).drug_use  # noqa: B018


def test_rotation_rewrites_with_the_new_key_and_the_old_key_can_go(child_with_secret, keys, settings):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    info = SensitiveInfo.objects.get(child=child_with_secret)
    before = raw("beneficiaries_sensitiveinfo", "drug_use", info.pk)
    keys(new, old)
    call_command("rotate_field_encryption")
    assert raw("beneficiaries_sensitiveinfo", "drug_use", info.pk) != before
    keys(new)
    assert SensitiveInfo.objects.get(pk=info.pk).drug_use == "Dùng ma túy đá năm 2025"


def test_rotation_stops_clearly_when_no_key_opens_a_value(child_with_secret, keys):
    keys(Fernet.generate_key().decode())
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_field_encryption")


def test_an_encrypted_field_cannot_be_filtered_by_mistake():
    with pytest.raises(FieldError):
        list(SensitiveInfo.objects.filter(hiv_status="positive"))
