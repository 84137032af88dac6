"""Presentation of cases: the clocks (due, met when, overdue by how much), the content of a step's
form as rows (narratives withheld from those who may not read them), amounts in VND, and the
panels that other pages include (a worker's home, a supervisor's home, a child's page).

Every panel starts from cases.selectors, so it shows only what the user may see.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django import forms, template
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from beneficiaries.selectors import panel_has_rows
from cases import selectors
from cases.choices import ClockCode
from cases.documents import DOCUMENT_FORMS
from cases.models import CaseClock, DocumentKind
from cases.permissions import can_open_case
from core.addresses import record_address
from core.pagination import CappedPaginator

register = template.Library()

PANEL_PAGE_SIZE = 25
OVERDUE_LIMIT = 50
CLOCK_LABELS = dict(ClockCode.choices)  # lazy: each in the language of the page
DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"

# Form 05 is written by the approval itself (cases.services), not through a form.
APPROVAL_LABELS = {
    "submitted_by": lambda: _("Submitted by"),
    "approved_by": lambda: _("Approved by"),
    "approved_at": lambda: _("Approved at"),
    "comments": lambda: _("Comments"),
}


# --- durations and clocks ----------------------------------------------------------------------


def duration_text(delta: timedelta) -> str:
    """'2 d 3 h', '11 h 59 min', '12 min': precise enough for a 12-hour or a 5-working-day clock."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


@dataclass
class ClockRow:
    clock: CaseClock
    state: str  # running | overdue | met | met_late | cancelled
    text: str  # "11 h 59 min left", "overdue by 2 d 1 h", "met on time", "met 3 h late"
    css: str  # Bootstrap badge colours

    @property
    def label(self) -> str:
        return self.clock.get_code_display()


def clock_row(clock: CaseClock, now: datetime | None = None) -> ClockRow:
    now = now or timezone.now()
    if clock.cancelled_at:
        return ClockRow(clock, "cancelled", _("stopped"), "text-bg-secondary")
    if clock.met_at:
        if clock.met_at > clock.due_at:
            return ClockRow(clock, "met_late", _("met %(late)s late") % {"late": duration_text(
                clock.met_at - clock.due_at)}, "text-bg-warning")
        return ClockRow(clock, "met", _("met on time"), "text-bg-success")
    if now > clock.due_at:
        return ClockRow(clock, "overdue", _("overdue by %(late)s") % {"late": duration_text(now - clock.due_at)},
                        "text-bg-danger")
    return ClockRow(clock, "running", _("%(left)s left") % {"left": duration_text(clock.due_at - now)},
                    "text-bg-primary")


def clock_rows(clocks, now: datetime | None = None) -> list[ClockRow]:
    now = now or timezone.now()
    return [clock_row(c, now) for c in clocks if not c.cancelled_at]


@register.filter
def clock_status(clock: CaseClock) -> ClockRow:
    return clock_row(clock)


# --- money -------------------------------------------------------------------------------------


@register.filter
def vnd(amount) -> str:
    """1500000 -> '1.500.000' (the dot groups thousands in Viet Nam, whatever the UI language)."""
    try:
        value = int(amount or 0)
    except (TypeError, ValueError):
        return ""
    return f"{value:,}".replace(",", ".")


# --- the content of a step's form --------------------------------------------------------------


def _date(value) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime(DATE_FORMAT)
    try:
        return date.fromisoformat(str(value)[:10]).strftime(DATE_FORMAT)
    except ValueError:
        return str(value)


def _datetime(value) -> str:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment).strftime(DATETIME_FORMAT)


