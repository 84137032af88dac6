"""Referral.area_commune (issue 9): the commune whose area a referral belongs to, kept by the
database. The referral's own trigger (models.py) sets it on insert and when its case or child
changes; the two triggers here touch the referrals when a case is transferred or a child moves, and
the touch makes the referral's trigger read the new commune."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


FOLLOW_CASES_AND_CHILDREN = """
CREATE FUNCTION referral_area_follow_case() RETURNS trigger AS $$
BEGIN
    UPDATE referrals_referral SET area_commune_id = NULL WHERE case_id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER referral_area_follow_case AFTER UPDATE OF commune_id ON cases_case
    FOR EACH ROW WHEN (OLD.commune_id IS DISTINCT FROM NEW.commune_id)
    EXECUTE FUNCTION referral_area_follow_case();

CREATE FUNCTION referral_area_follow_child() RETURNS trigger AS $$
BEGIN
    UPDATE referrals_referral SET area_commune_id = NULL WHERE child_id = NEW.id AND case_id IS NULL;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER referral_area_follow_child AFTER UPDATE OF commune_id ON beneficiaries_child
    FOR EACH ROW WHEN (OLD.commune_id IS DISTINCT FROM NEW.commune_id)
    EXECUTE FUNCTION referral_area_follow_child();
"""

STOP_FOLLOWING = """
DROP TRIGGER referral_area_follow_case ON cases_case;
DROP FUNCTION referral_area_follow_case();
DROP TRIGGER referral_area_follow_child ON beneficiaries_child;
DROP FUNCTION referral_area_follow_child();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('geography', '0001_initial'),
        ('referrals', '0002_referral_newest_idx'),
        ('cases', '0005_case_next_due'),
        ('beneficiaries', '0006_child_name_order_idx'),
    ]

    operations = [
        migrations.AddField(
            model_name='referral',
            name='area_commune',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geography.commune'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='referral',
            trigger=pgtrigger.compiler.Trigger(name='referral_area', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.area_commune_id := COALESCE((SELECT commune_id FROM cases_case WHERE id = NEW.case_id), (SELECT commune_id FROM beneficiaries_child WHERE id = NEW.child_id)); RETURN NEW;', hash='9e019564edf30b55dc04205d1826473c60846b92', operation='INSERT OR UPDATE OF "case_id", "child_id", "area_commune_id"', pgid='pgtrigger_referral_area_bd33b', table='referrals_referral', when='BEFORE')),
        ),
        migrations.RunSQL(FOLLOW_CASES_AND_CHILDREN, reverse_sql=STOP_FOLLOWING),
        # Existing rows: touching each makes its trigger fill the column.
        migrations.RunSQL("UPDATE referrals_referral SET area_commune_id = NULL", reverse_sql=migrations.RunSQL.noop),
    ]
