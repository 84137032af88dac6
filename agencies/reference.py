"""The service reference list shipped with the app (a copy of shared/reference/services.json)."""

import json
from pathlib import Path

SERVICES_FILE = Path(__file__).parent / "data" / "services.json"


def load_service_reference() -> dict:
    return json.loads(SERVICES_FILE.read_text(encoding="utf-8"))


def sync_service_types(policy_group_model, service_type_model) -> None:
    """Create or update the policy groups and service types by code. Idempotent."""
    data = load_service_reference()
    groups = {}
    for item in data["policy_groups"]:
        groups[item["code"]], _ = policy_group_model.objects.update_or_create(
            code=item["code"], defaults={"name_vi": item["vi"], "name_en": item["en"]}
        )
    for item in data["service_types"]:
        service_type_model.objects.update_or_create(
            code=item["code"],
            defaults={"name_vi": item["vi"], "name_en": item["en"], "group": groups[item["group"]]},
        )
