"""Deadline sweep handlers for the enforcement clocks (registered in EnforcementConfig.ready).

The kernel sweep calls each handler inside its transaction with the clocks that crossed a threshold; the
clock's level column makes a second sweep a no-op, and notification keys make each notice once-only.

Handlers are set-based: a handful of statements whatever the number of clocks (one INSERT ... SELECT for the
notices, one UPDATE for the escalations, one bulk insert of their audit entries), so a sweep over a province's
million clocks stays within seconds.
"""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enforcement import services
from enforcement.models import MeetingTask, Transfer, TransferDirection
from enforcement.states import TransferStatus
from ruian import clocks
from ruian.audit import AuditEntry
from ruian.clocks import Deadline, Level
from ruian.context import current_ip
from ruian.divisions import Division
from ruian.notifications import Notification
from ruian.organisations import OrgKind
from ruian.staff import Role

TITLES = {
    services.FILING: _("线索立案期限"),
    services.DECISION: _("案件作出决定期限(90日)"),
    services.SERVICE: _("决定书送达期限(7个工作日)"),
    services.HEARING_REQUEST: _("听证申请期限(5个工作日)"),
    services.TRANSFER_ACCEPTANCE: _("移送接收期限"),
    services.PUBLICITY: _("处罚决定公示期限(7个工作日)"),
    services.CRIMINAL_DECISION: _("涉嫌犯罪移送审批期限(3日)"),
    services.CRIMINAL_HANDOVER: _("移送公安期限(24小时)"),
    services.MEETING_TASK: _("联席会议任务时限"),
}
LEVEL_WORDS = {Level.YELLOW: _("即将到期"), Level.RED: _("已超期"), Level.LEGAL: _("已超过法定时限")}
TITLE_MAX = Notification._meta.get_field("title").max_length


def leaders_by_division(divisions) -> dict[int, set[int]]:
    """{division id: ids of the active squad leaders within it} in one query (as services.squad_leaders_of)."""
    divisions = [d for d in divisions if d is not None]
    if not divisions:
        return {}
    leaders = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.SQUAD_LEADER, staff__organisation__division__isnull=False)
        .values_list("pk", "staff__organisation__division__code")
        .distinct()
    )
    by_prefix = defaultdict(set)
    lengths = {len(d.prefix) for d in divisions}
    for user_id, code in leaders:
        for length in lengths:
            by_prefix[code[:length]].add(user_id)
    return {d.pk: by_prefix.get(d.prefix, set()) for d in divisions}


def notify_squad_leaders(deadline_ids, level):
    """Tell the squad leaders of each clock's township that a limit is near or passed, once per threshold.

    One INSERT ... SELECT over the clocks; the (recipient, key) constraint keeps each notice once-only.
    """
    if not deadline_ids:
        return 0
    table = Deadline._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT division_id FROM {table} WHERE id = ANY(%s) AND division_id IS NOT NULL",
            [list(deadline_ids)],
        )
        division_ids = [row[0] for row in cursor.fetchall()]
    leaders = leaders_by_division(Division.objects.filter(pk__in=division_ids))
    pairs = [(division_id, user_id) for division_id, users in leaders.items() for user_id in sorted(users)]
    if not pairs:
        return 0
    kinds = list(TITLES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Notification._meta.db_table} (recipient_id, title, body, link, key, created_at)
            SELECT m.user_id,
                   LEFT(COALESCE(t.title, d.kind) || %s || ' (#' || d.object_id || ')', %s),
                   '', '', 'enf-clock-' || d.id || '-' || %s, %s
              FROM {table} d
              JOIN unnest(%s::bigint[], %s::bigint[]) AS m(division_id, user_id) ON m.division_id = d.division_id
              LEFT JOIN unnest(%s::text[], %s::text[]) AS t(kind, title) ON t.kind = d.kind
             WHERE d.id = ANY(%s)
            ON CONFLICT (recipient_id, key) WHERE key <> '' DO NOTHING
            """,
            [
                str(LEVEL_WORDS.get(level, "")),
                TITLE_MAX,
                str(int(level)),
                timezone.now(),
                [p[0] for p in pairs],
                [p[1] for p in pairs],
                kinds,
                [str(TITLES[k]) for k in kinds],
                list(deadline_ids),
            ],
        )
        return cursor.rowcount


def escalate_transfers(deadline_ids, *, now=None) -> int:
    """Escalate the transfers of these overdue clocks that nobody accepted or returned to the county coordinator
    (职责分工争议协调) and notify both sides. One UPDATE; only transfers still `sent` move, so a second run escalates
    nothing."""
    if not deadline_ids:
        return 0
    now = now or timezone.now()
    transfer_type = ContentType.objects.get_for_model(Transfer)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Transfer._meta.db_table} t SET status = %s, escalated_at = %s, updated_at = %s
              FROM {Deadline._meta.db_table} d
             WHERE d.id = ANY(%s) AND d.content_type_id = %s AND t.id = d.object_id AND t.status = %s
            RETURNING t.id, t.township_id, t.department_id, t.direction, t.summary
            """,
            [TransferStatus.COORDINATION, now, now, list(deadline_ids), transfer_type.pk, TransferStatus.SENT],
        )
        moved = cursor.fetchall()
    if not moved:
        return 0
    reason = str(_("接收方逾期未接收也未退回"))
    ip = current_ip()
    directions = dict(TransferDirection.choices)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=None,
                action="enforcement.transfer.escalated",
                content_type=transfer_type,
                object_id=str(pk),
                object_repr=f"{directions.get(direction, direction)} {summary}"[:200],
                from_state=TransferStatus.SENT,
                to_state=TransferStatus.COORDINATION,
                reason=reason,
                data={},
                ip=ip,
            )
            for pk, _township, _department, direction, summary in moved
        ],
        batch_size=2000,
    )
    _notify_coordination(moved)
    return len(moved)


