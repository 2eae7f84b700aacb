"""Walk each transition table: every move in it is allowed, every other move is refused."""

import pytest

from enforcement import states
from enforcement.states import IllegalTransition, check_transition

TABLES = [
    (states.CASE_TRANSITIONS, states.CaseStatus),
    (states.TRANSFER_TRANSITIONS, states.TransferStatus),
    (states.LEAD_TRANSITIONS, states.LeadStatus),
    (states.INSPECTION_TRANSITIONS, states.InspectionPlanStatus),
    (states.MEETING_TASK_TRANSITIONS, states.MeetingTaskStatus),
]


@pytest.mark.parametrize(("table", "choices"), TABLES)
def test_every_state_has_a_row(table, choices):
    assert set(table) == set(choices)


@pytest.mark.parametrize(("table", "choices"), TABLES)
def test_walk_the_table(table, choices):
    for current in choices:
        for target in choices:
            if target in table[current]:
                check_transition(table, current, target)
            else:
                with pytest.raises(IllegalTransition):
                    check_transition(table, current, target)


def test_terminal_states_have_no_way_out():
    assert states.CASE_TRANSITIONS[states.CaseStatus.CLOSED] == set()
    assert states.TRANSFER_TRANSITIONS[states.TransferStatus.ACCEPTED] == set()
