"""What the pages of province B's users offer and count: nothing of province A.

Issue 8 item 1: records of province A "appear in no list, search result, count, export, filter
choice or related-field choice" for a user of province B. The access matrix checks the status of
every route; here every form page worker_b and hotline_b open is rendered, and
- each form and filter in the page's context is read: no model choice may hold a record of
  province A (ARCHITECTURE.md: choices go through the same scope as the lists);
- the page's text may name no child, case, worker or agency of province A;
- the counts they see (home, dashboard, export) are province B's alone, and stay the same when
  province A's records change.
"""

import csv
import io
import re
from datetime import timedelta

import django_filters
import pytest
from django import forms
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from agencies.models import Agency, ServiceType
from beneficiaries.models import Caregiver, Child, CircumstanceGroup, CircumstanceSubgroup
from cases import services as case_services
from cases.choices import OPEN_STATUSES, Channel, ChildCategory, Level, Source
from cases.models import AbuseType, Case, DocumentKind, PlanTask
from geography.models import Commune, Province, Village
from hotline.models import Call, CallCategory, Hotline
from referrals.models import Referral
from reports import compute, periods
from reports.models import IndicatorValue
from reports.services import build_province
from tests.cases.conftest import content

from .conftest import PROVINCE_A, PROVINCE_B, MatrixRecords, ProvinceBRecords

# The whole module with the other database tests, before the transactional ones that flush the demo.
pytestmark = pytest.mark.django_db

# A model choice holds a record of province A when it matches this.
OF_PROVINCE_A = {
    Child: Q(commune__province__code=PROVINCE_A),
    Caregiver: Q(household__commune__province__code=PROVINCE_A),
    Case: Q(commune__province__code=PROVINCE_A),
    PlanTask: Q(case__commune__province__code=PROVINCE_A),
    Referral: Q(child__commune__province__code=PROVINCE_A),
    Call: Q(hotline__province__code=PROVINCE_A),
    Hotline: Q(province__code=PROVINCE_A),
    User: Q(province__code=PROVINCE_A),
    Agency: Q(province__code=PROVINCE_A),
    Province: Q(code=PROVINCE_A),
    Commune: Q(province__code=PROVINCE_A),
    Village: Q(commune__province__code=PROVINCE_A),
}
# Reference tables, the same for every province.
REFERENCE = {ServiceType, AbuseType, CallCategory, CircumstanceGroup, CircumstanceSubgroup}
# Choices of every province by design, and why.
BY_DESIGN = {
    ("CounsellingForm", "child_province"): "a caller may report a child of any province; the list is the "
                                           "official register of provinces (public reference data)",
}


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def form_pages(b: ProvinceBRecords) -> list[tuple[str, str]]:
    """(persona, URL) of every page with a form or a filter that worker_b and hotline_b open."""
    child, case = str(b.child.public_id), str(b.case.public_id)
    worker_b = [
        reverse("home"), reverse("beneficiaries:child_list"), reverse("beneficiaries:child_filters"),
        reverse("beneficiaries:child_register"),
        reverse("beneficiaries:import_upload"), reverse("beneficiaries:duplicate_queue"),
        reverse("beneficiaries:child_detail", args=[child]), reverse("beneficiaries:child_edit", args=[child]),
        reverse("beneficiaries:consent_add", args=[child]), reverse("beneficiaries:circumstance_add", args=[child]),
        reverse("beneficiaries:caregiver_add", args=[child]), reverse("beneficiaries:child_deactivate", args=[child]),
        reverse("cases:case_list"), reverse("cases:case_filters"), reverse("cases:case_open"),
        f"{reverse('cases:case_open')}?child={child}",
        reverse("cases:my_work"), reverse("cases:case_detail", args=[case]),
        reverse("cases:document_edit", args=[case, "intake"]), reverse("cases:notifications"),
        reverse("referrals:referral_list"), f"{reverse('referrals:referral_new')}?child={child}",
        f"{reverse('referrals:referral_new')}?case={case}", reverse("agencies:agency_list"),
        reverse("geography:commune_detail", args=[b.commune.code]),
        reverse("reports:dashboard"), reverse("reports:assessment_list"), reverse("reports:fund_list"),
        reverse("reports:event_list"),
    ]
    hotline_b = [
        reverse("home"), reverse("hotline:call_screen"), reverse("hotline:call_list"),
        reverse("hotline:callback_queue"), reverse("hotline:call_detail", args=[b.draft_call.public_id]),
        reverse("hotline:call_detail", args=[b.logged_call.public_id]), reverse("cases:case_open"),
        f"{reverse('cases:case_open')}?child={child}", reverse("beneficiaries:child_list"),
        reverse("beneficiaries:child_filters"), reverse("cases:case_list"), reverse("cases:case_filters"),
        reverse("referrals:referral_list"),
        f"{reverse('referrals:referral_new')}?call={b.logged_call.public_id}",
    ]
    return [("worker_b", url) for url in worker_b] + [("hotline_b", url) for url in hotline_b]


