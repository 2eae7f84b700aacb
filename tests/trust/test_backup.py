"""Backup and restore: a dump of the demo portal restored into an empty database finds every
application, case and event again, and the attachments with them."""

import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from approvals.models import Application
from enforcement.models import Case
from grids.models import Event
from ruian.attachments import Attachment, attach_file
from ruian.audit import AuditEntry
from ruian.backup import backup, restore
from ruian.organisations import Organisation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def empty_database():
    settings = connection.settings_dict
    name = f"{settings['NAME']}_restore"
    admin = psycopg2.connect(
        dbname="postgres", user=settings["USER"], host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield {**settings, "NAME": name}
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def counts(database) -> dict:
    tables = {model.__name__: model._meta.db_table for model in (Application, Case, Event, AuditEntry, Attachment)}
    with (
        psycopg2.connect(
            dbname=database["NAME"],
            user=database["USER"],
            host=database["HOST"] or "127.0.0.1",
            port=database["PORT"] or 5432,
        ) as db,
        db.cursor() as cursor,
    ):
        result = {}
        for name, table in tables.items():
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            result[name] = cursor.fetchone()[0]
        return result


def test_a_restored_dump_holds_every_application_case_event_and_attachment(empty_database, tmp_path, settings, capsys):
    attachments = tmp_path / "attachments"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(attachments)},
        },
    }
    call_command("load_demo")
    scan = attach_file(
        obj=Organisation.objects.first(), upload=SimpleUploadedFile("scan.pdf", b"%PDF-1.7 demo"), actor=None
    )
    before = counts(connection.settings_dict)
    assert before["Application"] and before["Case"] and before["Event"]

    backup(tmp_path / "backup")
    (attachments / scan.file.name).unlink()  # the disk is lost too
    restore(tmp_path / "backup", database=empty_database)

    assert counts(empty_database) == before
    assert (attachments / scan.file.name).read_bytes() == b"%PDF-1.7 demo"


def test_restoring_into_a_database_that_is_not_empty_is_refused(tmp_path, clerk):
    backup(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="empty"):
        restore(tmp_path / "backup")
