"""Drop the township and updated_at indexes of leads and cases, and the leads' (township, status) index: the
(township, status), (updated_at, id) and enforcement_lead_newest indexes lead with them, and each filing,
assignment and sweep writes every index. Only the indexes change (the foreign keys are not re-validated)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('enforcement', '0007_case_open_newest_index'),
        ('ruian', '0010_fewer_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='case',
                    name='township',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ruian.division', verbose_name='乡镇(街道)'),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='updated_at',
                    field=models.DateTimeField(auto_now=True),
                ),
                migrations.AlterField(
                    model_name='lead',
                    name='township',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ruian.division', verbose_name='乡镇(街道)'),
                ),
                migrations.AlterField(
                    model_name='lead',
                    name='updated_at',
                    field=models.DateTimeField(auto_now=True),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="""
DROP INDEX IF EXISTS enforcement_case_township_id_df134e4a;
DROP INDEX IF EXISTS enforcement_case_updated_at_4281a2a8;
DROP INDEX IF EXISTS enforcement_lead_township_id_dc8c1545;
DROP INDEX IF EXISTS enforcement_lead_updated_at_3ceccf10;
""",
                    reverse_sql="""
CREATE INDEX enforcement_case_township_id_df134e4a ON enforcement_case (township_id);
CREATE INDEX enforcement_case_updated_at_4281a2a8 ON enforcement_case (updated_at);
CREATE INDEX enforcement_lead_township_id_dc8c1545 ON enforcement_lead (township_id);
CREATE INDEX enforcement_lead_updated_at_3ceccf10 ON enforcement_lead (updated_at);
""",
                ),
            ],
        ),
        migrations.RemoveIndex(
            model_name='lead',
            name='enforcement_townshi_2aa1c6_idx',
        ),
    ]
