"""Drop the idempotency_key columns (and their unique constraints) of Lead and Transfer: the kernel's
ruian.IdempotencyKey (ruian 0008) keeps the keys now. Lead.client and Transfer.client stay (who pushed it).

The old keys are dropped, not copied: keys are short-lived (a client retries within minutes), so a retry of
a request made before this migration is at worst answered as a first request.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ruian', '0008_idempotency_keys'),
        ('enforcement', '0003_training_meetings_board_index'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='lead',
            name='enforcement_lead_idempotent',
        ),
        migrations.RemoveConstraint(
            model_name='transfer',
            name='enforcement_transfer_idempotent',
        ),
        migrations.RemoveField(
            model_name='lead',
            name='idempotency_key',
        ),
        migrations.RemoveField(
            model_name='transfer',
            name='idempotency_key',
        ),
    ]