def _notify_coordination(moved):
    """Coordinators of the county, squad leaders of the township and staff of the department, once per transfer."""
    User = get_user_model()
    townships = Division.objects.in_bulk({row[1] for row in moved})
    leaders = leaders_by_division(townships.values())
    coordinators = defaultdict(set)
    for user_id, division_id in User.objects.filter(
        is_active=True,
        staff__organisation__kind=OrgKind.COUNTY_GOVERNMENT,
        staff__organisation__division__in={t.parent_id for t in townships.values()},
    ).values_list("pk", "staff__organisation__division"):
        coordinators[division_id].add(user_id)
    staff = defaultdict(set)
    for user_id, organisation_id in User.objects.filter(
        is_active=True, staff__organisation__in={row[2] for row in moved}
    ).values_list("pk", "staff__organisation"):
        staff[organisation_id].add(user_id)
    rows = []
    for pk, township_id, department_id, _direction, summary in moved:
        township = townships[township_id]
        recipients = coordinators[township.parent_id] | leaders[township_id] | staff[department_id]
        title = (_("移送争议提请县级协调: %(s)s") % {"s": summary})[:TITLE_MAX]
        key = f"enf-transfer-coordination-{pk}-{TransferStatus.COORDINATION}"
        rows.extend(Notification(recipient_id=user_id, title=title, key=key) for user_id in sorted(recipients))
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


def transfer_acceptance(deadline_ids, level):
    """Yellow: remind both sides. Overdue: escalate to the county coordinator (职责分工争议协调), once."""
    notify_squad_leaders(deadline_ids, level)
    if level >= Level.RED:
        escalate_transfers(deadline_ids)


def meeting_task_due(deadline_ids, level):
    """A meeting task near or past its deadline: its owner is told, and the township's squad leaders, once per
    threshold (one INSERT ... SELECT; the notification key makes a second sweep a no-op)."""
    notify_squad_leaders(deadline_ids, level)
    if not deadline_ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Notification._meta.db_table} (recipient_id, title, body, link, key, created_at)
            SELECT t.owner_id, LEFT(%s || %s || ': ' || t.title, %s), '', '', 'enf-task-' || d.id || '-' || %s, %s
              FROM {Deadline._meta.db_table} d
              JOIN {MeetingTask._meta.db_table} t ON t.id = d.object_id
             WHERE d.id = ANY(%s)
            ON CONFLICT (recipient_id, key) WHERE key <> '' DO NOTHING
            """,
            [
                str(TITLES[services.MEETING_TASK]),
                str(LEVEL_WORDS.get(level, "")),
                TITLE_MAX,
                str(int(level)),
                timezone.now(),
                list(deadline_ids),
            ],
        )
        return cursor.rowcount


def register():
    for kind in TITLES:
        if kind not in (services.TRANSFER_ACCEPTANCE, services.MEETING_TASK):
            clocks.register_handler(kind)(notify_squad_leaders)
    clocks.register_handler(services.TRANSFER_ACCEPTANCE)(transfer_acceptance)
    clocks.register_handler(services.MEETING_TASK)(meeting_task_due)
