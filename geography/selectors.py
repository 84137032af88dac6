"""Reads of the geography tables.

Provinces and communes are public reference data: every signed-in user may read them (a
worker in Lao Cai still records a child born in Ha Noi). Villages are kept by the people who
work in a commune, so changing them is scoped by `communes_managed_by`.
"""

from django.db.models import Count, Q, QuerySet

from accounts.scoping import area_q
from geography.models import Commune, Province, Village


def provinces(*, historic: bool = False) -> QuerySet[Province]:
    qs = Province.objects.select_related("successor")
    return qs if historic else qs.current()


def communes(*, historic: bool = False) -> QuerySet[Commune]:
    qs = Commune.objects.select_related("province")
    return qs if historic else qs.current()


def communes_managed_by(user) -> QuerySet[Commune]:
    """Communes whose villages the user may add to or deactivate (their area scope)."""
    return communes().filter(area_q(user, None))


def commune_list(*, province_code: str = "", text: str = "") -> QuerySet[Commune]:
    qs = communes().annotate(village_count=Count("villages", filter=Q(villages__is_active=True)))
    if province_code:
        qs = qs.filter(province__code=province_code)
    if text:
        qs = qs.search(text)
    return qs.order_by("province__code", "name_folded")


def villages_of(commune: Commune, *, include_inactive: bool = False) -> QuerySet[Village]:
    qs = commune.villages.all()
    return qs if include_inactive else qs.filter(is_active=True)
