"""Case pages. Thin: every read starts from selectors.cases_visible_to (a case outside it is a
404, the same as a missing one), every write is a service, and a rule the service refuses comes
back as a message. The case page is recorded in the access log, so are searches, exports and
printed forms."""

import csv
import io
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms import CheckboxSelectMultiple
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Role
from audit.services import record_export, record_search, record_view
from beneficiaries.exports import safe_cell
from beneficiaries.selectors import children_visible_to, search_children
from cases import forms, selectors, services, workflow
from cases.documents import DOCUMENT_FORMS
from cases.filters import CaseFilter
from cases.models import Approval, Case, DocumentKind
from cases.permissions import can_manage_team, can_open_case, can_read_narratives, can_work_on_case
from cases.templatetags.cases_tags import (
    clock_rows,
    document_rows,
    document_values,
    initial_from_content,
    with_next_clock,
)
from core import search
from core.filters import filtered_list
from core.models import Notification
from core.pagination import CappedPaginator
from core.replica import reads_from_replica

PAGE_SIZE = 25
MAX_EXPORT_ROWS = 100_000
CHILD_SEARCH_LIMIT = 20

# The steps' forms in the order of the procedure, with the number of the printed form.
DOCUMENT_ORDER = [
    (DocumentKind.INTAKE, "01"),
    (DocumentKind.INITIAL_ASSESSMENT, "02"),
    (DocumentKind.SEPARATION, "07"),
    (DocumentKind.DETAILED_ASSESSMENT, "03"),
    (DocumentKind.CONFERENCE, None),
    (DocumentKind.PLAN, "04"),
    (DocumentKind.APPROVAL, "05"),
    (DocumentKind.REVIEW, "06"),
    (DocumentKind.CLOSURE, None),
]
PRINTABLE = {number: kind for kind, number in DOCUMENT_ORDER if number}
CASE_ROLES = {Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.HOTLINE_COUNSELLOR, Role.PROVINCIAL_OFFICIAL,
              Role.NATIONAL_OFFICIAL, Role.ADMIN}
# The moves that decide a pending approval (nobody decides what they submitted).
DECISIONS = {"approve_plan": Approval.Kind.PLAN, "reject_plan": Approval.Kind.PLAN,
             "approve_closure": Approval.Kind.CLOSURE, "reject_closure": Approval.Kind.CLOSURE}
EXPORTERS = {Role.SUPERVISOR, Role.PROVINCIAL_OFFICIAL, Role.NATIONAL_OFFICIAL, Role.ADMIN}


def _visible(request):
    return selectors.cases_visible_to(request.user)


def _case_or_404(request, public_id) -> Case:
    return get_object_or_404(_visible(request).select_related(
        "child", "child__commune", "commune", "commune__province", "assigned_worker", "opened_by"),
        public_id=public_id)


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _to_case(case: Case, anchor: str = ""):
    url = reverse("cases:case_detail", args=[case.public_id])
    return redirect(f"{url}#{anchor}" if anchor else url)


# --- lists -------------------------------------------------------------------------------------


