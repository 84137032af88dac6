"""The child record: registration (one form), edit, detail with its timeline, the list with its
filters, sorting and pages, households and caregivers, consent, ageing out, export, and the bad
input each form must refuse with a clear message and without saving anything."""

import csv
import io
import re
import threading
import unicodedata
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from beneficiaries import selectors, services
from beneficiaries.exports import safe_cell
from beneficiaries.models import (
    Caregiver,
    Child,
    ChildCircumstance,
    CircumstanceGroup,
    Household,
    SensitiveInfo,
)
from core.sequences import next_in_sequence
from core.text import fold
from geography.services import add_village
from tests.beneficiaries import factories as f
from tests.beneficiaries.conftest import CHILD_A_PHONE

pytestmark = pytest.mark.django_db
REGISTER = "/children/register/"
LIST = "/children/"
NUMBER = re.compile(r"^(\d{2})-(\d{4})-(\d{6})$")


def ddmmyyyy(day) -> str:
    return day.strftime("%d/%m/%Y")


def registration(**changes) -> dict:
    """A complete, valid registration form (child, caregiver, groups, sensitive fields)."""
    data = {
        "full_name": "Lò Thị Mỷ", "sex": "F", "date_of_birth": ddmmyyyy(f.years_ago(9, days=-20)),
        "estimated_age": "", "ethnicity": "08", "personal_id": "", "birth_registration": "registered",
        "commune": str(f.commune(f.SA_PA).pk), "village": "", "address": "Tổ 3", "schooling": "primary",
        "school_name": "Trường Tiểu học Sa Pa", "health_insurance_number": "", "poverty_status": "poor",
        "disability_type": "", "disability_severity": "", "notes": "",
        "cg1-caregiver_name": "Lò Văn Pao", "cg1-caregiver_relationship": "father",
        "cg1-caregiver_phone": "0987 654 321", "circumstances_from": "",
        "s-hiv_status": "", "s-sexual_abuse_history": "", "s-drug_use": "", "s-conflict_with_law": "",
    }
    data.update(changes)
    return data


def edit_form(child: Child, **changes) -> dict:
    """The edit form as the page would post it, from the record as stored."""
    data = {
        "full_name": child.full_name, "sex": child.sex, "date_of_birth": ddmmyyyy(child.date_of_birth),
        "estimated_age": "", "ethnicity": child.ethnicity, "personal_id": child.personal_id,
        "birth_registration": child.birth_registration, "commune": str(child.commune_id),
        "village": str(child.village_id or ""), "address": child.address, "schooling": child.schooling,
        "school_name": child.school_name, "health_insurance_number": child.health_insurance_number,
        "poverty_status": child.poverty_status, "disability_type": child.disability_type,
        "disability_severity": child.disability_severity, "notes": child.notes, "version": str(child.version),
    }
    data.update(changes)
    return data


def counts() -> tuple:
    return Child.objects.count(), Household.objects.count(), Caregiver.objects.count(), \
        ChildCircumstance.objects.count(), SensitiveInfo.objects.count()


# --- Registration ------------------------------------------------------------------------------


def test_registration_in_one_form_creates_child_household_caregiver_groups_and_sensitive(login_as):
    worker = f.user("worker")
    group = CircumstanceGroup.objects.get(code="ORPHAN_BOTH")
    response = login_as("worker").post(REGISTER, registration(
        groups=[str(group.pk)], circumstances_from=ddmmyyyy(f.years_ago(1)), **{"s-drug_use": "thử ma túy 1 lần"}))
    assert response.status_code == 302
    child = Child.objects.get(full_name="Lò Thị Mỷ")
    assert response["Location"] == f"/children/{child.public_id}/"
    year = timezone.localdate().year
    assert NUMBER.match(child.registry_number).groups()[:2] == ("15", str(year))
    assert child.birth_date_estimated is False
    assert child.ethnicity == "08" and child.created_by == worker
    assert child.key_worker == worker  # the registering social worker is responsible for the child
    caregiver = child.household.caregivers.get()
    assert (caregiver.full_name, caregiver.relationship, caregiver.phone) == ("Lò Văn Pao", "father", "0987654321")
    assert child.household.commune_id == child.commune_id
    assert [c.group.code for c in child.circumstances.all()] == ["ORPHAN_BOTH"]
    assert child.circumstances.get().started_on == f.years_ago(1)
    assert child.sensitive.drug_use == "thử ma túy 1 lần"


def test_full_name_is_stored_nfc_with_spaces_collapsed_and_folded_for_search(login_as):
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Thị Hòa ")
    assert not unicodedata.is_normalized("NFC", decomposed)
    # (the demo data has a Nguyễn Thị Hòa too: the worker confirms this is another child)
    response = login_as("worker").post(REGISTER, registration(full_name=decomposed, confirm_new="on",
                                                              duplicate_reason="Trẻ khác, cùng tên"))
    assert response.status_code == 302
    child = Child.objects.latest("pk")
    assert child.name_folded == "nguyen thi hoa"
    assert child.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Hòa")
    assert unicodedata.is_normalized("NFC", child.full_name)


def test_fold_ignores_case_diacritics_tone_placement_and_d_stroke():
    old_style, new_style = "Hòa", "Hoà"  # the tone mark on the o or on the a: two spellings in use
    assert unicodedata.normalize("NFC", old_style) != unicodedata.normalize("NFC", new_style)
    assert fold(old_style) == fold(new_style) == "hoa"
    assert fold("NGUYỄN THỊ HOÀ") == fold("nguyễn thị hòa") == "nguyen thi hoa"
    assert fold(unicodedata.normalize("NFD", "Nguyễn Thị Hoà")) == "nguyen thi hoa"
    assert fold("Đặng Văn Đức") == "dang van duc"


