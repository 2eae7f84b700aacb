"""The approvals demo: applications in every state, some near and past deadlines, safe to load twice."""

from io import StringIO

import pytest
from django.core.management import call_command

from approvals.models import Application
from approvals.states import Status
from ruian.audit import AuditEntry


@pytest.mark.django_db
def test_demo_has_every_state_and_loads_twice():
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "approvals:" in out.getvalue()
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    assert Application.objects.filter(overdue=True).exists()
    assert Application.objects.filter(deemed_accepted=True).exists()
    count, last = Application.objects.count(), AuditEntry.objects.order_by("-pk").values_list("pk", flat=True)[0]
    call_command("load_demo", stdout=StringIO())
    assert Application.objects.count() == count
    assert not AuditEntry.objects.filter(pk__gt=last, action__startswith="approvals.").exists()