def forms_of(response) -> list[forms.BaseForm]:
    """Every form and filter form in the contexts the page was rendered with."""
    contexts = response.context if isinstance(response.context, list) else [response.context]
    found, seen = [], set()
    for context in contexts:
        for layer in context.dicts:
            for value in layer.values():
                form = value.form if isinstance(value, django_filters.FilterSet) else value
                if isinstance(form, forms.BaseForm) and id(form) not in seen:
                    seen.add(id(form))
                    found.append(form)
    return found


def choices_of_province_a(form: forms.BaseForm) -> list[str]:
    """The form's model choices that hold records of province A (or of a model nobody checked)."""
    found = []
    for name, field in form.fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is None or (type(form).__name__, name) in BY_DESIGN or queryset.model in REFERENCE:
            continue
        model = queryset.model
        if model not in OF_PROVINCE_A:
            found.append(f"{type(form).__name__}.{name}: choices of {model.__name__}, a model this test does not "
                         "know: say in OF_PROVINCE_A how its records belong to a province")
        elif queryset.filter(OF_PROVINCE_A[model]).exists():
            found.append(f"{type(form).__name__}.{name}: {list(queryset.filter(OF_PROVINCE_A[model])[:3])}")
    return found


def names_of_province_a(records: MatrixRecords) -> set[str]:
    """What would name a record of province A on a page: children, cases, calls, people, agencies."""
    children = Child.objects.filter(commune__province__code=PROVINCE_A)
    people = User.objects.filter(province__code=PROVINCE_A)
    return {
        "Lào Cai",  # the province itself: in a province choice, an agency's name, a hotline's name
        *children.values_list("full_name", flat=True), *children.values_list("registry_number", flat=True),
        *(str(i) for i in children.values_list("public_id", flat=True)),
        *Case.objects.filter(commune__province__code=PROVINCE_A).values_list("case_number", flat=True),
        *(str(i) for i in Call.objects.filter(hotline__province__code=PROVINCE_A).values_list("public_id", flat=True)),
        *(u.get_full_name() for u in people), *(f"{u.last_name} {u.first_name}" for u in people),
        *Agency.objects.filter(province__code=PROVINCE_A).values_list("name", flat=True),
        records.case.case_number, records.child.full_name,
    }


def test_form_pages_of_province_b_offer_no_choice_of_province_a(matrix_records, province_b):
    names = names_of_province_a(matrix_records)
    problems = []
    for persona, url in form_pages(province_b):
        response = client_for(persona).get(url)
        assert response.status_code == 200, f"GET {url} as {persona}: {response.status_code}"
        page_forms = forms_of(response)
        for form in page_forms:
            problems += [f"{persona} {url}: {problem}" for problem in choices_of_province_a(form)]
        by_design = any((type(f).__name__, field) in BY_DESIGN for f in page_forms for field in f.fields)
        page = response.content.decode()
        problems += [f"{persona} {url}: names {name!r}" for name in sorted(names) if name in page
                     and not (by_design and name == "Lào Cai")]
    assert not problems, "\n".join(problems)


def test_the_form_pages_checked_hold_forms_with_model_choices(province_b):
    """The test above reads real forms: the pages it opens do carry the choices it checks."""
    checked = set()
    for persona, url in form_pages(province_b):
        for form in forms_of(client_for(persona).get(url)):
            checked |= {f"{type(form).__name__}.{name}" for name, field in form.fields.items()
                        if getattr(field, "queryset", None) is not None}
    assert {"ChildFilterForm.province", "ChildFilterForm.commune", "ChildFilterForm.village", "ChildForm.commune",
            "ChildForm.village", "ConsentForm.agency", "CaseFilterForm.worker", "CaseFilterForm.commune",
            "OpenCaseForm.child", "OpenCaseForm.commune", "PlanTaskForm.responsible_agency",
            "ServiceForm.provider_agency", "ServiceForm.task", "ReferralForm.agency", "ReferralForm.case",
            "ReferralFilterForm.agency", "CallFilterForm.hotline", "CallFilterForm.counsellor",
            "CounsellingForm.child", "CounsellingForm.child_commune", "AddToCaseForm.case"} <= checked, sorted(checked)


