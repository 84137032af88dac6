"""Statistics pages (issue 7). Thin: figures come from the snapshots through reports.selectors
(scoped to the user's province, masked by the small-cell rule); rebuilds and a commune's inputs
go through reports.services, whose refusals come back as messages. A province outside the
user's scope is a 404, like a missing one; a malformed period is a 400 with the reason."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import AccessAction
from audit.services import record_access, record_export
from cases.choices import Level
from core.replica import reads_from_replica
from geography.models import Commune, Province
from geography.selectors import communes_managed_by
from reports import dashboard, exports, forms, periods, selectors, services
from reports.models import ChildFriendlyAssessment, CommunicationEvent, FundRecord, SnapshotBuild
from reports.permissions import (
    can_drill_down,
    can_rebuild_province,
    can_record_commune_data,
    can_request_rebuild,
    can_see_statistics,
    sees_all_provinces,
)

PAGE_SIZE = 25


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404


class BadRequest(Exception):
    """A malformed period or parameter: answered with the 400 page and the reason."""


def _bad_request(request, message: str) -> HttpResponse:
    return render(request, "reports/bad_request.html", {"message": message}, status=400)


def _period(request, source=None, *, default_kind: str = "year") -> periods.Period:
    code = (source or request.GET).get("period", "")
    if not code:
        return periods.current(default_kind)
    try:
        return periods.parse(code)
    except periods.BadPeriod as error:
        raise BadRequest(str(error)) from error


def _province(request, code: str | None) -> Province | None:
    """The province a page is about: a provincial user's own (another code is a 404); for those who
    see every province, the one asked for, or None for the whole country."""
    user = request.user
    if sees_all_provinces(user):
        if not code:
            return None
        return get_object_or_404(Province.objects.current(), code=code)
    province = get_object_or_404(selectors.provinces_for(user))
    if code and code != province.code:
        raise Http404
    return province


def _statistics_view(view):
    """login, the statistics roles, and a 400 page for a malformed period."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        _require(can_see_statistics(request.user))
        try:
            return view(request, *args, **kwargs)
        except BadRequest as error:
            return _bad_request(request, str(error))

    return wrapper


def _picker(period: periods.Period) -> dict:
    choices = dashboard.recent_periods()
    return {"period_choices": choices, "period_in_choices": any(period.code in codes for _label, codes in choices)}


def _query(period: periods.Period, province: Province | None, **extra) -> str:
    params = {"period": period.code}
    if province is not None:
        params["province"] = province.code
    params.update({k: v for k, v in extra.items() if v})
    return urlencode(params)


@reads_from_replica
@_statistics_view
def dashboard_view(request):
    """A province's dashboard for a period; for a national official without a province, every
    province side by side."""
    user = request.user
    period = _period(request)
    province = _province(request, request.GET.get("province"))
    context = {
        "period": period, "province": province, **_picker(period),
        "query": _query(period, province), "can_rebuild": can_rebuild_province(user, province),
        "build": selectors.live_build(user, period=period, province=province),
        "sees_all": sees_all_provinces(user), "can_drill_down": can_drill_down(user),
        "is_future": period.is_future(), "can_record": can_record_commune_data(user),
    }
    if province is None:
        context.update(dashboard.national_dashboard(user, period=period,
                                                    indicator_code=request.GET.get("indicator", "")))
        return render(request, "reports/national.html", context)
    context.update(dashboard.province_dashboard(user, province=province, period=period,
                                                by_commune=request.GET.get("by_commune", "")))
    context["printable"] = period.kind in dashboard.REPORT_KINDS
    return render(request, "reports/dashboard.html", context)


@reads_from_replica
@_statistics_view
def commune_view(request, code):
    """Drill-down from a province's figures to one commune's (logged: reports.drilldown)."""
    period = _period(request)
    communes = _in_scope(request.user, Commune.objects.current().select_related("province"), "province_id")
    commune = get_object_or_404(communes, code=code)
    record_access(request, AccessAction.VIEW, object_type="reports.drilldown",
                  detail={"period": period.code, "province": commune.province.code, "commune": commune.code})
    context = dashboard.commune_page(request.user, commune=commune, period=period)
    context.update({"commune": commune, "period": period, "province": commune.province,
                    "query": _query(period, commune.province), "can_drill_down": can_drill_down(request.user),
                    "drillable": dashboard.DRILLABLE, **_picker(period)})
    return render(request, "reports/commune.html", context)


@reads_from_replica
@_statistics_view
def drilldown_view(request, code, indicator):
    """From a commune's figure to the case list that holds exactly its records, for those who may
    see them (permissions.can_drill_down); logged as a drill-down, then redirected."""
    _require(can_drill_down(request.user) and indicator in dashboard.DRILLABLE)
    period = _period(request)
    commune = get_object_or_404(_in_scope(request.user, Commune.objects.current(), "province_id"), code=code)
    params = {"commune": commune.code, "opened_from": period.start.isoformat(),
              "opened_to": period.end.isoformat(), **dashboard.DRILLABLE[indicator]}
    level = request.GET.get("level", "")
    if level:
        if level not in Level.values:
            raise BadRequest(_("Unknown protection level."))
        params["level"] = level
    record_access(request, AccessAction.VIEW, object_type="reports.drilldown", detail={
        "period": period.code, "commune": commune.code, "indicator": indicator, "level": level})
    return redirect(f"{reverse('cases:case_list')}?{urlencode(params)}")


