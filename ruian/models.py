"""The shared kernel's models live in one module each; Django finds them through this one."""

from ruian.apiclients import ClientToken
from ruian.assessment import DepartmentScore, MetricWeight
from ruian.attachments import Attachment
from ruian.audit import AuditEntry
from ruian.clocks import Deadline
from ruian.divisions import Division
from ruian.idempotency import IdempotencyKey
from ruian.notifications import Notification
from ruian.organisations import Organisation
from ruian.outbox import OutboxMessage
from ruian.secondments import Secondment
from ruian.staff import StaffProfile
from ruian.workdays import CalendarDay, CalendarYear

__all__ = [
    "Attachment",
    "AuditEntry",
    "CalendarDay",
    "CalendarYear",
    "ClientToken",
    "Deadline",
    "DepartmentScore",
    "Division",
    "IdempotencyKey",
    "MetricWeight",
    "Notification",
    "Organisation",
    "OutboxMessage",
    "Secondment",
    "StaffProfile",
]
