"""Search (one box: names in any order without accents, registry number, personal ID, caregiver
phone; best matches first) and duplicates (warned before saving, queued when confirmed new,
merged by a supervisor, reversible, the old number still opening the survivor)."""

import pytest
from django.utils import timezone

from audit.models import AccessEvent
from beneficiaries import selectors, services
from beneficiaries.models import (
    Child,
    ChildCircumstance,
    ChildMerge,
    CircumstanceGroup,
    Consent,
    DuplicateSuspect,
    SensitiveInfo,
)
from tests.beneficiaries import factories as f
from tests.beneficiaries.conftest import CHILD_A_PHONE
from tests.beneficiaries.test_registry import REGISTER, ddmmyyyy, registration
from tests.conftest import search_page

pytestmark = [
    pytest.mark.django_db,
    # a page of results must have an order, or the same search may show a row twice across pages
    pytest.mark.filterwarnings("error::django.core.paginator.UnorderedObjectListWarning"),
]
LIST = "/children/"


def search(text, username="worker"):
    """What the search box returns: active records only, a merged record's number resolving."""
    return list(selectors.search_children(selectors.children_visible_to(f.user(username)), text).active())


# --- Search ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["nguyen thi hoa", "Hoa Nguyen", "NGUYỄN THỊ HOÀ", "hoa nguyen", "  nguyễn   hòa "])
def test_name_search_ignores_case_accents_tone_placement_and_word_order(child_a, text):
    other = f.ChildFactory(full_name="Nguyễn Văn Hùng", sex="M")
    found = search(text)
    assert child_a in found
    assert other not in found
    assert all("nguyen" in c.name_folded and "hoa" in c.name_folded for c in found)


def test_both_spellings_of_hoa_find_each_other(db):
    old_style = f.ChildFactory(full_name="Vương Thị Hòa")  # tone mark on the o
    new_style = f.ChildFactory(full_name="Vương Thị Hoà")  # tone mark on the a
    assert old_style.full_name != new_style.full_name
    assert set(search("Vương Thị Hoà")) == set(search("Vương Thị Hòa")) == {old_style, new_style}


def test_d_with_stroke_matches_d(db):
    dang = f.ChildFactory(full_name="Đặng Văn Đức", sex="M")
    plain = f.ChildFactory(full_name="Dang Van Duc", sex="M")
    for text in ["dang van duc", "Đặng Văn Đức", "đặng", "DUC DANG", "đ đ"]:
        assert {dang, plain} <= set(search(text)), text


def test_best_matches_come_first(child_a):
    partial = f.ChildFactory(full_name="Nguyễn Thị Hoàng Hoa")
    reversed_words = f.ChildFactory(full_name="Hoàng Văn Nguyên", sex="M")
    for text in ["hoa nguyen", "nguyen thi hoa"]:
        found = search(text)
        assert found[0].name_folded == "nguyen thi hoa"  # the exact name (demo data may hold another one)
        assert found.index(child_a) < found.index(partial)
        if reversed_words in found:
            assert found.index(child_a) < found.index(reversed_words)


def test_search_by_registry_number_personal_id_and_caregiver_phone(child_a):
    sibling = f.ChildFactory(full_name="Nguyễn Văn Tí", sex="M", household=child_a.household)
    stranger = f.ChildFactory(full_name="Nguyễn Thị Khác")
    assert search(child_a.registry_number) == [child_a]
    assert search(sibling.registry_number) == [sibling]
    assert search("15-1999-000001") == []
    pid = child_a.personal_id
    assert search(pid) == [child_a]
    assert search(f"{pid[:3]} {pid[3:6]} {pid[6:9]} {pid[9:]}") == [child_a]
    assert search(f"{pid[:3]}.{pid[3:6]}.{pid[6:]}") == [child_a]
    for phone in [CHILD_A_PHONE, "0971 234 509", "+84 971 234 509", "84971234509", "0971.234.509"]:
        assert set(search(phone)) == {child_a, sibling}, phone
    assert stranger not in search(CHILD_A_PHONE)
    child_a.household.caregivers.update(is_active=False)  # a caregiver who left no longer finds the child
    assert search(CHILD_A_PHONE) == []


