"""Status choices and the one transition table of each catalogs workflow.

A move that is not in its table is refused by `check_transition`; services call it before every change
of status, and tests walk each table trying every illegal move.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")  # editors may change items
    IN_REVIEW = "in_review", _("审核中")  # frozen while the staffing office and justice bureau read it
    SUBMITTED = "submitted", _("已报省审批")  # waiting for provincial approval (e.g. centralized penalty list)
    PUBLISHED = "published", _("已发布")  # in force from its effective date; read-only
    SUPERSEDED = "superseded", _("已废止")  # replaced by a later published version; read-only


VERSION_TRANSITIONS = {
    VersionStatus.DRAFT: {VersionStatus.IN_REVIEW},
    # County-level lists are published after review; lists needing provincial approval are submitted first.
    VersionStatus.IN_REVIEW: {VersionStatus.DRAFT, VersionStatus.SUBMITTED, VersionStatus.PUBLISHED},
    VersionStatus.SUBMITTED: {VersionStatus.DRAFT, VersionStatus.PUBLISHED},
    VersionStatus.PUBLISHED: {VersionStatus.SUPERSEDED},
    VersionStatus.SUPERSEDED: set(),
}


class AdmissionStatus(models.TextChoices):
    APPLIED = "applied", _("已申请")  # a county department asked; waits for the staffing office (编办)
    STAFFING_REVIEWED = "staffing_reviewed", _("编办已审核")  # waits for the justice bureau (司法局)
    JUSTICE_REVIEWED = "justice_reviewed", _("司法局已审核")  # waits for the county government
    APPROVED = "approved", _("县政府已批准")  # the matter enters the next draft of the power list
    REFUSED = "refused", _("不予准入")  # refused with reasons at one of the steps


ADMISSION_TRANSITIONS = {
    AdmissionStatus.APPLIED: {AdmissionStatus.STAFFING_REVIEWED, AdmissionStatus.REFUSED},
    AdmissionStatus.STAFFING_REVIEWED: {AdmissionStatus.JUSTICE_REVIEWED, AdmissionStatus.REFUSED},
    AdmissionStatus.JUSTICE_REVIEWED: {AdmissionStatus.APPROVED, AdmissionStatus.REFUSED},
    AdmissionStatus.APPROVED: set(),
    AdmissionStatus.REFUSED: set(),
}


class SubscriptionStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")  # the subscribing department asked; the owner decides
    APPROVED = "approved", _("已同意")  # the subscriber may use the resource
    REFUSED = "refused", _("已拒绝")  # refused with reasons
    CANCELLED = "cancelled", _("已取消")  # withdrawn by the subscriber or revoked by the owner


SUBSCRIPTION_TRANSITIONS = {
    SubscriptionStatus.REQUESTED: {
        SubscriptionStatus.APPROVED,
        SubscriptionStatus.REFUSED,
        SubscriptionStatus.CANCELLED,
    },
    SubscriptionStatus.APPROVED: {SubscriptionStatus.CANCELLED},
    SubscriptionStatus.REFUSED: set(),
    SubscriptionStatus.CANCELLED: set(),
}


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")  # the file is stored; a worker will pick the job up
    RUNNING = "running", _("处理中")  # a worker is reading, checking and writing
    DONE = "done", _("已完成")  # the report is final (which may list bad rows: then nothing was written)
    FAILED = "failed", _("失败")  # an unexpected error; nothing was written


IMPORT_JOB_TRANSITIONS = {
    ImportJobStatus.QUEUED: {ImportJobStatus.RUNNING, ImportJobStatus.FAILED},
    ImportJobStatus.RUNNING: {ImportJobStatus.DONE, ImportJobStatus.FAILED},
    ImportJobStatus.DONE: set(),
    ImportJobStatus.FAILED: set(),
}


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")  # county editors list the inspections and assessments proposed for the year
    APPROVED = "approved", _("已批准")  # approved by the county; only what is on it may be imposed on townships


PLAN_TRANSITIONS = {
    PlanStatus.DRAFT: {PlanStatus.APPROVED},
    PlanStatus.APPROVED: set(),
}


class IllegalTransition(ValidationError):
    pass


def check_transition(table: dict, current: str, target: str) -> None:
    if target not in table.get(current, set()):
        raise IllegalTransition(
            _("不允许从“%(current)s”变为“%(target)s”。"),
            code="illegal_transition",
            params={"current": current, "target": target},
        )
