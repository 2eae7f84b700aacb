"""The point-to-grid lookup's index: GiST over each active grid's bounding box, with PostgreSQL's built-in
geometric `box` type (no PostGIS). Two B-tree range indexes could not narrow a point query enough (each
matches half the table); `box @> box(point, point)` (a zero-size box at the point) on this index finds the few candidates directly."""

from django.db import migrations

BOX = "box(point(min_lng, min_lat), point(max_lng, max_lat))"


def create_gist(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS grid_bbox_gist ON grids_grid USING gist ({BOX}) WHERE is_active"
        )


def drop_gist(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS grid_bbox_gist")


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="grid", name="grid_bbox_lng"),
        migrations.RemoveIndex(model_name="grid", name="grid_bbox_lat"),
        migrations.RunPython(create_gist, drop_gist),
    ]
