"""Writes to the access log, called by views and API views in the same request as the read."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import person_name
from audit.models import AccessAction, AccessEvent
from core.text import without_nul

CHILD = "beneficiaries.child"


def client_address(request) -> str | None:
    """The client's address. Behind NUM_PROXIES trusted reverse proxies it is the entry that many
    places from the right of X-Forwarded-For (the left part is whatever the client claimed)."""
    proxies = getattr(settings, "NUM_PROXIES", 0)
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def record_access(request, action: str, obj=None, *, object_type: str = "",
                  detail: dict | None = None) -> AccessEvent:
    return AccessEvent.objects.create(
        user=request.user if request.user.is_authenticated else None,
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=obj.pk if obj is not None else None,
        detail=without_nul(detail or {}),  # a searched string may carry a NUL
        ip_address=client_address(request),
    )


def record_view(request, obj, *, api: bool = False) -> None:
    event = record_access(request, AccessAction.API_VIEW if api else AccessAction.VIEW, obj)
    if obj is not None and obj._meta.label_lower == CHILD and request.user.is_authenticated:
        # Opening again a file opened within the hour adds no child to the hour's count, so the
        # check made at that earlier opening stands (the count can only have fallen since). The
        # child's page is opened again after every action taken on it: counting the user's whole
        # hour each time grew with their work (issue 9).
        if not _views_last_hour(request.user).filter(object_id=obj.pk).exclude(pk=event.pk).exists():
            alert_on_unusual_viewing(request.user)


def _views_last_hour(user):
    since = timezone.now() - timedelta(hours=1)
    return AccessEvent.objects.filter(user=user, object_type=CHILD, at__gte=since,
                                      action__in=[AccessAction.VIEW, AccessAction.API_VIEW])


def children_viewed_last_hour(user) -> int:
    return _views_last_hour(user).values("object_id").distinct().count()


def alert_on_unusual_viewing(user) -> bool:
    """Administrators hear, once per user and hour, when one user opens more children's files in
    an hour than the work explains (settings.UNUSUAL_CHILD_VIEWS_PER_HOUR)."""
    from accounts.models import User
    from accounts.roles import Role
    from core.notifications import notify

    limit = settings.UNUSUAL_CHILD_VIEWS_PER_HOUR
    if children_viewed_last_hour(user) <= limit:
        return False
    hour = timezone.localtime().strftime("%Y%m%d%H")
    title = _("%(user)s opened more than %(limit)s children's files in an hour") % {
        "user": person_name(user), "limit": limit}
    sent = False
    for admin in User.objects.filter(role=Role.ADMIN, is_active=True):
        sent |= notify(admin, key=f"unusual-views:{user.pk}:{hour}", title=title,
                       url=f"/admin/audit/accessevent/?user__id__exact={user.pk}")
    return sent


def viewers_of(obj, limit: int = 50):
    """Who opened this record, most recent first (shown to supervisors)."""
    return (AccessEvent.objects.filter(object_type=obj._meta.label_lower, object_id=obj.pk)
            .select_related("user").order_by("-at")[:limit])


def record_search(request, object_type: str, query: dict) -> None:
    record_access(request, AccessAction.SEARCH, object_type=object_type, detail={"query": query})


def record_export(request, object_type: str, query: dict, rows: int, fmt: str) -> None:
    record_access(request, AccessAction.EXPORT, object_type=object_type,
                  detail={"query": query, "rows": rows, "format": fmt})
