"""Joint enforcement meetings (联席会议, 会商): agenda on cases and transfers, decisions turned into tasks with an
owner and a deadline clock; a task without an owner is refused and nothing is saved."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from enforcement import services
from enforcement.models import AgendaItem, MeetingDecision, MeetingKind, MeetingTask
from enforcement.states import IllegalTransition, MeetingTaskStatus
from ruian import clocks
from ruian.clocks import ClockStatus, Deadline
from ruian.notifications import Notification
from tests.conftest import login
from tests.enforcement import factories as ef


@pytest.fixture
def meeting(home_township, squad_leader):
    return services.meeting_create(
        township=home_township,
        kind=MeetingKind.WEEKLY_DISPATCH,
        title="第47周执法调度会",
        held_on=timezone.localdate(),
        actor=squad_leader,
        chair="分管副镇长",
    )


def _due(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def test_agenda_on_a_case_and_a_transfer(meeting, squad_leader, home_township, power, department):
    case = ef.filed_case(home_township, squad_leader, power=power)
    transfer = services.lead_transfer(
        lead=ef.lead(home_township, squad_leader), reason="不属本镇", actor=squad_leader, department=department
    )
    services.agenda_item_add(meeting=meeting, topic="王小明占道经营案进展", case=case, actor=squad_leader)
    services.agenda_item_add(meeting=meeting, topic="移送市场监管局逾期未接收", transfer=transfer, actor=squad_leader)
    assert list(meeting.agenda.values_list("position", flat=True)) == [1, 2]
    assert case.agenda_items.get().meeting == meeting and transfer.agenda_items.get().meeting == meeting


def test_a_case_of_another_township_cannot_be_on_the_agenda(meeting, squad_leader, other_leader, other_township):
    other_power = ef.held_power(other_township)
    case = ef.filed_case(other_township, other_leader, power=other_power)
    with pytest.raises(ValidationError):
        services.agenda_item_add(meeting=meeting, topic="x", case=case, actor=squad_leader)
    assert not AgendaItem.objects.exists()


def test_a_decision_becomes_tasks_with_owners_and_deadline_clocks(
    meeting, squad_leader, officer, officer2, django_capture_on_commit_callbacks
):
    item = services.agenda_item_add(meeting=meeting, topic="夜市占道整治", actor=squad_leader)
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.meeting_decide(
            meeting=meeting,
            agenda_item=item,
            text="开展夜市占道专项整治",
            tasks=[
                {"title": "制定整治方案", "owner": officer, "due_on": _due(7)},
                {"title": "联合市场监管开展检查", "owner": officer2, "due_on": _due(14)},
            ],
            actor=squad_leader,
        )
    tasks = list(decision.tasks.order_by("due_on"))
    assert [t.owner for t in tasks] == [officer, officer2]
    clock = clocks.open_clock(tasks[0], services.MEETING_TASK, lock=False)
    assert clock is not None and clock.due_date == _due(7)
    assert Notification.objects.filter(recipient=officer, title__contains="制定整治方案").exists()


def test_a_task_without_an_owner_is_refused_and_nothing_saved(meeting, squad_leader, officer):
    with pytest.raises(ValidationError) as error:
        services.meeting_decide(
            meeting=meeting,
            text="开展专项整治",
            tasks=[
                {"title": "制定方案", "owner": officer, "due_on": _due(7)},
                {"title": "组织检查", "owner": None, "due_on": _due(7)},
            ],
            actor=squad_leader,
        )
    assert "task_without_owner" in {e.code for errors in error.value.error_dict.values() for e in errors}
    assert not MeetingDecision.objects.exists() and not MeetingTask.objects.exists()
    assert not Deadline.objects.exists()


def test_a_deadline_before_the_meeting_is_refused(meeting, squad_leader, officer):
    with pytest.raises(ValidationError):
        services.meeting_decide(
            meeting=meeting, text="x", tasks=[{"title": "y", "owner": officer, "due_on": _due(-1)}], actor=squad_leader
        )
    assert not MeetingDecision.objects.exists()


def test_only_the_owner_or_a_leader_completes_a_task_and_its_clock_stops(meeting, squad_leader, officer, officer2):
    decision = services.meeting_decide(
        meeting=meeting, text="x", tasks=[{"title": "整改", "owner": officer, "due_on": _due(3)}], actor=squad_leader
    )
    task = decision.tasks.get()
    with pytest.raises(PermissionDenied):
        services.meeting_task_complete(task=task, result="完成", actor=officer2)
    services.meeting_task_complete(task=task, result="已完成整改", actor=officer)
    task.refresh_from_db()
    assert task.status == MeetingTaskStatus.DONE and task.done_at is not None
    assert Deadline.objects.get().status == ClockStatus.STOPPED
    with pytest.raises(IllegalTransition):
        services.meeting_task_complete(task=task, result="再次", actor=officer)


def test_an_overdue_task_notifies_its_owner_once(meeting, squad_leader, officer):
    decision = services.meeting_decide(
        meeting=meeting, text="x", tasks=[{"title": "整改", "owner": officer, "due_on": _due(2)}], actor=squad_leader
    )
    later = timezone.now() + datetime.timedelta(days=5)
    clocks.sweep_deadlines(now=later)
    clocks.sweep_deadlines(now=later)
    notices = Notification.objects.filter(recipient=officer, key__startswith="enf-task-")
    assert notices.count() == 1 and "整改" in notices.get().title
    assert decision.tasks.get().status == MeetingTaskStatus.OPEN


def test_an_officer_cannot_hold_a_meeting(home_township, officer):
    with pytest.raises(PermissionDenied):
        services.meeting_create(
            township=home_township, kind="weekly_dispatch", title="x", held_on=_due(0), actor=officer
        )


# --- pages and API ---


def test_meeting_pages(client, meeting, squad_leader, officer):
    login(client, squad_leader)
    assert client.get(reverse("enforcement:meetings")).status_code == 200
    url = reverse("enforcement:meeting_act", args=[meeting.pk, "decide"])
    refused = client.post(url, {"text": "整治", "task1_title": "方案", "task1_due_on": _due(5)})
    assert refused.status_code == 400 and not MeetingDecision.objects.exists()
    body = {"text": "整治", "task1_title": "方案", "task1_owner": officer.pk, "task1_due_on": _due(5)}
    assert client.post(url, body).status_code == 302
    page = client.get(reverse("enforcement:meeting", args=[meeting.pk])).content.decode()
    assert "整治" in page and "方案" in page
    task = MeetingTask.objects.get()
    login(client, officer)
    assert "方案" in client.get(reverse("enforcement:meetings")).content.decode()
    done = client.post(reverse("enforcement:meeting_task_done", args=[task.pk]), {"result": "已完成"})
    assert done.status_code == 302
    assert MeetingTask.objects.get().status == MeetingTaskStatus.DONE


def test_meeting_api(api, squad_leader, officer, home_township, power, other_leader):
    login(api, squad_leader)
    body = {"township": home_township.code, "kind": "monthly_progress", "title": "11月执法推进会", "held_on": _due(0)}
    created = api.post(reverse("api:enforcement:enforcement-meeting-list"), body)
    assert created.status_code == 201, created.json()
    meeting_id = created.json()["id"]
    case = ef.filed_case(home_township, squad_leader, power=power)
    agenda = api.post(
        reverse("api:enforcement:enforcement-meeting-agenda", args=[meeting_id]), {"topic": "积案", "case": case.pk}
    )
    assert agenda.status_code == 200 and agenda.json()["agenda"][0]["case"] == case.pk
    decide = reverse("api:enforcement:enforcement-meeting-decisions", args=[meeting_id])
    no_owner = {"text": "限期结案", "tasks": [{"title": "结案", "owner": None, "due_on": _due(30)}]}
    assert api.post(decide, no_owner, format="json").status_code == 400
    assert not MeetingDecision.objects.exists()
    good = {"text": "限期结案", "tasks": [{"title": "结案", "owner": officer.pk, "due_on": _due(30)}]}
    answer = api.post(decide, good, format="json")
    assert answer.status_code == 200 and answer.json()["decisions"][0]["tasks"][0]["owner"] == officer.pk
    tasks = api.get(reverse("api:enforcement:enforcement-meeting-task-list")).json()["results"]
    assert tasks[0]["clock_colour"] == "green"
    login(api, officer)
    url = reverse("api:enforcement:enforcement-meeting-task-complete", args=[tasks[0]["id"]])
    assert api.post(url, {"result": "已结案"}).status_code == 200
    assert api.post(url, {"result": "再次"}).status_code == 409
    login(api, other_leader)
    assert api.get(reverse("api:enforcement:enforcement-meeting-list")).json()["results"] == []
