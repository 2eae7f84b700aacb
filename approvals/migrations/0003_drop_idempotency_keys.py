"""Drop approvals.IdempotencyKey: the kernel's ruian.IdempotencyKey (ruian 0008) keeps the keys now.

Its rows are dropped, not copied: keys are short-lived (a client retries within minutes), so a retry of a
request made before this migration is at worst answered as a first request.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ruian', '0008_idempotency_keys'),
        ('approvals', '0002_joint_handling'),
    ]

    operations = [
        migrations.DeleteModel(
            name='IdempotencyKey',
        ),
    ]
