"""The new list pages and endpoints cost a fixed number of queries whatever the number of rows."""

import datetime

from django.urls import reverse
from django.utils import timezone

from enforcement import services
from enforcement.models import MeetingKind
from tests.conftest import login
from tests.querycount import assert_constant_queries


def _meetings(n, township, leader, owner):
    for i in range(n):
        meeting = services.meeting_create(
            township=township,
            kind=MeetingKind.WEEKLY_DISPATCH,
            title=f"调度会{i}",
            held_on=timezone.localdate(),
            actor=leader,
        )
        services.agenda_item_add(meeting=meeting, topic="议题", actor=leader)
        services.meeting_decide(
            meeting=meeting,
            text="议定",
            tasks=[{"title": f"任务{i}", "owner": owner, "due_on": timezone.localdate() + datetime.timedelta(days=3)}],
            actor=leader,
        )
        session = services.training_session_create(
            township=township, title=f"培训{i}", held_on=timezone.localdate(), actor=leader
        )
        services.training_attendance_record(session=session, officer=owner, actor=leader)


def test_meeting_and_training_lists(client, api, squad_leader, officer, home_township):
    login(client, squad_leader)
    login(api, squad_leader)

    def grow(n):
        _meetings(n, home_township, squad_leader, officer)

    for request in (
        lambda: client.get(reverse("enforcement:meetings")),
        lambda: client.get(reverse("enforcement:training")),
        lambda: api.get(reverse("api:enforcement:enforcement-meeting-list")),
        lambda: api.get(reverse("api:enforcement:enforcement-meeting-task-list")),
        lambda: api.get(reverse("api:enforcement:enforcement-training-session-list")),
    ):
        assert_constant_queries(request, grow, small=2, large=12)
