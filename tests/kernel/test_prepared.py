"""ruian.prepared's write helpers: each writes and locks what the ORM call it stands for would."""

import psycopg2
import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ruian.audit import AuditEntry, log_action
from ruian.organisations import Organisation, OrgKind
from ruian.prepared import insert_of, lock_row, update_of


def test_a_change_and_its_audit_entry_go_in_one_round_trip_as_save_writes_them(home_centre, clerk):
    ContentType.objects.get_for_model(Organisation)  # the entry names it; read once per process
    home_centre.name = "长沙镇为民服务中心(新址)"
    home_centre.phone = "0513-80000000"
    with CaptureQueriesContext(connection) as queries:
        entry = log_action(
            "tests.organisation.renamed", before=update_of(home_centre, ["name", "phone"]), actor=clerk, obj=home_centre
        )
    assert len(queries) == 1
    stored = Organisation.objects.get(pk=home_centre.pk)
    assert (stored.name, stored.phone) == ("长沙镇为民服务中心(新址)", "0513-80000000")
    assert AuditEntry.objects.get(pk=entry.pk).object_id == str(home_centre.pk)


def test_the_update_stamps_auto_now_fields_and_touches_nothing_else(county, home_township, clerk):
    from approvals.models import Application
    from tests.approvals import factories as af

    app = af.receive(home_township, af.licence(county), clerk)
    before = Application.objects.get(pk=app.pk)
    app.status, app.applicant_name = "accepted", "changed in memory, not named"
    sql, params = update_of(app, ["status", "updated_at"])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    after = Application.objects.get(pk=app.pk)
    assert after.status == "accepted" and after.applicant_name == before.applicant_name
    assert after.updated_at == app.updated_at > before.updated_at


def test_a_new_row_sent_before_its_audit_entry_is_written_as_insert_new_writes_it(county, home_township, clerk):
    centre = Organisation(division=county, name="县政务服务中心", kind=OrgKind.SERVICE_CENTRE)
    with pytest.raises(ValueError):
        insert_of(centre)  # its id must be drawn first
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('ruian_organisation', 'id'))")
        centre.pk = cursor.fetchone()[0]
    ContentType.objects.get_for_model(Organisation)
    with CaptureQueriesContext(connection) as queries:
        log_action("tests.organisation.created", before=insert_of(centre), actor=clerk, obj=centre)
    assert len(queries) == 1 and not centre._state.adding
    stored = Organisation.objects.get(pk=centre.pk)
    assert (stored.name, stored.division_id, stored.kind) == ("县政务服务中心", county.pk, OrgKind.SERVICE_CENTRE)
    assert AuditEntry.objects.filter(action="tests.organisation.created", object_id=str(centre.pk)).exists()


def test_lock_row_reads_the_row_or_says_it_does_not_exist(home_centre):
    with transaction.atomic():
        locked = lock_row(Organisation, home_centre.pk)
        assert (locked.pk, locked.name, locked.division_id) == (
            home_centre.pk,
            home_centre.name,
            home_centre.division_id,
        )
        with pytest.raises(Organisation.DoesNotExist):
            lock_row(Organisation, home_centre.pk + 10_000)


@pytest.mark.django_db(transaction=True)
def test_lock_row_holds_the_row_until_the_transaction_ends(county):
    centre = Organisation.objects.create(division=county, name="县政务服务中心", kind=OrgKind.SERVICE_CENTRE)
    db = settings.DATABASES["default"]
    other = psycopg2.connect(
        dbname=connection.settings_dict["NAME"], host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"]
    )
    try:
        with transaction.atomic():
            lock_row(Organisation, centre.pk)
            with other.cursor() as cursor, pytest.raises(psycopg2.errors.LockNotAvailable):
                cursor.execute("SELECT id FROM ruian_organisation WHERE id = %s FOR UPDATE NOWAIT", [centre.pk])
            other.rollback()
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM ruian_organisation WHERE id = %s FOR UPDATE NOWAIT", [centre.pk])
            assert cursor.fetchone() == (centre.pk,)
        other.rollback()
    finally:
        other.close()
