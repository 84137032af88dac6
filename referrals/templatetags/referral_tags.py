"""Referral panels for other apps' pages: the case and child pages ("Refer" and the referrals so
far), the worker's home (overdue referrals), the partner's home (the inbox), and a "Refer" link for
a hotline call that has a child. Each reads through selectors.referrals_visible_to."""

from django import template

from beneficiaries.selectors import panel_has_rows
from referrals import selectors
from referrals.choices import OPEN_REFERRAL_STATUSES
from referrals.permissions import can_send_referrals
from referrals.views import referral_new_url

register = template.Library()
PANEL_LIMIT = 10


@register.inclusion_tag("referrals/_referral_panel.html", takes_context=True)
def referral_panel(context, case=None, child=None):
    """A case's (or a child's) referrals with their status, and the way to refer."""
    request = context["request"]
    user = request.user
    if case is not None:
        child, may_refer = case.child, case.is_open
    else:
        may_refer = child.is_active and child.merged_into_id is None
    may_refer = may_refer and can_send_referrals(user)
    # A child's page knows from the child's row whether it has any referral at all (PANEL_HINTS):
    # then the panel's query is not even built.
    shown = case is not None or panel_has_rows(child, "referrals")
    return {"referrals": _panel_referrals(user, case, child) if shown else [], "request": request,
            "refer_url": referral_new_url(case=case, child=child) if may_refer else ""}


def _panel_referrals(user, case, child) -> list:
    # What a line of the panel shows and nothing more: the full rows of three tables were most of
    # the panel's cost on every view of a child's or a case's page (issue 9).
    qs = selectors.referrals_visible_to(user).select_related("agency", "service_type").only(
        "public_id", "status", "respond_by", "sent_at", "agency__name", "service_type__name_vi",
        "service_type__name_en")
    qs = qs.filter(case=case) if case is not None else qs.filter(child=child)
    return list(qs.order_by("-sent_at", "-pk")[:PANEL_LIMIT])


@register.inclusion_tag("referrals/_refer_button.html", takes_context=True)
def refer_button(context, call):
    """"Refer" from a hotline call that has a registered child."""
    user = context["request"].user
    show = bool(call is not None and call.child_id and can_send_referrals(user))
    return {"refer_url": referral_new_url(call=call) if show else ""}


@register.inclusion_tag("referrals/_overdue_panel.html", takes_context=True)
def overdue_referrals_panel(context):
    """Referrals not answered by their date, red on the worker's page (issue 6 item 3)."""
    request = context["request"]
    overdue = (selectors.overdue_referrals(request.user).select_related("agency", "service_type", "child")
               .order_by("respond_by", "pk"))
    return {"overdue": list(overdue[:PANEL_LIMIT]), "request": request}


@register.inclusion_tag("referrals/_partner_inbox_panel.html", takes_context=True)
def partner_inbox_panel(context):
    """The partner's home: open referrals addressed to the agency, the most urgent first."""
    request = context["request"]
    qs = (selectors.referrals_visible_to(request.user).filter(status__in=OPEN_REFERRAL_STATUSES)
          .select_related("child", "service_type").order_by("respond_by", "-sent_at", "pk"))
    return {"referrals": list(qs[:PANEL_LIMIT]), "request": request}
