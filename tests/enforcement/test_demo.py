"""The enforcement demo: built on the kernel and catalogs demos, complete, and idempotent."""

import datetime

from django.utils import timezone

from catalogs import demo as catalogs_demo
from enforcement import demo, selectors
from enforcement.models import (
    AgendaItem,
    Case,
    ExamResult,
    InspectionPlan,
    JointMeeting,
    MeetingTask,
    Publication,
    Squad,
    TrainingAttendance,
    Transfer,
)
from enforcement.states import CaseStatus, TransferStatus
from ruian import demo as kernel_demo
from ruian.staff import StaffProfile


def _counts():
    return Case.objects.count(), Transfer.objects.count(), Publication.objects.count(), Squad.objects.count()


def test_demo_has_every_state_and_runs_twice(db):
    kernel_demo.load()
    catalogs_demo.load()
    demo.load()
    counts = _counts()
    demo.load()
    assert _counts() == counts
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    transfer = Transfer.objects.get(status=TransferStatus.SENT)
    assert transfer.sent_at < timezone.now() - datetime.timedelta(days=7)  # waiting past its deadline
    assert Publication.objects.filter(withdrawn_at__isnull=True).exists()
    assert InspectionPlan.objects.filter(seed__isnull=False).exists()
    assert not StaffProfile.objects.get(user__username="officer3").certificate_valid_on()
    assert Squad.objects.count() >= 11
    # Training and certificates: one certificate expiring within 60 days, a session, an exam with results.
    assert [p.user.username for p in selectors.certificates_expiring(None)] == ["officer4"]
    assert TrainingAttendance.objects.exists() and ExamResult.objects.filter(passed=True).exists()
    # Joint meetings of every period, agenda on a case and a transfer, tasks open, overdue and done.
    assert {"weekly_dispatch", "monthly_progress", "quarterly_review"} <= set(
        JointMeeting.objects.values_list("kind", flat=True)
    )
    assert AgendaItem.objects.filter(case__isnull=False).exists()
    assert AgendaItem.objects.filter(transfer__isnull=False).exists()
    assert set(MeetingTask.objects.values_list("status", flat=True)) == {"open", "done"}