def test_registration_offers_the_villages_of_the_users_communes_only(matrix_records, province_b):
    """Found by the test above: the registration form listed every village of the country."""
    form = client_for("worker_b").get(reverse("beneficiaries:child_register")).context["form"]
    assert not form.fields["village"].queryset.filter(commune__province__code=PROVINCE_A).exists()
    edit = client_for("worker_b").get(reverse("beneficiaries:child_edit", args=[province_b.child.public_id]))
    villages = edit.context["form"].fields["village"].queryset
    assert set(villages.values_list("commune_id", flat=True)) == {province_b.commune.pk}
    assert matrix_records.village.name not in edit.content.decode()


# --- Counts --------------------------------------------------------------------------------------


def busier_province_a(records: MatrixRecords, period: periods.Period) -> None:
    """More of everything in province A, and its snapshots rebuilt: a count that mixed province A in
    would change."""
    worker = User.objects.get(username="worker")
    commune = records.commune
    for child in Child.objects.filter(commune=commune, is_active=True, merged_into__isnull=True).exclude(
            cases__status__in=OPEN_STATUSES)[:3]:
        case_services.open_case(
            child=child, level=Level.EARLY_SUPPORT, category=ChildCategory.ABUSED, channel=Channel.PHONE,
            source=Source.HOTLINE, received_at=timezone.now() - timedelta(hours=2), commune=commune,
            is_emergency=True, by=worker, intake=content(DocumentKind.INTAKE), summary="Thêm một trường hợp.")
    build_province(period, commune.province_id)


def dashboard_numbers(client: Client) -> dict:
    context = client.get(reverse("reports:dashboard")).context
    return {
        "province": context["province"].code,
        "lines": [(line.indicator.code, line.display, line.previous_display) for line in context["lines"]],
        "communes": [(row["commune"].code, [cell.display if cell else None for cell in row["cells"]])
                     for row in context["commune_rows"]],
        "charts": [chart["datasets"] for chart in context["charts"]],
    }


def test_worker_b_dashboard_counts_province_b_only(matrix_records, province_b):
    period = periods.current("year")
    province_b_ = Province.objects.current().get(code=PROVINCE_B)
    build_province(period, province_b_.pk)  # with the records made for this test
    client = client_for("worker_b")
    response = client.get(reverse("reports:dashboard"))
    assert response.context["province"] == province_b_
    figures = [line.figure for line in response.context["lines"] if line.figure is not None]
    assert figures, "the demo builds the current year's snapshots"
    for figure in figures:
        assert figure.province_id == province_b_.pk, figure
        # The province total is what the source tables of province B alone give.
        totals = [c for c in compute.COMPUTE[figure.code](province_b_.pk, period)
                  if c.commune_id is None and c.dimension == ""]
        assert (figure.numerator, figure.denominator) == (totals[0].numerator, totals[0].denominator), figure.code
    for row in response.context["commune_rows"]:
        assert row["commune"].province_id == province_b_.pk

    before = dashboard_numbers(client)
    opened_a = IndicatorValue.objects.get(period=period.code, province__code=PROVINCE_A, commune__isnull=True,
                                          dimension="", indicator__code="CASES_OPENED").numerator
    busier_province_a(matrix_records, period)
    assert IndicatorValue.objects.get(period=period.code, province__code=PROVINCE_A, commune__isnull=True,
                                      dimension="", indicator__code="CASES_OPENED").numerator > opened_a
    assert dashboard_numbers(client) == before


def test_worker_b_statistics_export_and_print_hold_province_b_only(matrix_records, province_b):
    period = periods.current("year")
    client = client_for("worker_b")

    def export() -> list[list[str]]:
        response = client.get(reverse("reports:export", kwargs={"fmt": "csv"}))
        text = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
        return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))

    def printed() -> str:
        page = client.get(reverse("reports:print_report")).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"|\d{1,2}:\d{2}', "", page)  # token, time printed

    exported, page = export(), printed()
    assert "Lào Cai" not in str(exported) and "Lào Cai" not in page
    busier_province_a(matrix_records, period)
    assert export() == exported
    assert printed() == page