def test_estimated_age_becomes_first_of_january_and_is_marked_estimated(login_as):
    client = login_as("worker")
    response = client.post(REGISTER, registration(date_of_birth="", estimated_age="7"))
    assert response.status_code == 302
    child = Child.objects.get(full_name="Lò Thị Mỷ")
    today = timezone.localdate()
    assert child.date_of_birth == today.replace(year=today.year - 7, month=1, day=1)
    assert child.birth_date_estimated is True
    assert child.age == 7
    detail = client.get(f"/children/{child.public_id}/")
    assert detail.context["child"].birth_date_estimated
    # an exact date is not marked estimated
    client.post(REGISTER, registration(full_name="Lò Văn Chư", sex="M", **{"cg1-caregiver_phone": "0987654322"}))
    assert Child.objects.get(full_name="Lò Văn Chư").birth_date_estimated is False


def test_registry_numbers_follow_province_year_sequence(login_as):
    lao_cai, dong_thap = login_as("worker"), login_as("worker_b")
    year = timezone.localdate().year
    lao_cai.post(REGISTER, registration(full_name="Giàng Thị Sua", **{"cg1-caregiver_phone": "0987000001"}))
    lao_cai.post(REGISTER, registration(full_name="Giàng Văn Sử", sex="M", commune=str(f.commune(f.BAT_XAT).pk),
                                        **{"cg1-caregiver_phone": "0987000002"}))
    dong_thap.post(REGISTER, registration(full_name="Lê Thị Cúc", commune=str(f.commune(f.CAO_LANH).pk),
                                          **{"cg1-caregiver_phone": "0987000003"}))
    first, second, third = (Child.objects.get(full_name=n).registry_number
                            for n in ["Giàng Thị Sua", "Giàng Văn Sử", "Lê Thị Cúc"])
    assert first.startswith(f"15-{year}-")
    assert second.startswith(f"15-{year}-")
    assert int(second[-6:]) == int(first[-6:]) + 1  # one counter per province and year
    assert third.startswith(f"82-{year}-")


def test_registry_number_counter_is_unique_under_sequential_calls():
    scope = "test:sequential"
    assert [next_in_sequence(scope) for _ in range(5)] == [1, 2, 3, 4, 5]
    assert next_in_sequence("test:other") == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_consecutive_numbers(transactional_db):
    """Eight workers press "register" at the same instant, each on their own database connection."""
    from tests.conftest import load_reference_and_demo

    if not f.Commune.objects.filter(code=f.SA_PA).exists():  # a previous transactional test flushed it
        load_reference_and_demo()
    sa_pa, worker = f.commune(f.SA_PA), f.user("worker")
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    numbers, errors, raw = [], [], []

    def register(i):
        try:
            barrier.wait(timeout=10)
            child = services.register_child(by=worker, data={
                "full_name": f"Trẻ Thứ {chr(65 + i)}", "sex": "F", "date_of_birth": f.years_ago(5), "commune": sa_pa})
            numbers.append(child.registry_number)
            barrier.wait(timeout=10)
            with transaction.atomic():  # the counter row stays locked until commit: others wait
                raw.append(next_in_sequence("test:concurrent"))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(set(numbers)) == threads_count
    sequences = sorted(int(n[-6:]) for n in numbers)
    assert sequences == list(range(sequences[0], sequences[0] + threads_count))
    assert sorted(raw) == list(range(1, threads_count + 1))
    assert Child.objects.filter(registry_number__in=numbers).count() == threads_count


# --- Personal ID -------------------------------------------------------------------------------


def test_valid_personal_id_is_accepted(login_as):
    dob = f.years_ago(9, days=-20)
    pid = f.personal_id_for(dob, "F")
    response = login_as("worker").post(REGISTER, registration(personal_id=pid))
    assert response.status_code == 302
    assert Child.objects.get(full_name="Lò Thị Mỷ").personal_id == pid


@pytest.mark.parametrize("make_id, why", [
    (lambda dob: "01531500012", "11 digits"),
    (lambda dob: "0153150001234", "13 digits"),
    (lambda dob: "01531500012a", "a letter"),
    (lambda dob: "000" + f.personal_id_for(dob, "F")[3:], "no province has code 000"),
    (lambda dob: f.personal_id_for(dob.replace(year=dob.year - 1), "F"), "year of birth disagrees"),
    (lambda dob: f.personal_id_for(dob, "M"), "sex digit says male"),
])
def test_invalid_personal_id_is_refused_with_a_field_message(login_as, make_id, why):
    dob = f.years_ago(9, days=-20)
    before = counts()
    response = login_as("worker").post(REGISTER, registration(personal_id=make_id(dob)))
    assert response.status_code == 200, why
    assert response.context["form"].errors["personal_id"], why
    assert "invalid-feedback" in response.content.decode()
    assert counts() == before


