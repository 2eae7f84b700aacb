"""Event status choices and the one transition table of the grid event workflow.

Digital city management practice: report → register (立案) → dispatch (派遣) → handle (处置) → feedback
→ verify (核查) → close (结案) → evaluate. A unit may send a dispatched event back with reasons; the
operator then re-dispatches it. A failed verification returns the event to the handling unit.
Services call `check_transition` before every change; tests walk the table and try every illegal move.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventStatus(models.TextChoices):
    REPORTED = "reported", _("已上报")  # waits for the command centre to register it
    REGISTERED = "registered", _("已立案")  # the dispatch clock runs
    DISPATCHED = "dispatched", _("已派遣")  # a responsible unit has it; the handling clock runs
    SENT_BACK = "sent_back", _("已退回")  # the unit sent it back with reasons; the operator re-dispatches
    HANDLING = "handling", _("处置中")  # the unit signed for it and is working on it
    FED_BACK = "fed_back", _("已反馈")  # the unit reported its result; the grid worker verifies
    VERIFIED = "verified", _("已核查")  # the grid worker found it solved
    CLOSED = "closed", _("已结案")  # the command centre closed it
    EVALUATED = "evaluated", _("已评价")  # the result was rated; final
    REJECTED = "rejected", _("不予立案")  # not a matter for the grid, or a duplicate; final


OPEN_STATUSES = [
    EventStatus.REPORTED,
    EventStatus.REGISTERED,
    EventStatus.DISPATCHED,
    EventStatus.SENT_BACK,
    EventStatus.HANDLING,
    EventStatus.FED_BACK,
    EventStatus.VERIFIED,
]

EVENT_TRANSITIONS = {
    EventStatus.REPORTED: {EventStatus.REGISTERED, EventStatus.REJECTED},
    EventStatus.REGISTERED: {EventStatus.DISPATCHED},
    EventStatus.DISPATCHED: {EventStatus.HANDLING, EventStatus.SENT_BACK},
    EventStatus.SENT_BACK: {EventStatus.DISPATCHED},
    EventStatus.HANDLING: {EventStatus.FED_BACK, EventStatus.SENT_BACK},
    # A failed verification goes back to the unit that handled it.
    EventStatus.FED_BACK: {EventStatus.VERIFIED, EventStatus.HANDLING},
    EventStatus.VERIFIED: {EventStatus.CLOSED},
    EventStatus.CLOSED: {EventStatus.EVALUATED},
    EventStatus.EVALUATED: set(),
    EventStatus.REJECTED: set(),
}


class WhistleCallStatus(models.TextChoices):
    WAITING = "waiting", _("待报到")  # the acknowledgement clock runs
    REPORTED = "reported", _("已报到")  # the unit came and stays on it until the event closes
    ESCALATED = "escalated", _("超时已上提")  # no acknowledgement in time: the event went one level up
    RELEASED = "released", _("已撤离")  # the event closed; the unit may leave


class DrillStatus(models.TextChoices):
    RUNNING = "running", _("演练中")  # the units' copies are out; their response times are being taken
    FINISHED = "finished", _("已结束")  # closed by the command centre; unanswered copies count as missed


class DrillTaskStatus(models.TextChoices):
    DISPATCHED = "dispatched", _("已派单")  # the unit has the drill copy; the response time runs
    ACKNOWLEDGED = "acknowledged", _("已响应")  # the unit answered; the handling time runs
    HANDLED = "handled", _("已处置")  # the unit reported the drill handled; final
    MISSED = "missed", _("未响应")  # the drill ended before the unit finished; final


DRILL_TASK_TRANSITIONS = {
    DrillTaskStatus.DISPATCHED: {DrillTaskStatus.ACKNOWLEDGED, DrillTaskStatus.MISSED},
    DrillTaskStatus.ACKNOWLEDGED: {DrillTaskStatus.HANDLED, DrillTaskStatus.MISSED},
    DrillTaskStatus.HANDLED: set(),
    DrillTaskStatus.MISSED: set(),
}


class IllegalTransition(ValidationError):
    pass


def check_transition(current: str, target: str, table: dict = EVENT_TRANSITIONS) -> None:
    if target not in table.get(current, set()):
        labels = EventStatus if table is EVENT_TRANSITIONS else DrillTaskStatus
        raise IllegalTransition(
            _("不能从“%(current)s”变为“%(target)s”。")
            if labels is DrillTaskStatus
            else _("事件不能从“%(current)s”变为“%(target)s”。"),
            code="illegal_transition",
            params={"current": labels(current).label, "target": labels(target).label},
        )
