"""The child's page loads its secondary panels when they are opened (issue 9): the record's
history, the forms (add a special-circumstance group, a consent or a caregiver, update the
sensitive information, deactivate the record), and who opened the file.
Each is a URL of its own: a fragment for htmx, a page of its own without JavaScript."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessEvent
from beneficiaries import services
from tests.beneficiaries import factories as f

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PANELS = {"history-part": "child_history", "circumstance-part": "circumstance_add",
          "consent-part": "consent_add", "viewers-part": "child_viewers", "caregiver-part": "caregiver_add",
          "sensitive-part": "sensitive_edit", "deactivate-part": "child_deactivate"}


def url(name: str, child) -> str:
    return reverse(f"beneficiaries:{name}", args=[child.public_id])


@pytest.fixture
def child():
    return f.ChildFactory(full_name="Giàng Thị Mỷ", address="Tổ 3", created_by=f.user("worker"),
                          caregivers=[("Giàng A Páo", "father", "0912000111")])


def test_the_childs_page_links_each_panel_and_does_not_carry_its_content(login_as, child):
    html = login_as("supervisor").get(url("child_detail", child)).content.decode()
    for testid, name in PANELS.items():
        panel = html[html.index(f'data-testid="{testid}"') - 200:html.index(f'data-testid="{testid}"')]
        assert f'hx-get="{url(name, child)}"' in panel and 'hx-trigger="toggle once"' in panel
    for content in ('data-testid="timeline"', 'data-testid="viewers"', 'data-testid="circumstance-form"',
                    'data-testid="consent-form"', 'data-testid="caregiver-form"', 'data-testid="sensitive-form"',
                    'data-testid="deactivate-form"', 'name="cg-caregiver_name"', 'name="s-drug_use"'):
        assert content not in html


def test_a_panel_is_a_fragment_for_htmx_and_a_page_of_its_own_without_javascript(login_as, child):
    client = login_as("worker")
    response = client.get(url("consent_add", child), **HTMX)
    assert "HX-Request" in response["Vary"]
    fragment = response.content.decode()
    assert "<html" not in fragment and 'data-testid="consent-form"' in fragment
    assert f'action="{url("consent_add", child)}"' in fragment and "Giàng A Páo" in fragment
    page = client.get(url("consent_add", child)).content.decode()
    assert "<html" in page and 'data-testid="consent-form"' in page
    assert f'href="{url("child_detail", child)}"' in page  # the way back to the child


def test_the_history_shows_what_changed_and_opening_it_is_logged(login_as, child):
    services.update_child(child, data={**{k: getattr(child, k) for k in services.EDITABLE_FIELDS},
                                       "address": "Tổ 5"}, expected_version=child.version, by=f.user("worker"))
    client = login_as("supervisor")
    views = AccessEvent.objects.filter(object_type="beneficiaries.child", object_id=child.pk, action="view")
    before = views.count()
    html = client.get(url("child_history", child), **HTMX).content.decode()
    assert "Tổ 3 → Tổ 5" in html and 'data-testid="timeline"' in html
    assert views.count() == before + 1


@pytest.mark.parametrize("name, field", [("caregiver_add", 'name="cg-caregiver_name"'),
                                         ("sensitive_edit", 'name="s-drug_use"'),
                                         ("child_deactivate", 'name="reason"')])
def test_each_form_panel_posts_to_its_own_url(login_as, child, name, field):
    fragment = login_as("supervisor").get(url(name, child), **HTMX).content.decode()
    assert f'action="{url(name, child)}"' in fragment and field in fragment and "<html" not in fragment


def test_an_inactive_record_offers_reactivation_not_the_deactivation_form(login_as, child):
    services.deactivate_child(child, reason="moved_away", note="", by=f.user("worker"))
    client = login_as("worker")
    html = client.get(url("child_detail", child)).content.decode()
    assert 'data-testid="deactivate-part"' not in html and url("child_reactivate", child) in html
    assert client.get(url("child_deactivate", child)).status_code == 404


def test_the_forms_a_panel_posts_still_work_from_it(login_as, child):
    client = login_as("worker")
    fragment = client.get(url("circumstance_add", child), **HTMX).content.decode()
    assert f'action="{url("circumstance_add", child)}"' in fragment and 'name="group"' in fragment
    assert client.get(url("circumstance_add", child)).status_code == 200
    assert client.put(url("circumstance_add", child)).status_code == 405


CHILD_PAGE_QUERIES = 6  # see the comment of the test


def test_the_childs_page_query_count_does_not_grow_with_its_history_or_its_viewers(login_as, child,
                                                                                  django_assert_num_queries):
    # session, user (with their unread notices), the child (for a supervisor, with its sensitive
    # information, and whether each panel has rows), the access log (insert; opened within the
    # hour? then the hour is not counted again), and the one panel this child has rows for: its
    # caregiver (cases, referrals, groups, siblings, consents and merges: only when it has any,
    # tests/referrals/test_child_page_panels.py)
    client = login_as("supervisor")
    client.get(url("child_detail", child))
    with django_assert_num_queries(CHILD_PAGE_QUERIES):
        client.get(url("child_detail", child))
    for n in range(5):
        services.update_child(child, data={**{k: getattr(child, k) for k in services.EDITABLE_FIELDS},
                                           "address": f"Tổ {n}"}, expected_version=child.version,
                              by=f.user("worker"))
        child.refresh_from_db()
        login_as("worker").get(url("child_detail", child))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("child_detail", child)).status_code == 200
    assert len(queries) == CHILD_PAGE_QUERIES


def test_the_key_worker_reads_the_sensitive_information_once_known_to_see_it(login_as, child,
                                                                              django_assert_num_queries):
    # Only supervisors see it for every child: for a worker it is read after the check, one query more.
    child.key_worker = f.user("worker")
    child.save(update_fields=["key_worker"])
    client = login_as("worker")
    client.get(url("child_detail", child))
    with django_assert_num_queries(CHILD_PAGE_QUERIES + 1):
        assert client.get(url("child_detail", child)).context["sees_sensitive"] is True
