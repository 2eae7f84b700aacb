"""Deadlines (clocks) and the periodic sweep that acts on them.

Every legal or promised time limit in the portal is a `Deadline` row in PostgreSQL: the object it
times, what kind of limit it is (`approvals.decision`, `enforcement.filing` ...), when it turns yellow,
when it is overdue (the promised limit) and when the legal limit is passed (the hard stop). Redis never
holds this state: it only carries the message that starts a sweep.

The sweep (`sweep_deadlines`) is set-based: one UPDATE per threshold moves the clocks that crossed it, up
to a batch (DEADLINE_SWEEP_BATCH) per sweep, and returns those rows; the handler registered for the
clock's kind then acts on them (notify, escalate, deem accepted ...). The update and the handlers run in
one transaction, so a worker killed in the middle leaves nothing half done, and the level column makes a
second run a no-op: each threshold is acted on once. A backlog larger than a batch is moved by sweeps run
back to back (`sweep_backlog`, what the periodic task runs), oldest crossings first.
"""

import datetime
import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruian import workdays
from ruian.audit import log_action
from ruian.divisions import Division
from ruian.prepared import insert_new

log = logging.getLogger(__name__)


class Level(models.IntegerChoices):
    GREEN = 0, _("正常")
    YELLOW = 1, _("临近")
    RED = 2, _("超期")
    LEGAL = 3, _("超过法定时限")


class ClockStatus(models.TextChoices):
    RUNNING = "running", _("计时中")
    SUSPENDED = "suspended", _("暂停计时")  # hearings, tests, inspections, expert review
    STOPPED = "stopped", _("已结束")


class Unit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    DAYS = "days", _("自然日")
    HOURS = "hours", _("小时")


