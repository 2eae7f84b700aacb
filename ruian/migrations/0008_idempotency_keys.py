"""One kernel table for idempotent creation over the REST API (ruian.idempotency.IdempotencyKey).

It replaces approvals.IdempotencyKey, grids.IdempotencyKey and the idempotency_key columns of
enforcement's Lead and Transfer; their migrations drop those. Their rows are not copied: a key only
matters while a client may still retry a request (minutes), so starting with an empty table is harmless.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ruian', '0007_dual_management_secondments_assessment'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('endpoint', models.CharField(max_length=100, verbose_name='接口')),
                ('key', models.CharField(max_length=100)),
                ('fingerprint', models.CharField(max_length=64)),
                ('response_status', models.PositiveSmallIntegerField()),
                ('response_body', models.JSONField(null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='创建时间')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '幂等键',
                'verbose_name_plural': '幂等键',
                'constraints': [models.UniqueConstraint(fields=('client', 'endpoint', 'key'), name='idempotency_once_per_client')],
            },
        ),
    ]
