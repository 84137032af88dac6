"""Pages name who did something (core_tags.person): the full name, else the username. A person
who is no longer there (their account deleted since: the foreign keys are SET_NULL) is "—", never
a 500. Written as `a.get_full_name|default:a.username`, the referral's sender, a case's history and
the list of who opened a child's file failed on such a row: a filter's argument that cannot be
looked up raises. Here, not elsewhere: these pages need a case and a referral, whose fixtures live
in this folder."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from audit.models import AccessEvent
from cases.models import CaseTransition
from referrals.models import Referral

pytestmark = pytest.mark.django_db


def test_person_is_the_full_name_else_the_username_else_nothing(worker):
    name = Template("{% load core_tags %}[{{ who|person }}]")
    assert name.render(Context({"who": worker})) == f"[{worker.get_full_name()}]" != "[]"
    worker.first_name = worker.last_name = ""
    assert name.render(Context({"who": worker})) == f"[{worker.username}]"
    assert name.render(Context({"who": None})) == "[]"


def test_a_referral_whose_sender_is_gone_shows_a_dash(login_as, consented_child, refer):
    referral = refer(consented_child())
    Referral.objects.filter(pk=referral.pk).update(sent_by=None)
    response = login_as("worker").get(reverse("referrals:referral_detail", args=[referral.public_id]))
    assert response.status_code == 200
    assert " · —</dd>" in response.content.decode()


def test_a_case_history_step_by_someone_gone_shows_a_dash(login_as, open_case):
    case = open_case()
    CaseTransition.objects.filter(case=case).update(by=None)
    response = login_as("worker").get(reverse("cases:case_detail", args=[case.public_id]))
    assert response.status_code == 200
    assert "Case opened · —" in response.content.decode()


def test_who_opened_a_file_names_a_viewer_unknown_with_a_dash(login_as, new_child):
    # The access log is append-only (its user is never set to NULL afterwards), but its rows may be
    # written without a user: the panel must read such a row too.
    child = new_child()
    AccessEvent.objects.create(user=None, action="view", object_type="beneficiaries.child", object_id=child.pk)
    response = login_as("supervisor").get(reverse("beneficiaries:child_viewers", args=[child.public_id]),
                                          HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert " · — · " in response.content.decode()
