"""Who sees which child. Area scope across every endpoint (a child of Lào Cai is a 404 for worker_b
of Đồng Tháp everywhere, and absent from lists, searches, exports and counts); partners see none;
sensitive fields and groups only for supervisors and the key worker; every read is logged, and the
log cannot be changed."""

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import User
from audit.models import AccessEvent
from beneficiaries import selectors, services
from beneficiaries.models import Child, CircumstanceGroup, DuplicateSuspect
from tests.beneficiaries import factories as f
from tests.beneficiaries.conftest import CHILD_A_PHONE
from tests.beneficiaries.test_registry import REGISTER, ddmmyyyy, edit_form, registration
from tests.conftest import search_page

pytestmark = pytest.mark.django_db
LIST = "/children/"
API = "/api/v1/children/"
IN_SCOPE = ["worker", "supervisor", "hotline", "official", "national", "admin"]
OUT_OF_SCOPE = ["worker_b", "partner"]


def secrets_of(child) -> list[str]:
    group = CircumstanceGroup.objects.get(code="HIV")
    return [f.SECRET_ABUSE, f.SECRET_DRUGS, f.SECRET_LAW, group.name_vi, group.name_en]


@pytest.fixture
def supervisor_b(db):
    """A supervisor of Đồng Tháp (the demo has none): may merge, but only in province 82."""
    worker_b = User.objects.get(username="worker_b")
    return User.objects.create_user(username="supervisor_b", password="x-not-used-x", role="supervisor",
                                    scope_level="province", province=worker_b.province)


# --- Area scope ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", IN_SCOPE + OUT_OF_SCOPE)
def test_child_is_seen_exactly_by_the_personas_whose_area_holds_it(login_as, api, child_a, persona):
    sees = persona in IN_SCOPE
    client = login_as(persona)
    assert client.get(f"/children/{child_a.public_id}/").status_code == (200 if sees else 404)
    listing = client.get(LIST)
    if persona == "partner":
        assert listing.status_code == 404
    else:
        assert (child_a in list(listing.context["filter"].qs)) is sees
    body = api(persona).get(API, {"search": child_a.registry_number}).json()
    assert body["count"] == (1 if sees else 0)
    assert api(persona).get(f"{API}{child_a.public_id}/").status_code == (200 if sees else 404)


def test_partner_sees_no_child_at_all(login_as, api, child_a):
    client = login_as("partner")
    assert client.get(LIST).status_code == 404
    assert client.get("/children/export.csv").status_code == 404
    assert client.get("/children/duplicates/").status_code == 404
    assert client.get(REGISTER).status_code == 404
    assert api("partner").get(API).json()["count"] == 0
    assert not selectors.children_visible_to(f.user("partner")).exists()


def _child_a_state(child):
    child.refresh_from_db()
    return (child.version, child.is_active, child.address, child.consents.filter(withdrawn_on=None).count(),
            child.circumstances.filter(ended_on=None).count(), child.household.caregivers.count(),
            child.sensitive.drug_use)


