"""Drop the sequence counter's township index: the unique (township, day) leads with it. Index only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('approvals', '0004_fewer_indexes'),
        ('ruian', '0010_fewer_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='applicationsequence',
                    name='township',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ruian.division'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="""
DROP INDEX IF EXISTS approvals_applicationsequence_township_id_946ddc55;
""",
                    reverse_sql="""
CREATE INDEX approvals_applicationsequence_township_id_946ddc55 ON approvals_applicationsequence (township_id);
""",
                ),
            ],
        ),
    ]
