from django.db import migrations

ROLES = [
    "window_clerk",
    "approver",
    "squad_leader",
    "officer",
    "legal_reviewer",
    "county_editor",
    "operator",
    "grid_worker",
    "api_client",
]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("ruian", "0003_deadline_optional_legal_limit"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
