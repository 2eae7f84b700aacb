"""Status choices and the one transition table of each enforcement workflow (case; transfer; lead).

`check_transition` refuses any move not in its table; services call it before every change of status,
and tests walk each table trying every illegal move.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadStatus(models.TextChoices):
    NEW = "new", _("待处理")  # received; the first-inquiry owner holds it until it is filed or handed over
    FILED = "filed", _("已立案")  # a case was filed under a penalty power the township holds
    TRANSFERRED = "transferred", _("已移送")  # outside the township's powers: sent to the county department
    DISMISSED = "dismissed", _("不予立案")  # no violation found; reasons recorded


LEAD_TRANSITIONS = {
    LeadStatus.NEW: {LeadStatus.FILED, LeadStatus.TRANSFERRED, LeadStatus.DISMISSED},
    # A transfer the department returns (or the county decides the township keeps) comes back as new.
    LeadStatus.TRANSFERRED: {LeadStatus.NEW},
    LeadStatus.FILED: set(),
    LeadStatus.DISMISSED: set(),
}


class CaseStatus(models.TextChoices):
    FILED = "filed", _("已立案")  # waiting for the squad leader to assign two certified officers
    INVESTIGATING = "investigating", _("调查取证")  # officers gather evidence, two at every step
    SUSPENDED = "suspended", _("案件中止")  # the 90-day decision clock is stopped
    NOTIFIED = "notified", _("已告知")  # pre-decision notice served; statement and hearing request period
    HEARING = "hearing", _("听证")  # the party asked for a hearing within 5 working days
    LEGAL_REVIEW = "legal_review", _("法制审核")  # a major case waits for the legal reviewer
    DECIDED = "decided", _("已决定")  # decision made; service within 7 working days
    SERVED = "served", _("已送达")  # served on the party; payment or enforcement follows
    EXECUTED = "executed", _("已执行")  # paid, enforced, or court enforcement applied for
    CRIMINAL_REVIEW = "criminal_review", _("涉嫌犯罪待审批")  # the head decides within 3 days
    CRIMINAL_TRANSFERRING = "criminal_transferring", _("移送公安中")  # transfer within 24 hours of approval
    POLICE = "police", _("已移送公安")  # handed to the police with the case file
    CLOSED = "closed", _("已结案")  # closed and archived


CASE_TRANSITIONS = {
    CaseStatus.FILED: {CaseStatus.INVESTIGATING, CaseStatus.CLOSED},
    CaseStatus.INVESTIGATING: {
        CaseStatus.SUSPENDED,
        CaseStatus.NOTIFIED,
        CaseStatus.CRIMINAL_REVIEW,
        CaseStatus.CLOSED,  # no penalty (不予处罚) or filing revoked, with reasons
    },
    CaseStatus.SUSPENDED: {CaseStatus.INVESTIGATING},
    CaseStatus.NOTIFIED: {CaseStatus.HEARING, CaseStatus.LEGAL_REVIEW, CaseStatus.DECIDED, CaseStatus.INVESTIGATING},
    CaseStatus.HEARING: {CaseStatus.LEGAL_REVIEW, CaseStatus.DECIDED, CaseStatus.INVESTIGATING},
    # The reviewer either clears the case for decision or sends it back for more investigation.
    CaseStatus.LEGAL_REVIEW: {CaseStatus.DECIDED, CaseStatus.INVESTIGATING},
    CaseStatus.DECIDED: {CaseStatus.SERVED},
    CaseStatus.SERVED: {CaseStatus.EXECUTED},
    CaseStatus.EXECUTED: {CaseStatus.CLOSED},
    CaseStatus.CRIMINAL_REVIEW: {CaseStatus.CRIMINAL_TRANSFERRING, CaseStatus.INVESTIGATING},
    CaseStatus.CRIMINAL_TRANSFERRING: {CaseStatus.POLICE},
    CaseStatus.POLICE: {CaseStatus.CLOSED},
    CaseStatus.CLOSED: set(),
}

# States in which a case is still open (used by the board and the officers' workload).
OPEN_CASE_STATUSES = [s for s in CaseStatus if s not in (CaseStatus.CLOSED, CaseStatus.POLICE)]


class TransferStatus(models.TextChoices):
    SENT = "sent", _("已移送待接收")  # the receiving side accepts or returns within N working days
    ACCEPTED = "accepted", _("已接收")  # the receiving side handles it from now on
    RETURNED = "returned", _("已退回")  # returned with reasons; the sender may refer it to coordination
    COORDINATION = "coordination", _("县级协调中")  # escalated (no answer in time) or referred after a return
    KEPT = "kept", _("退回后自行处理")  # the sender accepts the return, or the county decides it is the sender's


TRANSFER_TRANSITIONS = {
    TransferStatus.SENT: {TransferStatus.ACCEPTED, TransferStatus.RETURNED, TransferStatus.COORDINATION},
    TransferStatus.RETURNED: {TransferStatus.COORDINATION, TransferStatus.KEPT},
    # The county coordinator decides who is competent (职责分工争议协调).
    TransferStatus.COORDINATION: {TransferStatus.ACCEPTED, TransferStatus.KEPT},
    TransferStatus.ACCEPTED: set(),
    TransferStatus.KEPT: set(),
}


class InspectionPlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")  # targets and inspectors not drawn yet
    DRAWN = "drawn", _("已抽取")  # the draw is recorded with its seed; inspections under way
    PUBLISHED = "published", _("结果已公示")  # results public


INSPECTION_TRANSITIONS = {
    InspectionPlanStatus.DRAFT: {InspectionPlanStatus.DRAWN},
    InspectionPlanStatus.DRAWN: {InspectionPlanStatus.PUBLISHED},
    InspectionPlanStatus.PUBLISHED: set(),
}


class MeetingTaskStatus(models.TextChoices):
    OPEN = "open", _("办理中")  # the owner works on it; its deadline clock runs
    DONE = "done", _("已办结")  # the owner reported it done; the clock stopped


MEETING_TASK_TRANSITIONS = {
    MeetingTaskStatus.OPEN: {MeetingTaskStatus.DONE},
    MeetingTaskStatus.DONE: set(),
}


class IllegalTransition(ValidationError):
    """A move outside the table, or one another user has already made (the loser of a race is told)."""


def check_transition(table: dict, current: str, target: str) -> None:
    if target not in table.get(current, set()):
        raise IllegalTransition(
            _("当前状态“%(current)s”不允许变为“%(target)s”(可能已被他人处理,请刷新)。"),
            code="illegal_transition",
            params={"current": _label(current), "target": _label(target)},
        )


def _label(value: str) -> str:
    for choices in (CaseStatus, TransferStatus, LeadStatus, InspectionPlanStatus, MeetingTaskStatus):
        if value in choices.values:
            return str(choices(value).label)
    return value


def state_label(value: str) -> str:
    """The user-facing label of a status code of any enforcement workflow (the code itself if unknown)."""
    return _label(value) if value else ""
