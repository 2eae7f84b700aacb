from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="leader")


class Migration(migrations.Migration):
    dependencies = [("ruian", "0005_outbox")]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