def test_personal_id_is_unique_when_present_but_many_children_may_have_none(login_as):
    dob = f.years_ago(9, days=-20)
    pid = f.personal_id_for(dob, "F")
    f.ChildFactory(full_name="Vàng Thị Dợ", sex="F", date_of_birth=dob, personal_id=pid)
    f.ChildFactory(personal_id="")
    f.ChildFactory(personal_id="")
    before = counts()
    response = login_as("worker").post(REGISTER, registration(personal_id=pid))
    assert response.status_code == 200
    assert response.context["form"].errors["personal_id"]
    assert counts() == before
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database enforces it too
        f.ChildFactory(personal_id=pid, date_of_birth=dob, sex="F")


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("changes, field", [
    ({"date_of_birth": "__future__"}, "date_of_birth"),
    ({"date_of_birth": "__19_years__"}, "date_of_birth"),
    ({"date_of_birth": "", "estimated_age": "19"}, "estimated_age"),
    ({"date_of_birth": "31/02/2015"}, "date_of_birth"),
    ({"date_of_birth": ""}, "date_of_birth"),
    ({"date_of_birth": "01/01/2015", "estimated_age": "5"}, "estimated_age"),
    ({"full_name": ""}, "full_name"),
    ({"full_name": "   "}, "full_name"),
    ({"full_name": "Nguyễn " + "a" * 10_000}, "full_name"),
    ({"full_name": "<script>alert(1)</script>"}, "full_name"),
    ({"full_name": "Nguyễn Văn 2"}, "full_name"),
    ({"sex": ""}, "sex"),
    ({"sex": "X"}, "sex"),
    ({"commune": ""}, "commune"),
    ({"commune": "999999999"}, "commune"),
    ({"commune": "__cao_lanh__"}, "commune"),  # a real commune outside the worker's area
    ({"ethnicity": "77"}, "ethnicity"),
    ({"disability_type": "vision"}, "disability_severity"),
    ({"health_insurance_number": "123"}, "health_insurance_number"),
    ({"address": "x" * 256}, "address"),
])
def test_bad_child_input_gets_a_field_message_and_saves_nothing(login_as, changes, field):
    today = timezone.localdate()
    special = {"__future__": ddmmyyyy(today + timedelta(days=1)), "__19_years__": ddmmyyyy(f.years_ago(19)),
               "__cao_lanh__": str(f.commune(f.CAO_LANH).pk)}
    changes = {k: special.get(v, v) for k, v in changes.items()}
    before = counts()
    response = login_as("worker").post(REGISTER, registration(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors.get(field), errors
    html = response.content.decode()
    assert str(errors[field][0]).replace("'", "&#x27;").replace('"', "&quot;") in html
    assert counts() == before


@pytest.mark.parametrize("changes, field", [
    ({"cg1-caregiver_phone": "12345"}, "caregiver_phone"),
    ({"cg1-caregiver_phone": "0112345678"}, "caregiver_phone"),
    ({"cg1-caregiver_phone": "091234567890"}, "caregiver_phone"),
    ({"cg1-caregiver_name": "", "cg1-caregiver_phone": "0912345678"}, "caregiver_name"),
    ({"cg1-caregiver_relationship": ""}, "caregiver_relationship"),
    ({"cg1-caregiver_name": "<b>Mẹ</b>"}, "caregiver_name"),
])
def test_bad_caregiver_input_refuses_the_whole_registration(login_as, changes, field):
    before = counts()
    response = login_as("worker").post(REGISTER, registration(**changes))
    assert response.status_code == 200
    assert response.context["caregiver_form"].errors.get(field)
    assert counts() == before


@pytest.mark.parametrize("phone, stored", [
    ("+84 977 000 123", "0977000123"), ("0977.000.123", "0977000123"), ("84977000123", "0977000123"),
    ("0214 3820 111", "02143820111"),
])
def test_vietnamese_phone_numbers_are_accepted_and_stored_as_digits(login_as, phone, stored):
    assert login_as("worker").post(REGISTER, registration(**{"cg1-caregiver_phone": phone})).status_code == 302
    assert Caregiver.objects.get(full_name="Lò Văn Pao").phone == stored


def test_html_in_free_text_is_stored_as_typed_and_shown_escaped(login_as):
    script = "<script>alert('x')</script>"
    response = login_as("worker").post(REGISTER, registration(
        address=f"Tổ 3 {script}", notes=f"Ghi chú {script}", school_name="<img src=x onerror=alert(1)>"))
    assert response.status_code == 302
    child = Child.objects.get(full_name="Lò Thị Mỷ")
    assert script in child.address  # stored as typed: escaping is the output's job
    client = login_as("supervisor")
    client.post(f"/children/{child.public_id}/consents/", {
        "purpose": "processing", "given_by_name": f"Mẹ {script}", "child_agreed": "on",
        "given_on": ddmmyyyy(timezone.localdate())})
    html = client.get(f"/children/{child.public_id}/").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") >= 3  # address, notes and the consent-giver's name


# --- Detail, edit and timeline -------------------------------------------------------------------


def test_edit_saves_bumps_the_version_and_the_timeline_shows_what_changed_and_who(login_as):
    worker = f.user("worker")
    child = f.ChildFactory(full_name="Hờ Thị Dung", address="Tổ 3", created_by=worker)
    client = login_as("worker")
    form = client.get(f"/children/{child.public_id}/edit/").context["form"]
    assert form.initial["version"] == 1
    response = client.post(f"/children/{child.public_id}/edit/",
                           edit_form(child, address="Tổ 5", poverty_status="poor"))
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.address, child.poverty_status, child.version) == ("Tổ 5", "poor", 2)
    detail = client.get(f"/children/{child.public_id}/history/")
    edits = [e for e in detail.context["timeline"] if e.kind == "edited"]
    assert len(edits) == 1 and edits[0].user_id == worker.pk and edits[0].user_name
    changes = {(old, new) for _label, old, new in edits[0].changes}
    assert ("Tổ 3", "Tổ 5") in changes and ("none", "poor") in changes
    assert any(e.kind == "registered" for e in detail.context["timeline"])
    assert "Tổ 3 → Tổ 5" in detail.content.decode()


def test_second_of_two_concurrent_web_edits_is_refused_with_what_changed(login_as):
    child = f.ChildFactory(full_name="Sùng Thị Máy", school_name="Trường A", address="Tổ 1")
    first, second = login_as("worker"), login_as("supervisor")
    form_first = edit_form(child, school_name="Trường B")
    form_second = edit_form(child, address="Tổ 9")  # both started from version 1
    assert first.post(f"/children/{child.public_id}/edit/", form_first).status_code == 302
    response = second.post(f"/children/{child.public_id}/edit/", form_second)
    assert response.status_code == 200
    assert response.context["conflict"] is not None
    rows = {str(row["label"]): (row["theirs"], row["yours"]) for row in response.context["conflict_fields"]}
    label = str(response.context["form"].fields["school_name"].label)
    assert rows[label] == ("Trường B", "Trường A")  # what the other person saved, and what this one had
    assert 'data-testid="conflict"' in response.content.decode()
    child.refresh_from_db()
    assert (child.school_name, child.address, child.version) == ("Trường B", "Tổ 1", 2)  # nothing of the 2nd


def test_edit_with_bad_input_keeps_the_saved_record(login_as):
    child = f.ChildFactory(full_name="Sùng Thị Máy", address="Tổ 1")
    response = login_as("worker").post(f"/children/{child.public_id}/edit/", edit_form(
        child, full_name="", address="Tổ 2", date_of_birth=ddmmyyyy(timezone.localdate() + timedelta(days=3))))
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"full_name", "date_of_birth"}
    child.refresh_from_db()
    assert (child.full_name, child.address, child.version) == ("Sùng Thị Máy", "Tổ 1", 1)


