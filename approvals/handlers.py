"""What the periodic deadline sweep does with approvals clocks that cross a threshold.

Each handler runs inside the sweep's transaction, once per threshold (the clock's level column makes a
second sweep a no-op), and each notification carries a key so nobody is told twice.

Handlers are set-based: given every clock of their kind that reached `level` in this sweep, they act in a
fixed number of statements (one UPDATE with its audit entries, the recipients, one INSERT of notifications),
each reading the clocks' applications by a subquery, so the number of statements does not grow with the
number of clocks.

Who is told: the clerk who received the application and the township's approvers at every threshold;
the township's leader in charge (分管领导) as well once a clock is red (over the promised limit) or past
the legal limit.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals import services
from approvals.models import (
    CLOCK_DECISION,
    CLOCK_FOLLOWUP,
    CLOCK_ISSUANCE,
    CLOCK_NOTICE,
    CLOCK_PLEDGE,
    Application,
    RatingFollowUp,
)
from approvals.states import Status
from ruian.clocks import ClockStatus, Deadline, Level, register_handler

LEVEL_TITLES = {
    Level.YELLOW: gettext_lazy("临近期限"),
    Level.RED: gettext_lazy("已超过承诺时限"),
    Level.LEGAL: gettext_lazy("已超过法定时限"),
}


def _timed(deadline_ids, model):
    """The ids of the `model` objects these clocks time, as SQL inside the next statement (no round trip,
    and one array parameter however many clocks)."""
    return RawSQL(
        f"SELECT object_id FROM {Deadline._meta.db_table} WHERE id = ANY(%s) AND content_type_id = %s",
        [list(deadline_ids), ContentType.objects.get_for_model(model).pk],
    )


def _warn(applications, what: str, level: int, kind: str) -> int:
    # The number stays a placeholder here: tell_responsible fills it in per application.
    title = _("%(number)s %(what)s%(level)s") % {"number": "%(number)s", "what": what, "level": LEVEL_TITLES[level]}
    return services.tell_responsible(applications, title=title, key=f"{kind}:{level}", leaders=level >= Level.RED)


@register_handler(CLOCK_NOTICE)
def notice_clock(deadline_ids, level):
    """Past the 5 working days with no notice: the applications are accepted by law (ALL Art 32)."""
    applications = Application.objects.filter(pk__in=_timed(deadline_ids, Application), status=Status.RECEIVED)
    if level >= Level.RED:
        services.deem_accepted(applications=applications)
        # A clock still running belongs to an application a clerk had locked (deem_accepted skips those):
        # put it back below red so the next sweep tries again, unless the clerk's action stops it first.
        Deadline.objects.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [list(deadline_ids)])).filter(
            status=ClockStatus.RUNNING
        ).update(level=Level.YELLOW)
        return
    _warn(applications, _("补正告知"), level, CLOCK_NOTICE)


def _overdue(deadline_ids, level, kind, label):
    applications = Application.objects.filter(pk__in=_timed(deadline_ids, Application))
    if level >= Level.RED:
        services.record_overruns(applications=applications, clock_kind=kind)
    _warn(applications, label, level, kind)


@register_handler(CLOCK_DECISION)
def decision_clock(deadline_ids, level):
    _overdue(deadline_ids, level, CLOCK_DECISION, _("审批决定"))


@register_handler(CLOCK_ISSUANCE)
def issuance_clock(deadline_ids, level):
    _overdue(deadline_ids, level, CLOCK_ISSUANCE, _("出件"))


@register_handler(CLOCK_PLEDGE)
def pledge_clock(deadline_ids, level):
    _warn(Application.objects.filter(pk__in=_timed(deadline_ids, Application)), _("承诺核查"), level, CLOCK_PLEDGE)


@register_handler(CLOCK_FOLLOWUP)
def followup_clock(deadline_ids, level):
    followups = RatingFollowUp.objects.filter(pk__in=_timed(deadline_ids, RatingFollowUp))
    _warn(Application.objects.filter(rating__followup__in=followups), _("差评整改"), level, CLOCK_FOLLOWUP)