def test_search_through_the_list_page_and_the_api_is_logged(login_as, api, child_a):
    page = search_page(login_as("worker"), LIST, "hoa nguyen")
    assert child_a in list(page.context["filter"].qs)
    assert page.context["filter"].qs[0].name_folded == "nguyen thi hoa"
    assert "Nguyễn Thị Hòa" in page.content.decode()
    body = api("supervisor").get("/api/v1/children/", {"search": "NGUYỄN THỊ HOÀ"}).json()
    assert str(child_a.public_id) in [row["id"] for row in body["results"]]
    assert body["results"][0]["full_name"] in {"Nguyễn Thị Hòa", "Nguyen Thi Hoa", "Nguyễn Thị Hoà"}
    events = AccessEvent.objects.filter(action="search").order_by("pk")
    assert [(e.user.username, e.detail["query"]["search"]) for e in events] == [
        ("worker", "hoa nguyen"), ("supervisor", "NGUYỄN THỊ HOÀ")]
    assert all(e.ip_address == "127.0.0.1" and e.object_type == "beneficiaries.child" for e in events)


def test_search_combines_with_filters(login_as, child_a):
    boy = f.ChildFactory(full_name="Nguyễn Văn Hòa", sex="M")
    found = list(search_page(login_as("worker"), LIST, "nguyen hoa", sex="F").context["filter"].qs)
    assert child_a in found and boy not in found


# --- Likely duplicates at registration ----------------------------------------------------------


def same_child_again(child, **changes):
    return registration(full_name="Nguyen Thi Hoa", date_of_birth=ddmmyyyy(child.date_of_birth),
                        commune=str(child.commune_id), **{"cg1-caregiver_phone": "0977000555", **changes})


def test_registration_warns_of_a_likely_match_before_saving(login_as, child_a):
    before = Child.objects.count()
    response = login_as("worker").post(REGISTER, same_child_again(child_a))
    assert response.status_code == 200
    matches = response.context["matches"]
    assert matches[0].child.name_folded == "nguyen thi hoa"
    match = next(m for m in matches if m.child == child_a)
    assert {"same_name", "same_birth_date", "same_commune"} <= set(match.reasons)
    assert match.score >= 0.9
    html = response.content.decode()
    assert 'data-testid="duplicate-warning"' in html
    assert f'href="/children/{child_a.public_id}/"' in html and child_a.registry_number in html
    assert Child.objects.count() == before
    assert not DuplicateSuspect.objects.filter(child=child_a).exists() \
        and not DuplicateSuspect.objects.filter(other=child_a).exists()


def test_a_shared_caregiver_phone_is_a_likely_match_even_with_another_name(login_as, child_a):
    response = login_as("worker").post(REGISTER, registration(
        full_name="Lò Thị Mỷ", date_of_birth=ddmmyyyy(child_a.date_of_birth.replace(day=1)),
        **{"cg1-caregiver_phone": "+84 971 234 509"}))
    match = next(m for m in response.context["matches"] if m.child == child_a)
    assert "same_caregiver_phone" in match.reasons and "same_name" not in match.reasons


def test_the_confirm_new_box_is_inside_the_form_it_confirms(login_as, child_a):
    html = login_as("worker").post(REGISTER, same_child_again(child_a)).content.decode()
    form_start, form_end = html.index('data-testid="child-form"'), html.index("</form>", html.index(
        'data-testid="child-form"'))
    assert form_start < html.index('name="confirm_new"') < form_end
    assert form_start < html.index('name="duplicate_reason"') < form_end


def test_confirming_new_without_a_reason_is_refused_with_a_message(login_as, child_a):
    before = Child.objects.count()
    response = login_as("worker").post(REGISTER, same_child_again(child_a, confirm_new="on", duplicate_reason=" "))
    assert response.status_code == 200
    assert response.context["confirm_form"].errors["duplicate_reason"]
    html = response.content.decode()
    assert str(response.context["confirm_form"].errors["duplicate_reason"][0]) in html
    assert 'data-testid="duplicate-warning"' in html  # the matches stay on screen
    assert Child.objects.count() == before


def test_confirming_new_with_a_reason_registers_and_queues_the_pair_for_review(login_as, child_a):
    response = login_as("worker").post(REGISTER, same_child_again(
        child_a, confirm_new="on", duplicate_reason="Cùng tên nhưng khác mẹ"))
    assert response.status_code == 302
    new = Child.objects.latest("pk")
    assert new.full_name == "Nguyen Thi Hoa" and new != child_a
    first, second = sorted([new, child_a], key=lambda c: c.pk)
    suspect = DuplicateSuspect.objects.get(child=first, other=second)
    assert (suspect.status, suspect.note, suspect.reasons) == ("open", "Cùng tên nhưng khác mẹ",
                                                               ["confirmed_new_by_worker"])
    queue = login_as("supervisor").get("/children/duplicates/")
    assert suspect in list(queue.context["page"])
    assert f"/children/duplicates/{suspect.pk}/" in queue.content.decode()
    # workers see the queue but cannot review
    assert f"/children/duplicates/{suspect.pk}/" not in login_as("worker").get("/children/duplicates/").content.decode()
    assert login_as("worker").get(f"/children/duplicates/{suspect.pk}/").status_code == 404


