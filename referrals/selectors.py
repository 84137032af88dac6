"""Reads of referrals. Staff reach referrals through the cases and children they may see; a
partner agency's users see only the referrals addressed to their agency."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.roles import Role
from accounts.scoping import area_q
from beneficiaries.selectors import children_visible_to
from cases.selectors import cases_visible_to
from referrals.choices import ReferralStatus
from referrals.models import Referral


def referrals_visible_to(user) -> QuerySet[Referral]:
    qs = Referral.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.role == Role.PARTNER:
        if not user.agency_id:
            return qs.none()
        # Revoked referrals stay listed, so a partner's sync learns of the revocation; what they
        # show of the child is decided by referrals.shared (nothing once revoked).
        return qs.filter(agency_id=user.agency_id)
    if user.role in (Role.PROVINCIAL_OFFICIAL, Role.NATIONAL_OFFICIAL, Role.ADMIN):
        return qs.filter(child__in=children_visible_to(user))
    if user.role == Role.SUPERVISOR:
        # Supervisors see cases and children of their area, so a referral's case (else its child)
        # is visible exactly when the referral's area_commune, kept equal to that commune by the
        # database, is in the area: one indexed column instead of two lookups per row.
        return qs.filter(Q(sent_by=user) | area_q(user, "area_commune"))
    # Social workers see their own cases (not their area's), hotline counsellors the cases they
    # opened: check the case of each row. EXISTS per row, not IN (set): the set form built every
    # visible case and child id of the province before it could return a page.
    case_visible = Exists(cases_visible_to(user).filter(pk=OuterRef("case_id")))
    child_visible = Exists(children_visible_to(user).filter(pk=OuterRef("child_id")))
    return qs.filter(Q(sent_by=user) | case_visible | (Q(case__isnull=True) & child_visible))


def overdue_referrals(user) -> QuerySet[Referral]:
    """Not answered by the date the agency should have responded."""
    return referrals_visible_to(user).filter(status=ReferralStatus.SENT, respond_by__lt=timezone.localdate())


ACCEPTED = Q(responded_at__isnull=False, decline_reason="")


def with_related(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    """What a list row and the shared view need, joined in one query."""
    return qs.select_related("child", "child__commune", "child__commune__province", "child__village",
                             "service_type", "agency", "sent_by")


def agency_statistics(qs: QuerySet[Referral]) -> list[dict]:
    """Per agency: sent, accepted, completed, median time to accept (hours)."""
    from statistics import median

    from django.db.models import Count

    rows = list(qs.values("agency__public_id", "agency__name").annotate(
        sent=Count("pk"),
        # From the timestamps, not the current status: a referral accepted or completed and then
        # closed or revoked still counts (a decline always has its reason).
        accepted=Count("pk", filter=ACCEPTED),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
    ).order_by("-sent"))
    waits = {}
    for agency_id, sent_at, responded_at in qs.filter(ACCEPTED).values_list(
            "agency__public_id", "sent_at", "responded_at"):
        waits.setdefault(agency_id, []).append((responded_at - sent_at).total_seconds() / 3600)
    for row in rows:
        hours = waits.get(row["agency__public_id"])
        row["median_hours_to_accept"] = round(median(hours), 1) if hours else None
    return rows


def agency_statistics_for(agencies, user) -> dict:
    """agency_statistics of referrals to these agencies, by the agency's public id, counting only
    referrals of children in the user's area: even a count must not reveal another province's
    work (a nationwide agency serves every province)."""
    ids = [agency.pk for agency in agencies]
    if not ids:
        return {}
    referrals = Referral.objects.filter(agency_id__in=ids, child__in=children_visible_to(user))
    return {row["agency__public_id"]: row for row in agency_statistics(referrals)}
