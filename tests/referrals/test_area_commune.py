"""Referral.area_commune, kept by the database (issue 9): supervisors' referral lists scope on it
instead of checking every row's case and child, so it must always equal the commune whose area
the referral belongs to: its case's commune, else its child's."""

import pytest
from django.db.models import Exists, OuterRef, Q

from accounts.models import User
from beneficiaries.models import Child
from beneficiaries.selectors import children_visible_to
from cases import services as cases
from cases.selectors import cases_visible_to
from referrals import selectors
from referrals.models import Referral
from tests.cases.conftest import CAO_LANH, SA_PA, commune

pytestmark = pytest.mark.django_db


def area_of(referral) -> str:
    return Referral.objects.get(pk=referral.pk).area_commune.code


def test_a_referral_belongs_to_its_cases_commune(consented_child, open_case, refer):
    case = open_case(consented_child())
    Child.objects.filter(pk=case.child_id).update(commune=commune(CAO_LANH))  # the case decides, not the child
    assert area_of(refer(case.child, case=case)) == SA_PA


def test_a_referral_without_a_case_belongs_to_its_childs_commune(consented_child, refer):
    assert area_of(refer(consented_child())) == SA_PA


def test_a_transferred_case_takes_its_referrals_along(consented_child, open_case, refer, supervisor):
    case = open_case(consented_child())
    referral = refer(case.child, case=case)
    cases.transfer(case, to_commune=commune(CAO_LANH), reason="Gia đình chuyển đến Đồng Tháp.", by=supervisor)
    assert area_of(referral) == CAO_LANH
    assert referral not in selectors.referrals_visible_to(supervisor)


def test_a_child_who_moves_takes_the_referrals_without_a_case_along(consented_child, open_case, refer):
    child = consented_child()
    loose = refer(child)
    with_case = refer(child, case=open_case(child))
    Child.objects.filter(pk=child.pk).update(commune=commune(CAO_LANH))
    assert area_of(loose) == CAO_LANH
    assert area_of(with_case) == SA_PA


def test_a_referral_moved_to_another_child_or_case_follows_it(consented_child, open_case, refer, new_child):
    referral = refer(consented_child())
    Referral.objects.filter(pk=referral.pk).update(child=new_child(CAO_LANH))  # e.g. a merge of duplicates
    assert area_of(referral) == CAO_LANH
    Referral.objects.filter(pk=referral.pk).update(case=open_case(code=SA_PA))
    assert area_of(referral) == SA_PA


def test_the_column_cannot_be_set_by_hand(consented_child, refer):
    referral = refer(consented_child())
    Referral.objects.filter(pk=referral.pk).update(area_commune=commune(CAO_LANH))
    assert area_of(referral) == SA_PA


def test_a_supervisor_sees_what_the_case_and_child_rules_give(consented_child, open_case, refer, supervisor,
                                                              worker):
    # The rule the column replaced, row by row: sent by them, or the case is theirs to see, or
    # there is no case and the child is. Checked for a supervisor of each province after moves.
    dong_thap = User.objects.create_user(username="supervisor_dt", password="x-not-used-x", role="supervisor",
                                         scope_level="province", province=commune(CAO_LANH).province)
    loose, moved = refer(consented_child()), refer(consented_child())
    case = open_case(consented_child())
    with_case = refer(case.child, case=case)
    Child.objects.filter(pk__in=[moved.child_id, case.child_id]).update(commune=commune(CAO_LANH))
    for user in (supervisor, dong_thap):
        by_rule = Referral.objects.filter(
            Q(sent_by=user) | Exists(cases_visible_to(user).filter(pk=OuterRef("case_id")))
            | (Q(case__isnull=True) & Exists(children_visible_to(user).filter(pk=OuterRef("child_id")))))
        assert set(selectors.referrals_visible_to(user)) == set(by_rule)
    assert set(selectors.referrals_visible_to(dong_thap)) == {moved}
    assert {loose, with_case} <= set(selectors.referrals_visible_to(supervisor))
