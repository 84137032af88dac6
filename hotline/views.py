"""Hotline pages (issue 5). Thin: call records are read through selectors.calls_visible_to (a
call outside it is a 404, the same as a missing one), officials' figures through
selectors.calls_counted_for (numbers, never narratives or callers), and every write is a service
whose refusal comes back as a message. Every view of a call is in the access log.
"""

import io
import uuid
from datetime import datetime, time

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.roles import Role
from accounts.scoping import province_q
from audit.services import record_export, record_search, record_view
from beneficiaries.exports import safe_cell
from beneficiaries.selectors import children_visible_to, search_children
from cases.choices import OPEN_STATUSES
from cases.models import AbuseType
from cases.permissions import can_open_case
from cases.selectors import cases_visible_to
from core.pagination import CappedPaginator
from core.replica import reads_from_replica
from core.validators import normalise_phone
from geography.models import Commune
from hotline import forms, selectors, services, statistics
from hotline.choices import ActionTaken, CallbackStatus, CallStatus, ReportingClass
from hotline.filters import CallFilter
from hotline.models import Call, Callback, CallCategory, Hotline
from hotline.permissions import (
    can_log_calls,
    can_see_caller_identity,
    can_see_hotline_figures,
    can_supervise_hotline,
)

PAGE_SIZE = 25
CHILD_SEARCH_LIMIT = 10
LIVE_ROWS = 50
SESSION_LINE = "hotline_line"
PHONE_PATTERN_LENGTHS = (10, 11)


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _calls(request):
    return selectors.calls_visible_to(request.user)


def _call_or_404(request, public_id) -> Call:
    return get_object_or_404(_calls(request).select_related(
        "hotline__province", "counsellor", "case", "child__commune", "child_commune__province"), public_id=public_id)


def _may_log(user, call: Call) -> bool:
    """A draft is completed by its counsellor; a call the phone system posted without one, by any
    counsellor of its line (calls_visible_to already limits the call to the user's lines)."""
    return call.status == CallStatus.DRAFT and call.counsellor_id in (None, user.pk)


def _to_call(call: Call):
    return redirect("hotline:call_detail", public_id=call.public_id)


def _today_start():
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def _web_key(request, key: str) -> str | None:
    """The form's one-time key, so a double click on the same screen never makes two calls."""
    return f"web:{request.user.pk}:{key}" if key else None


# --- the call screen ---------------------------------------------------------------------------


@login_required
def call_screen(request):
    """Ready for the next call: quick keys log a non-counselling call at once, N starts a call."""
    user = request.user
    _require(can_log_calls(user))
    lines = list(selectors.hotlines_of(user).select_related("province"))
    chosen = request.session.get(SESSION_LINE)
    line = next((item for item in lines if item.pk == chosen), lines[0] if lines else None)
    mine_today = _calls(request).filter(counsellor=user, status=CallStatus.COMPLETE, received_at__gte=_today_start())
    return render(request, "hotline/call_screen.html", {
        "lines": lines, "line": line, "quick_types": forms.quick_contact_types(), "key": uuid.uuid4().hex,
        "drafts": list(selectors.my_drafts(user).select_related("hotline")[:20]),
        "unclaimed": list(selectors.unclaimed_calls(user).select_related("hotline")[:20]),
        "callbacks_due": selectors.callbacks_due(user).count(),
        "recent": list(mine_today.select_related("hotline").order_by("-received_at")[:10]),
        "logged_today": mine_today.count(),
    })


def _line_form_or_message(request, form) -> bool:
    if form.is_valid():
        request.session[SESSION_LINE] = form.cleaned_data["hotline"].pk
        return True
    messages.error(request, _("Choose the line the call came in on."))
    return False


@login_required
@require_POST
def call_start(request):
    _require(can_log_calls(request.user))
    form = forms.HotlineChoiceForm(request.POST, user=request.user)
    if not _line_form_or_message(request, form):
        return redirect("hotline:call_screen")
    try:
        call = services.start_call(hotline=form.cleaned_data["hotline"], counsellor=request.user,
                                   idempotency_key=_web_key(request, form.cleaned_data["key"]))
    except services.HotlineError as error:
        messages.error(request, str(error))
        return redirect("hotline:call_screen")
    return _to_call(call)