def test_home_pages_of_province_b_count_their_own_work_only(matrix_records, province_b):
    """worker_b's home counts the open cases assigned to them; hotline_b's shows their line only."""
    worker_b = User.objects.get(username="worker_b")
    home = client_for("worker_b").get(reverse("home"))
    shown = home.context["page"].paginator.count
    assert shown == Case.objects.filter(assigned_worker=worker_b, status__in=OPEN_STATUSES).count() > 0
    busier_province_a(matrix_records, periods.current("year"))
    assert client_for("worker_b").get(reverse("home")).context["page"].paginator.count == shown

    screen = client_for("hotline_b").get(reverse("hotline:call_screen")).context
    assert [line.code for line in screen["lines"]] == ["DT-HOTLINE"]
    assert {c.hotline.code for c in screen["drafts"] + screen["unclaimed"] + screen["recent"]} <= {"DT-HOTLINE"}
    assert screen["callbacks_due"] == 0  # Lào Cai's line has callbacks due; none is hotline_b's


# --- A hotline counsellor of province B ----------------------------------------------------------


def test_hotline_b_sees_no_call_of_province_a(matrix_records, province_b):
    client = client_for("hotline_b")
    listed = set(client.get(reverse("hotline:call_list")).context["filter"].qs.values_list("public_id", flat=True))
    assert listed == set(Call.objects.filter(hotline__code="DT-HOTLINE").values_list("public_id", flat=True))
    assert province_b.logged_call.public_id in listed
    rows = client.get(reverse("call-list"), {"page_size": 200}).json()["results"]
    api = {str(row.get("public_id") or row.get("id")) for row in rows}
    assert api == {str(i) for i in listed}
    queue = client.get(reverse("hotline:callback_queue")).context
    assert not [c for c in queue["due"] + queue["upcoming"] if c.call.hotline.code != "DT-HOTLINE"]
    assert matrix_records.callback.call.hotline.province.code == PROVINCE_A  # there was one to leak
    # Repeat callers: a number that called Lào Cai's line finds nothing on Đồng Tháp's.
    phone = matrix_records.callback.call.caller_phone
    found = client.post(f"{reverse('hotline:previous_calls')}?call={province_b.draft_call.public_id}",
                        {"caller_phone": phone})
    assert found.status_code == 200 and found.context["previous"] == []
    assert client_for("hotline").post(reverse("hotline:previous_calls"), {"caller_phone": phone}).context["previous"]


def test_hotline_b_child_search_finds_no_child_of_province_a(matrix_records, province_b):
    client = client_for("hotline_b")
    a = client.post(reverse("hotline:child_search"), {"search": matrix_records.child.full_name})
    b = client.post(reverse("hotline:child_search"), {"search": province_b.child.full_name})
    assert a.status_code == 200 and a.context["found"] == []
    assert [c.pk for c in b.context["found"]] == [province_b.child.pk]


def test_national_line_counsellors_see_every_call_of_the_line_by_design(matrix_records):
    """By design (hotline.selectors.calls_visible_to): calls are scoped by the line, not by the
    child's province. A provincial line's calls are its province's, so a counsellor of Đồng Tháp's
    line sees none of Lào Cai's; the national 111 answers the whole country, and its counsellors
    read all of its calls, about children of any province (a province-scoped counsellor who is a
    member of 111 included). Who is a member of 111 is the national line's decision."""
    national = Hotline.objects.get(code="111")
    about_a = Call.objects.filter(hotline=national, child_commune__province__code=PROVINCE_A)
    assert about_a.exists(), "the demo logs 111 calls about children of Lào Cai"
    counsellor_b = User.objects.get(username="hotline_b")
    client = client_for("hotline_b")
    listed = client.get(reverse("hotline:call_list")).context["filter"].qs
    assert not listed.filter(hotline=national).exists()
    national.members.add(counsellor_b)
    listed = client.get(reverse("hotline:call_list")).context["filter"].qs
    assert set(about_a.values_list("pk", flat=True)) <= set(listed.values_list("pk", flat=True))
    assert not listed.filter(hotline__province__code=PROVINCE_A).exists()  # never Lào Cai's own line
    # Reading a 111 call does not open another province's registry: its child stays out of reach.
    call = about_a.filter(child__isnull=False).first()
    assert call is not None, "the demo's 111 report about a child of Lào Cai names the registered child"
    assert client.get(reverse("hotline:call_detail", args=[call.public_id])).status_code == 200
    assert client.get(reverse("beneficiaries:child_detail", args=[call.child.public_id])).status_code == 404