# --- Merge ---------------------------------------------------------------------------------------


@pytest.fixture
def pair(child_a):
    """child_a (survivor, with sensitive info, groups and consent) and a second record of the
    same girl registered without accents, with her own group, consent and sensitive data."""
    worker = f.user("worker")
    second = f.ChildFactory(full_name="Nguyen Thi Hoa", sex="F", date_of_birth=child_a.date_of_birth,
                            created_by=worker, caregivers=[("Tran Thi Mai", "mother", "0977000555")])
    f.ChildCircumstanceFactory(child=second, group=CircumstanceGroup.objects.get(code="SCHOOL_DROPOUT_WORKING"))
    f.ConsentFactory(child=second, purpose="sharing", given_by_name="Tran Thi Mai")
    suspect = services.flag_duplicate(child_a, second, score=0.95, reasons=["same_name"])
    return child_a, second, suspect


def merge(client, suspect, survivor, reason="Cùng một trẻ: trùng ngày sinh, tên và mẹ"):
    return client.post(f"/children/duplicates/{suspect.pk}/", {
        "action": "merge", "survivor": str(survivor.public_id), "reason": reason})


def test_supervisor_merges_everything_attached_onto_the_survivor(login_as, api, pair):
    survivor, merged, suspect = pair
    merged_groups = set(merged.circumstances.values_list("pk", flat=True))
    merged_consents = set(merged.consents.values_list("pk", flat=True))
    old_number = merged.registry_number
    client = login_as("supervisor")
    response = merge(client, suspect, survivor)
    assert response.status_code == 302 and response["Location"] == f"/children/{survivor.public_id}/"
    merged.refresh_from_db()
    survivor.refresh_from_db()
    assert merged.merged_into == survivor and not merged.is_active and merged.deactivation_reason == "merged"
    assert survivor.is_active and survivor.merged_into is None
    assert merged_groups <= set(survivor.circumstances.values_list("pk", flat=True))
    assert merged_consents <= set(survivor.consents.values_list("pk", flat=True))
    assert not ChildCircumstance.objects.filter(child=merged).exists() and not Consent.objects.filter(
        child=merged).exists()
    record = ChildMerge.objects.get(survivor=survivor, merged=merged)
    assert record.performed_by == f.user("supervisor") and record.reason.startswith("Cùng một trẻ")
    assert set(record.moved["beneficiaries.ChildCircumstance.child"]) == merged_groups
    assert set(record.moved["beneficiaries.Consent.child"]) == merged_consents
    suspect.refresh_from_db()
    assert (suspect.status, suspect.reviewed_by) == ("merged", f.user("supervisor"))
    # the old number still resolves: search, list, API, and the old record's page
    assert search(old_number) == [survivor]
    assert [c.pk for c in search_page(client, LIST, old_number).context["filter"].qs] == [survivor.pk]
    body = api("worker").get("/api/v1/children/", {"search": old_number}).json()
    assert [row["id"] for row in body["results"]] == [str(survivor.public_id)]
    redirect = client.get(f"/children/{merged.public_id}/")
    assert redirect.status_code == 302 and redirect["Location"] == f"/children/{survivor.public_id}/"
    page = client.get(f"/children/{merged.public_id}/", follow=True)
    assert page.context["child"] == survivor
    assert old_number in page.content.decode()  # "record … was merged into this one" and the merges list
    record = ChildMerge.objects.get(survivor=survivor)
    assert page.context["merges"][0] == record and f"/children/merges/{record.pk}/undo/" in page.content.decode()
    assert merged not in list(client.get(LIST).context["filter"].qs)
    assert merged not in search("nguyen thi hoa")
    api_body = api("worker").get(f"/api/v1/children/{merged.public_id}/").json()
    assert api_body["merged_into"] == str(survivor.public_id) and api_body["is_active"] is False


def test_sensitive_information_moves_when_the_survivor_has_none(login_as, pair):
    child_a, second, suspect = pair
    info = child_a.sensitive
    merge(login_as("supervisor"), suspect, second)  # keep the unaccented record this time
    info.refresh_from_db()
    assert info.child == second
    detail = login_as("supervisor").get(f"/children/{second.public_id}/")
    assert detail.context["sensitive"] == info and f.SECRET_ABUSE in detail.content.decode()


