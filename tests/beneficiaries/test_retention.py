"""Retention: records past the period are anonymised (with their history), a dry run changes
nothing, and open work or a recent closure keeps a record."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from beneficiaries import services
from beneficiaries.models import Child, SensitiveInfo
from beneficiaries.retention import ANONYMOUS, due_for_anonymisation
from cases import services as cases
from cases.models import Case, CaseDocument
from tests.beneficiaries.factories import ChildFactory, mobile, user, years_ago

pytestmark = pytest.mark.django_db


def old_child_with_closed_case(closed_years_ago: int):
    worker = user("worker")
    child = ChildFactory(full_name="Sùng Thị Mai", date_of_birth=years_ago(30), created_by=worker,
                         caregivers=[("Sùng A Lử", "father", mobile(), True)], notes="Sống cùng bà")
    services.update_sensitive(child, data={"hiv_status": "positive", "drug_use": "x"}, by=user("supervisor"))
    case = cases.open_case(child=child, level="EARLY_SUPPORT", category="AT_RISK", channel="PHONE", source="SCHOOL",
                           received_at=timezone.now() - timedelta(days=1), commune=child.commune, is_emergency=False,
                           by=worker, intake={"receiving_body": "UBND xã", "child_condition": "Bị đánh"},
                           summary="Cha đánh")
    Case.objects.filter(pk=case.pk).update(status="CLOSED",
                                           closed_at=timezone.now() - timedelta(days=365 * closed_years_ago + 5))
    return child, case


def test_a_dry_run_lists_and_changes_nothing(settings, capsys):
    settings.RETENTION_YEARS = 10
    child, _ = old_child_with_closed_case(11)
    call_command("apply_retention", "--dry-run")
    assert child.registry_number in capsys.readouterr().out
    child.refresh_from_db()
    assert child.full_name == "Sùng Thị Mai" and child.anonymised_at is None


def test_a_record_past_retention_is_anonymised_with_its_history(settings):
    settings.RETENTION_YEARS = 10
    child, case = old_child_with_closed_case(11)
    call_command("apply_retention")
    child.refresh_from_db()
    assert (child.full_name, child.notes, child.anonymised_at is not None) == (ANONYMOUS, "", True)
    assert child.date_of_birth.month == 1 and child.date_of_birth.day == 1
    assert child.commune_id and child.sex  # statistics keep what they count
    assert SensitiveInfo.objects.get(child=child).hiv_status == ""
    assert CaseDocument.objects.get(case=case, kind="INTAKE").content == {"anonymised": True}
    assert child.household.caregivers.get().phone == ""
    assert not Child.pgh_event_model.objects.filter(pgh_obj_id=child.pk).exists()
    history = SensitiveInfo.pgh_event_model.objects.filter(child_id=child.pk)
    assert not [event for event in history if event.hiv_status == "positive"]


def test_a_recent_closure_or_open_case_keeps_the_record(settings):
    settings.RETENTION_YEARS = 10
    recent, _ = old_child_with_closed_case(3)
    assert recent not in due_for_anonymisation()
    older, case = old_child_with_closed_case(12)
    cases.open_case(child=older, level="PREVENTION", category="AT_RISK", channel="PHONE", source="SCHOOL",
                    received_at=timezone.now() - timedelta(hours=2), commune=older.commune, is_emergency=False,
                    by=user("worker"), intake={"receiving_body": "UBND xã"})
    assert older not in due_for_anonymisation()