class Deadline(models.Model):
    # No index of its own: the (content_type, object_id) index serves it, and every sweep update writes each index.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    object_id = models.PositiveBigIntegerField()
    kind = models.CharField(_("时限类型"), max_length=64)
    division = models.ForeignKey(Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(_("单位"), max_length=16, choices=Unit.choices)
    amount = models.PositiveIntegerField(_("时限"))
    legal_amount = models.PositiveIntegerField(_("法定时限"), null=True, blank=True)
    started_at = models.DateTimeField(_("起算"))
    yellow_at = models.DateTimeField(_("预警时刻"))
    due_at = models.DateTimeField(_("到期时刻"))
    # Set only where the shown limit is a promise shorter than the legal one (the hard stop).
    hard_due_at = models.DateTimeField(_("法定到期时刻"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ClockStatus.choices, default=ClockStatus.RUNNING)
    level = models.PositiveSmallIntegerField(_("已到达的级别"), choices=Level.choices, default=Level.GREEN)
    suspended_at = models.DateTimeField(_("暂停时刻"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("结束时刻"), null=True, blank=True)
    extended = models.PositiveIntegerField(_("已延长"), default=0)

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"],
                condition=~models.Q(status="stopped"),
                name="deadline_one_open_clock_per_kind",
            )
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            # The sweep's three queries each read one of these partial indexes. Each condition is written
            # exactly as the sweep's WHERE clause (`level < n`): PostgreSQL does not prove `level < 1` from
            # `level = 0`, and would scan every clock instead.
            models.Index(
                fields=["yellow_at"], condition=models.Q(status="running", level__lt=1), name="deadline_yellow_due"
            ),
            models.Index(fields=["due_at"], condition=models.Q(status="running", level__lt=2), name="deadline_red_due"),
            models.Index(
                fields=["hard_due_at"],
                condition=models.Q(status="running", level__lt=3, hard_due_at__isnull=False),
                name="deadline_legal_due",
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.object_id} → {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"

    @property
    def due_date(self) -> datetime.date:
        """The last day within the limit (for day-based clocks the deadline is the end of this day)."""
        local = timezone.localtime(self.due_at)
        if self.unit != Unit.HOURS and local.time() == datetime.time.min:
            return local.date() - datetime.timedelta(days=1)
        return local.date()

    def colour(self, now=None) -> str:
        """green / yellow / red as the clock stands now (the sweep's level may lag by one interval)."""
        now = now or timezone.now()
        if self.status == ClockStatus.SUSPENDED:
            return "grey"
        end = self.stopped_at if self.status == ClockStatus.STOPPED else now
        if end >= self.due_at:
            return "red"
        if end >= self.yellow_at:
            return "yellow"
        return "green"

    def used_share(self, now=None) -> float:
        now = now or timezone.now()
        total = (self.due_at - self.started_at).total_seconds()
        if total <= 0:
            return 1.0
        return max(0.0, ((self.stopped_at or now) - self.started_at).total_seconds() / total)


def _end_of_day(day: datetime.date) -> datetime.datetime:
    """The moment a day-based limit runs out: midnight after its last day, Asia/Shanghai."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def _local_date(moment) -> datetime.date:
    if isinstance(moment, datetime.datetime):
        return timezone.localtime(moment).date()
    return moment


def compute_due(start, unit: str, amount: int) -> datetime.datetime:
    """When a limit of `amount` `unit`s counted from `start` runs out (the start day is not counted)."""
    if unit == Unit.WORKING_DAYS:
        return _end_of_day(workdays.add_working_days(_local_date(start), amount))
    if unit == Unit.DAYS:
        return _end_of_day(workdays.add_calendar_days(_local_date(start), amount))
    return _as_moment(start) + datetime.timedelta(hours=amount)


def _as_moment(start) -> datetime.datetime:
    if isinstance(start, datetime.datetime):
        return start
    return timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))


def compute_yellow(start, unit: str, amount: int, due_at: datetime.datetime, share: float) -> datetime.datetime:
    if unit == Unit.HOURS:
        return _as_moment(start) + (due_at - _as_moment(start)) * share
    used = math.floor(amount * share)
    if used >= amount:
        return due_at
    return compute_due(start, unit, used)


def start_clock(
    obj,
    kind: str,
    *,
    start,
    unit: str,
    amount: int,
    legal_amount: int | None = None,
    division: Division | None = None,
    yellow_share: float | None = None,
    fresh: bool = False,
    also_stop: Iterable[str] = (),
    stopped_at=None,
) -> Deadline:
    """Start (or restart, e.g. after supplemented materials) the `kind` clock of `obj`.

    `amount` is the limit the clock shows (the promised one where there is one); `legal_amount`, when
    longer, is the hard stop. The open clocks of `kind` and of the kinds in `also_stop` are stopped first,
    in one UPDATE, as of `stopped_at` (default: now); `fresh=True` says `obj` was created in this
    transaction, so none can be open.
    """
    if amount < 0 or (legal_amount is not None and legal_amount < amount):
        raise ValidationError(_("承诺时限不能长于法定时限。"), code="clock_limits")
    content_type = ContentType.objects.get_for_model(obj)
    share = settings.CLOCK_YELLOW_SHARE if yellow_share is None else yellow_share
    due_at = compute_due(start, unit, amount)
    hard_due_at = compute_due(start, unit, legal_amount) if legal_amount and legal_amount > amount else None
    clock = Deadline(
        content_type=content_type,
        object_id=obj.pk,
        kind=kind,
        division=division,
        unit=unit,
        amount=amount,
        legal_amount=legal_amount,
        started_at=_as_moment(start),
        yellow_at=compute_yellow(start, unit, amount, due_at, share),
        due_at=due_at,
        hard_due_at=hard_due_at,
    )
    stop = None
    if not fresh:
        # The open clocks it replaces stop first, in the same round trip (one unique open clock per kind).
        stop = (
            f"UPDATE {Deadline._meta.db_table} SET status = %s, stopped_at = %s "
            "WHERE content_type_id = %s AND object_id = %s AND kind = ANY(%s) AND status <> %s",
            [ClockStatus.STOPPED, stopped_at or timezone.now(), content_type.pk, obj.pk, [kind, *also_stop]]
            + [ClockStatus.STOPPED],
        )
    insert_new(clock, before=stop)
    return clock


def open_clock(obj, kind: str, *, lock: bool = True) -> Deadline | None:
    qs = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, kind=kind
    ).exclude(status=ClockStatus.STOPPED)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def stop_clock(obj, kind: str, *, at=None) -> Deadline | None:
    """Stop the open `kind` clock of `obj` (there is at most one) and return it; None when none is open.

    One UPDATE … RETURNING: it locks and changes the row in the same statement."""
    table = Deadline._meta.db_table
    stopped = Deadline.objects.raw(
        f"UPDATE {table} SET status = %s, stopped_at = %s "
        "WHERE content_type_id = %s AND object_id = %s AND kind = %s AND status <> %s RETURNING *",
        [
            ClockStatus.STOPPED,
            at or timezone.now(),
            ContentType.objects.get_for_model(obj).pk,
            obj.pk,
            kind,
            ClockStatus.STOPPED,
        ],
    )
    return next(iter(stopped), None)


@transaction.atomic
def suspend_clock(obj, kind: str, *, at=None) -> Deadline:
    """Stop the count while a hearing, test, inspection or expert review runs (ALL Art 45)."""
    clock = open_clock(obj, kind)
    if clock is None or clock.status != ClockStatus.RUNNING:
        raise ValidationError(_("该时限不在计时中,不能暂停。"), code="clock_not_running")
    clock.status = ClockStatus.SUSPENDED
    clock.suspended_at = at or timezone.now()
    clock.save(update_fields=["status", "suspended_at"])
    return clock


def _shift(moment: datetime.datetime, unit: str, paused_from, paused_to) -> datetime.datetime:
    """Move a threshold later by the time a clock was suspended, in the clock's own unit."""
    if unit == Unit.HOURS:
        return moment + (paused_to - paused_from)
    if unit == Unit.WORKING_DAYS:
        lost = workdays.working_days_between(_local_date(paused_from), _local_date(paused_to))
        return _end_of_day(workdays.add_working_days(_local_date(moment) - datetime.timedelta(days=1), lost))
    lost = (_local_date(paused_to) - _local_date(paused_from)).days
    return moment + datetime.timedelta(days=lost)


@transaction.atomic
def resume_clock(obj, kind: str, *, at=None) -> Deadline:
    clock = open_clock(obj, kind)
    if clock is None or clock.status != ClockStatus.SUSPENDED:
        raise ValidationError(_("该时限未暂停,不能恢复。"), code="clock_not_suspended")
    at = at or timezone.now()
    for field in ("yellow_at", "due_at", "hard_due_at"):
        if getattr(clock, field) is not None:
            setattr(clock, field, _shift(getattr(clock, field), clock.unit, clock.suspended_at, at))
    clock.status = ClockStatus.RUNNING
    clock.suspended_at = None
    clock.level = _level_at(clock, timezone.now())
    clock.save(update_fields=["yellow_at", "due_at", "hard_due_at", "status", "suspended_at", "level"])
    return clock


@transaction.atomic
def extend_clock(obj, kind: str, *, amount: int) -> Deadline:
    """Extend both the shown and the legal limit by `amount` units (e.g. ALL Art 42: +10 working days)."""
    clock = open_clock(obj, kind)
    if clock is None:
        raise ValidationError(_("没有可延长的时限。"), code="clock_missing")
    if clock.unit == Unit.HOURS:
        delta = datetime.timedelta(hours=amount)
        clock.due_at += delta
        if clock.hard_due_at is not None:
            clock.hard_due_at += delta
    else:
        clock.due_at = compute_due(clock.due_date, clock.unit, amount)
        if clock.hard_due_at is not None:
            last_legal_day = timezone.localtime(clock.hard_due_at).date() - datetime.timedelta(days=1)
            clock.hard_due_at = compute_due(last_legal_day, clock.unit, amount)
    clock.extended += amount
    clock.level = _level_at(clock, timezone.now())
    clock.save(update_fields=["due_at", "hard_due_at", "extended", "level"])
    return clock


def _level_at(clock: Deadline, now) -> int:
    if clock.hard_due_at is not None and now >= clock.hard_due_at:
        return Level.LEGAL
    if now >= clock.due_at:
        return Level.RED
    if now >= clock.yellow_at:
        return Level.YELLOW
    return Level.GREEN


# --- the sweep ------------------------------------------------------------------------------------

Handler = Callable[[list[int], int], None]
_handlers: dict[str, Handler] = {}


def open_clock_columns(model, *, kinds: Iterable[str] = (), newest: bool = False) -> dict:
    """Two correlated subqueries for a list of `model` rows: `clock_status` and `clock_times` (the array
    [yellow_at, due_at]) of each row's open clock, the most urgent one, or the newest with `newest`, of
    `kinds` (any kind without). Raw SQL: the same four ORM subqueries cost more to compile than to run.
    The rows' table must be unaliased (a top-level query of `model`)."""
    table = Deadline._meta.db_table
    where = f"k.content_type_id = %s AND k.object_id = {model._meta.db_table}.id AND k.status <> %s"
    params = [ContentType.objects.get_for_model(model).pk, ClockStatus.STOPPED]
    kinds = list(kinds)
    if kinds:
        where += f" AND k.kind IN ({', '.join(['%s'] * len(kinds))})"
        params += kinds
    clock = f"FROM {table} k WHERE {where} ORDER BY {'k.id DESC' if newest else 'k.due_at'} LIMIT 1"
    return {
        "clock_status": RawSQL(f"SELECT k.status {clock}", params),
        "clock_times": RawSQL(f"SELECT ARRAY[k.yellow_at, k.due_at] {clock}", params),
    }


def register_handler(kind: str):
    """Register `fn(deadline_ids, level)` to act on clocks of `kind` that crossed a threshold.

    A handler is called inside the sweep's transaction with every clock of its kind that reached
    `level` in this sweep; it should act set-based and must not commit on its own.
    """

    def decorator(fn: Handler) -> Handler:
        _handlers[kind] = fn
        return fn

    return decorator


_THRESHOLDS = [(Level.LEGAL, "hard_due_at"), (Level.RED, "due_at"), (Level.YELLOW, "yellow_at")]


def sweep_deadlines(now=None, *, batch: int | None = None) -> dict:
    """Move running clocks to the highest threshold they have crossed and act on them, once.

    At most `batch` clocks (settings.DEADLINE_SWEEP_BATCH) move in one sweep, those whose threshold passed
    first, highest threshold first: one sweep is one transaction, and a sweep that had to move half a
    million clocks at once (every working-day limit of a province runs out at the same midnight) would hold
    the locks of as many applications and cases for most of a minute, and clerks acting on them would wait.
    `more` in the result says the batch was full: what is left is moved by the next sweep (`sweep_backlog`
    runs them back to back).
    """
    now = now or timezone.now()
    batch = settings.DEADLINE_SWEEP_BATCH if batch is None else batch
    started = time.monotonic()
    table = Deadline._meta.db_table
    crossed: dict[int, dict[str, list[int]]] = {}
    left = batch
    with transaction.atomic():
        with connection.cursor() as cursor:
            for level, column in _THRESHOLDS:
                if left <= 0:
                    break
                # Highest threshold first: a clock that crossed two since the last sweep gets the
                # higher level once, not both notices. The partial index on the threshold's column finds
                # the oldest crossings first; SKIP LOCKED leaves a concurrent sweep's rows to it.
                cursor.execute(
                    f"UPDATE {table} SET level = %s WHERE id IN ("
                    f"SELECT id FROM {table} WHERE status = 'running' AND level < %s AND {column} <= %s "
                    f"ORDER BY {column} LIMIT %s FOR UPDATE SKIP LOCKED) "
                    "RETURNING id, kind",
                    [int(level), int(level), now, left],
                )
                rows = cursor.fetchall()
                left -= len(rows)
                by_kind = defaultdict(list)
                for pk, kind in rows:
                    by_kind[kind].append(pk)
                crossed[int(level)] = by_kind
        for level, by_kind in crossed.items():
            for kind, ids in by_kind.items():
                handler = _handlers.get(kind)
                if handler is None:
                    log.warning("no sweep handler for clock kind %s (%d clocks)", kind, len(ids))
                    continue
                handler(sorted(ids), level)
        counts = {Level(level).label: sum(len(ids) for ids in by_kind.values()) for level, by_kind in crossed.items()}
        if any(counts.values()):
            log_action("ruian.deadlines.swept", data={"crossed": {str(k): v for k, v in counts.items()}})
    elapsed = time.monotonic() - started
    log.info("deadline sweep: %s in %.2fs", counts, elapsed)
    return {"crossed": {str(k): v for k, v in counts.items()}, "seconds": round(elapsed, 3), "more": left <= 0}


def sweep_backlog(now=None, *, batch: int | None = None, max_seconds: float | None = None) -> dict:
    """Sweep again and again, each sweep its own transaction, until a sweep's batch is not full (nothing
    is left to move) or `max_seconds` have passed (the next periodic run goes on from there).

    Returns the crossings summed over the sweeps, how many sweeps ran, the total and the longest sweep's
    seconds, and `more` if the time ran out with clocks left. Without `now`, each sweep takes the time
    it starts at.
    """
    started = time.monotonic()
    crossed: dict[str, int] = defaultdict(int)
    sweeps, longest, more = 0, 0.0, False
    while True:
        result = sweep_deadlines(now=now, batch=batch)
        sweeps += 1
        longest = max(longest, result["seconds"])
        for label, count in result["crossed"].items():
            crossed[label] += count
        more = result["more"]
        if not more or (max_seconds is not None and time.monotonic() - started >= max_seconds):
            break
    return {
        "crossed": dict(crossed),
        "seconds": round(time.monotonic() - started, 3),
        "sweeps": sweeps,
        "longest": round(longest, 3),
        "more": more,
    }