def _logged_message(request, call: Call) -> None:
    local = timezone.localtime(call.ended_at or call.received_at)
    messages.success(request, _("Logged: %(type)s (%(time)s).") % {
        "type": call.get_contact_type_display(), "time": local.strftime("%H:%M:%S")})


@login_required
@require_POST
def quick_log_new(request):
    """One keystroke on the call screen: a call on the chosen line, answered and logged now."""
    _require(can_log_calls(request.user))
    form = forms.QuickLogForm(request.POST, user=request.user)
    if not _line_form_or_message(request, form):
        return redirect("hotline:call_screen")
    try:
        with transaction.atomic():
            call = services.start_call(hotline=form.cleaned_data["hotline"], counsellor=request.user,
                                       idempotency_key=_web_key(request, form.cleaned_data["key"]))
            call = services.quick_log(call, contact_type=form.cleaned_data["contact_type"], by=request.user)
    except services.HotlineError as error:
        messages.error(request, str(error))
    else:
        _logged_message(request, call)
    return redirect("hotline:call_screen")


# --- one call ----------------------------------------------------------------------------------


def _chosen_child(user, value):
    if not value:
        return None
    try:
        public_id = uuid.UUID(str(value))
    except ValueError:
        return None
    return (children_visible_to(user).filter(merged_into__isnull=True, public_id=public_id)
            .select_related("commune__province").first())


def _previous_for(user, phone: str, call: Call | None = None) -> list[Call]:
    phone = normalise_phone(phone or "")
    if len(phone) not in PHONE_PATTERN_LENGTHS or not can_see_caller_identity(user):
        return []
    return list(selectors.previous_calls(user, phone, exclude_pk=call.pk if call else None)
                .select_related("hotline"))


def _form_page(request, call: Call, form=None, escalate=None):
    user = request.user
    if form is None:
        initial = {"caller_phone": call.caller_phone, **forms.initial_from_draft(call.draft)}
        form = forms.CounsellingForm(initial=initial, user=user,
                                     default_province=call.hotline.province or user.province)
    return render(request, "hotline/call_form.html", {
        "call": call, "form": form, "groups": form.category_groups(),
        "escalate_form": escalate or forms.EscalateForm(),
        "quick_types": forms.quick_contact_types(), "can_open_case": can_open_case(user),
        "chosen_child": _chosen_child(user, form["child"].value()),
        "previous": _previous_for(user, form["caller_phone"].value(), call),
        "draft_saved_at": call.updated_at if call.draft else None,
    })


def _detail_context(request, call: Call) -> dict:
    user = request.user
    visible_cases = cases_visible_to(user)
    open_cases = visible_cases.none()
    if call.child_id and not call.case_id:
        open_cases = visible_cases.filter(child_id=call.child_id, status__in=OPEN_STATUSES).order_by("-received_at")
    escalable = (call.status == CallStatus.COMPLETE and not call.case_id and can_open_case(user)
                 and call.reporting_class == ReportingClass.COUNSELLING)
    may_call_back = bool(call.caller_phone) and not call.do_not_call_back
    return {
        "call": call, "categories": list(call.categories.select_related("parent")),
        "actions": [ActionTaken(code).label for code in call.actions_taken if code in ActionTaken.values],
        "sees_identity": can_see_caller_identity(user),
        "previous": _previous_for(user, call.caller_phone, call),
        "case_link": bool(call.case_id) and visible_cases.filter(pk=call.case_id).exists(),
        "escalate_form": forms.EscalateForm(initial={"is_emergency": call.urgency == "EMERGENCY"})
        if escalable else None,
        "add_form": forms.AddToCaseForm(cases=open_cases) if open_cases.exists() else None,
        "callbacks": list(call.callbacks.select_related("assigned_to").prefetch_related("attempts__by")),
        "callback_form": forms.CallbackForm() if may_call_back else None,
        "attempt_form": forms.CallbackAttemptForm() if may_call_back else None,
        "may_log": _may_log(user, call),
    }


