"""Deadline sweep handlers for the enforcement clocks (registered in EnforcementConfig.ready).

The kernel sweep calls each handler inside its transaction with the clocks that crossed a threshold; the
clock's level column makes a second sweep a no-op, and notification keys make each notice once-only.
"""

from django.utils.translation import gettext_lazy as _

from enforcement import services
from ruian import clocks
from ruian.clocks import Deadline, Level
from ruian.divisions import Division
from ruian.notifications import notify

TITLES = {
    services.FILING: _("线索立案期限"),
    services.DECISION: _("案件作出决定期限(90日)"),
    services.SERVICE: _("决定书送达期限(7个工作日)"),
    services.HEARING_REQUEST: _("听证申请期限(5个工作日)"),
    services.TRANSFER_ACCEPTANCE: _("移送接收期限"),
    services.PUBLICITY: _("处罚决定公示期限(7个工作日)"),
    services.CRIMINAL_DECISION: _("涉嫌犯罪移送审批期限(3日)"),
    services.CRIMINAL_HANDOVER: _("移送公安期限(24小时)"),
}
LEVEL_WORDS = {Level.YELLOW: _("即将到期"), Level.RED: _("已超期"), Level.LEGAL: _("已超过法定时限")}


def notify_squad_leaders(deadline_ids, level):
    """Tell the squad leaders of each clock's township that a limit is near or passed, once per threshold."""
    rows = list(Deadline.objects.filter(pk__in=deadline_ids).values_list("pk", "kind", "object_id", "division_id"))
    divisions = Division.objects.in_bulk({row[3] for row in rows if row[3]})
    by_division = {}
    for pk, kind, object_id, division_id in rows:
        by_division.setdefault(division_id, []).append((pk, kind, object_id))
    for division_id, clocks_of_division in by_division.items():
        division = divisions.get(division_id)
        if division is None:
            continue
        leaders = services.squad_leaders_of(division)
        for pk, kind, object_id in clocks_of_division:
            notify(
                leaders,
                title=f"{TITLES.get(kind, kind)}{LEVEL_WORDS.get(level, '')} (#{object_id})",
                key=f"enf-clock-{pk}-{int(level)}",
            )


def transfer_acceptance(deadline_ids, level):
    """Yellow: remind both sides. Overdue: escalate to the county coordinator (职责分工争议协调), once."""
    notify_squad_leaders(deadline_ids, level)
    if level >= Level.RED:
        transfer_ids = list(Deadline.objects.filter(pk__in=deadline_ids).values_list("object_id", flat=True))
        services.transfer_escalate(transfer_ids)


def register():
    for kind in TITLES:
        if kind != services.TRANSFER_ACCEPTANCE:
            clocks.register_handler(kind)(notify_squad_leaders)
    clocks.register_handler(services.TRANSFER_ACCEPTANCE)(transfer_acceptance)
