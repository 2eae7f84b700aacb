"""Drop the foreign-key indexes of the audit entry's content type and the idempotency key's client: the
(content_type, object_id, created_at) index and the unique (client, endpoint, key) lead with them, and every
write of the portal inserts both rows. Only the indexes change (as in 0010)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('ruian', '0010_fewer_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='auditentry',
                    name='content_type',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype'),
                ),
                migrations.AlterField(
                    model_name='idempotencykey',
                    name='client',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="""
DROP INDEX IF EXISTS ruian_auditentry_content_type_id_77cc6a86;
DROP INDEX IF EXISTS ruian_idempotencykey_client_id_3ae9d60f;
""",
                    reverse_sql="""
CREATE INDEX ruian_auditentry_content_type_id_77cc6a86 ON ruian_auditentry (content_type_id);
CREATE INDEX ruian_idempotencykey_client_id_3ae9d60f ON ruian_idempotencykey (client_id);
""",
                ),
            ],
        ),
    ]
