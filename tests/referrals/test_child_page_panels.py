"""A child's page reads a panel's rows only when the child's own row says the panel has any
(beneficiaries.selectors.PANEL_HINTS, issue 9): cases, referrals, special circumstances, consents,
caregivers, siblings and merges. Here, not in tests/beneficiaries: a full page needs a case and a
referral, whose fixtures live in this folder."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from beneficiaries import selectors
from beneficiaries import services as registry
from beneficiaries.models import Child, CircumstanceGroup
from tests.beneficiaries.test_child_parts import CHILD_PAGE_QUERIES
from tests.referrals.conftest import give_consent

pytestmark = pytest.mark.django_db


def hints(child: Child) -> set[str]:
    read = selectors.with_panel_hints(Child.objects.filter(pk=child.pk)).get()
    return {panel for panel in selectors.PANEL_HINTS if getattr(read, f"has_{panel}")}


def page(client, child: Child) -> tuple[str, int]:
    client.get(reverse("beneficiaries:child_detail", args=[child.public_id]))  # the hour's access check settles
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("beneficiaries:child_detail", args=[child.public_id]))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def caregiver(child: Child, name: str = "Lò Văn Pá"):
    return registry.add_caregiver(household=child.household, data=registry.CaregiverData(name, "father", "", True))


def test_each_hint_says_whether_its_table_has_a_row_for_the_child(new_child, open_case, refer, worker, supervisor):
    child = new_child()
    assert hints(child) == set()
    expected = set()
    steps = {
        "caregivers": lambda: caregiver(child),
        "siblings": lambda: registry.register_child(by=worker, household=child.household, data={
            "full_name": "Lò Văn Tủa", "sex": "M", "date_of_birth": child.date_of_birth, "ethnicity": "01",
            "commune": child.commune}),
        "circumstances": lambda: registry.add_circumstance(
            child, group=CircumstanceGroup.objects.get(code="ORPHAN_BOTH"), subgroup=None,
            started_on=timezone.localdate(), by=worker),
        "consents": lambda: give_consent(child, worker),
        "cases": lambda: open_case(child),
        "referrals": lambda: refer(child),
        "merges": lambda: registry.merge_children(survivor=child, merged=new_child(), reason="Trùng hồ sơ",
                                                  by=supervisor),
    }
    assert set(steps) == set(selectors.PANEL_HINTS)
    for panel, add in steps.items():
        add()
        expected.add(panel)
        assert hints(child) == expected, panel


def test_a_caregiver_no_longer_active_and_the_child_itself_are_no_rows_of_its_panels(new_child, worker):
    child = new_child()
    former = caregiver(child)
    former.is_active = False
    former.save(update_fields=["is_active"])
    assert hints(child) == set()  # the child is the only one of its household: no sibling either


def test_a_page_with_empty_panels_reads_none_of_them(login_as, new_child):
    child = new_child()
    html, queries = page(login_as("supervisor"), child)
    # session, user, the child (with its hints and sensitive information), the access log's insert
    # and the hour's check: nothing else.
    assert queries == CHILD_PAGE_QUERIES - 1
    for empty in ("No caregiver recorded.", "No consent recorded.", "None recorded."):
        assert empty in html
    assert 'data-testid="siblings"' not in html and 'data-testid="case-row"' not in html
    assert 'data-testid="referral-link"' not in html and "Merged records" not in html


def test_a_page_reads_and_shows_each_panel_that_has_rows(login_as, new_child, open_case, refer, worker, supervisor):
    child = new_child()
    caregiver(child, "Lò Văn Pá")
    registry.register_child(by=worker, household=child.household, data={
        "full_name": "Lò Văn Tủa", "sex": "M", "date_of_birth": child.date_of_birth, "ethnicity": "01",
        "commune": child.commune})
    registry.add_circumstance(child, group=CircumstanceGroup.objects.get(code="ORPHAN_BOTH"), subgroup=None,
                              started_on=timezone.localdate(), by=worker)
    give_consent(child, worker)
    case = open_case(child)
    refer(child)
    merged = new_child()
    registry.merge_children(survivor=child, merged=merged, reason="Trùng hồ sơ", by=supervisor)
    html, queries = page(login_as("supervisor"), child)
    assert queries == CHILD_PAGE_QUERIES - 1 + len(selectors.PANEL_HINTS)  # one query more per panel
    for shown in ("Lò Văn Pá", 'data-testid="siblings"', "Lò Văn Tủa", case.case_number,
                  'data-testid="referral-link"', merged.registry_number):
        assert shown in html, shown
    for empty in ("No caregiver recorded.", "No consent recorded.", "None recorded."):
        assert empty not in html, empty
    # More rows in a panel are no more queries: a group's or a consent's row once read its child
    # again (deferred by .only(), set back by the related manager), one query per row.
    registry.add_circumstance(child, group=CircumstanceGroup.objects.get(code="ABANDONED"), subgroup=None,
                              started_on=timezone.localdate(), by=worker)
    give_consent(child, supervisor)
    assert page(login_as("supervisor"), child)[1] == queries


def test_a_hint_saves_a_query_and_never_shows_a_row_the_reader_may_not_see(login_as, new_child, open_case,
                                                                           supervisor):
    # A case of the child assigned to another worker: the child's row says it has a case, the
    # worker's page still reads their own cases only, and shows none.
    child = new_child()
    case = open_case(child, by=supervisor)
    case.assigned_worker = supervisor
    case.save(update_fields=["assigned_worker"])
    html, _queries = page(login_as("worker"), child)
    assert "cases" in hints(child)
    assert case.case_number not in html and 'data-testid="case-row"' not in html
