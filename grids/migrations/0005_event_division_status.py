"""The command centre counts a township's open events by state: an index over (division, status) answers that
with an index-only scan of the township's villages instead of a scan of every event."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0004_drop_idempotency_keys"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["division", "status"], name="event_division_status"),
        ),
    ]
