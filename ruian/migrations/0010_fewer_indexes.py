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
        ('contenttypes', '0002_remove_content_type_name'),
        ('ruian', '0009_yellow_index_matches_sweep'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='deadline',
                    name='content_type',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype'),
                ),
                migrations.AlterField(
                    model_name='notification',
                    name='recipient',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="""
DROP INDEX IF EXISTS ruian_deadline_content_type_id_26e8f491;
DROP INDEX IF EXISTS ruian_notification_recipient_id_befd379c;
""",
                    reverse_sql="""
CREATE INDEX ruian_notification_recipient_id_befd379c ON ruian_notification (recipient_id);
CREATE INDEX ruian_deadline_content_type_id_26e8f491 ON ruian_deadline (content_type_id);
""",
                ),
            ],
        ),
    ]
