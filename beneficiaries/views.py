"""Registry pages. Thin: every read starts from selectors.children_visible_to, every write is a
service; a child outside the user's scope is a 404 like a missing one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agencies.selectors import agencies_visible_to
from audit.services import record_search, record_view, viewers_of
from beneficiaries import forms, selectors, services
from beneficiaries.filters import ChildFilter
from beneficiaries.models import Caregiver, Child, ChildMerge
from beneficiaries.permissions import (
    can_edit_child,
    can_export_children,
    can_merge_children,
    can_register_children,
    can_see_viewers,
    can_view_sensitive,
    can_view_sensitive_in_lists,
)
from beneficiaries.selectors import panel_has_rows as has_rows
from beneficiaries.timeline import child_timeline
from core import search
from core.filters import panel_open
from core.pagination import CappedPaginator
from geography.selectors import communes_managed_by

PAGE_SIZE = 25


def _visible(request):
    return selectors.children_visible_to(request.user)


def _child_or_404(request, public_id, *, joined: tuple[str, ...] = (), hinted: bool = False) -> Child:
    # Only what the page shows beside the child: each more joined table cost PostgreSQL more to
    # plan than to run (8 ms with household, creator and merge target joined, 0.7 ms without).
    qs = _visible(request).select_related("commune__province", "village", "key_worker", *joined)
    return get_object_or_404(selectors.with_panel_hints(qs) if hinted else qs, public_id=public_id)


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404


@login_required
def child_list(request):
    """The registry list. The search form POSTs its text (a name, an ID, a phone), which comes back
    as a session key in the URL (core.search): the text never travels in a URL."""
    _require(request.user.role != "partner")
    if request.method == "POST":
        return search.results_redirect(request, reverse("beneficiaries:child_list"))
    query = search.SearchQuery(request)
    child_filter = ChildFilter(query.data, queryset=selectors.list_queryset(_visible(request)), user=request.user)
    results = child_filter.qs.none() if query.expired else child_filter.qs
    page = CappedPaginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    if query.expired:
        messages.info(request, _("This search has expired: search again."))
    if query.text:
        record_search(request, "beneficiaries.child", {"search": query.text})
    return render(request, "beneficiaries/child_list.html", {
        "filter": child_filter, "page": page, "can_register": can_register_children(request.user),
        "can_export": can_export_children(request.user), "search_text": query.text,
        "filters_open": panel_open(request, child_filter),
    })


@login_required
def child_filters(request):
    """The registry's filter fields, loaded when the closed "Filters and sorting" panel is first
    opened: its province, commune and village lists (a province's ~100 communes, written as options)
    were a fifth of the list's time on every view, for a panel most views leave closed (issue 9).
    With a filter in use the list shows them itself; without JavaScript, ?filters opens them."""
    _require(request.user.role != "partner")
    return render(request, "includes/filter_fields.html", {
        "filter": ChildFilter(None, queryset=Child.objects.none(), user=request.user),
        "clear_url": reverse("beneficiaries:child_list")})


def _registration_forms(request, data=None):
    user = request.user
    # A registering social worker becomes the key worker: they may record sensitive groups at once.
    groups = selectors.groups_to_record(can_see_sensitive=user.role in ("social_worker", "supervisor"))
    return {
        "form": forms.ChildForm(data, communes=communes_managed_by(user), initial=_default_place(user)),
        "caregiver_form": forms.CaregiverForm(data, prefix="cg1"),
        "circumstance_form": forms.CircumstancePicker(data, groups=groups),
        "sensitive_form": forms.SensitiveForm(data, prefix="s") if user.role in ("social_worker", "supervisor")
        else None,
        "confirm_form": forms.ConfirmNewForm(data),
    }


def _default_place(user) -> dict:
    communes = list(user.communes.all()[:2]) if user.scope_level == "communes" else []
    return {"commune": communes[0]} if len(communes) == 1 else {}


@login_required
def child_register(request):
    _require(can_register_children(request.user))
    context = _registration_forms(request, request.POST or None)
    # The "different child" confirmation is checked only once there are matches to confirm against:
    # ticked without a reason, the matches are shown again with the reason's error.
    details = [f for name, f in context.items() if f is not None and name != "confirm_form"]
    if request.method == "POST" and all(f.is_valid() for f in details):
        form = context["form"]
        caregiver = context["caregiver_form"].cleaned_data
        matches = selectors.likely_duplicates(
            _visible(request), full_name=form.cleaned_data["full_name"],
            date_of_birth=form.cleaned_data["date_of_birth"], commune_id=form.cleaned_data["commune"].pk,
            phones=[caregiver.get("caregiver_phone", "")],
        )
        confirmed = context["confirm_form"].is_valid() and context["confirm_form"].cleaned_data.get("confirm_new")
        confirm = context["confirm_form"].cleaned_data
        if matches and not confirmed:
            context["matches"] = matches
            messages.warning(request, _("This child may already be registered. Open the existing record, or "
                                        "confirm that this is a different child."))
        else:
            child = _register(request, context, matches, confirm.get("duplicate_reason", ""))
            if child is not None:
                messages.success(request, _("Child registered with number %(number)s.") % {
                    "number": child.registry_number})
                return redirect("beneficiaries:child_detail", public_id=child.public_id)
    return render(request, "beneficiaries/child_form.html", {**context, "creating": True})


def _register(request, context, matches, duplicate_reason):
    form, caregiver = context["form"], context["caregiver_form"].cleaned_data
    caregivers = []
    if caregiver.get("caregiver_name"):
        caregivers.append(services.CaregiverData(
            caregiver["caregiver_name"], caregiver["caregiver_relationship"], caregiver.get("caregiver_phone", ""),
            caregiver.get("caregiver_is_guardian", False)))
    sensitive = context["sensitive_form"].cleaned_data if context["sensitive_form"] else None
    picker = context["circumstance_form"]
    try:
        # One transaction: the child and the groups chosen on the same form are saved together or
        # not at all (a refused group must not leave a half-registered child behind).
        with transaction.atomic():
            child = services.register_child(
                data=form.child_data(), by=request.user, caregivers=caregivers, sensitive=sensitive,
                duplicate_of=[m.child for m in matches], duplicate_reason=duplicate_reason,
            )
            start = picker.cleaned_data.get("circumstances_from") or child.created_at.date()
            for group, subgroup in picker.selections():
                services.add_circumstance(child, group=group, subgroup=subgroup, started_on=start, by=request.user)
    except IntegrityError:
        form.add_error("personal_id", _("Another child in the registry already has this identification number."))
        return None
    except services.RegistryError as error:
        picker.add_error(None, str(error))
        messages.error(request, str(error))
        return None
    return child


@login_required
def child_detail(request, public_id):
    # The child's own row says which panels have anything to read (selectors.PANEL_HINTS), instead
    # of a query per panel on every view. Whoever sees the sensitive information of every child
    # they may open (supervisors) gets it with the child; for others it is read only once they are
    # known to see it (issue 9).
    child = _child_or_404(request, public_id,
                          joined=("sensitive",) if can_view_sensitive_in_lists(request.user) else (),
                          hinted=True)
    if child.merged_into_id:
        messages.info(request, _("Record %(number)s was merged into this one.") % {"number": child.registry_number})
        return redirect("beneficiaries:child_detail", public_id=child.merged_into.public_id)
    record_view(request, child)
    user = request.user
    sees_sensitive = can_view_sensitive(user, child)
    may_edit = can_edit_child(user, child)
    context = {
        "child": child, "may_edit": may_edit, "sees_sensitive": sees_sensitive,
        "sensitive": getattr(child, "sensitive", None) if sees_sensitive else None,
        "sensitive_withheld": not sees_sensitive,
        "circumstances": (selectors.current_circumstances(child, user, can_see_sensitive=sees_sensitive)
                          if has_rows(child, "circumstances") else ()),
        "withheld_groups": (selectors.withheld_circumstance_count(child)
                            if not sees_sensitive and has_rows(child, "circumstances") else 0),
        "caregivers": _caregivers(child) if has_rows(child, "caregivers") else (),
        "siblings": selectors.siblings_of(child, _visible(request)) if has_rows(child, "siblings") else (),
        "consents": selectors.consents_of(child) if has_rows(child, "consents") else (),
        "merges": selectors.merges_into(child) if has_rows(child, "merges") else (),
        "may_merge": can_merge_children(user),
        "may_see_viewers": can_see_viewers(user),
    }
    # The history of the record, the forms (add a group, a consent or a caregiver, update the
    # sensitive information, deactivate) and the list of who opened the file are loaded when their
    # panel is opened (_child_part): their five event tables, choice lists and 50 access events
    # were almost half of the page's time, for panels most visits never open (issue 9).
    return render(request, "beneficiaries/child_detail.html", context)


def _child_part(request, child: Child, template: str, title: str, context: dict):
    """A panel of the child's page loaded on demand: the bare fragment for htmx, else a page of
    its own (a browser without JavaScript follows the panel's link)."""
    context = {"child": child, **context}
    if request.headers.get("HX-Request"):
        response = render(request, template, context)
    else:
        response = render(request, "beneficiaries/child_part.html",
                          {**context, "part_template": template, "title": title})
    patch_vary_headers(response, ["HX-Request"])  # one URL, two bodies: never one cached for the other
    return response


@login_required
def child_history(request, public_id):
    """The record's history: what changed, when and by whom. It shows the record's values, so
    opening it is logged like opening the page."""
    child = _child_or_404(request, public_id)
    record_view(request, child)
    timeline = child_timeline(child, sees_sensitive=can_view_sensitive(request.user, child))
    return _child_part(request, child, "beneficiaries/_timeline.html", _("History of the record"),
                       {"timeline": timeline})


@login_required
def child_viewers(request, public_id):
    """Who opened this file (the access log of the child), for supervisors."""
    child = _child_or_404(request, public_id)
    _require(can_see_viewers(request.user))
    return _child_part(request, child, "beneficiaries/_viewers.html", _("Who opened this file"),
                       {"viewers": viewers_of(child)})


def _caregivers(child):
    return Caregiver.objects.filter(household_id=child.household_id, is_active=True)


def _sensitive_initial(child) -> dict:
    info = getattr(child, "sensitive", None)
    return {f: getattr(info, f) for f in services.SENSITIVE_FIELDS} if info else {}


@login_required
def child_edit(request, public_id):
    child = _child_or_404(request, public_id)
    _require(can_edit_child(request.user, child))
    form = forms.ChildForm(request.POST or None, instance=child, communes=communes_managed_by(request.user),
                           initial={"version": child.version})
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_child(child, data=form.child_data(), expected_version=form.cleaned_data.get("version")
                                  or 0, by=request.user)
        except services.StaleEdit as stale:
            conflict = stale
            messages.error(request, str(stale))
        except IntegrityError:
            form.add_error("personal_id", _("Another child in the registry already has this identification number."))
        else:
            messages.success(request, _("Changes saved."))
            return redirect("beneficiaries:child_detail", public_id=child.public_id)
    return render(request, "beneficiaries/child_form.html", {
        "form": form, "child": child, "creating": False, "conflict": conflict,
        "conflict_fields": _conflict_rows(form, conflict) if conflict else [],
    })


def _conflict_rows(form, conflict):
    rows = []
    for name, (theirs, yours) in conflict.changed.items():
        label = form.fields[name].label if name in form.fields else name
        rows.append({"label": label, "theirs": theirs if theirs not in (None, "") else "—",
                     "yours": yours if yours not in (None, "") else "—"})
    return rows


def _form_part(request, public_id, template: str, title: str, form_context, *, allowed=can_edit_child,
               logged: bool = False):
    """GET on a child's action URL: the action's form, for the panel of the child's page that
    holds it (loaded when opened, _child_part), shown to those who may send it. A form filled
    with the record's values is `logged` as a view of the record, like the page."""
    child = _child_or_404(request, public_id)
    _require(allowed(request.user, child))
    if logged:
        record_view(request, child)
    return _child_part(request, child, template, title, form_context(child))


def _detail_action(request, public_id, handler):
    """POST actions from the detail page: scoped, permission-checked, errors shown as messages."""
    child = _child_or_404(request, public_id)
    _require(can_edit_child(request.user, child))
    try:
        ok = handler(child)
    except services.RegistryError as error:
        messages.error(request, str(error))
    else:
        if ok:
            messages.success(request, _("Saved."))
    return redirect("beneficiaries:child_detail", public_id=child.public_id)


def _form_errors(request, form) -> bool:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
    return False


@login_required
@require_http_methods(["GET", "POST"])
def caregiver_add(request, public_id):
    """GET: the form to add a caregiver to the child's household; POST: add them."""
    if request.method == "GET":
        return _form_part(request, public_id, "beneficiaries/_caregiver_form.html", _("Add a caregiver"),
                          lambda child: {"caregiver_form": forms.CaregiverForm(prefix="cg", required=True)})

    def handle(child):
        form = forms.CaregiverForm(request.POST, prefix="cg", required=True)
        if not form.is_valid():
            return _form_errors(request, form)
        data = form.cleaned_data
        if child.household_id is None:
            raise services.RegistryError(_("This child has no household."))
        services.add_caregiver(household=child.household, data=services.CaregiverData(
            data["caregiver_name"], data["caregiver_relationship"], data["caregiver_phone"],
            data["caregiver_is_guardian"]))
        return True

    return _detail_action(request, public_id, handle)


@login_required
@require_http_methods(["GET", "POST"])
def circumstance_add(request, public_id):
    """GET: the form to add a special-circumstance group; POST: add it."""
    if request.method == "GET":
        return _form_part(request, public_id, "beneficiaries/_circumstance_form.html", _("Add a group"),
                          lambda child: {"circumstance_form": forms.AddCircumstanceForm(
                              groups=selectors.groups_to_record(
                                  can_see_sensitive=can_view_sensitive(request.user, child)))})

    def handle(child):
        groups = selectors.groups_to_record(can_see_sensitive=can_view_sensitive(request.user, child))
        form = forms.AddCircumstanceForm(request.POST, groups=groups)
        if not form.is_valid():
            return _form_errors(request, form)
        services.add_circumstance(child, by=request.user, **form.cleaned_data)
        return True

    return _detail_action(request, public_id, handle)


@login_required
@require_POST
def circumstance_end(request, public_id, circumstance_id):
    def handle(child):
        circumstance = get_object_or_404(selectors.current_circumstances(
            child, request.user, can_see_sensitive=can_view_sensitive(request.user, child)), pk=circumstance_id)
        form = forms.EndCircumstanceForm(request.POST)
        if not form.is_valid():
            return _form_errors(request, form)
        services.end_circumstance(circumstance, ended_on=form.cleaned_data["ended_on"], by=request.user)
        return True

    return _detail_action(request, public_id, handle)


@login_required
@require_http_methods(["GET", "POST"])
def consent_add(request, public_id):
    """GET: the form to record a consent; POST: record it."""
    if request.method == "GET":
        return _form_part(request, public_id, "beneficiaries/_consent_form.html", _("Record consent"),
                          lambda child: {"consent_form": forms.ConsentForm(
                              caregivers=_caregivers(child), agencies=agencies_visible_to(request.user))})

    def handle(child):
        form = forms.ConsentForm(request.POST, caregivers=_caregivers(child),
                                 agencies=agencies_visible_to(request.user))
        if not form.is_valid():
            return _form_errors(request, form)
        services.record_consent(child, by=request.user, **form.cleaned_data)
        return True

    return _detail_action(request, public_id, handle)


@login_required
@require_POST
def consent_withdraw(request, public_id, consent_id):
    def handle(child):
        consent = get_object_or_404(child.consents, pk=consent_id)
        reason = (request.POST.get("reason") or "").strip()[:255]
        if not reason:
            raise services.RegistryError(_("Give the reason for the withdrawal."))
        services.withdraw_consent(consent, on=timezone.localdate(), reason=reason, by=request.user)
        return True

    return _detail_action(request, public_id, handle)


def _may_edit_sensitive(user, child) -> bool:
    return can_edit_child(user, child) and can_view_sensitive(user, child)


@login_required
@require_http_methods(["GET", "POST"])
def sensitive_edit(request, public_id):
    """GET: the form to update the sensitive information, filled with what is recorded (for
    those who may see it and edit the record); POST: save it."""
    if request.method == "GET":
        return _form_part(request, public_id, "beneficiaries/_sensitive_form.html",
                          _("Update sensitive information"),
                          lambda child: {"sensitive_form": forms.SensitiveForm(
                              prefix="s", initial=_sensitive_initial(child))}, allowed=_may_edit_sensitive,
                          logged=True)

    def handle(child):
        _require(can_view_sensitive(request.user, child))
        form = forms.SensitiveForm(request.POST, prefix="s")
        if not form.is_valid():
            return _form_errors(request, form)
        services.update_sensitive(child, data=form.cleaned_data, by=request.user)
        return True

    return _detail_action(request, public_id, handle)


@login_required
@require_http_methods(["GET", "POST"])
def child_deactivate(request, public_id):
    """GET: the form to deactivate the record, with its reasons; POST: deactivate it."""
    if request.method == "GET":
        return _form_part(request, public_id, "beneficiaries/_deactivate_form.html",
                          _("Deactivate this record"),
                          lambda child: {"deactivate_form": forms.DeactivateForm()},
                          allowed=lambda user, child: child.is_active and can_edit_child(user, child))

    def handle(child):
        form = forms.DeactivateForm(request.POST)
        if not form.is_valid():
            return _form_errors(request, form)
        services.deactivate_child(child, by=request.user, **form.cleaned_data)
        return True

    return _detail_action(request, public_id, handle)


@login_required
@require_POST
def child_reactivate(request, public_id):
    return _detail_action(request, public_id, lambda child: bool(services.reactivate_child(child, by=request.user)))


@login_required
def duplicate_queue(request):
    _require(can_register_children(request.user))
    page = Paginator(selectors.duplicate_queue(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "beneficiaries/duplicate_queue.html", {
        "page": page, "may_merge": can_merge_children(request.user)})


@login_required
def duplicate_review(request, suspect_id):
    _require(can_merge_children(request.user))
    suspect = get_object_or_404(selectors.duplicate_queue(request.user), pk=suspect_id)
    form = forms.MergeForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "dismiss":
            services.dismiss_duplicate(suspect, by=request.user)
            messages.success(request, _("Marked as two different children."))
            return redirect("beneficiaries:duplicate_queue")
        survivor_id = request.POST.get("survivor")
        pair = {str(suspect.child.public_id): suspect.child, str(suspect.other.public_id): suspect.other}
        if survivor_id not in pair:
            messages.error(request, _("Choose the record to keep."))
        elif form.is_valid():
            survivor = pair.pop(survivor_id)
            merged = next(iter(pair.values()))
            try:
                services.merge_children(survivor=survivor, merged=merged, reason=form.cleaned_data["reason"],
                                        by=request.user)
            except services.RegistryError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Records merged. %(number)s now opens this record.") % {
                    "number": merged.registry_number})
                return redirect("beneficiaries:child_detail", public_id=survivor.public_id)
    return render(request, "beneficiaries/duplicate_review.html", {"suspect": suspect, "form": form})


@login_required
@require_POST
def merge_undo(request, merge_id):
    _require(can_merge_children(request.user))
    visible = _visible(request)
    merge = get_object_or_404(ChildMerge.objects.filter(survivor__in=visible, merged__in=visible), pk=merge_id)
    try:
        services.reverse_merge(merge, by=request.user)
    except services.RegistryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Merge undone: both records are separate again."))
    return redirect("beneficiaries:child_detail", public_id=merge.survivor.public_id)


@login_required
def village_options(request):
    """htmx: the villages of the chosen commune, for the registration form."""
    commune = communes_managed_by(request.user).filter(pk=request.GET.get("commune") or 0).first()
    villages = commune.villages.filter(is_active=True) if commune else []
    return render(request, "beneficiaries/_village_options.html", {"villages": villages})