def test_official_and_hotline_see_the_record_but_cannot_edit(login_as):
    child = f.ChildFactory()
    for persona in ["official", "hotline"]:
        client = login_as(persona)
        assert client.get(f"/children/{child.public_id}/").context["may_edit"] is False
        assert client.get(f"/children/{child.public_id}/edit/").status_code == 404
        assert client.post(f"/children/{child.public_id}/edit/", edit_form(child, address="X")).status_code == 404
        assert client.get(REGISTER).status_code == 404
    child.refresh_from_db()
    assert child.address != "X"


# --- Age -----------------------------------------------------------------------------------------


def test_age_is_computed_and_a_child_who_turned_16_is_aged_out_but_kept(login_as, api):
    sixteen_today = f.ChildFactory(full_name="Thào Văn Lử", sex="M", date_of_birth=f.years_ago(16))
    sixteen_tomorrow = f.ChildFactory(full_name="Thào Thị Mai", sex="F", date_of_birth=f.years_ago(16, days=1))
    assert (sixteen_today.age, sixteen_today.is_aged_out) == (16, True)
    assert (sixteen_tomorrow.age, sixteen_tomorrow.is_aged_out) == (15, False)
    assert set(Child.objects.aged_out()) >= {sixteen_today} and sixteen_tomorrow not in Child.objects.aged_out()
    assert sixteen_tomorrow in Child.objects.under_age() and sixteen_today not in Child.objects.under_age()
    client = login_as("worker")
    detail = client.get(f"/children/{sixteen_today.public_id}/").content.decode()
    assert 'data-testid="aged-out"' in detail
    assert 'data-testid="aged-out"' not in client.get(f"/children/{sixteen_tomorrow.public_id}/").content.decode()
    # still in the active list, and in the "16+" band, never deleted
    listed = {c.pk for c in client.get(LIST).context["page"]}
    assert sixteen_today.pk in listed
    aged_out = {c.pk for c in client.get(LIST, {"age_band": "16+"}).context["filter"].qs}
    assert sixteen_today.pk in aged_out and sixteen_tomorrow.pk not in aged_out
    body = api("worker").get(f"/api/v1/children/{sixteen_today.public_id}/").json()
    assert (body["age"], body["is_aged_out"], body["is_active"]) == (16, True, True)
    assert Child.objects.filter(pk=sixteen_today.pk, is_active=True).exists()


# --- Households, caregivers and siblings ---------------------------------------------------------


def test_siblings_are_found_through_the_household(login_as):
    household = f.HouseholdFactory()
    f.CaregiverFactory(household=household, full_name="Lý Thị Chang", phone="0912000111")
    elder = f.ChildFactory(full_name="Lý Văn Tả", sex="M", household=household)
    younger = f.ChildFactory(full_name="Lý Thị Mẩy", sex="F", household=household)
    gone = f.ChildFactory(full_name="Lý Thị Sểnh", household=household, is_active=False)
    stranger = f.ChildFactory(full_name="Lý Văn Khác")
    response = login_as("worker").get(f"/children/{elder.public_id}/")
    assert list(response.context["siblings"]) == [younger]
    html = response.content.decode()
    assert 'data-testid="siblings"' in html and "Lý Thị Mẩy" in html
    assert "Lý Văn Khác" not in html and gone.full_name not in html and stranger.full_name not in html
    assert [c.full_name for c in response.context["caregivers"]] == ["Lý Thị Chang"]


def test_a_sibling_registered_in_another_area_is_named_only_to_those_who_see_it(login_as):
    # The one scoped queryset (children_visible_to) is where the siblings come from too.
    household = f.HouseholdFactory()
    child = f.ChildFactory(household=household)
    near = f.ChildFactory(full_name="Lý Thị Gần", household=household)
    far = f.ChildFactory(full_name="Lý Văn Xa", household=household, commune=f.commune(f.CAO_LANH))
    for persona, expected in (("worker", [near]), ("supervisor", [near]), ("national", [near, far])):
        response = login_as(persona).get(f"/children/{child.public_id}/")
        assert list(response.context["siblings"].order_by("pk")) == expected, persona
        assert (far.full_name in response.content.decode()) is (far in expected)


def test_a_childs_page_costs_the_same_queries_with_one_sibling_or_six(login_as):
    # Each sibling once cost a query of its own (a deferred household id read by the household's manager).
    household = f.HouseholdFactory()
    child = f.ChildFactory(household=household)
    client = login_as("worker")
    client.get(f"/children/{child.public_id}/")  # the first page after sign-in stamps the session
    measured = []
    for siblings in (1, 5):
        for _ in range(siblings):
            f.ChildFactory(household=household)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/children/{child.public_id}/")
        assert len(response.context["siblings"]) == len(measured) * 5 + 1
        measured.append(len(queries))
    assert measured[0] == measured[1]


def test_caregiver_is_added_with_a_valid_phone_and_refused_with_a_bad_one(login_as):
    child = f.ChildFactory(full_name="Lý Văn Tả")
    client = login_as("worker")
    url = f"/children/{child.public_id}/caregivers/"
    assert act(client, url, {"cg-caregiver_name": "Lý Văn Bố", "cg-caregiver_relationship": "father",
                             "cg-caregiver_phone": "123"}) == ["error"]
    assert child.household.caregivers.count() == 0
    client.post(url, {"cg-caregiver_name": "Lý Văn Bố", "cg-caregiver_relationship": "father",
                      "cg-caregiver_phone": "+84 398 765 432", "cg-caregiver_is_guardian": "on"})
    caregiver = child.household.caregivers.get()
    assert (caregiver.phone, caregiver.is_legal_guardian) == ("0398765432", True)
    assert client.post(url, {"cg-caregiver_name": "", "cg-caregiver_relationship": "father"}).status_code == 302
    assert child.household.caregivers.count() == 1
    assert client.get(url).status_code == 200 and client.put(url).status_code == 405  # GET: the form (its panel)


