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
