"""Load the policy groups and service types from the reference list shipped with the app."""

from django.db import migrations


def load(apps, schema_editor):
    from agencies.reference import sync_service_types

    sync_service_types(apps.get_model("agencies", "PolicyGroup"), apps.get_model("agencies", "ServiceType"))


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
