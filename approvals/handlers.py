"""What the periodic deadline sweep does with approvals clocks that cross a threshold.

Each handler runs inside the sweep's transaction, once per threshold (the clock's level column makes a
second sweep a no-op), and each notification carries a key so nobody is told twice.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from approvals import selectors, services
from approvals.models import (
    CLOCK_DECISION,
    CLOCK_FOLLOWUP,
    CLOCK_ISSUANCE,
    CLOCK_NOTICE,
    CLOCK_PLEDGE,
    Application,
    RatingFollowUp,
)
from approvals.states import OPEN_STATUSES, Status
from ruian.clocks import Deadline, Level, register_handler
from ruian.notifications import notify

LEVEL_TITLES = {
    Level.YELLOW: "临近期限",
    Level.RED: "已超过承诺时限",
    Level.LEGAL: "已超过法定时限",
}


def _object_ids(deadline_ids) -> list[int]:
    return list(Deadline.objects.filter(pk__in=deadline_ids).values_list("object_id", flat=True))


def _warn(applications, kind_label: str, level: int, kind: str) -> None:
    by_township = {}
    for app in applications:
        by_township.setdefault(app.township_id, []).append(app)
    for apps in by_township.values():
        approvers = list(selectors.approvers_of(apps[0].township))
        for app in apps:
            notify(
                [app.received_by, *approvers],
                title=_("%(number)s %(what)s%(level)s")
                % {"number": app.number, "what": kind_label, "level": _(LEVEL_TITLES[level])},
                body=app.item_name,
                link=services.application_link(app),
                key=f"approvals:{app.pk}:{kind}:{level}",
            )


def _applications(deadline_ids):
    return list(Application.objects.filter(pk__in=_object_ids(deadline_ids)).select_related("township", "received_by"))


@register_handler(CLOCK_NOTICE)
def notice_clock(deadline_ids, level):
    """Past the 5 working days with no notice: the application is accepted by law (ALL Art 32)."""
    apps = _applications(deadline_ids)
    if level >= Level.RED:
        for app in apps:
            services.deem_accepted(application=app)
        return
    _warn([a for a in apps if a.status == Status.RECEIVED], _("补正告知"), level, CLOCK_NOTICE)


def _overdue(deadline_ids, level, kind, label):
    apps = _applications(deadline_ids)
    if level >= Level.RED:
        # Remember the overrun for the on-time rate even if the case is still open.
        Application.objects.filter(pk__in=[a.pk for a in apps], status__in=OPEN_STATUSES).update(overdue=True)
    _warn(apps, label, level, kind)


@register_handler(CLOCK_DECISION)
def decision_clock(deadline_ids, level):
    _overdue(deadline_ids, level, CLOCK_DECISION, _("审批决定"))


@register_handler(CLOCK_ISSUANCE)
def issuance_clock(deadline_ids, level):
    _overdue(deadline_ids, level, CLOCK_ISSUANCE, _("出件"))


@register_handler(CLOCK_PLEDGE)
def pledge_clock(deadline_ids, level):
    _warn(_applications(deadline_ids), _("承诺核查"), level, CLOCK_PLEDGE)


@register_handler(CLOCK_FOLLOWUP)
def followup_clock(deadline_ids, level):
    content_type = ContentType.objects.get_for_model(RatingFollowUp)
    ids = list(
        Deadline.objects.filter(pk__in=deadline_ids, content_type=content_type).values_list("object_id", flat=True)
    )
    followups = RatingFollowUp.objects.filter(pk__in=ids).select_related("rating__application")
    _warn([f.rating.application for f in followups], _("差评整改"), level, CLOCK_FOLLOWUP)
