"""Load the Child Helpline International categories (helpline.json) and the national hotline 111."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "helpline.json"


def load(apps, schema_editor):
    Category = apps.get_model("hotline", "CallCategory")
    Hotline = apps.get_model("hotline", "Hotline")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for position, item in enumerate(data["chi_categories"]):
        parent, _ = Category.objects.update_or_create(
            code=item["code"], defaults={"name_vi": item["vi"], "name_en": item["en"], "position": position * 100})
        for offset, sub in enumerate(item.get("subcategories", []), start=1):
            Category.objects.update_or_create(code=sub["code"], defaults={
                "name_vi": sub["vi"], "name_en": sub["en"], "parent": parent, "position": position * 100 + offset})
    Hotline.objects.get_or_create(code="111", defaults={
        "name": "Tổng đài điện thoại quốc gia bảo vệ trẻ em", "number": "111", "hours": "24/7"})


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_hotline")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
