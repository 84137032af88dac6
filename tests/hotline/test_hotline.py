"""The hotline (issue 5) from the services to the pages: one-keystroke logging, the counselling
form and its draft, repeat callers, escalation into a case routed to the child's province,
callbacks, access (404 outside the scope, officials get numbers only, every view of a call in the
access log), statistics that agree with what was logged, the 111 report and its export, and the
pinned query counts of the call list and the supervisor's view."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from beneficiaries.models import Child
from cases.choices import ClockCode, Level
from cases.models import AbuseType
from cases.selectors import cases_visible_to
from hotline import selectors, services, statistics
from hotline.choices import CallbackStatus, CallStatus, ConnectionOutcome, ReportingClass
from hotline.demo import seed_hotline
from hotline.models import Call, Callback, Hotline
from hotline.permissions import can_see_caller_identity, can_see_hotline_figures
from tests.hotline.conftest import (
    CAO_LANH,
    SA_PA,
    categories,
    commune,
    counselling_data,
    logged_call,
    phone_call,
)

pytestmark = pytest.mark.django_db

SECRET = "Cháu kể bị cha dượng đánh bằng roi"  # a narrative officials must never read


def quick_post(client, line, contact_type, key):
    return client.post(reverse("hotline:quick_log_new"), {"hotline": line.pk, "contact_type": contact_type,
                                                          "key": key})


def form_post(**overrides) -> dict:
    """The counselling form as the browser posts it."""
    data = {"contact_type": "THIRD_PARTY", "caller_relationship": "NEIGHBOUR_COMMUNITY", "caller_name": "Lò Thị Mai",
            "caller_phone": "0912 345 670", "child_name": "Cháu Hoa", "child_sex": "F", "child_age": "13",
            "child_province": "15", "child_commune": SA_PA, "categories": ["VIOLENCE.PHYSICAL_VIOLENCE",
                                                                           "FAMILY.RELATIONSHIP_TO_CAREGIVER"],
            "urgency": "EMERGENCY", "summary": SECRET, "actions_taken": ["COUNSELLED"], "follow_up": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- services ----------------------------------------------------------------------------------


def test_reporting_class_follows_the_contact_type_and_an_unanswered_call_is_no_contact():
    assert services.reporting_class_for("ANSWERED", "CHILD_SELF") == ReportingClass.COUNSELLING
    assert services.reporting_class_for("ANSWERED", "INFORMATION_REQUEST") == ReportingClass.NON_COUNSELLING
    assert services.reporting_class_for("ANSWERED", "PRANK") == ReportingClass.NON_CONTACT
    assert services.reporting_class_for("ABANDONED_IN_QUEUE", "CHILD_SELF") == ReportingClass.NON_CONTACT


def test_quick_log_completes_the_call_once(fresh_line, counsellor):
    call = services.start_call(hotline=fresh_line, counsellor=counsellor)
    logged = services.quick_log(call, contact_type="SILENT", by=counsellor)
    assert logged.status == CallStatus.COMPLETE and logged.reporting_class == ReportingClass.NON_CONTACT
    assert logged.ended_at is not None
    again = services.quick_log(call, contact_type="PRANK", by=counsellor)  # a double submit changes nothing
    assert again.contact_type == "SILENT"
    other = services.start_call(hotline=fresh_line, counsellor=counsellor)
    with pytest.raises(services.HotlineError):
        services.quick_log(other, contact_type="CHILD_SELF", by=counsellor)


def test_a_counsellor_starts_calls_only_on_their_lines_and_a_repeated_key_starts_one(fresh_line, counsellor,
                                                                                       persona):
    with pytest.raises(services.HotlineError):
        services.start_call(hotline=fresh_line, counsellor=persona("worker"))
    first = services.start_call(hotline=fresh_line, counsellor=counsellor, idempotency_key="web:1:abc")
    second = services.start_call(hotline=fresh_line, counsellor=counsellor, idempotency_key="web:1:abc")
    assert first.pk == second.pk and Call.objects.filter(hotline=fresh_line).count() == 1


def test_complete_call_needs_a_contact_type_and_a_second_submit_changes_nothing(fresh_line, counsellor):
    call = services.start_call(hotline=fresh_line, counsellor=counsellor)
    with pytest.raises(services.HotlineError):
        services.complete_call(call, data=counselling_data(contact_type=""), by=counsellor)
    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT
    done = services.complete_call(call, data=counselling_data(), categories=categories("VIOLENCE.BULLYING"),
                                  by=counsellor)
    assert done.reporting_class == ReportingClass.COUNSELLING and list(done.categories.values_list("code", flat=True)) \
        == ["VIOLENCE.BULLYING"]
    again = services.complete_call(call, data=counselling_data(summary="changed"), by=counsellor)
    assert again.summary != "changed" and Call.objects.filter(hotline=fresh_line).count() == 1
    with pytest.raises(services.HotlineError):
        services.save_draft(call, data={"summary": "late"}, by=counsellor)


def test_the_phone_system_record_checks_times_and_keys(fresh_line, lao_cai_line):
    now = timezone.now()
    with pytest.raises(services.HotlineError):
        services.record_from_phone_system(hotline=fresh_line, idempotency_key="k-bad", received_at=now,
                                          ended_at=now - timedelta(minutes=1), connection_outcome="ABANDONED_IN_QUEUE")
    call, created = services.record_from_phone_system(
        hotline=fresh_line, idempotency_key="k-1", received_at=now - timedelta(minutes=2),
        ended_at=now - timedelta(minutes=1), connection_outcome="ABANDONED_IN_QUEUE")
    assert created and call.status == CallStatus.COMPLETE and call.reporting_class == ReportingClass.NON_CONTACT
    again, created = services.record_from_phone_system(
        hotline=fresh_line, idempotency_key="k-1", received_at=now, connection_outcome="ANSWERED")
    assert not created and again.pk == call.pk
    with pytest.raises(services.HotlineError):  # another line never gets this line's call back
        services.record_from_phone_system(hotline=lao_cai_line, idempotency_key="k-1", received_at=now,
                                          connection_outcome="ANSWERED")


def test_a_111_call_about_a_lao_cai_child_opens_an_emergency_case_with_lao_cai(national, counsellor, persona):
    """Issue 5 item 5: the child is registered from the description, the case opens in the child's
    commune with Form 01 filled in from the call and the 12-hour clock; call and case link."""
    call = logged_call(national, counsellor, "THIRD_PARTY", summary=SECRET, cats=categories(
        "VIOLENCE.PHYSICAL_VIOLENCE"))
    case = services.open_case_from_call(call, level=Level.INTERVENTION, category="ABUSED", is_emergency=True,
                                        by=counsellor, abuse_types=list(AbuseType.objects.filter(code="VIOLENCE")))
    call.refresh_from_db()
    assert call.case == case and "CASE_OPENED" in call.actions_taken
    assert case.commune.code == SA_PA and case.case_number.startswith("HS-15-") and case.is_emergency
    assert case.received_at == call.received_at and case.source == "HOTLINE"
    clock = case.clocks.get(code=ClockCode.EMERGENCY_12H)
    assert clock.met_at is None and clock.due_at == call.received_at + timedelta(hours=12)
    intake = case.documents.get(kind="INTAKE").content
    assert intake["receiving_body"] == national.name and intake["child_condition"] == SECRET
    assert intake["reporter_agrees"] is False and intake["reporter_name"] == ""  # the caller stayed anonymous
    assert Child.objects.get(pk=case.child_id).commune.code == SA_PA
    assert cases_visible_to(persona("supervisor")).filter(pk=case.pk).exists()
    assert not cases_visible_to(persona("worker_b")).filter(pk=case.pk).exists()
    with pytest.raises(services.HotlineError):
        services.open_case_from_call(call, level=Level.INTERVENTION, category="ABUSED", is_emergency=True,
                                     by=counsellor)


def test_only_a_logged_counselling_call_becomes_a_case(fresh_line, counsellor):
    silent = logged_call(fresh_line, counsellor, "SILENT")
    with pytest.raises(services.HotlineError):
        services.open_case_from_call(silent, level=Level.INTERVENTION, category="ABUSED", is_emergency=True,
                                     by=counsellor)
    draft = services.start_call(hotline=fresh_line, counsellor=counsellor)
    with pytest.raises(services.HotlineError):
        services.open_case_from_call(draft, level=Level.INTERVENTION, category="ABUSED", is_emergency=True,
                                     by=counsellor)


def test_callbacks_respect_do_not_call_back(fresh_line, counsellor):
    no_number = logged_call(fresh_line, counsellor, "CHILD_SELF")
    with pytest.raises(services.HotlineError):
        services.schedule_callback(no_number, due_at=timezone.now(), by=counsellor)
    refused = logged_call(fresh_line, counsellor, "CHILD_SELF", caller_phone="0912000111", do_not_call_back=True)
    with pytest.raises(services.HotlineError):
        services.schedule_callback(refused, due_at=timezone.now(), by=counsellor)
    call = logged_call(fresh_line, counsellor, "CHILD_SELF", caller_phone="0912000112")
    callback = services.schedule_callback(call, due_at=timezone.now() - timedelta(minutes=1), by=counsellor)
    assert callback in selectors.callbacks_due(counsellor)
    services.record_callback_attempt(callback, reached=False, outcome="Không nghe máy", by=counsellor)
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.SCHEDULED
    services.record_callback_attempt(callback, reached=True, outcome="Đã nói chuyện", by=counsellor)
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DONE and callback not in selectors.callbacks_due(counsellor)
    later = services.schedule_callback(call, due_at=timezone.now(), by=counsellor)
    Call.objects.filter(pk=call.pk).update(do_not_call_back=True)
    with pytest.raises(services.HotlineError):
        services.record_callback_attempt(later, reached=True, outcome="", by=counsellor)


# --- statistics agree with what was logged -------------------------------------------------------


def test_figures_and_the_funnel_agree_with_what_was_logged(fresh_line, counsellor, persona):
    for contact_type, n in [("SILENT", 4), ("HANG_UP", 3), ("PRANK", 2), ("WRONG_NUMBER", 1),
                            ("INFORMATION_REQUEST", 3), ("THANKS", 1)]:
        for _i in range(n):
            logged_call(fresh_line, counsellor, contact_type)
    violence = categories("VIOLENCE.PHYSICAL_VIOLENCE", "VIOLENCE.BULLYING")
    counselled = [logged_call(fresh_line, counsellor, "CHILD_SELF", cats=violence),
                  logged_call(fresh_line, counsellor, "THIRD_PARTY",
                              cats=categories("MENTAL_HEALTH.TRAUMATIC_DISTRESS")),
                  logged_call(fresh_line, counsellor, "THIRD_PARTY", cats=categories("VIOLENCE.SEXUAL_VIOLENCE"))]
    services.open_case_from_call(counselled[0], level=Level.INTERVENTION, category="ABUSED", is_emergency=True,
                                 by=counsellor, abuse_types=list(AbuseType.objects.filter(code="VIOLENCE")))
    services.open_case_from_call(counselled[1], level=Level.PREVENTION, category="AT_RISK", is_emergency=False,
                                 by=counsellor)
    phone_call(fresh_line, ConnectionOutcome.ABANDONED_IN_QUEUE, wait=90)
    phone_call(fresh_line, ConnectionOutcome.ABANDONED_IN_QUEUE, wait=60)
    phone_call(fresh_line, ConnectionOutcome.ABANDONED_SHORT, wait=3)
    phone_call(fresh_line, ConnectionOutcome.OUT_OF_HOURS, wait=0)

    calls = statistics.in_period(selectors.calls_counted_for(persona("supervisor")).filter(hotline=fresh_line),
                                 statistics.Period(timezone.localdate(), timezone.localdate()))
    k = statistics.kpis(calls)
    assert (k["received"], k["offered"], k["answered"], k["abandoned"], k["abandoned_short"]) == (21, 20, 17, 2, 1)
    assert (k["counselling"], k["non_counselling"], k["non_contact"], k["contacts"]) == (3, 4, 14, 7)
    assert k["answer_rate"] == 85.0 and k["abandonment_rate"] == 10.0
    assert k["counselling_share"] == round(100 * 3 / 7, 1) and k["with_case"] == 2
    assert k["case_conversion"] == round(100 * 2 / 3, 1)
    assert k["avg_wait_seconds"] == 0  # calls started on the call screen are answered as they arrive
    assert {row["code"]: row["calls"] for row in statistics.by_category(calls)} == {"VIOLENCE": 2, "MENTAL_HEALTH": 1}
    assert statistics.emergencies(calls) == {"emergency_cases": 1, "met_12h": 0, "met_12h_rate": 0.0}
    funnel = {code: value for code, _label, value in statistics.funnel_111(calls)}
    assert funnel == {"received": 21, "counselled": 7, "in_depth": 3, "case_files": 2, "support_intervention": 1}
    assert statistics.cases_by_abuse_type(calls) == [{"code": "VIOLENCE", "cases": 1}]


def test_waiting_and_talk_times_come_from_the_phone_system(fresh_line, counsellor):
    phone_call(fresh_line, ConnectionOutcome.ANSWERED, wait=20, talk=100, counsellor=counsellor)
    phone_call(fresh_line, ConnectionOutcome.ANSWERED, wait=40, talk=300, counsellor=counsellor)
    k = statistics.kpis(Call.objects.filter(hotline=fresh_line))
    assert k["avg_wait_seconds"] == 30 and k["avg_talk_seconds"] == 200
    assert k["non_contact"] == 2  # answered but not logged yet: no contact type, so no contact yet


def test_officials_count_their_province_s_line_and_111_calls_about_their_children(national, lao_cai_line,
                                                                                    counsellor, persona):
    about_lao_cai = logged_call(national, counsellor, "CHILD_SELF", child_commune=commune(SA_PA))
    about_dong_thap = logged_call(national, counsellor, "CHILD_SELF", child_commune=commune(CAO_LANH))
    on_the_line = logged_call(lao_cai_line, counsellor, "SILENT")
    counted = selectors.calls_counted_for(persona("official"))
    assert {about_lao_cai, on_the_line} <= set(counted) and about_dong_thap not in counted
    assert about_dong_thap in selectors.calls_counted_for(persona("national"))
    assert not selectors.calls_visible_to(persona("official")).exists()  # numbers, never the calls
    assert not selectors.calls_counted_for(persona("worker")).exists()


# --- the call screen -----------------------------------------------------------------------------


def test_ten_non_counselling_calls_in_ten_posts_and_a_double_submit_logs_one(login_as, lao_cai_line, counsellor):
    client = login_as("hotline")
    screen = client.get(reverse("hotline:call_screen"))
    assert screen.status_code == 200
    assert screen.content.decode().count('data-key="') >= 9  # 8 contact types + N for a new call
    before = Call.objects.filter(counsellor=counsellor).count()
    types = ["SILENT", "HANG_UP", "PRANK", "WRONG_NUMBER", "ABUSIVE", "TEST", "INFORMATION_REQUEST", "THANKS",
             "SILENT", "SILENT"]
    for i, contact_type in enumerate(types):
        response = quick_post(client, lao_cai_line, contact_type, f"k{i}")
        assert response.status_code == 302 and response["Location"] == reverse("hotline:call_screen")
    assert Call.objects.filter(counsellor=counsellor).count() == before + 10
    assert quick_post(client, lao_cai_line, "SILENT", "k9").status_code == 302  # the same screen sent twice
    assert Call.objects.filter(counsellor=counsellor).count() == before + 10
    logged = Call.objects.filter(counsellor=counsellor, hotline=lao_cai_line).order_by("-pk")[:10]
    assert all(c.status == CallStatus.COMPLETE for c in logged)
    assert [c.reporting_class for c in logged].count(ReportingClass.NON_COUNSELLING) == 2
    page = client.get(reverse("hotline:call_screen")).content.decode()
    assert "Logged" in page or "Đã ghi" in page or 'data-testid="logged-today"' in page
    # A counselling type cannot be quick-logged, and a line the counsellor is not on is refused.
    assert quick_post(client, lao_cai_line, "CHILD_SELF", "k-x").status_code == 302
    other = Hotline.objects.create(code="OTHER", name="Khác", number="0200000000")
    quick_post(client, other, "SILENT", "k-y")
    assert Call.objects.filter(counsellor=counsellor).count() == before + 10


def test_a_new_call_s_draft_is_saved_as_typed_and_restored_and_listed(login_as, lao_cai_line, counsellor):
    client = login_as("hotline")
    response = client.post(reverse("hotline:call_start"), {"hotline": lao_cai_line.pk, "key": "start-1"})
    call = Call.objects.get(idempotency_key=f"web:{counsellor.pk}:start-1")
    assert response["Location"] == reverse("hotline:call_detail", args=[call.public_id])
    assert call.status == CallStatus.DRAFT and call.answered_at is not None
    saved = client.post(reverse("hotline:call_draft", args=[call.public_id]),
                        {**form_post(summary="Cháu kể bố say rượu rồi đánh"), "autosave": "1"})
    assert saved.status_code == 200 and b"draft-saved" in saved.content
    call.refresh_from_db()
    assert call.draft["summary"] == "Cháu kể bố say rượu rồi đánh" and call.draft["categories"] == [
        "VIOLENCE.PHYSICAL_VIOLENCE", "FAMILY.RELATIONSHIP_TO_CAREGIVER"]
    # The tab was closed: opening the call again gives the form back as it was.
    page = client.get(reverse("hotline:call_detail", args=[call.public_id])).content.decode()
    assert "Cháu kể bố say rượu rồi đánh" in page
    assert 'value="0912 345 670"' in page
    screen = client.get(reverse("hotline:call_screen"))
    assert call in screen.context["drafts"]
    # Another counsellor's draft is not theirs to save.
    supervisor_client = login_as("supervisor")
    assert supervisor_client.post(reverse("hotline:call_draft", args=[call.public_id]),
                                  {"summary": "x", "autosave": "1"}).status_code == 409


def test_the_restored_form_ticks_the_categories_typed(login_as, lao_cai_line, counsellor):
    client = login_as("hotline")
    call = services.start_call(hotline=lao_cai_line, counsellor=counsellor)
    client.post(reverse("hotline:call_draft", args=[call.public_id]), {**form_post(), "autosave": "1"})
    form = client.get(reverse("hotline:call_detail", args=[call.public_id])).context["form"]
    assert form["categories"].value() == ["VIOLENCE.PHYSICAL_VIOLENCE", "FAMILY.RELATIONSHIP_TO_CAREGIVER"]
    assert form["summary"].value() == SECRET and form["child_commune"].value() == SA_PA


def test_a_counselling_call_is_logged_once_however_often_it_is_submitted(login_as, lao_cai_line, counsellor):
    client = login_as("hotline")
    call = services.start_call(hotline=lao_cai_line, counsellor=counsellor)
    url = reverse("hotline:call_complete", args=[call.public_id])
    first = client.post(url, form_post())
    assert first.status_code == 302 and first["Location"] == reverse("hotline:call_detail", args=[call.public_id])
    call.refresh_from_db()
    assert call.status == CallStatus.COMPLETE and call.reporting_class == ReportingClass.COUNSELLING
    assert call.caller_phone == "0912345670" and call.caller_name == "Lò Thị Mai" and call.draft == {}
    assert set(call.categories.values_list("code", flat=True)) == {"VIOLENCE.PHYSICAL_VIOLENCE",
                                                                   "FAMILY.RELATIONSHIP_TO_CAREGIVER"}
    second = client.post(url, form_post(summary="a second submit"))
    call.refresh_from_db()
    assert second.status_code == 302 and call.summary == SECRET
    # The summary is encrypted at rest (not filterable): compare in Python.
    calls = Call.objects.filter(hotline=lao_cai_line, counsellor=counsellor)
    assert sum(call.summary == SECRET for call in calls) == 1


def test_an_anonymous_caller_s_name_is_not_kept(login_as, lao_cai_line, counsellor):
    client = login_as("hotline")
    call = services.start_call(hotline=lao_cai_line, counsellor=counsellor)
    client.post(reverse("hotline:call_complete", args=[call.public_id]), form_post(caller_anonymous="on"))
    call.refresh_from_db()
    assert call.caller_anonymous and call.caller_name == ""


@pytest.mark.parametrize(("field", "value", "message"), [
    ("contact_type", "", "contact type"),
    ("categories", ["VIOLENCE.PHYSICAL_VIOLENCE", "NOT_A_CATEGORY"], "NOT_A_CATEGORY"),
    ("caller_phone", "12345", "phone number"),
    ("child_commune", "99999", "valid choice"),
])
def test_bad_input_keeps_the_call_open_and_says_what_is_wrong(login_as, lao_cai_line, counsellor, field, value,
                                                             message, settings):
    settings.LANGUAGE_CODE = "en"
    client = login_as("hotline")
    client.cookies["django_language"] = "en"
    call = services.start_call(hotline=lao_cai_line, counsellor=counsellor)
    response = client.post(reverse("hotline:call_complete", args=[call.public_id]), form_post(**{field: value}),
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors and message.lower() in " ".join(form.errors[field]).lower()
    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT and call.draft["summary"] == SECRET  # nothing typed is lost
    assert b'data-testid="form-error"' in response.content


def test_log_and_open_a_case_in_one_step_shows_the_case_number(login_as, national, counsellor, persona):
    client = login_as("hotline")
    call = services.start_call(hotline=national, counsellor=counsellor)
    response = client.post(reverse("hotline:call_complete", args=[call.public_id]), {
        **form_post(), "escalate": "1", "case-level": "INTERVENTION", "case-category": "ABUSED",
        "case-is_emergency": "on", "case-abuse_types": ["VIOLENCE"]}, follow=True)
    call.refresh_from_db()
    case = call.case
    assert case is not None and case.is_emergency and case.level == Level.INTERVENTION
    assert case.commune.code == SA_PA and list(case.abuse_types.values_list("code", flat=True)) == ["VIOLENCE"]
    page = response.content.decode()
    assert case.case_number in page and reverse("cases:case_detail", args=[case.public_id]) in page
    assert case.clocks.filter(code=ClockCode.EMERGENCY_12H, met_at__isnull=True).exists()
    assert cases_visible_to(persona("supervisor")).filter(pk=case.pk).exists()


def test_a_refused_escalation_leaves_the_call_unlogged(login_as, lao_cai_line, counsellor):
    client = login_as("hotline")
    call = services.start_call(hotline=lao_cai_line, counsellor=counsellor)
    response = client.post(reverse("hotline:call_complete", args=[call.public_id]), {
        **form_post(child_commune=None, child_province=None), "escalate": "1", "case-level": "INTERVENTION",
        "case-category": "ABUSED"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT and call.case_id is None and call.draft["summary"] == SECRET


def test_a_quick_key_on_an_open_call_logs_it_and_returns_to_the_call_screen(login_as, lao_cai_line, counsellor):
    client = login_as("hotline")
    call = services.start_call(hotline=lao_cai_line, counsellor=counsellor)
    response = client.post(reverse("hotline:call_quick_log", args=[call.public_id]), {"contact_type": "HANG_UP"})
    assert response["Location"] == reverse("hotline:call_screen")
    call.refresh_from_db()
    assert call.status == CallStatus.COMPLETE and call.contact_type == "HANG_UP"


def test_a_phone_system_call_waits_on_the_screen_and_whoever_logs_it_is_its_counsellor(login_as, lao_cai_line,
                                                                                      counsellor):
    call = phone_call(lao_cai_line, ConnectionOutcome.ANSWERED, wait=12, talk=200, phone="0912888999")
    client = login_as("hotline")
    assert call in client.get(reverse("hotline:call_screen")).context["unclaimed"]
    assert call in login_as("supervisor").get(reverse("hotline:call_screen")).context["unclaimed"]
    page = client.get(reverse("hotline:call_detail", args=[call.public_id]))
    assert page.templates[0].name == "hotline/call_form.html" and 'value="0912888999"' in page.content.decode()
    client.post(reverse("hotline:call_complete", args=[call.public_id]), form_post(caller_phone="0912888999"))
    call.refresh_from_db()
    assert call.counsellor == counsellor and call.talk_seconds == 200  # the phone system's times are kept


def test_an_answered_call_posted_for_a_counsellor_is_among_their_drafts(lao_cai_line, counsellor):
    call = phone_call(lao_cai_line, ConnectionOutcome.ANSWERED, counsellor=counsellor)
    assert call in selectors.my_drafts(counsellor) and call not in selectors.unclaimed_calls(counsellor)
    unclaimed = phone_call(lao_cai_line, ConnectionOutcome.ANSWERED)
    logged = services.quick_log(unclaimed, contact_type="SILENT", by=counsellor)
    assert logged.counsellor == counsellor


# --- search, repeat callers, escalation from the record ----------------------------------------


def test_the_registry_search_finds_names_written_without_accents_in_the_user_s_area(login_as):
    client = login_as("hotline")
    found = client.post(reverse("hotline:child_search"), {"search": "nguyen thi hoa"})
    assert "Nguyễn Thị Hòa" in found.content.decode()
    assert AccessEvent.objects.filter(action="search", object_type="beneficiaries.child").exists()
    outside = client.post(reverse("hotline:child_search"), {"search": "Lê Thị Thu Trang"})  # a child in Đồng Tháp
    assert "Lê Thị Thu Trang" not in outside.content.decode()
    child = Child.objects.get(full_name="Nguyễn Thị Hòa", merged_into__isnull=True, commune__code=SA_PA)
    picked = client.get(reverse("hotline:child_pick"), {"child": str(child.public_id)}).content.decode()
    assert f'value="{child.public_id}"' in picked and 'hx-swap-oob' in picked
    far = Child.objects.get(full_name="Lê Thị Thu Trang")
    assert "Lê Thị Thu Trang" not in client.get(reverse("hotline:child_pick"), {"child": str(far.public_id)}
                                                ).content.decode()


def test_a_registered_child_picked_on_the_form_is_the_call_s_child(login_as, lao_cai_line, counsellor):
    child = Child.objects.filter(full_name="Nguyễn Thị Hòa", commune__code=SA_PA).first()
    client = login_as("hotline")
    call = services.start_call(hotline=lao_cai_line, counsellor=counsellor)
    client.post(reverse("hotline:call_complete", args=[call.public_id]),
                form_post(child=str(child.public_id), child_name="", child_commune="", child_province=""))
    call.refresh_from_db()
    assert call.child == child and call.child_commune == child.commune and call.child_name == child.full_name


def test_previous_calls_from_a_number_are_shown_to_hotline_staff_only(login_as, lao_cai_line, counsellor):
    earlier = logged_call(lao_cai_line, counsellor, "CHILD_SELF", caller_phone="0987654321", summary="Lần trước")
    call = services.start_call(hotline=lao_cai_line, counsellor=counsellor)
    url = reverse("hotline:previous_calls")
    shown = login_as("hotline").post(f"{url}?call={call.public_id}", {"caller_phone": "0987 654 321"})
    assert "Lần trước" in shown.content.decode() and str(earlier.public_id) in shown.content.decode()
    assert login_as("official").post(url, {"caller_phone": "0987654321"}).status_code == 404
    assert login_as("worker").post(url, {"caller_phone": "0987654321"}).status_code == 404


def test_escalate_and_add_to_case_from_the_call_record(login_as, lao_cai_line, counsellor):
    call = logged_call(lao_cai_line, counsellor, "THIRD_PARTY")
    client = login_as("hotline")
    detail = client.get(reverse("hotline:call_detail", args=[call.public_id]))
    assert detail.context["escalate_form"] is not None
    client.post(reverse("hotline:call_escalate", args=[call.public_id]), {
        "case-level": "EARLY_SUPPORT", "case-category": "AT_RISK"})
    call.refresh_from_db()
    assert call.case is not None and call.case.level == Level.EARLY_SUPPORT
    follow_up = logged_call(lao_cai_line, counsellor, "FOLLOW_UP", child=call.case.child, child_commune=None)
    page = client.get(reverse("hotline:call_detail", args=[follow_up.public_id]))
    assert list(page.context["add_form"].fields["case"].queryset) == [call.case]
    client.post(reverse("hotline:call_add_to_case", args=[follow_up.public_id]), {"case": str(call.case.public_id)})
    follow_up.refresh_from_db()
    assert follow_up.case == call.case and "ADDED_TO_EXISTING_CASE" in follow_up.actions_taken


# --- callbacks on the pages ----------------------------------------------------------------------


def test_callbacks_are_scheduled_queued_and_attempted_from_the_pages(login_as, lao_cai_line, counsellor):
    call = logged_call(lao_cai_line, counsellor, "CHILD_SELF", caller_phone="0912121212")
    client = login_as("hotline")
    soon = timezone.localtime() + timedelta(minutes=10)
    client.post(reverse("hotline:callback_schedule", args=[call.public_id]),
                {"due_at": soon.strftime("%d/%m/%Y %H:%M")})
    callback = Callback.objects.get(call=call)
    assert "CALLBACK_SCHEDULED" in Call.objects.get(pk=call.pk).actions_taken
    Callback.objects.filter(pk=callback.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    queue = client.get(reverse("hotline:callback_queue"))
    assert callback in queue.context["due"]
    client.post(reverse("hotline:callback_attempt", args=[callback.pk]), {"reached": "on", "outcome": "Ổn rồi"})
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DONE and callback.attempts.get().outcome == "Ổn rồi"
    refused = logged_call(lao_cai_line, counsellor, "CHILD_SELF", caller_phone="0912121213", do_not_call_back=True)
    page = client.get(reverse("hotline:call_detail", args=[refused.public_id]))
    assert page.context["callback_form"] is None and b'data-testid="no-callback"' in page.content
    client.post(reverse("hotline:callback_schedule", args=[refused.public_id]),
                {"due_at": soon.strftime("%d/%m/%Y %H:%M")})
    assert not Callback.objects.filter(call=refused).exists()


# --- access ----------------------------------------------------------------------------------------


def test_every_view_of_a_call_is_logged_and_calls_outside_the_scope_are_404(login_as, national, lao_cai_line,
                                                                            counsellor):
    on_111 = logged_call(national, counsellor, "CHILD_SELF", summary=SECRET)
    url = reverse("hotline:call_detail", args=[on_111.public_id])
    assert login_as("hotline").get(url).status_code == 200
    assert AccessEvent.objects.filter(action="view", object_type="hotline.call", object_id=on_111.pk).count() == 1
    # The Lào Cai supervisor is on the provincial line only; workers and officials read no call.
    for username in ("supervisor", "worker", "worker_b", "official", "national", "partner"):
        assert login_as(username).get(url).status_code == 404, username
    on_lc = logged_call(lao_cai_line, counsellor, "CHILD_SELF", summary=SECRET)
    supervisor_view = login_as("supervisor").get(reverse("hotline:call_detail", args=[on_lc.public_id]))
    assert supervisor_view.status_code == 200 and SECRET in supervisor_view.content.decode()
    for name in ("call_screen", "call_list", "callback_queue"):
        assert login_as("official").get(reverse(f"hotline:{name}")).status_code == 404


def test_caller_identity_is_for_hotline_staff_only(persona):
    assert can_see_caller_identity(persona("hotline")) and can_see_caller_identity(persona("supervisor"))
    for username in ("worker", "official", "national", "partner", "admin"):
        assert not can_see_caller_identity(persona(username)), username


def test_officials_see_figures_for_their_area_never_narratives_or_callers(login_as, national, counsellor):
    logged_call(national, counsellor, "CHILD_SELF", summary=SECRET, caller_phone="0911222333", caller_anonymous=False,
                caller_name="Người Gọi Bí Mật")
    for username in ("official", "national"):
        response = login_as(username).get(reverse("hotline:figures"))
        page = response.content.decode()
        assert response.status_code == 200 and response.context["figures"]["received"] >= 1
        assert SECRET not in page and "0911222333" not in page and "Người Gọi Bí Mật" not in page
        assert not response.context["live"] and not response.context["counsellors"]
    assert login_as("worker").get(reverse("hotline:figures")).status_code == 404
    assert login_as("partner").get(reverse("hotline:figures")).status_code == 404
    assert login_as("worker").get(reverse("hotline:figures_live")).status_code == 404
    assert login_as("official").get(reverse("hotline:figures_live")).status_code == 404


def test_a_supervisor_of_no_hotline_is_told_so(login_as, persona):
    persona("supervisor").hotlines.clear()
    response = login_as("supervisor").get(reverse("hotline:figures"))
    assert response.status_code == 200 and b'data-testid="no-hotline"' in response.content
    assert not can_see_hotline_figures(persona("supervisor"))


def test_navigation_leads_each_role_to_its_hotline_page(login_as):
    def nav(username):
        return [i.url_name for i in login_as(username).get("/").context["nav_items"]]

    assert "hotline:call_screen" in nav("hotline") and "hotline:figures" not in nav("hotline")
    assert "hotline:figures" in nav("supervisor") and "hotline:figures" in nav("official")
    assert "hotline:call_screen" not in nav("worker") and "hotline:figures" not in nav("worker")


# --- lists, figures, report: content and pinned queries ---------------------------------------------


def test_the_call_list_filters_and_its_query_count_is_pinned(login_as, lao_cai_line, national, counsellor,
                                                             django_assert_num_queries):
    for _i in range(3):
        logged_call(lao_cai_line, counsellor, "PRANK")
    bullying = logged_call(lao_cai_line, counsellor, "CHILD_SELF", cats=categories("VIOLENCE.BULLYING"))
    client = login_as("hotline")
    url = reverse("hotline:call_list")
    today = timezone.localdate().strftime("%d/%m/%Y")
    filtered = client.get(url, {"hotline": "LC-HOTLINE", "category": "VIOLENCE.BULLYING",
                                "reporting_class": "COUNSELLING", "received_from": today})
    assert list(filtered.context["page"]) == [bullying]
    assert all(c.contact_type == "PRANK" for c in client.get(url, {"contact_type": "PRANK"}).context["page"])
    mine = client.get(url, {"counsellor": "hotline", "received_from": today})
    assert bullying in list(mine.context["page"])
    with django_assert_num_queries(9):  # the lines of the user are read first (selectors.calls_visible_to)
        client.get(url)
    for _i in range(10):
        logged_call(national, counsellor, "SILENT")
    with django_assert_num_queries(9):  # more rows, the same number of queries
        client.get(url)
    supervisor_rows = login_as("supervisor").get(url).context["page"]
    assert all(c.hotline_id == lao_cai_line.pk for c in supervisor_rows)


def test_the_supervisor_s_view_agrees_with_the_calls_and_its_queries_are_pinned(login_as, fresh_line, counsellor,
                                                                                 django_assert_num_queries):
    for contact_type in ("SILENT", "SILENT", "HANG_UP", "INFORMATION_REQUEST"):
        logged_call(fresh_line, counsellor, contact_type)
    logged_call(fresh_line, counsellor, "CHILD_SELF", cats=categories("PEERS.FRIENDS_AND_FRIENDSHIPS"))
    phone_call(fresh_line, ConnectionOutcome.ABANDONED_IN_QUEUE)
    client = login_as("supervisor")
    url = reverse("hotline:figures")
    response = client.get(url, {"hotline": fresh_line.code})
    figures = response.context["figures"]
    assert (figures["received"], figures["answered"], figures["abandoned"]) == (6, 5, 1)
    assert (figures["counselling"], figures["non_counselling"], figures["non_contact"]) == (1, 1, 4)
    kpis = {row["code"]: row for row in response.context["kpis"]}
    assert kpis["ANSWER_RATE"]["value"] == round(100 * 5 / 6, 1)
    assert kpis["ANSWER_RATE"]["definition"] == "answered / offered"  # helpline.json "kpis"
    assert "answered / offered" in response.content.decode()
    assert response.context["categories"][0]["code"] == "PEERS"
    only_counsellor = client.get(url, {"hotline": fresh_line.code, "counsellor": "supervisor"})
    assert only_counsellor.context["figures"]["received"] == 0
    with django_assert_num_queries(16):
        client.get(url, {"hotline": fresh_line.code})
    for _i in range(5):
        logged_call(fresh_line, counsellor, "CHILD_SELF", cats=categories("VIOLENCE.BULLYING"))
    with django_assert_num_queries(16):
        client.get(url, {"hotline": fresh_line.code})


def test_the_live_board_shows_today_s_calls_and_its_queries_are_pinned(login_as, fresh_line, counsellor,
                                                                      django_assert_num_queries):
    urgent = logged_call(fresh_line, counsellor, "CHILD_SELF", urgency="EMERGENCY")
    client = login_as("supervisor")
    url = reverse("hotline:figures_live")
    response = client.get(url, {"hotline": fresh_line.code})
    assert list(response.context["rows"]) == [urgent] and response.context["today"]["counselling"] == 1
    with django_assert_num_queries(8):  # with the lines of the user (selectors.calls_visible_to)
        client.get(url, {"hotline": fresh_line.code})
    for _i in range(5):
        logged_call(fresh_line, counsellor, "SILENT")
    with django_assert_num_queries(8):
        client.get(url, {"hotline": fresh_line.code})
    figures = client.get(reverse("hotline:figures")).content.decode()
    assert 'hx-trigger="load, every 15s"' in figures


def test_the_111_report_and_its_excel_export_give_the_same_funnel(login_as, fresh_line, counsellor):
    for contact_type in ("SILENT", "INFORMATION_REQUEST", "THANKS"):
        logged_call(fresh_line, counsellor, contact_type)
    call = logged_call(fresh_line, counsellor, "THIRD_PARTY", cats=categories("VIOLENCE.SEXUAL_VIOLENCE"),
                       summary="=HYPERLINK(\"http://evil\")")
    services.open_case_from_call(call, level=Level.INTERVENTION, category="ABUSED", is_emergency=True, by=counsellor,
                                 abuse_types=list(AbuseType.objects.filter(code="SEXUAL_ABUSE")))
    client = login_as("supervisor")
    query = {"hotline": fresh_line.code, "start": timezone.localdate().strftime("%d/%m/%Y")}
    page = client.get(reverse("hotline:report_111"), query)
    funnel = {code: value for code, _label, value in page.context["funnel"]}
    assert funnel == {"received": 4, "counselled": 3, "in_depth": 1, "case_files": 1, "support_intervention": 1}
    assert page.context["interventions"][0]["code"] == "SEXUAL_ABUSE"
    export = client.get(reverse("hotline:report_111_export"), query)
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    values = [row[1] for row in sheet.iter_rows(min_row=5, max_row=9, values_only=True)]
    assert values == [4, 3, 1, 1, 1]
    assert not any(isinstance(c, str) and c.startswith("=") for row in sheet.iter_rows(values_only=True) for c in row)
    assert AccessEvent.objects.filter(action="export", object_type="hotline.call").exists()
    assert login_as("official").get(reverse("hotline:report_111_export")).status_code == 200
    assert login_as("worker").get(reverse("hotline:report_111_export")).status_code == 404


def test_a_period_that_ends_before_it_starts_is_an_error_not_a_crash(login_as):
    response = login_as("supervisor").get(reverse("hotline:figures"), {"start": "10/11/2026", "end": "01/11/2026"})
    assert response.status_code == 200 and "end" in response.context["form"].errors


# --- demo data -------------------------------------------------------------------------------------


def test_the_demo_lines_members_and_calls_are_there_once(persona):
    lao_cai = Hotline.objects.get(code="LC-HOTLINE")
    assert lao_cai.province.code == "15" and set(lao_cai.members.values_list("username", flat=True)) >= {
        "hotline", "supervisor"}
    assert Hotline.objects.get(code="111").members.filter(username="hotline").exists()
    demo_calls = Call.objects.filter(idempotency_key__startswith="demo-hotline-")
    before = demo_calls.count()
    assert before >= 25
    assert demo_calls.filter(connection_outcome="ABANDONED_IN_QUEUE").exists()
    assert demo_calls.filter(reporting_class="COUNSELLING").count() >= 3
    escalated = demo_calls.get(case__isnull=False)
    assert escalated.hotline.code == "111" and escalated.case.is_emergency and escalated.case.commune.province.code \
        == "15"
    assert Callback.objects.filter(call__in=demo_calls, status="SCHEDULED", due_at__lte=timezone.now()).exists()
    seed_hotline({u: persona(u) for u in ("hotline", "supervisor")})
    assert demo_calls.count() == before


CALL_SCREEN_QUERIES = 10  # with the ids of the user's lines read once for every panel (13 before)


def test_the_call_screen_reads_the_user_s_lines_once_and_its_queries_are_pinned(login_as, lao_cai_line,
                                                                                counsellor, django_assert_num_queries):
    # Its panels (drafts, unclaimed calls, callbacks due, today's calls and their count) each read
    # the user's calls; the user's lines are read for the line picker and once for all of them.
    client = login_as("hotline")
    client.get(reverse("hotline:call_screen"))
    with django_assert_num_queries(CALL_SCREEN_QUERIES):
        client.get(reverse("hotline:call_screen"))
    for _i in range(3):
        logged_call(lao_cai_line, counsellor, "PRANK")
    with django_assert_num_queries(CALL_SCREEN_QUERIES):
        assert len(client.get(reverse("hotline:call_screen")).context["recent"]) >= 3