@login_required
def call_detail(request, public_id):
    """A draft of one's own opens as the counselling form (restored from the draft); any other
    call as its record. Either way the view is in the access log."""
    _require(can_log_calls(request.user))
    call = _call_or_404(request, public_id)
    record_view(request, call)
    if _may_log(request.user, call):
        return _form_page(request, call)
    return render(request, "hotline/call_detail.html", _detail_context(request, call))


@login_required
@require_POST
def call_draft(request, public_id):
    """Autosave (static/js/hotline.js posts the form as the counsellor types; a closed tab sends
    one last beacon). Without script the form's "Save draft" button lands here too."""
    _require(can_log_calls(request.user))
    call = _call_or_404(request, public_id)
    asynchronous = request.POST.get("autosave") == "1"
    if not _may_log(request.user, call):
        return HttpResponse(status=409) if asynchronous else _to_call(call)
    try:
        call = services.save_draft(call, data=forms.draft_from_post(request.POST), by=request.user)
    except services.HotlineError:
        return HttpResponse(status=409) if asynchronous else _to_call(call)
    if asynchronous:
        return render(request, "hotline/_draft_status.html", {"saved_at": timezone.now()})
    messages.success(request, _("Draft saved."))
    return _to_call(call)


@login_required
@require_POST
def call_complete(request, public_id):
    """Log the counselling call; with "Log and open a case", open the case in the same step. A
    second submit finds the call logged and changes nothing (services.complete_call)."""
    user = request.user
    _require(can_log_calls(user))
    call = _call_or_404(request, public_id)
    if call.status == CallStatus.COMPLETE:
        return _to_call(call)
    _require(_may_log(user, call))
    try:  # keep every word typed, whatever happens next
        services.save_draft(call, data=forms.draft_from_post(request.POST), by=user)
    except services.HotlineError:
        return _to_call(call)
    form = forms.CounsellingForm(request.POST, user=user, default_province=call.hotline.province)
    escalating = "escalate" in request.POST
    escalate = forms.EscalateForm(request.POST if escalating else None)
    if escalating and not can_open_case(user):
        raise Http404
    if form.is_valid() and (not escalating or escalate.is_valid()):
        case = None
        try:
            with transaction.atomic():
                call = services.complete_call(call, data=form.call_data(), categories=form.cleaned_data["categories"],
                                              by=user)
                if form.cleaned_data.get("callback_at"):
                    services.schedule_callback(call, due_at=form.cleaned_data["callback_at"], by=user)
                if escalating:
                    case = services.open_case_from_call(call, by=user, **escalate.case_data())
        except services.HotlineError as error:
            form.add_error(None, str(error))
        else:
            if case is not None:
                messages.success(request, _("Call logged. Case %(number)s opened.") % {"number": case.case_number})
            else:
                messages.success(request, _("Call logged."))
            return _to_call(call)
    call.refresh_from_db()
    return _form_page(request, call, form=form, escalate=escalate)


@login_required
@require_POST
def call_quick_log(request, public_id):
    """The call on the screen turned out silent, a prank...: logged in one keystroke."""
    _require(can_log_calls(request.user))
    call = _call_or_404(request, public_id)
    form = forms.QuickTypeForm(request.POST)
    if call.status == CallStatus.COMPLETE:
        return redirect("hotline:call_screen")
    _require(_may_log(request.user, call))
    if not form.is_valid():
        messages.error(request, _("Choose the contact type."))
        return _to_call(call)
    try:
        call = services.quick_log(call, contact_type=form.cleaned_data["contact_type"], by=request.user)
    except services.HotlineError as error:
        messages.error(request, str(error))
        return _to_call(call)
    _logged_message(request, call)
    return redirect("hotline:call_screen")


@login_required
@require_POST
def call_escalate(request, public_id):
    user = request.user
    _require(can_log_calls(user) and can_open_case(user))
    call = _call_or_404(request, public_id)
    form = forms.EscalateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the level and the child's category."))
        return _to_call(call)
    try:
        case = services.open_case_from_call(call, by=user, **form.case_data())
    except services.HotlineError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Case %(number)s opened.") % {"number": case.case_number})
    return _to_call(call)