# --- Consent -------------------------------------------------------------------------------------


def act(client, url, data=None) -> list[str]:
    """POST a detail-page action and return the levels of the messages it showed."""
    response = client.post(url, data or {}, follow=True)
    return [m.level_tag for m in response.context["messages"]]


def test_consent_per_purpose_and_a_child_of_seven_or_more_must_agree_too(login_as):
    young = f.ChildFactory(full_name="Vừ Thị Pằng", date_of_birth=f.years_ago(6, days=-10))
    older = f.ChildFactory(full_name="Vừ Văn Tủa", sex="M", date_of_birth=f.years_ago(7))
    mother = f.CaregiverFactory(household=older.household, full_name="Vừ Thị Mỷ")
    client = login_as("worker")
    today = ddmmyyyy(timezone.localdate())
    # under 7: the parent's consent is enough
    assert act(client, f"/children/{young.public_id}/consents/", {
        "purpose": "sharing", "given_by_name": "Vừ Thị Lan", "given_on": today}) == ["success"]
    assert services.has_consent(young, "sharing") and not services.has_consent(young, "publication")
    # 7 or more: refused without the child's agreement, with a message, nothing saved
    assert act(client, f"/children/{older.public_id}/consents/", {
        "purpose": "sharing", "given_by": str(mother.pk), "given_on": today}) == ["error"]
    assert older.consents.count() == 0
    assert act(client, f"/children/{older.public_id}/consents/", {
        "purpose": "sharing", "given_by": str(mother.pk), "given_on": today, "child_agreed": "on"}) == ["success"]
    consent = older.consents.get()
    assert (consent.given_by, consent.given_by_name, consent.child_agreed) == (mother, "Vừ Thị Mỷ", True)
    assert services.has_consent(older, "sharing") and not services.has_consent(older, "processing")
    # nobody named: refused
    assert act(client, f"/children/{older.public_id}/consents/", {
        "purpose": "publication", "child_agreed": "on", "given_on": today}) == ["error"]
    assert not services.has_consent(older, "publication")


def test_consent_from_a_caregiver_of_another_household_or_in_the_future_is_refused(login_as):
    child = f.ChildFactory(date_of_birth=f.years_ago(3))
    stranger = f.CaregiverFactory()
    client = login_as("worker")
    assert act(client, f"/children/{child.public_id}/consents/", {
        "purpose": "sharing", "given_by": str(stranger.pk), "given_on": ddmmyyyy(timezone.localdate())}) == ["error"]
    assert act(client, f"/children/{child.public_id}/consents/", {
        "purpose": "sharing", "given_by_name": "Mẹ",
        "given_on": ddmmyyyy(timezone.localdate() + timedelta(days=2))}) == ["error"]
    assert child.consents.count() == 0


def test_consent_withdrawal_needs_a_reason_and_ends_the_consent(login_as):
    child = f.ChildFactory(date_of_birth=f.years_ago(10))
    consent = f.ConsentFactory(child=child, purpose="sharing")
    client = login_as("worker")
    url = f"/children/{child.public_id}/consents/{consent.pk}/withdraw/"
    assert act(client, url, {"reason": "  "}) == ["error"]
    consent.refresh_from_db()
    assert consent.withdrawn_on is None
    assert act(client, url, {"reason": "Gia đình không đồng ý nữa"}) == ["success"]
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()
    assert consent.withdrawn_by == f.user("worker") and consent.withdrawal_reason == "Gia đình không đồng ý nữa"
    assert not services.has_consent(child, "sharing")
    again = client.post(url, {"reason": "lần hai"}, follow=True)
    assert [m.level_tag for m in again.context["messages"]] == ["error"]
    consent.refresh_from_db()
    assert consent.withdrawal_reason == "Gia đình không đồng ý nữa"
    titles = [e.kind for e in client.get(f"/children/{child.public_id}/history/").context["timeline"]]
    assert titles.count("consent") == 2  # recorded, then withdrawn


# --- Groups, deactivation ------------------------------------------------------------------------


def test_circumstance_group_is_added_and_ended_with_dates_checked(login_as):
    child = f.ChildFactory()
    group = CircumstanceGroup.objects.get(code="SCHOOL_DROPOUT_WORKING")
    client = login_as("worker")
    client.post(f"/children/{child.public_id}/circumstances/", {
        "group": str(group.pk), "started_on": ddmmyyyy(timezone.localdate() + timedelta(days=1))})
    assert child.circumstances.count() == 0
    client.post(f"/children/{child.public_id}/circumstances/", {
        "group": str(group.pk), "started_on": ddmmyyyy(f.years_ago(1))})
    circumstance = child.circumstances.get()
    end = f"/children/{child.public_id}/circumstances/{circumstance.pk}/end/"
    client.post(end, {"ended_on": ddmmyyyy(f.years_ago(2))})  # before the start
    circumstance.refresh_from_db()
    assert circumstance.ended_on is None
    client.post(end, {"ended_on": ddmmyyyy(timezone.localdate())})
    circumstance.refresh_from_db()
    assert circumstance.ended_on == timezone.localdate()


def test_deactivated_child_leaves_the_active_list_but_is_never_deleted(login_as):
    child = f.ChildFactory(full_name="Phàn Thị Mẩy")
    client = login_as("worker")
    client.post(f"/children/{child.public_id}/deactivate/", {"reason": "moved_away", "note": "Chuyển đi Hà Nội"})
    child.refresh_from_db()
    assert (child.is_active, child.deactivation_reason) == (False, "moved_away")
    assert child.pk not in {c.pk for c in client.get(LIST).context["page"]}
    assert child.pk in {c.pk for c in client.get(LIST, {"status": "inactive"}).context["page"]}
    client.post(f"/children/{child.public_id}/deactivate/", {"reason": "merged"})  # not a reason a user picks
    client.post(f"/children/{child.public_id}/reactivate/")
    child.refresh_from_db()
    assert (child.is_active, child.deactivation_reason) == (True, "")


