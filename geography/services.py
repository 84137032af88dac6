"""Writes to the geography tables: loading the official units and managing villages."""

import json
from datetime import date
from pathlib import Path

from django.db import transaction
from vietnam_provinces import Province as OfficialProvince
from vietnam_provinces import Ward as OfficialWard

from core.text import fold, normalise
from geography.models import Commune, DivisionType, Province, Village

REFORM_DATE = date(2025, 7, 1)
FORMER_PROVINCES_FILE = Path(__file__).parent / "data" / "former_provinces.json"

_DIVISION_TYPES = {
    "tỉnh": DivisionType.PROVINCE,
    "thành phố trung ương": DivisionType.CENTRAL_CITY,
    "xã": DivisionType.COMMUNE,
    "phường": DivisionType.WARD,
    "đặc khu": DivisionType.SPECIAL_ZONE,
}


def _sync(model, existing: dict, wanted: dict, fields: list[str]) -> tuple[int, int]:
    """Create what is missing and update what changed, in bulk. Returns (created, updated)."""
    to_create, to_update = [], []
    for key, values in wanted.items():
        values["name"] = normalise(values["name"])
        values["name_folded"] = fold(values["name"])
        unit = existing.get(key)
        if unit is None:
            to_create.append(model(**values))
        elif any(getattr(unit, f) != values[f] for f in fields):
            for f in fields:
                setattr(unit, f, values[f])
            to_update.append(unit)
    model.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=1000)
    return len(to_create), len(to_update)


@transaction.atomic
def load_official_units() -> dict[str, tuple[int, int]]:
    """Load the 34 provinces and 3,321 communes in force, and the former provinces behind them.

    Idempotent: a second run changes nothing and creates nothing.
    """
    current = {p.code: p for p in Province.objects.filter(valid_until__isnull=True)}
    wanted = {
        f"{int(p.code):02d}": {
            "code": f"{int(p.code):02d}",
            "name": p.name,
            "division_type": _DIVISION_TYPES[p.division_type.value],
            "valid_from": REFORM_DATE,
        }
        for p in OfficialProvince.iter_all()
    }
    result = {"provinces": _sync(Province, current, wanted, ["name", "name_folded", "division_type", "valid_from"])}

    provinces = {p.code: p for p in Province.objects.filter(valid_until__isnull=True)}
    current_communes = {c.code: c for c in Commune.objects.filter(valid_until__isnull=True)}
    wanted_communes = {
        f"{int(w.code):05d}": {
            "code": f"{int(w.code):05d}",
            "name": w.name,
            "division_type": _DIVISION_TYPES[w.division_type.value],
            "province_id": provinces[f"{int(w.province_code):02d}"].pk,
            "valid_from": REFORM_DATE,
        }
        for w in OfficialWard.iter_all()
    }
    result["communes"] = _sync(
        Commune, current_communes, wanted_communes,
        ["name", "name_folded", "division_type", "province_id", "valid_from"],
    )
    result["former provinces"] = _load_former_provinces(provinces)
    return result


def _load_former_provinces(current: dict[str, Province]) -> tuple[int, int]:
    data = json.loads(FORMER_PROVINCES_FILE.read_text(encoding="utf-8"))
    valid_until = date.fromisoformat(data["valid_until"])
    existing = {p.code: p for p in Province.objects.filter(valid_until=valid_until)}
    wanted = {
        item["code"]: {
            "code": item["code"],
            "name": item["name"],
            "division_type": item["division_type"],
            "valid_until": valid_until,
            "successor_id": current[item["successor"]].pk,
        }
        for item in data["provinces"]
    }
    return _sync(Province, existing, wanted, ["name", "name_folded", "division_type", "successor_id"])


@transaction.atomic
def add_village(*, commune: Commune, name: str, kind: str, created_by) -> Village:
    return Village.objects.create(commune=commune, name=name, kind=kind, created_by=created_by)


@transaction.atomic
def set_village_active(*, village: Village, active: bool) -> Village:
    village.is_active = active
    village.save(update_fields=["is_active", "updated_at"])
    return village
