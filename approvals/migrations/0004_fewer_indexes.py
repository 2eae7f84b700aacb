"""Drop indexes that another index already serves, and the LIKE index of a unique number nobody searches by prefix.

Every sweep and workflow update of a row writes each of its indexes. Only the indexes change in the database:
the foreign keys stay as they are (Django's own AlterField would drop and re-validate them over millions of
rows), and the unique number's constraint is renamed, not rebuilt.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('approvals', '0003_drop_idempotency_keys'),
        ('catalogs', '0004_poweritem_code'),
        ('ruian', '0009_yellow_index_matches_sweep'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='application',
                    name='number',
                    field=models.CharField(max_length=32, verbose_name='申请编号'),
                ),
                migrations.AlterField(
                    model_name='application',
                    name='township',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ruian.division', verbose_name='乡镇(街道)'),
                ),
                migrations.AddConstraint(
                    model_name='application',
                    constraint=models.UniqueConstraint(fields=('number',), name='approvals_application_number_unique'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="""
ALTER TABLE approvals_application RENAME CONSTRAINT approvals_application_number_key TO approvals_application_number_unique;
DROP INDEX IF EXISTS approvals_application_number_7dec6210_like;
DROP INDEX IF EXISTS approvals_application_township_id_b376ce88;
""",
                    reverse_sql="""
CREATE INDEX approvals_application_township_id_b376ce88 ON approvals_application (township_id);
CREATE INDEX approvals_application_number_7dec6210_like ON approvals_application (number varchar_pattern_ops);
ALTER TABLE approvals_application RENAME CONSTRAINT approvals_application_number_unique TO approvals_application_number_key;
""",
                ),
            ],
        ),
    ]
