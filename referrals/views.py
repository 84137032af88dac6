"""Referral pages. Thin, like the case pages: every read starts from
selectors.referrals_visible_to (a referral outside it is a 404, the same as a missing one), every
write is a service, and what the service refuses comes back as a message with nothing saved.

Partner agency users see their inbox and, of a referral, only referrals.shared.shared_view."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import person_name
from accounts.roles import Role
from agencies.models import Agency
from agencies.selectors import agencies_visible_to, search_agencies, service_types
from audit.services import record_view
from beneficiaries.choices import ConsentPurpose
from beneficiaries.selectors import children_visible_to
from cases.permissions import can_work_on_case
from cases.selectors import cases_visible_to
from core.pagination import CappedPaginator
from geography.models import Province
from referrals import selectors, services
from referrals.choices import SENSITIVE_SHARED, SharedField
from referrals.filters import ReferralFilter
from referrals.forms import DirectorySearchForm, PartnerActionForm, ReferralForm, SenderActionForm
from referrals.models import Referral
from referrals.permissions import can_send_referrals
from referrals.shared import shared_rows, shared_view

PAGE_SIZE = 25
DIRECTORY_LIMIT = 30
STAFF_ROLES = {Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.HOTLINE_COUNSELLOR, Role.PROVINCIAL_OFFICIAL,
               Role.NATIONAL_OFFICIAL, Role.ADMIN}
EVENT_TITLES = {"send": gettext_lazy("Sent"), "accept": gettext_lazy("Accepted"), "decline": gettext_lazy("Declined"),
                "start": gettext_lazy("Service started"), "complete": gettext_lazy("Completed"),
                "revoke": gettext_lazy("Revoked"), "close": gettext_lazy("Closed")}
PARTNER_BUTTONS = {"accept": gettext_lazy("Accept"), "decline": gettext_lazy("Decline"),
                   "start": gettext_lazy("Start the service"), "complete": gettext_lazy("Complete")}


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _uuid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:  # a malformed id is the same as an unknown one
        raise Http404 from None


def _visible(request):
    return selectors.with_related(selectors.referrals_visible_to(request.user))


def _to_referral(referral: Referral):
    return redirect("referrals:referral_detail", public_id=referral.public_id)


# --- referring ---------------------------------------------------------------------------------


def _source(request):
    """The child being referred, from a case, a hotline call that has a child, or the child's page:
    each through the user's own scope."""
    from hotline.selectors import calls_visible_to

    params = request.GET
    case = call = None
    if params.get("case"):
        case = get_object_or_404(cases_visible_to(request.user).select_related("child"),
                                 public_id=_uuid(params["case"]))
        child = case.child
    elif params.get("call"):
        call = get_object_or_404(calls_visible_to(request.user).filter(child__isnull=False).select_related("child"),
                                 public_id=_uuid(params["call"]))
        child = call.child
    elif params.get("child"):
        child = get_object_or_404(children_visible_to(request.user), public_id=_uuid(params["child"]))
    else:
        raise Http404
    _require(child.is_active and child.merged_into_id is None)
    return child, case, call


def _consent_status(child) -> dict:
    """Sharing consent in force: for any partner agency, or for named agencies."""
    consents = list(child.consents.filter(purpose=ConsentPurpose.SHARING, withdrawn_on__isnull=True)
                    .select_related("agency").order_by("-given_on", "-pk"))
    general = next((c for c in consents if c.agency_id is None), None)
    return {"general": general, "agencies": {c.agency_id: c for c in consents if c.agency_id},
            "any": bool(consents), "consents": consents}


def directory(user, params) -> tuple[DirectorySearchForm, list[Agency]]:
    """Agencies by service type and area (province; nationwide agencies serve every area)."""
    search = DirectorySearchForm(params)
    search.is_valid()
    data = search.cleaned_data if search.is_bound else {}
    qs = search_agencies(agencies_visible_to(user).filter(is_active=True).prefetch_related("service_types"),
                         text=data.get("q", ""), service=data.get("service", ""))
    if data.get("province"):
        qs = qs.filter(Q(province__code=data["province"]) | Q(province__isnull=True))
    return search, list(qs.order_by(F("province").asc(nulls_last=True), "name")[:DIRECTORY_LIMIT])


def directory_provinces(user):
    return Province.objects.filter(agencies__in=agencies_visible_to(user).filter(is_active=True)).distinct().order_by(
        "name")


@login_required
def referral_new(request):
    """Issue 6 item 1: refer a child to an agency for a service, sharing only what is chosen, with
    consent (or a supervisor's emergency override)."""
    user = request.user
    _require(can_send_referrals(user))
    child, case, call = _source(request)
    consent = _consent_status(child)
    data = request.POST if request.method == "POST" else None
    initial = {"case": case} if case else {}
    if request.GET.get("service"):
        initial["service_type"] = request.GET["service"]
    form = ReferralForm(data, user=user, child=child, consent_exists=consent["any"], initial=initial)
    if data is not None and form.is_valid():
        try:
            referral, _created = services.send_referral(child=child, call=call, by=user, **form.referral_data())
        except services.ReferralError as error:
            messages.error(request, str(error))  # nothing was saved
        else:
            messages.success(request, _("Referral sent to %(agency)s.") % {"agency": referral.agency.name})
            return _to_referral(referral)
    search, agencies = directory(user, request.GET)
    chosen = form["agency"].value() if form.is_bound else None
    if chosen and not any(str(a.public_id) == str(chosen) for a in agencies):
        extra = agencies_visible_to(user).filter(public_id=_uuid(chosen)).prefetch_related("service_types").first()
        agencies = [extra, *agencies] if extra else agencies
    stats = selectors.agency_statistics_for(agencies, user)
    rows = [{"agency": a, "stats": stats.get(a.public_id), "checked": str(a.public_id) == str(chosen or ""),
             "consent": consent["general"] or consent["agencies"].get(a.pk)} for a in agencies]
    return render(request, "referrals/referral_form.html", {
        "form": form, "child": child, "case": case, "call": call, "consent": consent, "agencies": rows,
        "search": search, "service_types": service_types(), "provinces": directory_provinces(user),
        "shared_choices": form.shared_choices(), "may_override": "override_reason" in form.fields,
    }, status=400 if data is not None else 200)