def field_value(field: forms.Field, value) -> str:
    """A stored value as a person reads it: choices by their label, dates day first, local time."""
    if value in (None, "", []):
        return ""
    if isinstance(field, forms.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(field, forms.MultipleChoiceField):
        labels = dict(field.choices)
        return ", ".join(str(labels.get(v, v)) for v in value)
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    if isinstance(field, forms.DateTimeField):
        return _datetime(value)
    if isinstance(field, forms.DateField):
        return _date(value)
    return str(value)


@dataclass
class ContentRow:
    name: str
    label: str
    value: str
    withheld: bool


def document_rows(kind: str, content: dict, *, narratives: bool) -> list[ContentRow]:
    """The fields of one step's form, in the form's order; narrative fields withheld unless the
    user may read them (cases.permissions.can_read_narratives)."""
    content = content or {}
    if kind == DocumentKind.APPROVAL:
        return [ContentRow(name, label(), _datetime(content[name]) if name == "approved_at" and content.get(name)
                           else str(content.get(name) or ""), False) for name, label in APPROVAL_LABELS.items()]
    form_class = DOCUMENT_FORMS[kind]
    rows = []
    for name, field in form_class.base_fields.items():
        if name in form_class.NARRATIVE and not narratives:
            rows.append(ContentRow(name, str(field.label), "", True))
        else:
            rows.append(ContentRow(name, str(field.label), field_value(field, content.get(name)), False))
    return rows


def document_values(kind: str, content: dict, *, narratives: bool, withheld: str = "") -> dict[str, str]:
    """name -> value as text, for the printable forms (withheld narratives as a marker)."""
    marker = withheld or _("[withheld]")
    return {row.name: (marker if row.withheld else row.value)
            for row in document_rows(kind, content, narratives=narratives)}


def initial_from_content(kind: str, content: dict) -> dict:
    """The latest version's content as a form's initial values (ISO dates back to date objects)."""
    form_class = DOCUMENT_FORMS[kind]
    initial = {}
    for name, field in form_class.base_fields.items():
        value = (content or {}).get(name)
        if value in (None, ""):
            continue
        try:
            if isinstance(field, forms.DateTimeField):
                value = timezone.localtime(datetime.fromisoformat(value))
            elif isinstance(field, forms.DateField):
                value = date.fromisoformat(value)
        except (TypeError, ValueError):
            continue
        initial[name] = value
    return initial


# --- lists and panels --------------------------------------------------------------------------


def with_next_clock(qs):
    """The code of each case's next running deadline, for the row that names it (its time is
    Case.next_due_at). A column of the page's query: prefetching the running clocks cost one more
    query and a model per clock for one word per row (issue 9)."""
    return qs.annotate(next_clock_code=Subquery(
        selectors.running_clocks().filter(case=OuterRef("pk")).order_by("due_at", "pk").values("code")[:1]))


@register.filter
def clock_label(code: str) -> str:
    """A deadline's name from its code (ClockCode)."""
    return CLOCK_LABELS.get(code, code)


def paginate(request, qs, size: int = PANEL_PAGE_SIZE, param: str = "page"):
    return CappedPaginator(qs, size).get_page(request.GET.get(param))


# --- case rows ---------------------------------------------------------------------------------

ROW = ('\n  <a class="list-group-item list-group-item-action{}" href="{}" data-testid="case-row"{}>'
       '\n    <div class="d-flex flex-wrap justify-content-between gap-1"><span class="fw-semibold">{}</span>'
       '<small class="text-muted">{}</small></div>'
       '\n    <div class="small">'
       '\n      <span class="badge text-bg-light border">{}</span>'
       '\n      <span class="badge text-bg-secondary">{}</span>{}{}'
       '\n    </div>'
       '\n    <small class="text-muted">{}{}{}</small>'
       '\n  </a>')
OVERDUE_ATTRIBUTE = mark_safe(' data-overdue="1"')  # noqa: S308 - a constant


@register.simple_tag
def case_rows(cases, show_worker: bool = False) -> str:
    """The rows of a case list (case list, my work, the team's cases, a child's cases): the child,
    the number, level and status, emergency and overdue, the commune, the worker and the next
    deadline. Written in Python: through the template, a row cost 0.3 ms - a quarter of a list
    page once its queries were fast (issue 9)."""
    detail = record_address("cases:case_detail")  # one reverse() for the page
    emergency = format_html(' <span class="badge text-bg-warning">{}</span>', _("Emergency"))
    overdue = format_html(' <span class="badge text-bg-danger" data-testid="overdue-badge">{}</span>', _("Overdue"))
    rows = []
    for case in cases:
        late = getattr(case, "is_overdue", False)
        worker = ""
        if show_worker:
            name = case.assigned_worker.get_full_name() if case.assigned_worker_id else ""
            worker = format_html(" · {}", name or _("not assigned"))
        due, code = getattr(case, "next_due", None), getattr(case, "next_clock_code", None)
        if code:
            deadline = format_html(" · {}: {} {}", clock_label(code), _("due"), _datetime(due))
        elif due:
            deadline = format_html(" · {} {}", _("next deadline"), _datetime(due))
        else:
            deadline = ""
        rows.append(format_html(
            ROW, " list-group-item-danger" if late else "", detail(case.public_id),
            OVERDUE_ATTRIBUTE if late else "", case.child.full_name, case.case_number,
            case.get_level_display(), case.get_status_display(), emergency if case.is_emergency else "",
            overdue if late else "", case.commune.name, worker, deadline))
    if not rows:
        rows.append(format_html('\n<p class="text-muted mb-0">{}</p>', _("No case.")))
    return format_html('<div class="list-group" data-testid="case-rows">{}\n</div>',
                       format_html_join("", "{}", ((row,) for row in rows)))


@register.simple_tag
def caseload_rows(caseload) -> str:
    """The supervisor's caseload table body: one row per worker of the province (a couple of
    hundred), written in Python like case_rows: through the template it was a tenth of the page."""
    rows = [format_html(
        '<tr><td>{}</td>\n        <td class="text-end">{}</td><td class="text-end">{}</td></tr>\n      ',
        row["worker_name"] if row["assigned_worker_id"] else format_html("<em>{}</em>", _("not assigned")),
        row["open_cases"],
        format_html('<span class="badge text-bg-danger">{}</span>', row["overdue"]) if row["overdue"] else 0)
        for row in caseload]
    if not rows:
        return format_html('<tr><td colspan="3" class="text-muted">{}</td></tr>', _("No open case."))
    return format_html_join("", "{}", ((row,) for row in rows))


@register.simple_tag
def overdue_rows(overdue: list[ClockRow]) -> str:
    """The supervisor's overdue deadlines (up to OVERDUE_LIMIT), written in Python like case_rows."""
    detail = record_address("cases:case_detail")
    rows = []
    for row in overdue:
        case = row.clock.case
        worker = case.assigned_worker.get_full_name() if case.assigned_worker_id else ""
        rows.append(format_html(
            '<li class="mb-1"><span class="badge {}">{}</span>\n        <a href="{}">{}</a> · {} · {}</li>\n      ',
            row.css, row.text, detail(case.public_id), case.case_number, row.label,
            worker or _("not assigned")))
    if not rows:
        return format_html('<li class="text-muted">{}</li>', _("No deadline overdue."))
    return format_html_join("", "{}", ((row,) for row in rows))


@register.inclusion_tag("cases/_my_work_panel.html", takes_context=True)
def my_work_panel(context):
    """A social worker's open cases, what is due first at the top, overdue in red (issue 4 item 7)."""
    request = context["request"]
    page = paginate(request, with_next_clock(selectors.my_work(request.user)))
    return {"page": page, "request": request, "now": timezone.now(),
            "can_open": can_open_case(request.user)}


@register.inclusion_tag("cases/_team_panel.html", takes_context=True)
def team_panel(context):
    """A supervisor's team: open cases, caseload per worker, pending approvals, overdue deadlines."""
    request = context["request"]
    user = request.user
    page = paginate(request, with_next_clock(selectors.team_cases(user)))
    overdue = list(selectors.overdue_clocks(user)[:OVERDUE_LIMIT])
    now = timezone.now()
    return {
        "page": page, "request": request, "now": now,
        "caseload": selectors.caseload(user),
        "approvals": list(selectors.pending_approvals(user)),
        "overdue": [clock_row(c, now) for c in overdue],
        "can_open": can_open_case(user),
    }


@register.inclusion_tag("cases/_child_cases.html", takes_context=True)
def child_cases(context, child):
    """The child's cases the user may see, and the way to open one."""
    request = context["request"]
    may_open = can_open_case(request.user) and child.is_active and child.merged_into_id is None
    # Not read when the child's row says it has no case at all (beneficiaries.selectors.PANEL_HINTS).
    cases = selectors.child_cases(request.user, child) if panel_has_rows(child, "cases") else []
    return {"cases": cases, "child": child, "can_open": may_open, "request": request}
