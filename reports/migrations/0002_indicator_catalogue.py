"""Load the indicator catalogue (codes from indicators.json, with Vietnamese and English names,
definitions and methods, and the targets the seeds' provinces set)."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "indicator_catalogue.json"


def load(apps, schema_editor):
    Indicator = apps.get_model("reports", "Indicator")
    for item in json.loads(DATA.read_text(encoding="utf-8")):
        fields = {k: v for k, v in item.items() if k != "code"}
        fields["target"] = Decimal(item["target"]) if item["target"] is not None else None
        Indicator.objects.update_or_create(code=item["code"], defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_reports")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
