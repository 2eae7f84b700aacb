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
        ('grids', '0006_escalation_latest'),
        ('ruian', '0009_yellow_index_matches_sweep'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='event',
                    name='category',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='grids.eventcategory', verbose_name='类别'),
                ),
                migrations.AlterField(
                    model_name='event',
                    name='division',
                    field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ruian.division'),
                ),
                migrations.AlterField(
                    model_name='event',
                    name='number',
                    field=models.CharField(editable=False, max_length=24, verbose_name='事件编号'),
                ),
                migrations.AlterField(
                    model_name='event',
                    name='updated_at',
                    field=models.DateTimeField(auto_now=True),
                ),
                migrations.AddConstraint(
                    model_name='event',
                    constraint=models.UniqueConstraint(fields=('number',), name='grids_event_number_unique'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="""
ALTER TABLE grids_event RENAME CONSTRAINT grids_event_number_key TO grids_event_number_unique;
DROP INDEX IF EXISTS grids_event_number_d018bfef_like;
DROP INDEX IF EXISTS grids_event_category_id_2defd760;
DROP INDEX IF EXISTS grids_event_division_id_c957eebe;
DROP INDEX IF EXISTS grids_event_updated_at_9b266fea;
""",
                    reverse_sql="""
CREATE INDEX grids_event_updated_at_9b266fea ON grids_event (updated_at);
CREATE INDEX grids_event_division_id_c957eebe ON grids_event (division_id);
CREATE INDEX grids_event_category_id_2defd760 ON grids_event (category_id);
CREATE INDEX grids_event_number_d018bfef_like ON grids_event (number varchar_pattern_ops);
ALTER TABLE grids_event RENAME CONSTRAINT grids_event_number_unique TO grids_event_number_key;
""",
                ),
            ],
        ),
    ]
