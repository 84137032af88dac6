"""Load the abuse types of the Law on Children art. 4 (with Decree 56/2017 art. 13 sub-types)."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "abuse_types.json"


def load(apps, schema_editor):
    AbuseType = apps.get_model("cases", "AbuseType")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for position, item in enumerate(data["types"]):
        parent, _ = AbuseType.objects.update_or_create(
            code=item["code"], defaults={"name_vi": item["vi"], "name_en": item["en"], "position": position * 10})
        for offset, sub in enumerate(item.get("subtypes", []), start=1):
            AbuseType.objects.update_or_create(code=sub["code"], defaults={
                "name_vi": sub["vi"], "name_en": sub["en"], "parent": parent, "position": position * 10 + offset})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_cases")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