# --- List: filters, sorting, pages, query count -------------------------------------------------


@pytest.fixture
def varied_children(db):
    sa_pa, bat_xat = f.commune(f.SA_PA), f.commune(f.BAT_XAT)
    village = sa_pa.villages.get(name="Tổ dân phố 1")
    kids = {
        "an": f.ChildFactory(full_name="An Thị Lan", sex="F", date_of_birth=f.years_ago(3), commune=sa_pa,
                             village=village, poverty_status="poor"),
        "binh": f.ChildFactory(full_name="Bùi Văn Bình", sex="M", date_of_birth=f.years_ago(8), commune=bat_xat,
                               poverty_status="near_poor", disability_type="mobility", disability_severity="mild"),
        "chi": f.ChildFactory(full_name="Chu Thị Chi", sex="F", date_of_birth=f.years_ago(13), commune=bat_xat),
        "dung": f.ChildFactory(full_name="Đinh Văn Dũng", sex="M", date_of_birth=f.years_ago(16, days=-3),
                               commune=sa_pa, disability_type="vision", disability_severity="severe"),
        "elsewhere": f.ChildFactory(full_name="Đặng Thị Em", commune=f.commune(f.CAO_LANH),
                                    date_of_birth=f.years_ago(4)),
    }
    f.ChildCircumstanceFactory(child=kids["chi"], group=CircumstanceGroup.objects.get(code="ORPHAN_BOTH"))
    f.ChildCircumstanceFactory(child=kids["binh"], group=CircumstanceGroup.objects.get(code="HIV"))
    ended = f.ChildCircumstanceFactory(child=kids["an"], group=CircumstanceGroup.objects.get(code="ORPHAN_BOTH"),
                                       started_on=f.years_ago(2))
    services.end_circumstance(ended, ended_on=f.years_ago(1), by=None)
    return kids


@pytest.mark.parametrize("params, expected", [
    ({}, {"an", "binh", "chi", "dung"}),
    ({"commune": f.SA_PA}, {"an", "dung"}),
    ({"commune": f.BAT_XAT}, {"binh", "chi"}),
    ({"sex": "F"}, {"an", "chi"}),
    ({"age_band": "0-5"}, {"an"}),
    ({"age_band": "6-10"}, {"binh"}),
    ({"age_band": "11-15"}, {"chi"}),
    ({"age_band": "16+"}, {"dung"}),
    ({"group": "ORPHAN_BOTH"}, {"chi"}),  # An's membership ended: not in the group now
    ({"group": "HIV"}, {"binh"}),
    ({"disability": "any"}, {"binh", "dung"}),
    ({"disability": "vision"}, {"dung"}),
    ({"poverty_status": "poor"}, {"an"}),
    ({"poverty_status": "near_poor", "sex": "M"}, {"binh"}),
    ({"commune": f.SA_PA, "sex": "M", "age_band": "16+"}, {"dung"}),
])
def test_list_filters(login_as, varied_children, params, expected):
    response = login_as("supervisor").get(LIST, params)
    results = list(response.context["filter"].qs)  # what the pages show, all of it
    assert response.context["page"].paginator.count == len(results)
    found = {name for name, child in varied_children.items() if child in results}
    assert found == expected
    # and every other child listed (the demo children) matches the filter too
    today = timezone.localdate()
    for child in results:
        assert child.commune.province.code == "15" and child.is_active
        assert child.commune.code == params.get("commune", child.commune.code)
        assert child.sex == params.get("sex", child.sex)
        assert child.poverty_status == params.get("poverty_status", child.poverty_status)
        if "age_band" in params:
            low, high = {"0-5": (0, 5), "6-10": (6, 10), "11-15": (11, 15), "16+": (16, 99)}[params["age_band"]]
            assert low <= child.age_on(today) <= high
        if "disability" in params:
            full = Child.objects.get(pk=child.pk)
            assert full.disability_type if params["disability"] == "any" else \
                full.disability_type == params["disability"]
        if "group" in params:
            assert ChildCircumstance.objects.filter(child=child, group__code=params["group"], ended_on=None).exists()


def test_village_and_province_filters_for_a_national_user(login_as, varied_children):
    client = login_as("national")
    names = lambda params: {c.full_name for c in client.get(LIST, params).context["filter"].qs}  # noqa: E731
    mine = {c.full_name for c in varied_children.values()}
    village = f.commune(f.SA_PA).villages.get(name="Tổ dân phố 1")
    assert names({"commune": f.SA_PA, "village": village.pk}) & mine == {"An Thị Lan"}
    assert names({"province": "82"}) & mine == {"Đặng Thị Em"}
    assert names({"province": "15"}) & mine == {"An Thị Lan", "Bùi Văn Bình", "Chu Thị Chi", "Đinh Văn Dũng"}
    provinces = {c.commune.province.code for c in client.get(LIST, {"province": "82"}).context["filter"].qs}
    assert provinces == {"82"}


def test_list_sorting(login_as, varied_children):
    client = login_as("worker")
    mine = {c.pk for c in varied_children.values()}

    def names(sort):
        qs = client.get(LIST, {"sort": sort} if sort else {}).context["filter"].qs
        return [c.full_name for c in qs if c.pk in mine]

    assert names("") == ["An Thị Lan", "Bùi Văn Bình", "Chu Thị Chi", "Đinh Văn Dũng"]  # Đ sorts as D
    assert names("-name") == ["Đinh Văn Dũng", "Chu Thị Chi", "Bùi Văn Bình", "An Thị Lan"]
    assert names("age") == ["An Thị Lan", "Bùi Văn Bình", "Chu Thị Chi", "Đinh Văn Dũng"]
    assert names("-age") == ["Đinh Văn Dũng", "Chu Thị Chi", "Bùi Văn Bình", "An Thị Lan"]
    assert names("-registered")[0] == "Đinh Văn Dũng"
    # by the commune's official name ("Phường Sa Pa" before "Xã Bát Xát"), then the child's
    assert names("commune") == ["An Thị Lan", "Đinh Văn Dũng", "Bùi Văn Bình", "Chu Thị Chi"]