@login_required
@require_POST
def call_add_to_case(request, public_id):
    user = request.user
    _require(can_log_calls(user))
    call = _call_or_404(request, public_id)
    cases = cases_visible_to(user).filter(child_id=call.child_id, status__in=OPEN_STATUSES)
    form = forms.AddToCaseForm(request.POST, cases=cases if call.child_id else cases.none())
    if not form.is_valid():
        messages.error(request, _("Choose one of the child's open cases."))
        return _to_call(call)
    try:
        services.add_to_case(call, case=form.cleaned_data["case"], by=user)
    except services.HotlineError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The call was added to case %(number)s.") % {
            "number": form.cleaned_data["case"].case_number})
    return _to_call(call)


# --- callbacks ---------------------------------------------------------------------------------


@login_required
@require_POST
def callback_schedule(request, public_id):
    _require(can_log_calls(request.user))
    call = _call_or_404(request, public_id)
    form = forms.CallbackForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("due_at", []):
            messages.error(request, error)
        return _to_call(call)
    try:
        callback = services.schedule_callback(call, due_at=form.cleaned_data["due_at"], by=request.user)
    except services.HotlineError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Callback scheduled for %(time)s.") % {
            "time": timezone.localtime(callback.due_at).strftime("%H:%M %d/%m/%Y")})
    return _to_call(call)


@login_required
def callback_queue(request):
    """Due callbacks first, then those to come; attempts are recorded from here."""
    user = request.user
    _require(can_log_calls(user))
    now = timezone.now()
    scheduled = list(Callback.objects.filter(call__in=_calls(request), status=CallbackStatus.SCHEDULED)
                     .select_related("call__hotline", "assigned_to").order_by("due_at"))
    return render(request, "hotline/callbacks.html", {
        "due": [c for c in scheduled if c.due_at <= now], "upcoming": [c for c in scheduled if c.due_at > now],
        "attempt_form": forms.CallbackAttemptForm(), "now": now,
    })


@login_required
@require_POST
def callback_attempt(request, pk):
    user = request.user
    _require(can_log_calls(user))
    callback = get_object_or_404(Callback.objects.filter(call__in=_calls(request)).select_related("call"), pk=pk)
    form = forms.CallbackAttemptForm(request.POST)
    if form.is_valid():
        try:
            services.record_callback_attempt(callback, by=user, **form.cleaned_data)
        except services.HotlineError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Callback attempt recorded."))
    back = request.POST.get("next")
    if back == "call":
        return redirect("hotline:call_detail", public_id=callback.call.public_id)
    return redirect("hotline:callback_queue")


# --- htmx fragments of the counselling form ----------------------------------------------------


@login_required
@require_POST
def child_search(request):
    """The registry search (beneficiaries.selectors.search_children) over the children the
    counsellor may see: names without accents find names with them. POST (htmx): a child's name
    never travels in a URL (issue 8 item 6)."""
    user = request.user
    _require(can_log_calls(user))
    text = (request.POST.get("search") or "").strip()[:100]
    found = []
    if len(text) >= 2:
        base = children_visible_to(user).filter(merged_into__isnull=True).select_related("commune")
        found = list(search_children(base, text)[:CHILD_SEARCH_LIMIT])
        record_search(request, "beneficiaries.child", {"search": text, "for": "hotline"})
    return render(request, "hotline/_child_results.html", {"found": found, "q": text})


@login_required
def child_pick(request):
    _require(can_log_calls(request.user))
    child = _chosen_child(request.user, request.GET.get("child"))
    return render(request, "hotline/_chosen_child.html", {"chosen_child": child, "oob": True})


@login_required
@require_POST
def previous_calls(request):
    """Repeat callers: earlier calls from the number typed, for hotline staff only. POST (htmx):
    a caller's number never travels in a URL (issue 8 item 6)."""
    user = request.user
    _require(can_log_calls(user))
    call = None
    if request.GET.get("call"):
        try:
            call = _calls(request).filter(public_id=uuid.UUID(request.GET["call"])).first()
        except ValueError:
            call = None
    return render(request, "hotline/_previous_calls.html", {
        "previous": _previous_for(user, request.POST.get("caller_phone", ""), call)})


