from django.db import migrations

from ruian.audit import IMMUTABILITY_REVERSE_SQL, IMMUTABILITY_SQL


def install(apps, schema_editor):
    # PostgreSQL only: the embedded SQLite fallback relies on the model's own refusal.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(IMMUTABILITY_SQL, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(IMMUTABILITY_REVERSE_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("ruian", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
