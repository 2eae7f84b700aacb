"""Secondments (借调) of township staff to higher offices, and the yearly limit on them.

The Jiangsu plan for township reform forbids higher offices to keep township staff away: a secondment is
recorded (person, office, from and to dates), and a person seconded for more than the yearly limit
(`SECONDMENT_YEARLY_LIMIT_DAYS`, 90 days: "three months") in one calendar year is listed and the
township's leaders and the county editors are notified, once per person and year.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ruian.audit import log_action
from ruian.divisions import Division, Level
from ruian.notifications import notify
from ruian.organisations import Organisation, OrgKind
from ruian.permissions import scope_q
from ruian.staff import Role

HIGHER_KINDS = (OrgKind.COUNTY_GOVERNMENT, OrgKind.COUNTY_DEPARTMENT, OrgKind.COMMAND_CENTRE)


def yearly_limit_days() -> int:
    """Days a township employee may be seconded in one calendar year (Jiangsu plan: three months)."""
    return int(getattr(settings, "SECONDMENT_YEARLY_LIMIT_DAYS", 90))


class Secondment(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("借调人员"), on_delete=models.PROTECT, related_name="secondments"
    )
    township = models.ForeignKey(
        Division, verbose_name=_("派出乡镇(街道)"), on_delete=models.PROTECT, related_name="secondments"
    )
    office = models.ForeignKey(
        Organisation,
        verbose_name=_("借调单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="secondments_received",
    )
    # For an office outside the directory (a city or provincial body).
    office_name = models.CharField(_("借调单位名称"), max_length=128, blank=True)
    started_on = models.DateField(_("借调开始"))
    ended_on = models.DateField(_("借调结束"), null=True, blank=True, help_text=_("空表示尚未结束。"))
    reason = models.TextField(_("借调事由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("借调记录")
        verbose_name_plural = _("借调记录")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="secondment_dates_ordered",
            )
        ]
        indexes = [models.Index(fields=["person", "started_on"])]

    def __str__(self):
        return f"{self.person} → {self.office_label}"

    @property
    def office_label(self) -> str:
        return self.office.name if self.office_id else self.office_name

    @property
    def scope_division(self) -> Division:
        return self.township


class DaysBetween(models.Func):
    """`end - start + 1` for two dates, in days (PostgreSQL date subtraction yields an integer)."""

    template = "((%(expressions)s) + 1)"
    arg_joiner = " - "
    output_field = models.IntegerField()


def _check(secondment: Secondment) -> None:
    if secondment.township.level != Level.TOWNSHIP:
        raise ValidationError({"township": gettext("派出单位必须是乡镇(街道)。")}, code="secondment_township")
    if not secondment.office_id and not secondment.office_name.strip():
        raise ValidationError({"office": gettext("请选择或填写借调单位。")}, code="secondment_office")
    if secondment.office_id and secondment.office.kind not in HIGHER_KINDS:
        raise ValidationError(
            {"office": gettext("借调单位必须是上级机关(县级政府、部门或指挥中心)。")}, code="secondment_office"
        )
    if secondment.ended_on and secondment.ended_on < secondment.started_on:
        raise ValidationError({"ended_on": gettext("借调结束日期不能早于开始日期。")}, code="secondment_dates")
    profile = getattr(secondment.person, "staff", None)
    organisation = profile.organisation if profile else None
    if organisation is None or organisation.scope_division.pk != secondment.township.pk:
        raise ValidationError({"person": gettext("借调人员必须是该乡镇(街道)的工作人员。")}, code="secondment_person")
    # One person is in one place at a time: overlapping secondments are refused.
    far = datetime.date.max
    overlapping = (
        Secondment.objects.filter(person=secondment.person)
        .exclude(pk=secondment.pk)
        .filter(started_on__lte=secondment.ended_on or far)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=secondment.started_on))
    )
    if overlapping.exists():
        raise ValidationError(
            {"started_on": gettext("该人员在这段时间已有借调记录,借调时间不能重叠。")}, code="secondment_overlap"
        )


@transaction.atomic
def record_secondment(
    *,
    person,
    township: Division,
    started_on: datetime.date,
    office: Organisation | None = None,
    office_name: str = "",
    ended_on: datetime.date | None = None,
    reason: str = "",
    actor=None,
) -> Secondment:
    """Record a secondment of a township employee to a higher office; warns at once if over the limit."""
    # Lock the person's row so two clerks recording overlapping secondments cannot both pass the check.
    get_user_model().objects.select_for_update().filter(pk=person.pk).first()
    secondment = Secondment(
        person=person,
        township=township,
        office=office,
        office_name=office_name.strip(),
        started_on=started_on,
        ended_on=ended_on,
        reason=reason,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _check(secondment)
    secondment.save()
    log_action(
        "ruian.secondment.recorded",
        actor=actor,
        obj=secondment,
        data={
            "person": person.pk,
            "office": secondment.office_label,
            "started_on": started_on.isoformat(),
            "ended_on": ended_on.isoformat() if ended_on else "",
        },
    )
    for year in range(started_on.year, (ended_on or timezone.localdate()).year + 1):
        transaction.on_commit(lambda year=year: warn_long_secondments(year=year, person_ids=[person.pk]))
    return secondment


@transaction.atomic
def end_secondment(*, secondment: Secondment, ended_on: datetime.date, actor=None) -> Secondment:
    locked = (
        Secondment.objects.select_for_update(of=("self",))
        .select_related("township", "person__staff")
        .get(pk=secondment.pk)
    )
    if locked.ended_on is not None:
        raise ValidationError(gettext("该借调已经结束。"), code="secondment_ended")
    locked.ended_on = ended_on
    _check(locked)
    locked.save(update_fields=["ended_on"])
    log_action("ruian.secondment.ended", actor=actor, obj=locked, to_state=ended_on.isoformat())
    return locked


def days_seconded(year: int, *, today: datetime.date | None = None, queryset=None):
    """Per person, the days seconded in `year` (an open secondment counts up to today); one query.

    Returns a queryset of dicts: person, township, days.
    """
    today = today or timezone.localdate()
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    window_end = min(last, today)
    qs = queryset if queryset is not None else Secondment.objects.all()
    return (
        qs.filter(started_on__lte=window_end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .values("person", "township")
        .annotate(
            days=Sum(
                DaysBetween(
                    Least(Coalesce("ended_on", Value(window_end)), Value(window_end)),
                    Greatest("started_on", Value(first)),
                )
            )
        )
        .order_by("-days", "person")
    )


def over_limit(year: int, *, user=None, today: datetime.date | None = None) -> list[dict]:
    """People seconded more than the yearly limit in `year`, in the user's scope; two queries."""
    qs = Secondment.objects.all()
    if user is not None:
        qs = qs.filter(scope_q(user, "township"))
    limit = yearly_limit_days()
    rows = [row for row in days_seconded(year, today=today, queryset=qs) if row["days"] > limit]
    people = get_user_model().objects.in_bulk([row["person"] for row in rows])
    townships = Division.objects.in_bulk([row["township"] for row in rows])
    return [
        {
            "person": people[row["person"]],
            "township": townships[row["township"]],
            "days": row["days"],
            "limit": limit,
            "year": year,
        }
        for row in rows
    ]


