"""Each service refuses a case in the wrong state, and leaves it as it was."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from enforcement import services
from enforcement.models import PenaltyMeasure
from enforcement.states import CaseStatus
from tests.enforcement import factories as ef

FINE = [PenaltyMeasure.FINE]


def _attempts(case, leader, officers):
    today = timezone.localdate()
    return {
        "assign": lambda: services.case_assign(case=case, officers=officers, actor=leader),
        "notice": lambda: services.notice_serve(case=case, served_on=today, fine=100, measures=FINE, actor=leader),
        "hearing": lambda: services.hearing_request(case=case, actor=leader),
        "review": lambda: services.legal_review_submit(case=case, actor=leader),
        "decide": lambda: services.case_decide(case=case, fine=100, measures=FINE, actor=leader),
        "serve": lambda: services.decision_serve(case=case, method="direct", actor=leader),
        "execute": lambda: services.case_execute(case=case, method="none_needed", actor=leader),
        "suspend": lambda: services.case_suspend(case=case, reason="x", actor=leader),
        "resume": lambda: services.case_resume(case=case, actor=leader),
        "criminal": lambda: services.criminal_propose(case=case, grounds="x", actor=leader),
        "police": lambda: services.criminal_hand_over(case=case, police_unit="x", receipt_number="1", actor=leader),
    }


ALLOWED = {
    CaseStatus.FILED: {"assign"},
    CaseStatus.INVESTIGATING: {"notice", "suspend", "criminal"},
    CaseStatus.NOTIFIED: {"hearing", "review", "decide"},
    CaseStatus.DECIDED: {"serve"},
    CaseStatus.SERVED: {"execute"},
}


def _case_in(status, township, leader, officers, power):
    if status == CaseStatus.FILED:
        return ef.filed_case(township, leader, power=power)
    if status == CaseStatus.INVESTIGATING:
        return ef.investigating_case(township, leader, officers, power=power)
    if status == CaseStatus.NOTIFIED:
        return ef.notified_case(township, leader, officers, power=power)
    case = ef.decided_case(township, leader, officers, power=power)
    if status == CaseStatus.SERVED:
        services.decision_serve(case=case, method="direct", actor=leader)
    return case


@pytest.mark.parametrize("status", list(ALLOWED))
def test_services_outside_the_table_are_refused(status, home_township, squad_leader, officers, power):
    case = _case_in(status, home_township, squad_leader, officers, power)
    for name, attempt in _attempts(case, squad_leader, officers).items():
        if name in ALLOWED[status]:
            continue
        before = type(case).objects.get(pk=case.pk)
        with pytest.raises(ValidationError):
            attempt()
        after = type(case).objects.get(pk=case.pk)
        assert (after.status, after.updated_at) == (before.status, before.updated_at), name


def test_closed_case_accepts_nothing(home_township, squad_leader, officers, power):
    case = ef.filed_case(home_township, squad_leader, power=power)
    services.case_close(case=case, actor=squad_leader, reason="立案后查明不属实")
    for attempt in _attempts(case, squad_leader, officers).values():
        with pytest.raises(ValidationError):
            attempt()
    assert type(case).objects.get(pk=case.pk).status == CaseStatus.CLOSED