def test_merge_is_reversible(login_as, pair):
    survivor, merged, suspect = pair
    merged_groups = set(merged.circumstances.values_list("pk", flat=True))
    survivor_groups = set(survivor.circumstances.values_list("pk", flat=True))
    client = login_as("supervisor")
    merge(client, suspect, survivor)
    # something recorded on the survivor after the merge stays with it
    later = f.ConsentFactory(child=survivor, purpose="publication")
    record = ChildMerge.objects.get(survivor=survivor)
    assert login_as("worker").post(f"/children/merges/{record.pk}/undo/").status_code == 404
    response = client.post(f"/children/merges/{record.pk}/undo/")
    assert response.status_code == 302
    merged.refresh_from_db()
    record.refresh_from_db()
    suspect.refresh_from_db()
    assert merged.is_active and merged.merged_into is None and merged.deactivation_reason == ""
    assert set(merged.circumstances.values_list("pk", flat=True)) == merged_groups
    assert set(survivor.circumstances.values_list("pk", flat=True)) == survivor_groups
    assert later in survivor.consents.all()
    assert record.reversed_at is not None and record.reversed_by == f.user("supervisor")
    assert suspect.status == "open"
    assert search(merged.registry_number) == [merged]
    assert client.get(f"/children/{merged.public_id}/").status_code == 200
    again = client.post(f"/children/merges/{record.pk}/undo/", follow=True)
    assert [m.level_tag for m in again.context["messages"]][-1] == "error"  # already undone
    listed = client.get(f"/children/{survivor.public_id}/").context["merges"]  # the survivor's page keeps it, undone
    assert [m.pk for m in listed] == [record.pk] and listed[0].reversed_at is not None


def test_chained_merges_resolve_to_the_last_survivor(login_as, pair):
    first, second, suspect = pair
    third = f.ChildFactory(full_name="Nguyễn T. Hòa", sex="F", date_of_birth=first.date_of_birth)
    services.merge_children(survivor=first, merged=second, reason="trùng", by=f.user("supervisor"))
    services.merge_children(survivor=third, merged=first, reason="trùng", by=f.user("supervisor"))
    assert search(second.registry_number) == [third]
    page = login_as("worker").get(f"/children/{second.public_id}/", follow=True)
    assert page.context["child"] == third


def test_merge_needs_a_reason_and_a_chosen_record(login_as, pair):
    survivor, merged, suspect = pair
    client = login_as("supervisor")
    response = merge(client, suspect, survivor, reason="")
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    response = client.post(f"/children/duplicates/{suspect.pk}/", {"action": "merge", "survivor": "nope",
                                                                    "reason": "x"})
    assert response.status_code == 200
    stranger = f.ChildFactory()
    merge(client, suspect, stranger)  # not one of the pair
    assert not ChildMerge.objects.exists()
    merged.refresh_from_db()
    assert merged.is_active and merged.merged_into is None


def test_merge_rules_in_the_service(pair):
    survivor, merged, _suspect = pair
    supervisor = f.user("supervisor")
    with pytest.raises(services.RegistryError):
        services.merge_children(survivor=survivor, merged=survivor, reason="x", by=supervisor)
    with pytest.raises(services.RegistryError):
        services.merge_children(survivor=survivor, merged=merged, reason="  ", by=supervisor)
    services.merge_children(survivor=survivor, merged=merged, reason="trùng", by=supervisor)
    with pytest.raises(services.RegistryError):
        services.merge_children(survivor=survivor, merged=merged, reason="lại", by=supervisor)
    with pytest.raises(services.RegistryError):
        services.reactivate_child(merged, by=supervisor)  # a merged record returns only by undoing


def test_only_supervisors_merge_and_dismissing_keeps_both(login_as, pair):
    survivor, merged, suspect = pair
    for persona in ["worker", "official", "hotline"]:
        assert merge(login_as(persona), suspect, survivor).status_code == 404
    assert not ChildMerge.objects.exists()
    response = login_as("supervisor").post(f"/children/duplicates/{suspect.pk}/", {"action": "dismiss"})
    assert response.status_code == 302
    suspect.refresh_from_db()
    assert suspect.status == "dismissed" and suspect.reviewed_by == f.user("supervisor")
    assert suspect.reviewed_at <= timezone.now()
    assert Child.objects.filter(pk__in=[survivor.pk, merged.pk], is_active=True).count() == 2
    assert suspect not in list(login_as("supervisor").get("/children/duplicates/").context["page"])
    assert SensitiveInfo.objects.get(child=survivor)


def test_detail_page_survives_a_circumstance_whose_recorder_is_gone(login_as, child_a):
    # recorded_by is SET_NULL when an account is removed; imports may record with no user
    child_a.circumstances.update(recorded_by=None)
    response = login_as("supervisor").get(f"/children/{child_a.public_id}/")
    assert response.status_code == 200
    assert len(response.context["circumstances"]) == 2
