"""Reads of calls. Call records (with narratives and callers) start from `calls_visible_to`;
aggregate figures for officials start from `calls_counted_for`."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.roles import Role
from accounts.scoping import NOTHING, province_q
from hotline.choices import CallbackStatus, CallStatus
from hotline.models import Call, Callback, Hotline


def hotlines_of(user) -> QuerySet[Hotline]:
    if not user.is_authenticated:
        return Hotline.objects.none()
    return Hotline.objects.filter(members=user, is_active=True)


def calls_visible_to(user) -> QuerySet[Call]:
    """Counsellors and supervisors see the calls of their hotlines; nobody else reads calls."""
    if not user.is_authenticated or not user.is_active or user.role not in (Role.HOTLINE_COUNSELLOR,
                                                                            Role.SUPERVISOR):
        return Call.objects.filter(NOTHING)
    # The ids, not a subquery: with the line known PostgreSQL reads the call list in index order
    # (hotline, newest first) instead of scanning 500,000 calls a year to sort them.
    return Call.objects.filter(hotline_id__in=_hotline_ids(user))


def _hotline_ids(user) -> list[int]:
    # Read once per user object (a request's): the hotline page asks for the user's calls in four
    # panels, and each asked for the lines again.
    ids = getattr(user, "_hotline_ids", None)
    if ids is None:
        ids = user._hotline_ids = list(hotlines_of(user).values_list("pk", flat=True))
    return ids


def calls_counted_for(user) -> QuerySet[Call]:
    """Calls an official may count (never read): their province's line, and national-line calls
    about children in their province; everything for national scope."""
    if not user.is_authenticated:
        return Call.objects.none()
    if user.role in (Role.HOTLINE_COUNSELLOR, Role.SUPERVISOR):
        return calls_visible_to(user)
    if user.role not in (Role.PROVINCIAL_OFFICIAL, Role.NATIONAL_OFFICIAL, Role.ADMIN):
        return Call.objects.none()
    return Call.objects.filter(province_q(user, "hotline__province_id") | (
        Q(hotline__province__isnull=True) & province_q(user, "child_commune__province_id")))


def my_drafts(user) -> QuerySet[Call]:
    return calls_visible_to(user).filter(counsellor=user, status=CallStatus.DRAFT).order_by("-received_at")


def unclaimed_calls(user) -> QuerySet[Call]:
    """Answered calls the phone system posted without a counsellor: any counsellor of the line
    may complete them."""
    return calls_visible_to(user).filter(counsellor__isnull=True, status=CallStatus.DRAFT).order_by("-received_at")


def previous_calls(user, phone: str, *, exclude_pk=None) -> QuerySet[Call]:
    """Repeat callers: earlier calls from the same number, for hotline staff only."""
    if not phone:
        return Call.objects.none()
    qs = calls_visible_to(user).filter(caller_phone=phone, status=CallStatus.COMPLETE)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("counsellor", "case").order_by("-received_at")[:10]


def callbacks_due(user, now=None) -> QuerySet[Callback]:
    now = now or timezone.now()
    return (Callback.objects.filter(call__in=calls_visible_to(user), status=CallbackStatus.SCHEDULED,
                                    due_at__lte=now).select_related("call", "assigned_to").order_by("due_at"))