def test_worker_of_another_province_gets_404_on_every_url_of_the_child(login_as, api, child_a):
    client = login_as("worker_b")
    before = _child_a_state(child_a)
    base = f"/children/{child_a.public_id}"
    circumstance = child_a.circumstances.first()
    consent = child_a.consents.first()
    assert client.get(f"{base}/").status_code == 404
    assert client.get(f"{base}/edit/").status_code == 404
    for form in ("caregivers", "circumstances", "consents", "sensitive", "deactivate", "history"):
        assert client.get(f"{base}/{form}/").status_code == 404, form
    posts = {
        f"{base}/edit/": edit_form(child_a, address="Bị sửa"),
        f"{base}/caregivers/": {"cg-caregiver_name": "Người Lạ", "cg-caregiver_relationship": "other",
                                "cg-caregiver_phone": "0912000999"},
        f"{base}/circumstances/": {"group": str(CircumstanceGroup.objects.get(code="ABANDONED").pk),
                                   "started_on": "01/01/2025"},
        f"{base}/circumstances/{circumstance.pk}/end/": {"ended_on": ddmmyyyy(f.years_ago(0))},
        f"{base}/consents/": {"purpose": "publication", "given_by_name": "Người Lạ", "child_agreed": "on",
                              "given_on": "01/01/2025"},
        f"{base}/consents/{consent.pk}/withdraw/": {"reason": "thử"},
        f"{base}/sensitive/": {"s-drug_use": "ghi đè"},
        f"{base}/deactivate/": {"reason": "moved_away"},
        f"{base}/reactivate/": {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    assert api("worker_b").get(f"{API}{child_a.public_id}/").status_code == 404
    assert api("worker_b").patch(f"{API}{child_a.public_id}/", {"address": "Bị sửa"},
                                 format="json").status_code == 404
    assert _child_a_state(child_a) == before
    assert not AccessEvent.objects.filter(object_id=child_a.pk).exists()  # nothing was shown


@pytest.mark.parametrize("text_of", [
    lambda c: "nguyen thi hoa", lambda c: "Hòa", lambda c: c.registry_number, lambda c: c.personal_id,
    lambda c: CHILD_A_PHONE,
])
def test_child_of_another_province_is_absent_from_searches(login_as, api, child_a, text_of):
    text = text_of(child_a)
    assert child_a not in list(search_page(login_as("worker_b"), LIST, text).context["filter"].qs)
    ids = [row["id"] for row in api("worker_b").get(API, {"search": text, "page_size": 200}).json()["results"]]
    assert str(child_a.public_id) not in ids
    # ... while the same search finds the child in Lào Cai
    assert child_a in list(search_page(login_as("worker"), LIST, text).context["filter"].qs)


def test_lists_exports_and_counts_hold_only_the_users_area(login_as, api, child_a):
    dong_thap = Child.objects.active().filter(commune__province__code="82")
    own = f.ChildFactory(full_name="Lê Văn Tám", sex="M", commune=f.commune(f.CAO_LANH))
    page = login_as("worker_b").get(LIST)
    assert page.context["page"].paginator.count == dong_thap.count() >= 1
    assert {c.commune.province.code for c in page.context["filter"].qs} == {"82"}
    assert own in list(page.context["filter"].qs)
    body = api("worker_b").get(API, {"page_size": 200}).json()
    assert body["count"] == dong_thap.count()
    assert {row["province"] for row in body["results"]} == {"82"}
    csv_text = login_as("worker_b").get("/children/export.csv").getvalue().decode("utf-8")
    assert child_a.registry_number not in csv_text and "Nguyễn Thị Hòa" not in csv_text
    assert own.registry_number in csv_text
    # even naming the other province's commune in a filter shows nothing of it
    response = login_as("worker_b").get(LIST, {"commune": f.SA_PA})
    assert child_a not in list(response.context["filter"].qs)
    assert api("worker_b").get(API, {"commune": f.SA_PA}).status_code == 400
    assert api("worker_b").get(API, {"province": "15"}).status_code == 400


def test_duplicate_warnings_and_queue_never_reveal_another_provinces_child(login_as, child_a, supervisor_b):
    response = login_as("worker_b").post(REGISTER, registration(
        full_name="Nguyễn Thị Hòa", date_of_birth=ddmmyyyy(child_a.date_of_birth),
        commune=str(f.commune(f.CAO_LANH).pk), **{"cg1-caregiver_phone": CHILD_A_PHONE}))
    assert response.status_code == 302  # no match in Đồng Tháp: registered straight away
    assert child_a.registry_number not in response.content.decode()
    other = f.ChildFactory(full_name="Nguyen Thi Hoa", date_of_birth=child_a.date_of_birth)
    suspect = services.flag_duplicate(child_a, other, score=0.9, reasons=["same_name"])
    client = login_as("supervisor_b")
    assert suspect not in list(client.get("/children/duplicates/").context["page"])
    assert client.post(f"/children/duplicates/{suspect.pk}/", {
        "action": "merge", "survivor": str(child_a.public_id), "reason": "x"}).status_code == 404
    assert client.post(f"/children/duplicates/{suspect.pk}/", {"action": "dismiss"}).status_code == 404
    suspect.refresh_from_db()
    assert suspect.status == "open"
    merge = services.merge_children(survivor=child_a, merged=other, reason="trùng", by=f.user("supervisor"))
    assert client.post(f"/children/merges/{merge.pk}/undo/").status_code == 404
    merge.refresh_from_db()
    assert merge.reversed_at is None
    assert DuplicateSuspect.objects.get(pk=suspect.pk).status == "merged"


# --- Sensitive fields and groups ---------------------------------------------------------------


@pytest.mark.parametrize("persona, sees", [
    ("supervisor", True), ("worker", True),  # worker is child_a's key worker
    ("worker_lc2", False), ("hotline", False), ("official", False), ("national", False), ("admin", False),
])
def test_sensitive_fields_and_groups_only_for_supervisors_and_the_key_worker(login_as, child_a, other_worker,
                                                                             persona, sees):
    response = login_as(persona).get(f"/children/{child_a.public_id}/")
    html = response.content.decode()
    assert response.context["sees_sensitive"] is sees
    hiv = CircumstanceGroup.objects.get(code="HIV")
    shown_groups = {c.group.code for c in response.context["circumstances"]}
    if sees:
        assert f.SECRET_ABUSE in html and f.SECRET_DRUGS in html and f.SECRET_LAW in html
        assert shown_groups == {"HIV", "ORPHAN_BOTH"} and hiv.name_vi in html
        assert 'data-testid="withheld"' not in html
    else:
        for secret in secrets_of(child_a):
            assert secret not in html, secret
        assert 'data-testid="withheld"' in html
        assert shown_groups == {"ORPHAN_BOTH"} and response.context["withheld_groups"] == 1
        assert response.context["sensitive"] is None
        history = login_as(persona).get(f"/children/{child_a.public_id}/history/")
        kinds = [e.kind for e in history.context["timeline"]]
        assert "sensitive" not in kinds and kinds.count("circumstance") == 1


def test_sensitive_values_never_appear_in_lists_searches_or_the_api(login_as, api, child_a):
    for persona in ["supervisor", "worker"]:
        client = login_as(persona)
        for params in [{}, {"search": "nguyen thi hoa"}, {"search": child_a.registry_number}, {"group": "HIV"}]:
            html = search_page(client, LIST, **params).content.decode()
            assert f.SECRET_ABUSE not in html and f.SECRET_DRUGS not in html and f.SECRET_LAW not in html
        text = api(persona).get(f"{API}{child_a.public_id}/").content.decode() + \
            api(persona).get(API, {"search": "hoa"}).content.decode()
        assert f.SECRET_ABUSE not in text and "positive" not in text and "HIV" not in text


def test_sensitive_groups_are_filter_choices_only_for_supervisors(login_as, child_a):
    sensitive = set(CircumstanceGroup.objects.filter(is_sensitive=True).values_list("code", flat=True))
    assert sensitive == {"HIV", "IN_CONFLICT_WITH_LAW", "DRUG_ADDICTION", "SEXUALLY_ABUSED"}

    def choices(persona):
        return {code for code, _label in login_as(persona).get(LIST).context["filter"].form.fields["group"].choices}

    assert sensitive <= choices("supervisor")
    for persona in ["worker", "hotline", "official", "national"]:
        offered = choices(persona)
        assert not sensitive & offered, persona
        assert "ORPHAN_BOTH" in offered
    # asking anyway does not filter by it: the answer is not narrowed to the group's members
    worker = login_as("worker")
    response = worker.get(LIST, {"group": "HIV"})
    assert response.context["filter"].form.errors.get("group")
    assert response.context["page"].paginator.count == worker.get(LIST).context["page"].paginator.count
    hiv = CircumstanceGroup.objects.get(code="HIV")
    assert f'value="{hiv.code}"' not in response.content.decode()


def test_only_those_who_see_sensitive_data_may_change_it(login_as, child_a, other_worker):
    url = f"/children/{child_a.public_id}/sensitive/"
    fields = {"s-hiv_status": "negative", "s-sexual_abuse_history": "", "s-drug_use": "", "s-conflict_with_law": ""}
    for persona in ["worker_lc2", "official", "hotline", "admin"]:
        assert login_as(persona).post(url, fields).status_code == 404
        assert login_as(persona).get(url).status_code == 404  # the form is filled with the values
    views = AccessEvent.objects.filter(object_type="beneficiaries.child", object_id=child_a.pk, action="view")
    before = views.count()
    form = login_as("worker").get(url).content.decode()
    assert f.SECRET_DRUGS in form and 'action="' + url + '"' in form
    assert views.count() == before + 1  # it shows the record's values: logged like the page
    child_a.sensitive.refresh_from_db()
    assert child_a.sensitive.hiv_status == "positive"
    assert login_as("worker").post(url, fields).status_code == 302
    child_a.sensitive.refresh_from_db()
    assert (child_a.sensitive.hiv_status, child_a.sensitive.drug_use) == ("negative", "")


def test_the_key_worker_may_record_a_sensitive_group_others_may_not(login_as, other_worker):
    child = f.ChildFactory(full_name="Sùng Văn Dế", sex="M", created_by=f.user("worker"))
    group = CircumstanceGroup.objects.get(code="DRUG_ADDICTION")
    data = {"group": str(group.pk), "started_on": ddmmyyyy(f.years_ago(1))}
    # another worker of the province is not offered the group, and cannot post it
    page = login_as("worker_lc2").get(f"/children/{child.public_id}/circumstances/")
    assert group not in page.context["circumstance_form"].fields["group"].queryset
    login_as("worker_lc2").post(f"/children/{child.public_id}/circumstances/", data)
    assert not child.circumstances.exists()
    # the key worker is offered it and records it
    page = login_as("worker").get(f"/children/{child.public_id}/circumstances/")
    assert group in page.context["circumstance_form"].fields["group"].queryset
    login_as("worker").post(f"/children/{child.public_id}/circumstances/", data)
    assert [c.group.code for c in child.circumstances.all()] == ["DRUG_ADDICTION"]
    # ... which the other worker then cannot end, nor see
    circumstance = child.circumstances.get()
    response = login_as("worker_lc2").post(f"/children/{child.public_id}/circumstances/{circumstance.pk}/end/",
                                           {"ended_on": ddmmyyyy(f.years_ago(0))})
    assert response.status_code == 404
    circumstance.refresh_from_db()
    assert circumstance.ended_on is None


def test_a_registering_social_worker_may_record_sensitive_groups_at_once(login_as):
    hiv = CircumstanceGroup.objects.get(code="HIV")
    worker_form = login_as("worker").get(REGISTER).context["circumstance_form"]
    assert hiv in worker_form.fields["groups"].queryset  # they become the child's key worker
    response = login_as("worker").post(REGISTER, registration(groups=[str(hiv.pk)]))
    assert response.status_code == 302
    child = Child.objects.get(full_name="Lò Thị Mỷ")
    assert child.key_worker == f.user("worker")
    assert [c.group.code for c in child.circumstances.all()] == ["HIV"]
    admin_form = login_as("admin").get(REGISTER).context["circumstance_form"]
    assert hiv not in admin_form.fields["groups"].queryset
    assert login_as("admin").get(REGISTER).context["sensitive_form"] is None


# --- Access log ----------------------------------------------------------------------------------


def test_every_detail_view_and_api_retrieve_is_logged_with_who_which_and_where(login_as, api, child_a):
    login_as("hotline").get(f"/children/{child_a.public_id}/", REMOTE_ADDR="10.20.30.40")
    api("supervisor").get(f"{API}{child_a.public_id}/", REMOTE_ADDR="10.20.30.41")
    login_as("worker").get(f"/children/{child_a.public_id}/")
    rows = list(AccessEvent.objects.filter(object_id=child_a.pk).order_by("pk").values_list(
        "user__username", "action", "object_type", "ip_address"))
    assert rows == [("hotline", "view", "beneficiaries.child", "10.20.30.40"),
                    ("supervisor", "api_view", "beneficiaries.child", "10.20.30.41"),
                    ("worker", "view", "beneficiaries.child", "127.0.0.1")]


def test_searches_and_exports_are_logged_but_plain_list_pages_are_not(login_as, api, child_a):
    client = login_as("worker")
    client.get(LIST)
    client.get(LIST, {"sex": "F"})
    assert not AccessEvent.objects.exists()
    results = search_page(client, LIST, child_a.personal_id)
    api("worker").get(API, {"search": CHILD_A_PHONE})
    search_page(client, LIST, "hoa")
    client.get(f"/children/export.xlsx?{results.wsgi_request.META['QUERY_STRING']}")
    actions = list(AccessEvent.objects.order_by("pk").values_list("action", "detail"))
    assert [a for a, _d in actions] == ["search", "search", "search", "export"]
    assert actions[0][1] == {"query": {"search": child_a.personal_id}}
    assert actions[1][1] == {"query": {"search": CHILD_A_PHONE}}
    assert actions[2][1] == {"query": {"search": "hoa"}}
    # The export of the first search's results logs the text searched for, not its key.
    assert actions[3][1]["query"] == {"search": [child_a.personal_id]} and actions[3][1]["format"] == "xlsx"


def test_access_log_rows_cannot_be_changed_or_deleted(login_as, child_a):
    login_as("worker").get(f"/children/{child_a.public_id}/")
    event = AccessEvent.objects.get(object_id=child_a.pk)
    attempts = [
        lambda: AccessEvent.objects.filter(pk=event.pk).update(action="search"),
        lambda: AccessEvent.objects.filter(pk=event.pk).delete(),
        lambda: event.delete(),
        lambda: AccessEvent.objects.filter(pk=event.pk).update(user=None),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    for sql in ["UPDATE audit_accessevent SET ip_address = '1.1.1.1'", "DELETE FROM audit_accessevent"]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    event.refresh_from_db()
    assert (event.action, event.ip_address, event.user.username) == ("view", "127.0.0.1", "worker")
