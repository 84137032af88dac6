"""Reads of referrals. Staff reach referrals through the cases and children they may see; a
partner agency's users see only the referrals addressed to their agency."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.roles import Role
from beneficiaries.selectors import children_visible_to
from cases.selectors import cases_visible_to
from referrals.choices import PARTNER_VISIBLE_STATUSES, ReferralStatus
from referrals.models import Referral


def referrals_visible_to(user) -> QuerySet[Referral]:
    qs = Referral.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.role == Role.PARTNER:
        if not user.agency_id:
            return qs.none()
        return qs.filter(agency_id=user.agency_id, status__in=PARTNER_VISIBLE_STATUSES)
    if user.role in (Role.PROVINCIAL_OFFICIAL, Role.NATIONAL_OFFICIAL, Role.ADMIN):
        return qs.filter(child__in=children_visible_to(user))
    return qs.filter(Q(sent_by=user) | Q(case__in=cases_visible_to(user))
                     | (Q(case__isnull=True) & Q(child__in=children_visible_to(user))))


def overdue_referrals(user) -> QuerySet[Referral]:
    """Not answered by the date the agency should have responded."""
    return referrals_visible_to(user).filter(status=ReferralStatus.SENT, respond_by__lt=timezone.localdate())


def agency_statistics(qs: QuerySet[Referral]) -> list[dict]:
    """Per agency: sent, accepted, completed, median time to accept (hours)."""
    from statistics import median

    from django.db.models import Count

    rows = list(qs.values("agency__public_id", "agency__name").annotate(
        sent=Count("pk"),
        accepted=Count("pk", filter=Q(status__in=[ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS,
                                                  ReferralStatus.COMPLETED])),
        completed=Count("pk", filter=Q(status=ReferralStatus.COMPLETED)),
    ).order_by("-sent"))
    waits = {}
    for agency_id, sent_at, responded_at in qs.filter(responded_at__isnull=False).exclude(
            status=ReferralStatus.DECLINED).values_list("agency__public_id", "sent_at", "responded_at"):
        waits.setdefault(agency_id, []).append((responded_at - sent_at).total_seconds() / 3600)
    for row in rows:
        hours = waits.get(row["agency__public_id"])
        row["median_hours_to_accept"] = round(median(hours), 1) if hours else None
    return rows