@login_required
def case_list(request):
    _require(request.user.role in CASE_ROLES)
    if request.method == "POST":  # the search form: a child's name never travels in a URL (core.search)
        return search.results_redirect(request, reverse("cases:case_list"))
    query = search.SearchQuery(request)
    rows, case_filter, filters_open = filtered_list(request, CaseFilter, query.data, user=request.user,
                                                    queryset=with_next_clock(selectors.list_queryset(_visible(request))))
    results = rows.none() if query.expired else rows
    page = CappedPaginator(results.order_by("-received_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    if query.expired:
        messages.info(request, _("This search has expired: search again."))
    if query.text:
        record_search(request, "cases.case", {"search": query.text})
    return render(request, "cases/case_list.html", {
        "filter": case_filter, "page": page, "can_open": can_open_case(request.user),
        "can_export": request.user.role in EXPORTERS, "now": timezone.now(),
        # The text searched for, as typed: reading it from the filter's form built the form (and
        # copied its choice fields) on every view, for a panel that is closed (issue 9).
        "search_text": query.text,
        "filters_open": filters_open,
    })


@login_required
def case_filters(request):
    """The list's filter fields, loaded when the closed "Filters" panel is first opened: their
    worker and commune lists (a province's ~200 workers and ~100 communes) were a third of the
    list's time and most of its HTML on every view, for a panel most views leave closed (issue 9).
    With a filter in use the list shows them itself; without JavaScript, ?filters opens them."""
    _require(request.user.role in CASE_ROLES)
    return render(request, "includes/filter_fields.html", {
        "filter": CaseFilter(None, user=request.user, queryset=Case.objects.none()),
        "clear_url": reverse("cases:case_list")})


def _export_columns():
    return [
        (_("Case number"), lambda c: c.case_number),
        (_("Level"), lambda c: c.get_level_display()),
        (_("Status"), lambda c: c.get_status_display()),
        (_("Child's category"), lambda c: c.get_category_display()),
        (_("Province"), lambda c: c.commune.province.name),
        (_("Commune"), lambda c: c.commune.name),
        (_("Information received at"), lambda c: timezone.localtime(c.received_at).strftime("%d/%m/%Y %H:%M")),
        (_("Emergency"), lambda c: _("yes") if c.is_emergency else ""),
        (_("Assigned worker"), lambda c: c.assigned_worker.get_full_name() if c.assigned_worker else ""),
        (_("Overdue"), lambda c: _("yes") if c.is_overdue else ""),
        (_("Closed at"), lambda c: timezone.localtime(c.closed_at).strftime("%d/%m/%Y") if c.closed_at else ""),
    ]


@reads_from_replica
@login_required
def case_export(request):
    """The filtered list as CSV for supervisors and officials: facts only, no child's name and no
    narrative, no formula injection, one access-log row."""
    _require(request.user.role in EXPORTERS)
    query = search.SearchQuery(request)  # the list's remembered search, by its key
    case_filter = CaseFilter(query.data, user=request.user, queryset=selectors.list_queryset(
        _visible(request).select_related("commune__province")))
    results = case_filter.qs.none() if query.expired else case_filter.qs  # never everything instead
    columns = _export_columns()
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 CSV with Vietnamese only with a BOM
    writer = csv.writer(buffer)
    writer.writerow([str(title) for title, _getter in columns])
    count = 0
    for case in results.order_by("-received_at", "-pk")[:MAX_EXPORT_ROWS]:
        writer.writerow([safe_cell(getter(case)) for _title, getter in columns])
        count += 1
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.csv"'
    record_export(request, "cases.case", query.logged(request), count, "csv")
    return response


@login_required
def my_work(request):
    _require(request.user.role == Role.SOCIAL_WORKER)
    return render(request, "cases/my_work.html")


@login_required
def team(request):
    _require(request.user.role == Role.SUPERVISOR)
    return render(request, "cases/team.html")


# --- opening a case ----------------------------------------------------------------------------


@login_required
def case_open(request):
    """Issue 4 item 1. From a child's page (?child=<id>) or, from the case list, by finding the child first."""
    user = request.user
    _require(can_open_case(user))
    children = children_visible_to(user).filter(merged_into__isnull=True)
    child_id = request.POST.get("child") or request.GET.get("child")
    child = None
    if child_id:
        try:
            child = children.select_related("commune").filter(public_id=uuid.UUID(str(child_id))).first()
        except ValueError:  # a malformed id is the same as an unknown one
            child = None
        _require(child is not None)
    if child is None:
        # Finding the child: the form POSTs the name, which comes back as a session key (core.search).
        if request.method == "POST":
            return search.results_redirect(request, reverse("cases:case_open"))
        query = search.SearchQuery(request)
        found = []
        if query.text:
            found = list(search_children(children.select_related("commune"), query.text)[:CHILD_SEARCH_LIMIT])
            record_search(request, "beneficiaries.child", {"search": query.text, "for": "open_case"})
        elif query.expired:
            messages.info(request, _("This search has expired: search again."))
        return render(request, "cases/case_open.html", {"search_text": query.text, "found": found})

    data = request.POST if request.method == "POST" else None
    form = forms.OpenCaseForm(data, user=user, child=child)
    intake = DOCUMENT_FORMS[DocumentKind.INTAKE](data, initial=_intake_initial(user))
    if request.method == "POST" and all([form.is_valid(), intake.is_valid()]):
        try:
            case = services.open_case(**form.case_data(), by=user, intake=intake.content())
        except services.CaseError as error:
            form.add_error(None, str(error))  # shown above the form, nothing was saved
        else:
            messages.success(request, _("Case %(number)s opened.") % {"number": case.case_number})
            return _to_case(case)
    return render(request, "cases/case_open.html", {"form": form, "intake": intake, "child": child})


def _intake_initial(user) -> dict:
    if user.agency_id:
        return {"receiving_body": user.agency.name}
    return {"receiving_body": user.province.name} if user.province_id else {}


# --- the case page -----------------------------------------------------------------------------


def _moves_for(request, case: Case, documents: dict, pending: dict) -> list[dict]:
    """The next allowed moves the user may make, each with what it still needs."""
    user = request.user
    may_work = can_work_on_case(user, case)
    moves = []
    for move in workflow.moves_from(case.status):
        if move.supervisor_only and user.role != Role.SUPERVISOR:
            continue
        if not move.supervisor_only and not may_work:
            continue
        missing = [DocumentKind(kind).label for kind in move.requires if kind not in documents]
        approval = pending.get(DECISIONS.get(move.action))
        own = bool(approval and approval.requested_by_id == user.pk)
        moves.append({"move": move, "missing": missing, "own_submission": own,
                      "note_required": move.needs_note, "note_allowed": move.needs_note or move.supervisor_only,
                      "danger": move.action.startswith(("reject", "replan"))})
    return moves


def _history(case: Case, level_changes: list) -> list[dict]:
    """The workflow's steps, level changes (read once for the page, which lists them too) and
    reassignments, with who and when."""
    entries = []
    for t in case.transitions.select_related("by"):
        if t.action == "open":
            title = _("Case opened")
        elif t.action == "lift_separation":
            title = _("Temporary separation lifted")
        elif t.action in workflow.MOVES_BY_ACTION:
            title = str(workflow.MOVES_BY_ACTION[t.action].label)
        else:
            title = t.action
        entries.append({"at": t.at, "by": t.by, "title": title, "detail": t.note})
    for change in level_changes:
        entries.append({"at": change.at, "by": change.by, "title": _("Level changed: %(from)s → %(to)s") % {
            "from": change.get_from_level_display(), "to": change.get_to_level_display()}, "detail": change.reason})
    for r in case.reassignments.select_related("by", "from_worker", "to_worker", "from_commune", "to_commune"):
        if r.to_commune_id:
            title = _("Transferred: %(from)s → %(to)s") % {"from": r.from_commune.name if r.from_commune else "—",
                                                         "to": r.to_commune.name}
        else:
            title = _("Reassigned: %(from)s → %(to)s") % {
                "from": r.from_worker.get_full_name() if r.from_worker else "—",
                "to": r.to_worker.get_full_name() if r.to_worker else "—"}
        entries.append({"at": r.at, "by": r.by, "title": title, "detail": r.reason})
    return sorted(entries, key=lambda e: e["at"])


def _detail_context(request, case: Case, **bound) -> dict:
    user = request.user
    may_work = _may_write(user, case)
    narratives = can_read_narratives(user, case)
    documents = selectors.latest_documents(case)
    approvals = list(case.approvals.select_related("requested_by", "decided_by"))
    pending = {a.kind: a for a in approvals if a.decided_at is None}
    sections = []
    for kind, number in DOCUMENT_ORDER:
        document = documents.get(kind)
        sections.append({
            "kind": kind, "slug": kind.lower(), "label": DocumentKind(kind).label, "number": number,
            "document": document,
            "rows": document_rows(kind, document.content, narratives=narratives) if document else [],
            "editable": may_work and kind in DOCUMENT_FORMS,
        })
    tasks = list(case.plan_tasks.select_related("service_type", "responsible_agency"))
    editing_plan = may_work and case.status in services.EDITABLE_TASK_STATUSES
    manage = _may_manage(user, case)
    level_changes = list(case.level_changes.select_related("by"))
    return {
        "case": case, "may_work": may_work, "narratives": narratives,
        "clocks": clock_rows(case.clocks.all()),
        "moves": _moves_for(request, case, documents, pending),
        "sections": sections, "approvals": approvals,
        "tasks": tasks, "tasks_total": sum(t.cost_vnd for t in tasks), "editing_plan": editing_plan,
        "task_form": bound.get("task_form") or (forms.PlanTaskForm(user=user, prefix="task")
                                                if editing_plan else None),
        "visits": list(case.visits.select_related("author")),
        "visit_form": bound.get("visit_form") or (forms.VisitForm(prefix="visit") if may_work else None),
        "services": list(case.services.select_related("service_type", "provider_agency", "task", "recorded_by")),
        "service_form": bound.get("service_form") or (forms.ServiceForm(user=user, case=case, prefix="service")
                                                      if may_work else None),
        "attachments": list(case.attachments.select_related("uploaded_by")),
        "attachment_form": bound.get("attachment_form") or (forms.AttachmentForm(prefix="file")
                                                            if may_work else None),
        "level_changes": level_changes,
        "level_form": bound.get("level_form") or (forms.LevelChangeForm(prefix="level") if may_work else None),
        "reassign_form": bound.get("reassign_form") or (forms.ReassignForm(case=case, prefix="reassign")
                                                        if manage else None),
        "transfer_form": bound.get("transfer_form") or (forms.TransferForm(prefix="transfer") if manage else None),
        "history": _history(case, level_changes),
        "abuse_types": list(case.abuse_types.all()),
        "open_section": bound.get("open_section", ""),
    }


@login_required
def case_detail(request, public_id):
    case = _case_or_404(request, public_id)
    record_view(request, case)
    return render(request, "cases/case_detail.html", _detail_context(request, case))


def _may_write(user, case: Case) -> bool:
    """Forms, visits, services, attachments and levels: those working on an open case."""
    return can_work_on_case(user, case) and case.is_open


def _may_manage(user, case: Case) -> bool:
    return can_manage_team(user) and case.is_open


def _write(request, public_id, handler, *, allowed=_may_write):
    """A POST from the case page: scoped, permission-checked; a refusal is a message. `handler`
    returns a response to re-render the page with a bound form, or None when saved."""
    case = _case_or_404(request, public_id)
    _require(allowed(request.user, case))
    try:
        response = handler(case)
    except services.CaseError as error:
        messages.error(request, str(error))
        return _to_case(case)
    if response is not None:
        return response
    messages.success(request, _("Saved."))
    return _to_case(case)


def _rerender(request, case, message: str | None = None, **bound):
    """Show the case page again with the bound form and its errors (nothing was saved)."""
    messages.error(request, message or _("Check the highlighted fields: nothing was saved."))
    return render(request, "cases/case_detail.html", _detail_context(request, case, **bound), status=400)


@login_required
@require_POST
def case_transition(request, public_id):
    """One move of the Decree 56 procedure (cases.workflow); the service refuses what the table,
    the forms or the approval rules do not allow, with the reason."""
    case = _case_or_404(request, public_id)
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step."))
        return _to_case(case)
    try:
        case = services.apply_transition(case, action=form.cleaned_data["action"], by=request.user,
                                         note=form.cleaned_data["note"])
    except (services.CaseError, workflow.IllegalMove) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Done: the case is now “%(status)s”.") % {"status": case.get_status_display()})
    return _to_case(case, "workflow")


@login_required
def document_edit(request, public_id, kind):
    """A step's form: every save is a new version (services.save_document); the page shows the
    versions with author and time. "Save and …" also makes the move that needed this form."""
    case = _case_or_404(request, public_id)
    kind = kind.upper()
    _require(kind in DOCUMENT_FORMS)
    _require(_may_write(request.user, case))
    form_class = DOCUMENT_FORMS[kind]
    latest = selectors.latest_document(case, kind)
    initial = initial_from_content(kind, latest.content) if latest else {}
    form = form_class(request.POST or None, initial=initial)
    for field in form.fields.values():
        if isinstance(field.widget, CheckboxSelectMultiple):
            field.widget.attrs.setdefault("class", "form-check-input")
    follow_up = [m for m in workflow.moves_from(case.status) if kind in m.requires and not m.supervisor_only
                 and not m.needs_note]
    if request.method == "POST" and form.is_valid():
        try:
            services.save_document(case, kind=kind, content=form.content(), by=request.user)
        except services.CaseError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("“%(form)s” saved.") % {"form": DocumentKind(kind).label})
            then = request.POST.get("then")
            if then and then in {m.action for m in follow_up}:
                try:
                    case = services.apply_transition(case, action=then, by=request.user)
                except (services.CaseError, workflow.IllegalMove) as error:
                    messages.error(request, str(error))
            return _to_case(case, kind.lower())
    versions = case.documents.filter(kind=kind).select_related("author")[:20]
    return render(request, "cases/document_form.html", {
        "case": case, "form": form, "kind": kind, "label": DocumentKind(kind).label, "versions": versions,
        "follow_up": follow_up, "narrative_fields": form_class.NARRATIVE,
    })


@login_required
@require_POST
def level_change(request, public_id):
    def handle(case):
        form = forms.LevelChangeForm(request.POST, prefix="level")
        if not form.is_valid():
            return _rerender(request, case, level_form=form, open_section="level")
        services.change_level(case, to_level=form.cleaned_data["to_level"], reason=form.cleaned_data["reason"],
                              by=request.user)
        return None

    return _write(request, public_id, handle)


@login_required
@require_POST
def task_add(request, public_id):
    def handle(case):
        form = forms.PlanTaskForm(request.POST, user=request.user, prefix="task")
        if not form.is_valid():
            return _rerender(request, case, task_form=form, open_section="plan")
        services.add_plan_task(case, by=request.user, **form.cleaned_data)
        return None

    return _write(request, public_id, handle)


@login_required
@require_POST
def task_remove(request, public_id, task_id):
    def handle(case):
        services.remove_plan_task(get_object_or_404(case.plan_tasks, pk=task_id), by=request.user)
        return None

    return _write(request, public_id, handle)


@login_required
@require_POST
def visit_add(request, public_id):
    def handle(case):
        form = forms.VisitForm(request.POST, prefix="visit")
        if not form.is_valid():
            return _rerender(request, case, visit_form=form, open_section="visits")
        services.record_visit(case, by=request.user, **form.cleaned_data)
        return None

    return _write(request, public_id, handle)


@login_required
@require_POST
def service_add(request, public_id):
    def handle(case):
        form = forms.ServiceForm(request.POST, user=request.user, case=case, prefix="service")
        if not form.is_valid():
            return _rerender(request, case, service_form=form, open_section="services")
        services.record_service(case, by=request.user, **form.service_data())
        return None

    return _write(request, public_id, handle)


@login_required
@require_POST
def attachment_add(request, public_id):
    def handle(case):
        form = forms.AttachmentForm(request.POST, request.FILES, prefix="file")
        if not form.is_valid():
            return _rerender(request, case, attachment_form=form, open_section="attachments")
        services.add_attachment(case, upload=form.cleaned_data["file"],
                                description=form.cleaned_data["description"], by=request.user)
        return None

    return _write(request, public_id, handle)


@login_required
def attachment_download(request, public_id, attachment_id):
    """Served only through here, to those who may see the case: never a public URL, never cached."""
    case = _case_or_404(request, public_id)
    attachment = get_object_or_404(case.attachments, pk=attachment_id)
    record_view(request, attachment)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def reassign(request, public_id):
    def handle(case):
        form = forms.ReassignForm(request.POST, case=case, prefix="reassign")
        if not form.is_valid():
            return _rerender(request, case, reassign_form=form, open_section="team")
        services.reassign(case, to_worker=form.cleaned_data["to_worker"], reason=form.cleaned_data["reason"],
                          by=request.user)
        return None

    return _write(request, public_id, handle, allowed=_may_manage)


@login_required
@require_POST
def transfer(request, public_id):
    def handle(case):
        form = forms.TransferForm(request.POST, prefix="transfer")
        if not form.is_valid():
            return _rerender(request, case, transfer_form=form, open_section="team")
        services.transfer(case, to_commune=form.cleaned_data["to_commune"], reason=form.cleaned_data["reason"],
                          by=request.user)
        return None

    response = _write(request, public_id, handle, allowed=_may_manage)
    # After a transfer to another province the case may no longer be visible here.
    if response.status_code == 302 and not _visible(request).filter(public_id=public_id).exists():
        return redirect("cases:case_list")
    return response


@login_required
@require_POST
def lift_separation(request, public_id):
    def handle(case):
        services.lift_separation(case, by=request.user)
        return None

    return _write(request, public_id, handle)


# --- printable forms ---------------------------------------------------------------------------


# Fixed wording of the paper forms (Decree 56/2017 annex), whatever the interface language.
LEVELS_VI = {"PREVENTION": "Phòng ngừa", "EARLY_SUPPORT": "Hỗ trợ", "INTERVENTION": "Can thiệp"}
SEX_VI = {"M": "Nam", "F": "Nữ", "U": "Không rõ"}
NEEDS_VI = [("medical", "Chăm sóc y tế"), ("social_assistance", "Trợ giúp xã hội"),
            ("education", "Giáo dục, giáo dục nghề nghiệp"), ("legal_aid", "Trợ giúp pháp lý"),
            ("counselling", "Tư vấn, trị liệu tâm lý"), ("other", "Khác")]
WITHHELD_VI = "[Thông tin được bảo mật]"


@login_required
def form_print(request, public_id, form_no):
    """Forms 01 to 07 as printable pages in Vietnamese, to sign and file in the commune archive;
    a form not filled in yet prints blank, to fill by hand. Narratives stay withheld from those who
    may not read them. Printing is an access like any other: it is recorded."""
    case = _case_or_404(request, public_id)
    _require(form_no in PRINTABLE)
    kind = PRINTABLE[form_no]
    narratives = can_read_narratives(request.user, case)
    record_view(request, case)
    document = selectors.latest_document(case, kind)
    content = dict(document.content) if document else {}
    if not narratives and kind in DOCUMENT_FORMS:
        content = {k: v for k, v in content.items() if k not in DOCUMENT_FORMS[kind].NARRATIVE}
    tasks = list(case.plan_tasks.select_related("responsible_agency")) if kind in (
        DocumentKind.PLAN, DocumentKind.APPROVAL) else []
    with translation.override("vi"):
        values = document_values(kind, content, narratives=narratives, withheld=WITHHELD_VI)
        context = {
            "case": case, "form_no": form_no, "document": document, "d": values, "raw": content,
            "narratives": narratives, "tasks": tasks, "tasks_total": sum(t.cost_vnd for t in tasks),
            "abuse_types": ", ".join(t.name_vi for t in case.abuse_types.all()),
            "level_vi": LEVELS_VI.get(case.level, case.level), "sex_vi": SEX_VI.get(case.child.sex, ""),
            "needs_vi": NEEDS_VI, "printed_at": timezone.localtime(),
            "form_date": timezone.localtime(document.created_at if document else case.received_at),
        }
        return render(request, f"cases/print/form_{form_no}.html", context)


# --- notifications -----------------------------------------------------------------------------


@login_required
def notifications(request):
    page = Paginator(Notification.objects.filter(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/notifications.html", {"page": page})


@login_required
@require_POST
def notification_open(request, pk):
    """Mark one notice read and go where it points (a page of this site only)."""
    notice = get_object_or_404(Notification.objects.filter(user=request.user), pk=pk)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    if request.POST.get("go") and url_has_allowed_host_and_scheme(notice.url, allowed_hosts={request.get_host()},
                                                                  require_https=request.is_secure()):
        return redirect(notice.url)
    return redirect("cases:notifications")


@login_required
@require_POST
def notifications_read_all(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, _("All notifications marked as read."))
    return redirect("cases:notifications")

