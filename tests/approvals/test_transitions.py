"""The one transition table: every illegal move is refused and changes nothing."""

import pytest

from approvals import services
from approvals.models import Application, Delivery, SuspensionKind
from approvals.states import (
    FOLLOWUP_TRANSITIONS,
    PLEDGE_TRANSITIONS,
    TRANSITIONS,
    FollowUpStatus,
    IllegalTransition,
    PledgeStatus,
    Status,
    check_transition,
)
from tests.approvals import factories as af


@pytest.mark.parametrize(
    "table,choices",
    [(TRANSITIONS, Status), (PLEDGE_TRANSITIONS, PledgeStatus), (FOLLOWUP_TRANSITIONS, FollowUpStatus)],
)
def test_walk_every_table(table, choices):
    assert set(table) == set(choices)
    for current in choices:
        for target in choices:
            if target in table[current]:
                check_transition(table, current, target)
            else:
                with pytest.raises(IllegalTransition):
                    check_transition(table, current, target)


# Each service and the status it moves to; tried from every state that does not allow that move.
def _actions(clerk, approver, second):
    return {
        Status.ACCEPTED: lambda a: services.accept_application(application=a, actor=clerk),
        Status.NOTICE_GIVEN: lambda a: services.give_material_notice(application=a, actor=clerk, extra=["补充说明"]),
        Status.REFUSED: lambda a: services.refuse_application(application=a, reason="理由", actor=clerk),
        Status.IN_REVIEW: lambda a: services.send_to_back_office(application=a, actor=clerk),
        Status.SUSPENDED: lambda a: services.suspend_review(
            application=a, kind=SuspensionKind.TEST, reason="检测", actor=approver
        ),
        Status.APPROVED: lambda a: services.decide_application(
            application=a, approve=True, reasons="符合", actor=approver, second_reviewer=second
        ),
        Status.DENIED: lambda a: services.decide_application(
            application=a, approve=False, reasons="不符合", actor=approver, second_reviewer=second
        ),
        Status.ISSUED: lambda a: services.issue_result(application=a, delivery=Delivery.COLLECTED, actor=clerk),
        Status.RECEIVED: lambda a: services.supplement_materials(application=a, provided=["申请书"], actor=clerk),
    }


def test_every_illegal_service_call_is_refused_and_changes_nothing(
    home_township, item, clerk, approver, second_approver
):
    actions = _actions(clerk, approver, second_approver)
    for status in Status:
        app = af.receive(home_township, item, clerk)
        # Put the application straight into the state under test (the table, not the path, is tested here).
        Application.objects.filter(pk=app.pk).update(status=status)
        for target, action in actions.items():
            if target in TRANSITIONS[status]:
                continue
            before = Application.objects.values().get(pk=app.pk)
            with pytest.raises(IllegalTransition):
                action(app)
            assert Application.objects.values().get(pk=app.pk) == before, (status, target)
