"""Merging keeps everything reachable: caregivers' phones, sensitive data, and the cases rule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from beneficiaries import selectors, services
from beneficiaries.models import Child, SensitiveInfo
from cases import services as cases
from tests.beneficiaries.factories import ChildFactory, mobile, user

pytestmark = pytest.mark.django_db


def pair(**kwargs):
    worker = user("worker")
    phone = mobile()
    survivor = ChildFactory(full_name="Đặng Thị Thảo", created_by=worker, **kwargs)
    merged = ChildFactory(full_name="Dang Thi Thao", created_by=worker,
                          caregivers=[("Đặng Văn Quý", "father", phone, True)], **kwargs)
    return survivor, merged, phone


def test_a_caregivers_phone_from_the_merged_record_finds_the_survivor():
    survivor, merged, phone = pair()
    services.merge_children(survivor=survivor, merged=merged, reason="Cùng một trẻ", by=user("supervisor"))
    visible = selectors.children_visible_to(user("supervisor"))
    assert list(selectors.search_children(visible.active(), phone)) == [survivor]


def test_sensitive_data_of_both_records_ends_on_the_survivor_and_the_undo_restores_it():
    survivor, merged, _ = pair()
    services.update_sensitive(survivor, data={"drug_use": "Đã cai", "hiv_status": ""}, by=user("supervisor"))
    services.update_sensitive(merged, data={"hiv_status": "negative", "drug_use": "Dùng năm 2024"},
                              by=user("supervisor"))
    merge = services.merge_children(survivor=survivor, merged=merged, reason="Cùng một trẻ", by=user("supervisor"))
    info = SensitiveInfo.objects.get(child=survivor)
    assert info.hiv_status == "negative"
    assert "Đã cai" in info.drug_use and "Dùng năm 2024" in info.drug_use
    services.reverse_merge(merge, by=user("supervisor"))
    info.refresh_from_db()
    assert (info.hiv_status, info.drug_use) == ("", "Đã cai")


def test_two_open_cases_at_the_same_level_block_the_merge_with_a_message():
    survivor, merged, _ = pair()
    worker = user("worker")
    for child in (survivor, merged):
        cases.open_case(child=child, level="EARLY_SUPPORT", category="AT_RISK", channel="PHONE", source="SCHOOL",
                        received_at=timezone.now() - timedelta(hours=1), commune=child.commune, is_emergency=False,
                        by=worker, intake={"receiving_body": "Trung tâm CTXH"})
    with pytest.raises(services.RegistryError, match="open case"):
        services.merge_children(survivor=survivor, merged=merged, reason="Cùng một trẻ", by=user("supervisor"))
    assert Child.objects.get(pk=merged.pk).merged_into_id is None


def test_an_id_number_typed_with_spaces_is_accepted(login_as):
    from beneficiaries.forms import ChildForm
    from geography.selectors import communes_managed_by

    worker = user("worker")
    form = ChildForm({"full_name": "Lò Văn Sơn", "sex": "M", "estimated_age": 9, "ethnicity": "03",
                      "personal_id": "0150 9301 2345", "birth_registration": "registered",
                      "commune": selectors.children_visible_to(worker).first().commune_id,
                      "schooling": "primary", "poverty_status": "none"},
                     communes=communes_managed_by(worker))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["personal_id"] == "015093012345"
