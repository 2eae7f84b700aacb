"""Two leaders acting on the same case at once: one wins, the other is told; nothing is done twice."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from enforcement import services
from enforcement.models import Case, CaseOfficer
from enforcement.states import CaseStatus
from tests.enforcement import factories as ef

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            call()
            outcomes[index] = "ok"
        except ValidationError as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_leaders_assign_the_same_case(
    home_township, squad_leader, squad_leader2, officer, officer2, officer3, power
):
    case = ef.filed_case(home_township, squad_leader, power=power)
    outcomes = _race(
        lambda: services.case_assign(case=case, officers=[officer, officer2], actor=squad_leader),
        lambda: services.case_assign(case=case, officers=[officer, officer3], actor=squad_leader2),
    )
    assert sorted(o == "ok" for o in outcomes) == [False, True]
    loser = next(o for o in outcomes if o != "ok")
    assert loser.code == "illegal_transition"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.INVESTIGATING
    assert CaseOfficer.objects.filter(case=case).count() == 2


def test_two_leaders_file_the_same_lead(home_township, squad_leader, squad_leader2, power):
    lead = ef.lead(home_township, squad_leader)
    outcomes = _race(
        lambda: services.case_file(township=home_township, power=power, title="案一", actor=squad_leader, lead=lead),
        lambda: services.case_file(township=home_township, power=power, title="案二", actor=squad_leader2, lead=lead),
    )
    assert sorted(o == "ok" for o in outcomes) == [False, True]
    assert Case.objects.filter(lead=lead).count() == 1