@require_POST
@_statistics_view
def rebuild_view(request):
    """An official asks for a rebuild of one period: their province, or (national) one province or
    all of them. Refusals (a future period, a rebuild already running) come back as a message."""
    user = request.user
    _require(can_request_rebuild(user))
    period = _period(request, request.POST)
    province = _province(request, request.POST.get("province"))
    _require(can_rebuild_province(user, province))
    build, error = None, ""
    try:
        build = services.request_rebuild(period_code=period.code, province=province, by=user)
        build.refresh_from_db()  # without a broker it has run already
    except services.BuildRefused as refused:
        error = str(refused)
    if request.headers.get("HX-Request"):
        return render(request, "reports/_build.html", {"build": build, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The rebuild has started. The figures change when it is done."))
    return redirect(f"{reverse('reports:dashboard')}?{_query(period, province)}")


@_statistics_view
def build_view(request, pk):
    """The progress of a rebuild, polled by htmx every 2 seconds while it runs."""
    build = get_object_or_404(selectors.builds_visible_to(request.user), pk=pk)
    response = render(request, "reports/_build.html", {"build": build, "poll": True})
    if request.headers.get("HX-Request") and build.state == SnapshotBuild.State.DONE:
        response["HX-Refresh"] = "true"  # show the new figures
    return response


@reads_from_replica
@_statistics_view
def export_view(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    period = _period(request)
    province = _province(request, request.GET.get("province"))
    rows = exports.export_rows(request.user, period=period, province=province)
    place = province.name if province else _("All provinces")
    title = _("Child protection statistics, %(place)s, %(period)s") % {"place": place, "period": period.code}
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exports.to_xlsx(rows, title=title), content_type=exports.XLSX_TYPE)
    name = f"statistics-{province.code if province else 'national'}-{period.code}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    record_export(request, "reports.indicatorvalue", {"period": period.code,
                                                      "province": province.code if province else ""}, len(rows), fmt)
    return response


@reads_from_replica
@_statistics_view
def print_view(request):
    """The 6-monthly or yearly report, in Vietnamese, laid out like an official report."""
    period = _period(request)
    if period.kind not in dashboard.REPORT_KINDS:
        raise BadRequest(_("The periodic report is for a half-year (2026-H1) or a year (2026)."))
    province = _province(request, request.GET.get("province"))
    if province is None:
        return redirect(f"{reverse('reports:dashboard')}?{_query(period, None)}")
    with translation.override("vi"):
        context = dashboard.periodic_report(request.user, province=province, period=period)
        context.update({"province": province, "period": period, "today": timezone.localdate(),
                        "query": _query(period, province)})
        return render(request, "reports/print_report.html", context)


# --- A commune's inputs ---------------------------------------------------------------------------


def _year(request) -> int:
    form = forms.YearForm(request.GET)
    if not form.is_valid():
        raise BadRequest(_("Write the year as 2026."))
    return form.cleaned_data["year"] or timezone.localdate().year


def _in_scope(user, qs, path: str = "commune__province_id"):
    scope = selectors.province_scope_q(user, path)
    return qs if scope is None else qs.filter(scope)


@_statistics_view
def assessment_list(request):
    year = _year(request)
    qs = _in_scope(request.user, ChildFriendlyAssessment.objects.filter(year=year)).select_related(
        "commune", "commune__province").order_by("commune__province__code", "commune__name_folded")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/assessment_list.html", {
        "page": page, "year": year, "can_record": can_record_commune_data(request.user),
        "recognised": qs.filter(recognised=True).count(), "total": page.paginator.count})


def _record_view(request, *, form_class, template: str, save, done: str, initial=None):
    _require(can_record_commune_data(request.user))
    form = form_class(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except services.CommuneDataRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Saved."))
            return redirect(done)
    return render(request, template, {"form": form}, status=400 if form.errors else 200)


@_statistics_view
def assessment_record(request):
    def save(form):
        data = form.cleaned_data
        services.record_assessment(commune=data["commune"], year=data["year"], area_type=data["area_type"],
                                   scores=form.scores(), by=request.user)

    initial = {}
    existing = None
    if request.GET.get("commune") and request.GET.get("year", "").isdigit():
        existing = ChildFriendlyAssessment.objects.filter(
            commune__in=communes_managed_by(request.user), commune__code=request.GET["commune"],
            year=int(request.GET["year"])).first()
    if existing:
        initial = {"commune": existing.commune, "year": existing.year, "area_type": existing.area_type,
                   **{f"criterion_{n}": score for n, score in existing.scores.items()}}
    return _record_view(request, form_class=forms.AssessmentForm, template="reports/assessment_form.html",
                        save=save, done=reverse("reports:assessment_list"), initial=initial)


def _yearly_list(request, model, date_field: str, template: str):
    """A year's commune records (fund, events) in the user's area, newest first."""
    year = _year(request)
    qs = _in_scope(request.user, model.objects.filter(**{f"{date_field}__year": year})).select_related(
        "commune").order_by(f"-{date_field}", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, {"page": page, "year": year,
                                      "can_record": can_record_commune_data(request.user)})


@_statistics_view
def fund_list(request):
    return _yearly_list(request, FundRecord, "recorded_on", "reports/fund_list.html")


@_statistics_view
def fund_record(request):
    def save(form):
        services.record_fund(by=request.user, **form.cleaned_data)

    return _record_view(request, form_class=forms.FundRecordForm, template="reports/fund_form.html", save=save,
                        done=reverse("reports:fund_list"))


@_statistics_view
def event_list(request):
    return _yearly_list(request, CommunicationEvent, "held_on", "reports/event_list.html")


@_statistics_view
def event_record(request):
    def save(form):
        services.record_event(by=request.user, **form.cleaned_data)

    return _record_view(request, form_class=forms.EventForm, template="reports/event_form.html", save=save,
                        done=reverse("reports:event_list"))
