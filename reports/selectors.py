"""Reads of the statistics. Every dashboard, export, printable report and API answer starts from
`values_for` (the scoped snapshot values) and shows them through `privacy.mask`."""

from django.db.models import Q, QuerySet

from geography.models import Commune, Province
from reports import periods
from reports.figures import Figure
from reports.models import Indicator, IndicatorValue, SnapshotBuild
from reports.permissions import can_see_statistics, sees_all_provinces
from reports.privacy import mask


def _code(value) -> str:
    return value if isinstance(value, str) else getattr(value, "code", str(value))


def province_scope_q(user, path: str = "province_id") -> Q | None:
    """None: the user sees every province; Q(pk__in=[]) nothing; else their own province."""
    if not can_see_statistics(user):
        return Q(pk__in=[])
    if sees_all_provinces(user):
        return None
    if user.province_id:
        return Q(**{path: user.province_id})
    return Q(pk__in=[])


def values_for(user, *, period, province=None, commune=None, indicator=None) -> QuerySet[IndicatorValue]:
    """Snapshot values of one period that the user may see: a provincial official, supervisor or
    social worker their province's only; national officials and administrators every province;
    partners and hotline counsellors none. `period` is a Period or its code; `province`, `commune`
    and `indicator` are instances or codes (a commune's code picks the commune in force)."""
    qs = IndicatorValue.objects.select_related("indicator").filter(period=_code(period))
    scope = province_scope_q(user)
    if scope is not None:
        qs = qs.filter(scope)
    if province is not None:
        qs = qs.filter(province=province) if isinstance(province, Province) else qs.filter(
            province__code=province, province__valid_until__isnull=True)
    if commune is not None:
        qs = qs.filter(commune=commune) if isinstance(commune, Commune) else qs.filter(
            commune__code=commune, commune__valid_until__isnull=True)
    if indicator is not None:
        qs = qs.filter(indicator=indicator) if isinstance(indicator, Indicator) else qs.filter(
            indicator__code=indicator)
    return qs


def figures_for(user, **filters) -> list[Figure]:
    """`values_for`, each value through the small-cell rule for this viewer."""
    return [mask(value, user) for value in values_for(user, **filters)]


def provinces_for(user) -> QuerySet[Province]:
    qs = Province.objects.current().order_by("code")
    scope = province_scope_q(user, "pk")
    return qs if scope is None else qs.filter(scope)


def communes_for(user, province: Province) -> QuerySet[Commune]:
    scope = province_scope_q(user, "province_id")
    qs = Commune.objects.current().filter(province=province)
    return qs if scope is None else qs.filter(scope)


def indicators() -> list[Indicator]:
    return list(Indicator.objects.order_by("position", "code"))


def trend_values(user, *, province: Province | None, period_codes: list[str], codes: list[str]) -> list[Figure]:
    """Province totals (or, without a province, every visible province's totals) of a few
    indicators over several periods, for the trend charts and the previous-period comparison."""
    qs = IndicatorValue.objects.select_related("indicator").filter(
        period__in=period_codes, indicator__code__in=codes, commune__isnull=True, dimension="")
    scope = province_scope_q(user)
    if scope is not None:
        qs = qs.filter(scope)
    if province is not None:
        qs = qs.filter(province=province)
    return [mask(value, user) for value in qs]


def builds_visible_to(user) -> QuerySet[SnapshotBuild]:
    """Builds of the user's province (and the country-wide ones for those who see every province)."""
    qs = SnapshotBuild.objects.all()
    scope = province_scope_q(user)
    return qs if scope is None else qs.filter(scope)


def live_build(user, *, period: periods.Period, province: Province | None) -> SnapshotBuild | None:
    """The queued or running rebuild of this period that covers `province` (a country-wide build
    covers every province)."""
    qs = builds_visible_to(user).filter(period=period.code, state__in=["queued", "running"])
    qs = qs.filter(Q(province=province) | Q(province__isnull=True)) if province else qs.filter(
        province__isnull=True)
    return qs.order_by("-requested_at").first()