@login_required
def commune_options(request):
    _require(can_log_calls(request.user))
    code = (request.GET.get("child_province") or "")[:3]
    communes = Commune.objects.current().filter(province__code=code).order_by("name_folded") if code else []
    return render(request, "hotline/_commune_options.html", {"communes": communes})


# --- the call list -----------------------------------------------------------------------------


@login_required
def call_list(request):
    user = request.user
    _require(can_log_calls(user))
    queryset = _calls(request).select_related("hotline", "counsellor", "case").order_by("-received_at", "-pk")
    call_filter = CallFilter(request.GET or None, queryset=queryset, user=user)
    page = CappedPaginator(call_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "hotline/call_list.html", {"filter": call_filter, "page": page})


# --- figures -----------------------------------------------------------------------------------


def _lines_for_figures(user, supervising: bool):
    """Hotline supervisors choose among their lines; officials among the lines of their area and
    the national ones (whose calls they count only for children of their area)."""
    if supervising:
        return selectors.hotlines_of(user)
    return Hotline.objects.filter(Q(province__isnull=True) | province_q(user, "province_id")).order_by("code")


def _supervising_or_404(request) -> bool:
    """Hotline supervisors (True) and officials (False) see figures; nobody else."""
    user = request.user
    supervising = can_supervise_hotline(user)
    _require(supervising or can_see_hotline_figures(user))
    return supervising


def _figures_scope(request, *, supervising: bool, with_counsellor: bool, default_line: str = ""):
    user = request.user
    lines = _lines_for_figures(user, supervising)
    counsellors = None
    if with_counsellor and supervising:
        counsellors = (User.objects.filter(hotlines__in=selectors.hotlines_of(user)).distinct()
                       .order_by("last_name", "first_name", "username"))
    data = request.GET or None
    if data is None and default_line:
        data = {"hotline": default_line} if lines.filter(code=default_line).exists() else None
    form = forms.PeriodForm(data, hotlines=lines, counsellors=counsellors)
    period = form.period()
    calls = statistics.in_period(selectors.calls_counted_for(user), period)
    if form.is_bound and form.is_valid():
        if form.cleaned_data.get("hotline"):
            calls = calls.filter(hotline=form.cleaned_data["hotline"])
        if form.cleaned_data.get("counsellor"):
            calls = calls.filter(counsellor=form.cleaned_data["counsellor"])
    return form, period, calls


def _kpi_rows(figures: dict, emergencies: dict) -> list[dict]:
    """Each figure with its definition from helpline.json "kpis"."""
    definitions = statistics.kpi_definitions()
    rows = [
        ("ANSWER_RATE", _("Answer rate"), figures["answer_rate"], "%"),
        ("ABANDONMENT_RATE", _("Abandonment rate"), figures["abandonment_rate"], "%"),
        ("ASA", _("Average waiting time"), figures["avg_wait_seconds"], "s"),
        ("AHT", _("Average talk time"), figures["avg_talk_seconds"], "s"),
        ("COUNSELLING_SHARE", _("Counselling share"), figures["counselling_share"], "%"),
        ("CASE_CONVERSION", _("Cases opened from counselling"), figures["case_conversion"], "%"),
        ("EMERGENCY_12H_MET", _("Emergencies protected within 12 hours"), emergencies["met_12h_rate"], "%"),
    ]
    return [{"code": code, "label": label, "value": value, "unit": unit, "definition": definitions.get(code, "")}
            for code, label, value, unit in rows]


def _category_rows(calls) -> list[dict]:
    names = {c.code: c.name for c in CallCategory.objects.filter(parent__isnull=True)}
    return [{"code": row["code"], "label": names.get(row["code"], row["code"]), "calls": row["calls"]}
            for row in statistics.by_category(calls)]


def _abuse_type_rows(calls) -> list[dict]:
    names = {t.code: t.name for t in AbuseType.objects.all()}
    return [{"code": row["code"], "label": names.get(row["code"]) or _("No abuse type recorded"),
             "cases": row["cases"]} for row in statistics.cases_by_abuse_type(calls)]