def test_list_is_paginated_by_25(login_as):
    village = fresh_village()
    f.ChildFactory.create_batch(27, village=village)
    client = login_as("worker")
    params = {"commune": f.SA_PA, "village": village.pk}
    first, second = client.get(LIST, params), client.get(LIST, {**params, "page": 2})
    assert first.context["page"].paginator.count == 27
    assert len(first.context["page"]) == 25 and len(second.context["page"]) == 2
    assert not {c.pk for c in first.context["page"]} & {c.pk for c in second.context["page"]}
    assert "page=2" in first.content.decode()
    everyone = client.get(LIST).context["page"].paginator.count
    assert everyone == selectors.children_visible_to(f.user("worker")).active().count() >= 27


def fresh_village(name="Thôn Kiểm Thử"):
    """A village of Phường Sa Pa holding only the children a test puts there (not the demo's)."""
    return add_village(commune=f.commune(f.SA_PA), name=name, kind="thon", created_by=None)

# The registry's rows as its template wrote them before registry.child_rows (issue 9).
TEMPLATE_ROWS = (Path(__file__).parent / "child_rows_before.html").read_text()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_child_rows_written_in_python_are_what_the_template_wrote(language, login_as):
    from django.template import Context, Template
    from django.utils import translation

    from beneficiaries.templatetags.registry import child_rows

    village = fresh_village()
    f.ChildFactory(full_name="<b>Lò</b> Thị Mai & Hà", village=village, birth_date_estimated=True)
    f.ChildFactory(village=village, date_of_birth=f.years_ago(17))  # aged out
    gone = f.ChildFactory(village=village)
    Child.objects.filter(pk=gone.pk).update(is_active=False, deactivation_reason="moved")
    f.ChildFactory(commune=f.commune(f.BAT_XAT))  # no village
    rows = list(selectors.list_queryset(Child.objects.filter(
        pk__in=Child.objects.order_by("-pk").values("pk")[:4])).order_by("pk"))
    with translation.override(language):
        old = Template(TEMPLATE_ROWS).render(Context({"page": rows}))
        new = child_rows(rows)
        empty_old, empty_new = Template(TEMPLATE_ROWS).render(Context({"page": []})), child_rows([])
    assert " ".join(new.split()) == " ".join(old.split())
    assert " ".join(empty_new.split()) == " ".join(empty_old.split())
    assert "&lt;b&gt;Lò&lt;/b&gt; Thị Mai &amp; Hà" in new and "<b>" not in new
    assert new.count('class="list-group-item') == 4 and "~" in new and "text-bg-warning" in new
    assert ("tuổi" if language == "vi" else " years ") in new


@pytest.mark.parametrize("params", [{"province": "\x00"}, {"commune": "\x00"}, {"commune": "1' OR '1"},
                                    {"province": "15", "commune": "x" * 300, "village": "\x00"}])
def test_a_filter_value_that_is_no_code_is_the_fields_error_not_a_500(login_as, params):
    # The province and commune chosen narrow the other choice lists only when shaped like codes.
    client = login_as("supervisor")
    for url in (LIST, reverse("beneficiaries:child_export", args=["csv"])):
        response = client.get(url, params)
        assert response.status_code in (200, 400), (url, response.status_code)
    page = client.get(LIST, params).content.decode()
    assert '<details open>' in page and '<div class="text-danger small">' in page
    assert client.get(LIST, {"province": "15", "commune": f.SA_PA}).status_code == 200


def test_the_filters_load_when_their_panel_opens_and_show_when_in_use(login_as):
    # Issue 9: the province, commune and village lists are read and written only when the panel is
    # opened (beneficiaries:child_filters); with a filter in use the page shows them itself.
    client = login_as("supervisor")
    closed = client.get(LIST).content.decode()
    panel = closed[closed.index('data-testid="filters-part"') - 200:closed.index('data-testid="filters-part"')]
    assert f'hx-get="{reverse("beneficiaries:child_filters")}"' in panel and 'hx-trigger="toggle once"' in panel
    assert 'name="commune"' not in closed and 'name="group"' not in closed and 'name="search"' in closed
    fields = client.get(reverse("beneficiaries:child_filters")).content.decode()
    assert "<html" not in fields and 'name="search"' not in fields  # the search box stays in the page
    assert 'name="commune"' in fields and f'value="{f.SA_PA}"' in fields and 'name="sort"' in fields
    assert 'class="form-select form-select-sm"' in fields
    in_use = client.get(LIST, {"commune": f.SA_PA}).content.decode()
    assert "<details open>" in in_use and f'<option value="{f.SA_PA}" selected>' in in_use
    assert 'name="commune"' in client.get(LIST, {"filters": ""}).content.decode()  # without JavaScript
    bad = client.get(LIST, {"sex": "X"})
    assert bad.status_code == 200 and "<details open>" in bad.content.decode()  # the error is shown by its field
    assert '<div class="text-danger small">' in bad.content.decode()
    assert login_as("partner").get(reverse("beneficiaries:child_filters")).status_code == 404


def test_the_list_without_filters_reads_no_choice_list(login_as, django_assert_num_queries):
    client = login_as("supervisor")
    client.get(LIST)
    # session, user (with their unread notices), rows (on one page: the count); the group filter's
    # choices are read only to check a chosen group
    with django_assert_num_queries(3):
        response = client.get(LIST)
    assert response.status_code == 200 and response.context["filters_open"] is False


# session, user (with their unread notices), the chosen commune and village (checked), rows (on one page:
# the count), and with the filters in use, their panel's options: provinces, communes, villages, groups
LIST_QUERIES = 9


