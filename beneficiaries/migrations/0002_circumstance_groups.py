"""Load the 14 groups of children in special circumstances and their sub-groups
(Law on Children art. 10(1); Decree 56/2017 arts. 3-16) from the copy shipped with the app."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "special_circumstances.json"
# Membership of these groups is itself special-category data (PDPL 91/2025).
SENSITIVE = {"HIV", "IN_CONFLICT_WITH_LAW", "DRUG_ADDICTION", "SEXUALLY_ABUSED"}


def load(apps, schema_editor):
    Group = apps.get_model("beneficiaries", "CircumstanceGroup")
    Subgroup = apps.get_model("beneficiaries", "CircumstanceSubgroup")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for position, item in enumerate(data["groups"]):
        group, _ = Group.objects.update_or_create(
            code=item["code"],
            defaults={"letter": item["letter"], "name_vi": item["vi"], "name_en": item["en"],
                      "decree56_article": item.get("decree56_article"), "position": position,
                      "is_sensitive": item["code"] in SENSITIVE},
        )
        for sub in item["subgroups"]:
            Subgroup.objects.update_or_create(
                code=sub["code"], defaults={"group": group, "name_vi": sub["vi"], "name_en": sub["en"]}
            )


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0001_children_registry")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