# --- the staff's pages -------------------------------------------------------------------------


@login_required
def referral_list(request):
    _require(request.user.role in STAFF_ROLES)
    referral_filter = ReferralFilter(request.GET or None, user=request.user, queryset=_visible(request))
    page = CappedPaginator(referral_filter.qs.order_by("-sent_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for field in referral_filter.form.fields.values():
        field.widget.attrs.setdefault("class", "form-select")
    return render(request, "referrals/referral_list.html", {"filter": referral_filter, "page": page})


def _may_act_as_sender(user, referral: Referral) -> bool:
    return referral.sent_by_id == user.pk or bool(referral.case_id and can_work_on_case(user, referral.case))


def _events(referral: Referral, *, partner_agency_id: int | None = None) -> list[dict]:
    """Every change with who and when. A partner sees who of their own agency acted, and notes
    of their own agency's answers only (a sender's note, such as the reason of an emergency
    override, is not shared)."""
    rows = []
    for event in referral.events.select_related("by", "by__agency"):
        by = event.by
        own = by is not None and partner_agency_id is not None and by.agency_id == partner_agency_id
        if partner_agency_id is None or own:
            who = person_name(by) or "—"
            agency = by.agency.name if by and by.role == Role.PARTNER and by.agency_id else ""
        else:
            who, agency = _("The referring service"), ""
        rows.append({"at": event.at, "who": who, "agency": agency,
                     "title": EVENT_TITLES.get(event.action, event.action),
                     "note": event.note if partner_agency_id is None or own else ""})
    return rows


def _staff_detail(request, referral: Referral):
    user = request.user
    moves = []
    if _may_act_as_sender(user, referral):
        moves = [action for action, (sources, _target) in services.SENDER_MOVES.items() if referral.status in sources]
    return render(request, "referrals/referral_detail.html", {
        "referral": referral, "events": _events(referral),
        "shared_labels": [f.label for f in SharedField if f.value in referral.shared_fields],
        "sensitive_shared": bool(SENSITIVE_SHARED & set(referral.shared_fields)), "moves": moves,
        "can_see_child": children_visible_to(user).filter(pk=referral.child_id).exists(),
        "can_see_case": bool(referral.case_id and cases_visible_to(user).filter(pk=referral.case_id).exists()),
    })


# --- the partner's pages -----------------------------------------------------------------------


def _partner_detail(request, referral: Referral):
    view = shared_view(referral)
    moves = [action for action, (sources, _target) in services.PARTNER_MOVES.items() if referral.status in sources]
    events = _events(referral, partner_agency_id=request.user.agency_id)
    return render(request, "referrals/partner_detail.html", {
        "referral": referral, "view": view, "rows": shared_rows(view), "events": events,
        "moves": [{"action": m, "label": PARTNER_BUTTONS[m]} for m in moves],
        "visible": bool(view["child"]),
    })


@login_required
def inbox(request):
    """A partner agency's referrals (issue 6 item 4): nothing else of the system."""
    _require(request.user.role == Role.PARTNER)
    referral_filter = ReferralFilter(request.GET or None, user=request.user,
                                     queryset=selectors.referrals_visible_to(request.user).select_related(
                                         "child", "service_type"))
    del referral_filter.filters["agency"]
    page = CappedPaginator(referral_filter.qs.order_by("-sent_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for field in referral_filter.form.fields.values():
        field.widget.attrs.setdefault("class", "form-select")
    return render(request, "referrals/inbox.html", {"filter": referral_filter, "page": page})


@login_required
def referral_detail(request, public_id):
    referral = get_object_or_404(_visible(request), public_id=public_id)
    record_view(request, referral)
    if request.user.role == Role.PARTNER:
        return _partner_detail(request, referral)
    return _staff_detail(request, referral)


@login_required
@require_POST
def partner_action(request, public_id):
    _require(request.user.role == Role.PARTNER)
    referral = get_object_or_404(selectors.referrals_visible_to(request.user), public_id=public_id)
    form = PartnerActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return _to_referral(referral)
    try:
        referral = services.agency_action(referral, by=request.user, **form.cleaned_data)
    except services.ReferralError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Done: the referral is now “%(status)s”.") % {
            "status": referral.get_status_display()})
    return _to_referral(referral)


@login_required
@require_POST
def sender_action(request, public_id):
    _require(request.user.role in STAFF_ROLES)
    referral = get_object_or_404(selectors.referrals_visible_to(request.user), public_id=public_id)
    form = SenderActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return _to_referral(referral)
    try:
        referral = services.sender_action(referral, by=request.user, **form.cleaned_data)
    except services.ReferralError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Done: the referral is now “%(status)s”.") % {
            "status": referral.get_status_display()})
    return _to_referral(referral)


def referral_new_url(*, case=None, child=None, call=None) -> str:
    base = reverse("referrals:referral_new")
    if case is not None:
        return f"{base}?case={case.public_id}"
    if call is not None:
        return f"{base}?call={call.public_id}"
    return f"{base}?child={child.public_id}"

