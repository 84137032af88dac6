"""Writes to the access log, called by views and API views in the same request as the read."""

from audit.models import AccessAction, AccessEvent


def client_address(request) -> str | None:
    # Behind the reverse proxy REMOTE_ADDR is the proxy; gunicorn is configured to trust it
    # (forwarded_allow_ips), and Django sees the client in REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR") or None


def record_access(request, action: str, obj=None, *, object_type: str = "", detail: dict | None = None) -> None:
    AccessEvent.objects.create(
        user=request.user if request.user.is_authenticated else None,
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=obj.pk if obj is not None else None,
        detail=detail or {},
        ip_address=client_address(request),
    )


def record_view(request, obj, *, api: bool = False) -> None:
    record_access(request, AccessAction.API_VIEW if api else AccessAction.VIEW, obj)


def record_search(request, object_type: str, query: dict) -> None:
    record_access(request, AccessAction.SEARCH, object_type=object_type, detail={"query": query})


def record_export(request, object_type: str, query: dict, rows: int, fmt: str) -> None:
    record_access(request, AccessAction.EXPORT, object_type=object_type,
                  detail={"query": query, "rows": rows, "format": fmt})
