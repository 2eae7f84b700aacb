"""Status choices and the one transition table of each approvals workflow.

A move that is not in its table is refused by `check_transition`; every service calls it before it
changes a status, and tests walk each table trying every illegal move.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    RECEIVED = "received", _("已收件")  # at the front desk: materials being checked, 5-working-day notice clock runs
    NOTICE_GIVEN = "notice_given", _("已一次性告知")  # waiting for the applicant to supplement what is missing
    ACCEPTED = "accepted", _("已受理")  # accepted (or deemed accepted), not yet with the back office
    IN_REVIEW = "in_review", _("审查中")  # with the deciding department; the decision clock runs
    SUSPENDED = "suspended", _("中止计时")  # hearing, test, inspection or expert review (Art 45): clock stopped
    APPROVED = "approved", _("准予许可")  # decided in favour; waits for issuance under the single seal
    DENIED = "denied", _("不予许可")  # decided against, with reasons; the denial waits for issuance
    ISSUED = "issued", _("已出件")  # result handed over (collected, posted or electronic); open for rating
    REFUSED = "refused", _("不予受理")  # refused at the front desk, with reasons
    WITHDRAWN = "withdrawn", _("已撤回")  # withdrawn by the applicant before the decision
    REVOKED = "revoked", _("已撤销")  # approval revoked (a pledge found false)


TRANSITIONS = {
    Status.RECEIVED: {Status.ACCEPTED, Status.NOTICE_GIVEN, Status.REFUSED, Status.WITHDRAWN, Status.APPROVED},
    Status.NOTICE_GIVEN: {Status.RECEIVED, Status.REFUSED, Status.WITHDRAWN},
    Status.ACCEPTED: {Status.IN_REVIEW, Status.WITHDRAWN},
    Status.IN_REVIEW: {Status.SUSPENDED, Status.APPROVED, Status.DENIED, Status.WITHDRAWN},
    Status.SUSPENDED: {Status.IN_REVIEW, Status.WITHDRAWN},
    Status.APPROVED: {Status.ISSUED, Status.REVOKED},
    Status.DENIED: {Status.ISSUED},
    Status.ISSUED: {Status.REVOKED},
    Status.REFUSED: set(),
    Status.WITHDRAWN: set(),
    Status.REVOKED: set(),
}

OPEN_STATUSES = (
    Status.RECEIVED,
    Status.NOTICE_GIVEN,
    Status.ACCEPTED,
    Status.IN_REVIEW,
    Status.SUSPENDED,
    Status.APPROVED,
    Status.DENIED,
)
BEFORE_DECISION = (Status.RECEIVED, Status.NOTICE_GIVEN, Status.ACCEPTED, Status.IN_REVIEW, Status.SUSPENDED)


class PledgeStatus(models.TextChoices):
    PENDING = "pending", _("待核查")  # approved on the pledge; verification follows
    TRUE = "true", _("核查属实")  # the pledge was kept
    FALSE = "false", _("承诺不实")  # the pledge was false: the approval is revoked


PLEDGE_TRANSITIONS = {
    PledgeStatus.PENDING: {PledgeStatus.TRUE, PledgeStatus.FALSE},
    PledgeStatus.TRUE: set(),
    PledgeStatus.FALSE: set(),
}


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("待核实整改")  # a bad rating: verify and rectify within the set working days
    RECTIFIED = "rectified", _("已整改")  # verified as founded and rectified
    UNFOUNDED = "unfounded", _("核实不属实")  # verified as unfounded, with the findings


FOLLOWUP_TRANSITIONS = {
    FollowUpStatus.OPEN: {FollowUpStatus.RECTIFIED, FollowUpStatus.UNFOUNDED},
    FollowUpStatus.RECTIFIED: set(),
    FollowUpStatus.UNFOUNDED: set(),
}


class IllegalTransition(ValidationError):
    pass


def check_transition(table: dict, current: str, target: str) -> None:
    if target not in table.get(current, set()):
        labels = {**dict(Status.choices), **dict(PledgeStatus.choices), **dict(FollowUpStatus.choices)}
        raise IllegalTransition(
            _("当前状态“%(current)s”下不能变为“%(target)s”。"),
            code="illegal_transition",
            params={"current": labels.get(current, current), "target": labels.get(target, target)},
        )