def secondments_for(user):
    return (
        Secondment.objects.filter(scope_q(user, "township"))
        .select_related("person", "township", "office")
        .order_by("-started_on", "-id")
    )


def warn_long_secondments(*, year: int | None = None, person_ids=None, today: datetime.date | None = None) -> int:
    """Notify the township's leaders and the county editors of each person over the limit, once per person
    and year (the notification key makes a second run a no-op). Returns the notifications written."""
    today = today or timezone.localdate()
    year = year or today.year
    qs = Secondment.objects.all()
    if person_ids is not None:
        qs = qs.filter(person_id__in=person_ids)
    limit = yearly_limit_days()
    rows = [row for row in days_seconded(year, today=today, queryset=qs) if row["days"] > limit]
    if not rows:
        return 0
    townships = Division.objects.in_bulk({row["township"] for row in rows})
    people = get_user_model().objects.in_bulk([row["person"] for row in rows])
    recipients = list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(groups__name=Role.LEADER, staff__organisation__division__code__startswith=_common_prefix(townships))
            | Q(groups__name=Role.COUNTY_EDITOR, staff__organisation__division__level=Level.COUNTY)
        )
        .select_related("staff__organisation__division")
        .prefetch_related("groups")
        .distinct()
    )
    written = 0
    link = reverse("secondments")
    for row in rows:
        township = townships[row["township"]]
        person = people[row["person"]]
        concerned = [user for user in recipients if _concerns(user, township)]
        title = gettext("借调超期预警: %(person)s %(year)s 年已借调 %(days)s 天") % {
            "person": person.get_full_name() or person.get_username(),
            "year": year,
            "days": row["days"],
        }
        body = gettext(
            "%(township)s 的工作人员 %(person)s 在 %(year)s 年被借调 %(days)s 天,超过 %(limit)s 天的上限。"
        ) % {
            "township": township.name,
            "person": person.get_full_name() or person.get_username(),
            "year": year,
            "days": row["days"],
            "limit": limit,
        }
        count = notify(concerned, title=title, body=body, link=link, key=f"secondment-limit:{person.pk}:{year}")
        if count:
            log_action(
                "ruian.secondment.over_limit",
                obj=person,
                to_state=str(row["days"]),
                data={"year": year, "days": row["days"], "limit": limit, "township": township.code},
            )
        written += count
    return written


def _common_prefix(townships: dict) -> str:
    codes = [division.prefix for division in townships.values()]
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


def _concerns(user, township: Division) -> bool:
    organisation = user.staff.organisation
    names = {group.name for group in user.groups.all()}
    if Role.LEADER in names and organisation.division.code.startswith(township.prefix):
        return True
    return Role.COUNTY_EDITOR in names and township.code.startswith(organisation.division.prefix)