@pytest.mark.parametrize("how_many", [3, 13])
def test_list_page_query_count_does_not_grow_with_the_children(login_as, django_assert_num_queries, how_many):
    village = fresh_village()
    for _ in range(how_many):
        child = f.ChildFactory(village=village, disability_type="vision", disability_severity="mild")
        f.ChildCircumstanceFactory(child=child)
        f.SensitiveInfoFactory(child=child)
    client = login_as("supervisor")
    client.get(LIST)  # the session is loaded once, as for any page
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST, {"commune": f.SA_PA, "village": village.pk, "sort": "name"})
    assert len(response.context["page"]) == how_many


def test_list_query_count_is_the_same_for_3_and_13_matches_of_a_search(login_as):
    client = login_as("worker")
    village = fresh_village()
    # The search as its form makes it: the text by POST, the results page by its key.
    results_url = client.post(LIST, {"search": "nguyen hoa", "commune": f.SA_PA, "village": village.pk})["Location"]
    measured = []
    for batch in (3, 10):
        for _ in range(batch):
            f.ChildFactory(full_name="Nguyễn Thị Hoa", village=village)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(results_url)
        assert len(response.context["page"]) == len(measured) * 10 + 3
        measured.append(len(queries))
    assert measured[0] == measured[1]


# --- Export --------------------------------------------------------------------------------------


def _xlsx_rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    return [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]


def _csv_rows(response):
    text = response.getvalue().decode("utf-8")  # streamed: getvalue() joins the chunks
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("fmt, reader", [("xlsx", _xlsx_rows), ("csv", _csv_rows)])
def test_export_is_scoped_filtered_free_of_sensitive_data_and_logged(login_as, child_a, varied_children, fmt,
                                                                     reader):
    Child.objects.filter(pk=child_a.pk).update(notes="Ghi chú riêng 5521", address="Địa chỉ riêng 5522")
    response = login_as("supervisor").get(f"/children/export.{fmt}", {"sex": "F"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    rows = reader(response)
    numbers = {row[0] for row in rows[1:]}
    mine = {k: c.registry_number for k, c in varied_children.items()}
    assert child_a.registry_number in numbers and {mine["an"], mine["chi"]} <= numbers  # girls of Lào Cai
    assert not {mine["binh"], mine["dung"], mine["elsewhere"]} & numbers  # boys; Đồng Tháp is out of scope
    expected = Child.objects.filter(commune__province__code="15", sex="F").active().count()
    assert len(rows) - 1 == expected
    female, province = rows[1][2], rows[1][7]
    assert all(row[2] == female and row[7] == province for row in rows[1:])
    flat = " ".join(str(cell) for row in rows for cell in row)
    secrets = [f.SECRET_ABUSE, f.SECRET_DRUGS, f.SECRET_LAW, "Ghi chú riêng 5521", "Địa chỉ riêng 5522",
               child_a.personal_id, CHILD_A_PHONE]
    secrets += [text for info in SensitiveInfo.objects.all() for text in
                (info.sexual_abuse_history, info.drug_use, info.conflict_with_law) if text]
    for secret in secrets:
        assert secret not in flat
    assert len(rows[0]) == 13 and all(len(row) == 13 for row in rows)
    event = AccessEvent.objects.get(action="export")
    assert event.user == f.user("supervisor") and event.object_type == "beneficiaries.child"
    assert event.detail["rows"] == expected and event.detail["format"] == fmt
    assert event.detail["query"] == {"sex": ["F"]}
    assert event.ip_address == "127.0.0.1"


@pytest.mark.parametrize("fmt, reader", [("xlsx", _xlsx_rows), ("csv", _csv_rows)])
def test_export_neutralises_formulas_typed_into_free_text(login_as, fmt, reader):
    sa_pa = f.commune(f.SA_PA)
    village = add_village(commune=sa_pa, name="=HYPERLINK(\"http://evil\",\"x\")", kind="thon", created_by=None)
    f.ChildFactory(full_name="@SUM(1+1)", commune=sa_pa, village=village)  # bypasses the form: defence in depth
    rows = reader(login_as("worker").get(f"/children/export.{fmt}"))
    row = next(r for r in rows[1:] if "SUM" in str(r[1]))
    assert row[1] == "'@SUM(1+1)"
    assert row[9] == "'=HYPERLINK(\"http://evil\",\"x\")"
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(login_as("worker").get("/children/export.xlsx").getvalue())).active
        assert all(cell.data_type != "f" for r in sheet.iter_rows() for cell in r)


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2", "'-2"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\r=1", "'\r=1"),
    ("Nguyễn=1", "Nguyễn=1"), ("", ""), (None, ""), (12, "12"), ("Tổ 3", "Tổ 3"),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_export_refused_to_roles_without_it_and_unknown_formats(login_as):
    assert login_as("hotline").get("/children/export.csv").status_code == 404
    assert login_as("partner").get("/children/export.xlsx").status_code == 404
    assert login_as("worker").get("/children/export.pdf").status_code == 404
    assert not AccessEvent.objects.filter(action="export").exists()


def test_a_refused_group_at_registration_leaves_no_half_registered_child(login_as, monkeypatch):
    """The child and the groups chosen on the form are saved together or not at all."""
    from django.urls import reverse

    from beneficiaries import services as registry_services
    from beneficiaries.models import Child as ChildModel
    from beneficiaries.models import CircumstanceGroup
    from geography.models import Commune

    def refuse(*args, **kwargs):
        raise registry_services.RegistryError("Nhóm không hợp lệ.")

    monkeypatch.setattr(registry_services, "add_circumstance", refuse)
    before = ChildModel.objects.count()
    response = login_as("worker").post(reverse("beneficiaries:child_register"), {
        "full_name": "Lò Thị Xuân", "sex": "F", "estimated_age": 8, "ethnicity": "03",
        "birth_registration": "registered", "commune": Commune.objects.current().get(code="02683").pk,
        "schooling": "primary", "poverty_status": "none",
        "groups": [CircumstanceGroup.objects.get(code="ORPHAN_BOTH").pk], "confirm_new": "on",
        "duplicate_reason": "khác"})
    assert response.status_code == 200
    assert ChildModel.objects.count() == before