@login_required
def figures(request):
    """The supervisor's view (issue 5 item 7): today live, and a period's figures with their
    definitions. Officials see the same aggregates for their area, never a call."""
    user = request.user
    supervising = can_supervise_hotline(user)
    if user.role == Role.SUPERVISOR and not supervising:
        return render(request, "hotline/no_hotline.html")
    _require(supervising or can_see_hotline_figures(user))
    form, period, calls = _figures_scope(request, supervising=supervising, with_counsellor=True)
    figures_ = statistics.kpis(calls)
    emergencies = statistics.emergencies(calls)
    return render(request, "hotline/figures.html", {
        "form": form, "period": period, "figures": figures_, "kpis": _kpi_rows(figures_, emergencies),
        "categories": _category_rows(calls), "emergencies": emergencies, "callbacks": statistics.callbacks(calls),
        "counsellors": statistics.by_counsellor(calls) if supervising else [], "live": supervising,
    })


@login_required
def figures_live(request):
    """Today's calls, refreshed every 15 seconds on the supervisor's view (htmx)."""
    _require(can_supervise_hotline(request.user))
    calls = _calls(request).filter(received_at__gte=_today_start())
    line = request.GET.get("hotline")
    if line:
        calls = calls.filter(hotline__code=line)
    return render(request, "hotline/_live.html", {
        "today": statistics.kpis(calls), "emergencies": statistics.emergencies(calls),
        "rows": list(calls.select_related("hotline", "counsellor", "case").order_by("-received_at")[:LIVE_ROWS]),
        "now": timezone.now(),
    })


def _funnel_context(request, supervising: bool) -> dict:
    form, period, calls = _figures_scope(request, supervising=supervising, with_counsellor=False,
                                         default_line="111")
    return {"form": form, "period": period, "funnel": statistics.funnel_111(calls),
            "topics": _category_rows(calls), "interventions": _abuse_type_rows(calls)}


@login_required
def report_111(request):
    """The funnel the national hotline 111 publishes, for a period (issue 5 item 8)."""
    context = _funnel_context(request, _supervising_or_404(request))
    query = request.GET.copy()
    if not request.GET and context["form"].is_bound:
        query.update(context["form"].data)
    context["query"] = query.urlencode()
    return render(request, "hotline/report_111.html", context)


@reads_from_replica
@login_required
def report_111_export(request):
    """The same funnel as an Excel workbook: numbers only, nothing a spreadsheet would run, and
    one access-log row."""
    context = _funnel_context(request, _supervising_or_404(request))
    period = context["period"]
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet(_("Hotline 111")[:31])
    line = context["form"].cleaned_data.get("hotline") if context["form"].is_bound and context["form"].is_valid() \
        else None
    sheet.write_row(0, 0, [safe_cell(_("Period")), safe_cell(f"{period.start:%d/%m/%Y} - {period.end:%d/%m/%Y}")],
                    bold)
    sheet.write_row(1, 0, [safe_cell(_("Hotline")), safe_cell(str(line) if line else _("All lines"))])
    row = 3
    sheet.write_row(row, 0, [_("Step"), _("Number")], bold)
    rows = 0
    for _code, label, value in context["funnel"]:
        row += 1
        sheet.write(row, 0, safe_cell(label))
        sheet.write_number(row, 1, value)
        rows += 1
    row += 2
    sheet.write_row(row, 0, [_("In-depth counselling by topic"), _("Calls")], bold)
    for item in context["topics"]:
        row += 1
        sheet.write(row, 0, safe_cell(item["label"]))
        sheet.write_number(row, 1, item["calls"])
        rows += 1
    row += 2
    sheet.write_row(row, 0, [_("Support and intervention cases by type"), _("Cases")], bold)
    for item in context["interventions"]:
        row += 1
        sheet.write(row, 0, safe_cell(item["label"]))
        sheet.write_number(row, 1, item["cases"])
        rows += 1
    sheet.set_column(0, 0, 48)
    sheet.set_column(1, 1, 14)
    workbook.close()
    response = HttpResponse(output.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = (f'attachment; filename="hotline-111-{period.start:%Y%m%d}-'
                                       f'{period.end:%Y%m%d}.xlsx"')
    record_export(request, "hotline.call", {**dict(request.GET.lists()), "report": ["111"]}, rows, "xlsx")
    return response
