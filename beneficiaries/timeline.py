"""A child's timeline: what changed, when and by whom, read from pghistory's event tables.

Later apps (cases, hotline, referrals) add their own entries by appending a function to
TIMELINE_SOURCES; each returns TimelineEntry objects for a child.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.utils.translation import gettext as _

from accounts.models import User, person_name
from beneficiaries.services import EDITABLE_FIELDS


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    user_id: int | None = None
    changes: list[tuple[str, object, object]] = field(default_factory=list)
    user_name: str = ""


def _event_model(model_name: str):
    return apps.get_model("beneficiaries", f"{model_name}Event")


def _user_id(event) -> int | None:
    context = getattr(event, "pgh_context", None)
    user = (context.metadata or {}).get("user") if context else None
    return int(user) if user else None


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - a field removed since the event was written
        return name


def _child_entries(child, sees_sensitive: bool) -> list[TimelineEntry]:
    from beneficiaries.models import Child

    entries, previous = [], None
    events = _event_model("Child").objects.filter(pgh_obj_id=child.pk).select_related("pgh_context").order_by("pgh_id")
    for event in events:
        if previous is None:
            entries.append(TimelineEntry(event.pgh_created_at, "registered", _("Registered"), _user_id(event)))
        else:
            changes = [
                (_label(Child, f), getattr(previous, f), getattr(event, f))
                for f in [*EDITABLE_FIELDS, "is_active", "deactivation_reason", "merged_into_id"]
                if getattr(previous, f, None) != getattr(event, f, None)
            ]
            if changes:
                entries.append(TimelineEntry(event.pgh_created_at, "edited", _("Record changed"), _user_id(event),
                                             changes))
        previous = event
    return entries


def _circumstance_entries(child, sees_sensitive: bool) -> list[TimelineEntry]:
    events = _event_model("ChildCircumstance").objects.filter(child_id=child.pk).select_related(
        "pgh_context", "group", "subgroup")
    entries = []
    for event in events:
        if event.group.is_sensitive and not sees_sensitive:
            continue
        name = str(event.subgroup or event.group)
        if event.pgh_label == "insert":
            entries.append(TimelineEntry(event.pgh_created_at, "circumstance",
                                         _("Special circumstance recorded: %(name)s") % {"name": name},
                                         _user_id(event)))
        elif event.ended_on:
            entries.append(TimelineEntry(event.pgh_created_at, "circumstance",
                                         _("Special circumstance ended: %(name)s") % {"name": name}, _user_id(event)))
    return entries


def _consent_entries(child, sees_sensitive: bool) -> list[TimelineEntry]:
    from beneficiaries.choices import ConsentPurpose

    entries = []
    for event in _event_model("Consent").objects.filter(child_id=child.pk).select_related("pgh_context"):
        purpose = ConsentPurpose(event.purpose).label
        if event.pgh_label == "insert":
            title = _("Consent recorded: %(purpose)s") % {"purpose": purpose}
        elif event.withdrawn_on:
            title = _("Consent withdrawn: %(purpose)s") % {"purpose": purpose}
        else:
            continue
        entries.append(TimelineEntry(event.pgh_created_at, "consent", title, _user_id(event)))
    return entries


def _sensitive_entries(child, sees_sensitive: bool) -> list[TimelineEntry]:
    # Only that it changed, never the values: the timeline is shown to everyone who sees the child.
    return [
        TimelineEntry(e.pgh_created_at, "sensitive", _("Sensitive information updated"), _user_id(e))
        for e in _event_model("SensitiveInfo").objects.filter(child_id=child.pk).select_related("pgh_context")
    ] if sees_sensitive else []


TIMELINE_SOURCES: list[Callable] = [_child_entries, _circumstance_entries, _consent_entries, _sensitive_entries]


def child_timeline(child, *, sees_sensitive: bool, limit: int = 100) -> list[TimelineEntry]:
    entries = [entry for source in TIMELINE_SOURCES for entry in source(child, sees_sensitive)]
    entries.sort(key=lambda e: e.at, reverse=True)
    entries = entries[:limit]
    names = {u.pk: person_name(u) for u in User.objects.filter(
        pk__in={e.user_id for e in entries if e.user_id})}
    for entry in entries:
        entry.user_name = names.get(entry.user_id, "")
    return entries
