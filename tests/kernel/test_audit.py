"""The audit log is append-only: not through the model, not through querysets, not even in raw SQL."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.utils import DatabaseError

from ruian.audit import AuditEntry, log_action
from ruian.staff import Role, assign_role


@pytest.fixture
def entry(clerk, home_centre):
    return log_action("tests.thing.moved", actor=clerk, obj=home_centre, from_state="a", to_state="b", reason="why")


def test_entry_records_who_what_from_to_and_why(entry, clerk, home_centre):
    assert entry.actor == clerk
    assert entry.object_id == str(home_centre.pk)
    assert (entry.from_state, entry.to_state, entry.reason) == ("a", "b", "why")
    assert AuditEntry.objects.for_object(home_centre).get() == entry


def test_model_refuses_edit_and_delete(entry):
    entry.reason = "rewritten"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.all().update(reason="x")
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.all().delete()


@pytest.mark.parametrize(
    "sql",
    ["UPDATE ruian_auditentry SET reason = 'rewritten'", "DELETE FROM ruian_auditentry"],
)
def test_database_refuses_edit_and_delete_even_in_raw_sql(entry, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).reason == "why"


def test_services_write_audit_entries(clerk):
    assign_role(user=clerk, role=Role.APPROVER)
    assert AuditEntry.objects.filter(action="ruian.staff.role_assigned", to_state="approver").exists()


def test_request_address_is_recorded(api, db, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x-very-long-password")
    api.force_authenticate(admin)
    api.post("/api/v1/divisions/", {"code": "320623000000", "name": "如东县"}, format="json", REMOTE_ADDR="10.1.2.3")
    entry = AuditEntry.objects.get(action="ruian.division.created")
    assert (entry.actor, entry.ip, entry.object_repr) == (admin, "10.1.2.3", "如东县(320623000000)")


def test_the_lean_insert_writes_what_save_writes(clerk, home_centre):
    """log_action inserts through ruian.prepared.insert_new: the stored row is the one Model.save() would write
    (the creation time stamped, the JSON kept), and the instance knows its id."""
    from ruian.audit import audit_entry

    saved = audit_entry("tests.thing.saved", actor=clerk, obj=home_centre, to_state="b", data={"n": [1, "二"]})
    saved.save(force_insert=True)
    inserted = log_action("tests.thing.saved", actor=clerk, obj=home_centre, to_state="b", data={"n": [1, "二"]})
    assert inserted.pk is not None and not inserted._state.adding
    columns = [f.attname for f in AuditEntry._meta.concrete_fields if f.attname not in ("id", "created_at")]
    rows = AuditEntry.objects.filter(pk__in=[saved.pk, inserted.pk]).order_by("pk").values(*columns, "created_at")
    first, second = list(rows)
    assert second["created_at"] >= first["created_at"] and second["created_at"] == inserted.created_at
    first.pop("created_at"), second.pop("created_at")
    assert first == second
