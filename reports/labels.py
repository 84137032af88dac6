"""Names of the disaggregations and of their values, for screens and exports. Snapshot cells keep
stable codes; the names come from the choices and the reference tables, one query per table."""

from django.utils.translation import gettext_lazy as _

from agencies.models import ServiceType
from beneficiaries.choices import DisabilitySeverity, PovertyStatus, Sex
from beneficiaries.models import CircumstanceGroup
from cases.choices import AbuseSetting, ClosureReason, Level
from cases.models import AbuseType
from hotline.choices import ContactType, ReportingClass
from hotline.models import CallCategory
from referrals.choices import ReferralStatus
from reports.models import CommunicationEvent

DIMENSIONS = {
    "": _("Total"),
    "sex": _("Sex"),
    "age_group": _("Age group"),
    "group": _("Special-circumstance group"),
    "severity": _("Disability severity"),
    "poverty": _("Household poverty status"),
    "abuse_type": _("Abuse type"),
    "setting": _("Where the abuse happened"),
    "level": _("Protection level"),
    "reason": _("Closure reason"),
    "class": _("Reporting class"),
    "contact_type": _("Contact type"),
    "hotline": _("Hotline"),
    "topic": _("Topic"),
    "service_type": _("Service type"),
    "status": _("Status"),
    "kind": _("Kind"),
    "measure": _("Also counted"),
}
CHOICES = {
    "sex": Sex, "severity": DisabilitySeverity, "poverty": PovertyStatus, "setting": AbuseSetting, "level": Level,
    "reason": ClosureReason, "class": ReportingClass, "contact_type": ContactType, "status": ReferralStatus,
    "kind": CommunicationEvent.Kind,
}
TABLES = {"group": CircumstanceGroup, "service_type": ServiceType, "abuse_type": AbuseType, "topic": CallCategory}
MEASURES = {"children_helped": _("Children helped"), "people_reached": _("People reached")}
NOT_RECORDED = _("Not recorded")

GROUPS = {
    "children": _("Children"),
    "abuse": _("Abuse"),
    "cases": _("Cases"),
    "hotline": _("Hotline"),
    "referrals": _("Referrals and services"),
    "communes": _("Communes, fund and events"),
}


class Labels:
    """labels = Labels(figures); labels.value("group", "ORPHAN_BOTH") -> the group's name."""

    def __init__(self, figures=(), dimensions: set[str] | None = None):
        wanted = dimensions if dimensions is not None else {f.dimension for f in figures}
        self.names: dict[str, dict[str, str]] = {}
        for dimension, model in TABLES.items():
            if dimension in wanted:
                self.names[dimension] = {item.code: item.name for item in model.objects.only("code", "name_vi",
                                                                                            "name_en")}

    def dimension(self, dimension: str) -> str:
        return str(DIMENSIONS.get(dimension, dimension))

    def value(self, dimension: str, value: str) -> str:
        if dimension == "":
            return ""
        if dimension == "measure":
            return str(MEASURES.get(value, value))
        if value == "":
            return str(NOT_RECORDED)
        if dimension in self.names:
            return self.names[dimension].get(value, value)
        if dimension in CHOICES:
            try:
                return str(CHOICES[dimension](value).label)
            except ValueError:
                return value
        return value


def group_label(group: str) -> str:
    return str(GROUPS.get(group, group))
