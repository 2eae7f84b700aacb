"""The working-day calendar: statutory holidays and make-up workdays (调休).

A table of special days, seeded from the `chinesecalendar` package and editable by administrators.
A day is a working day when the table says so; days the table does not list follow Monday-Friday.
The package covers 2004-2026 only while deadlines set now already reach 2027: for a year the table
holds nothing about, the calendar falls back to Monday-Friday and logs a warning once per year
instead of raising, until an administrator enters that year's holidays.

Day counting (Administrative Licensing Law Art 82; DOMAIN.md section 5): the start day is not counted,
and a deadline that would fall on a rest day moves to the next working day.
"""

import datetime
import logging
import time

from django.db import models
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


class CalendarDay(models.Model):
    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"), help_text=_("节假日为否,调休上班日为是。"))
    name = models.CharField(_("名称"), max_length=64, blank=True, help_text=_("如 国庆节、国庆节调休。"))
    source = models.CharField(
        _("来源"), max_length=16, choices=[("package", "chinesecalendar"), ("manual", _("手工录入"))], default="manual"
    )

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self):
        kind = _("上班") if self.is_workday else _("休息")
        return f"{self.date} {self.name} ({kind})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        clear_cache()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        clear_cache()
        return result


class CalendarYear(models.Model):
    """A year whose holidays are known (seeded or entered); other years fall back to Monday-Friday."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    complete = models.BooleanField(_("已录入全年安排"), default=True)

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        clear_cache()


# Per-process cache of a year's special days. Edits clear it in the process that made them; other
# processes (web workers, Celery) see them within CACHE_SECONDS.
CACHE_SECONDS = 300
_cache: dict[int, tuple[float, bool, dict[datetime.date, bool]]] = {}


def _year(year: int) -> tuple[bool, dict[datetime.date, bool]]:
    now = time.monotonic()
    hit = _cache.get(year)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1], hit[2]
    known = CalendarYear.objects.filter(year=year, complete=True).exists()
    special = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday"))
    if not known:
        log.warning(
            "working-day calendar has no holidays for %s: counting Monday-Friday only until an administrator "
            "enters that year's holidays and make-up workdays",
            year,
        )
    _cache[year] = (now, known, special)
    return known, special


def clear_cache() -> None:
    _cache.clear()


def year_is_known(year: int) -> bool:
    return _year(year)[0]


def is_working_day(day: datetime.date) -> bool:
    _known, special = _year(day.year)
    if day in special:
        return special[day]
    return day.weekday() < 5


def next_working_day(day: datetime.date) -> datetime.date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The date `n` working days after `start`, the start day not counted (ALL Art 82).

    With n == 0 the result is `start` moved to a working day if it is not one.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    remaining = n
    while remaining:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return next_working_day(day)


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """Working days after `a` up to and including `b` (0 when b <= a): the days a clock has used."""
    if b <= a:
        return 0
    count = 0
    day = a
    while day < b:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def add_calendar_days(start: datetime.date, n: int) -> datetime.date:
    """`n` calendar days after `start`; a deadline on a rest day moves to the next working day.

    For limits the law counts in days, not working days (e.g. the 90 days of APL Art 60).
    """
    return next_working_day(start + datetime.timedelta(days=n))


def seed_from_package(years=None) -> int:
    """Copy holidays and make-up workdays from `chinesecalendar` into the table; returns rows written.

    Rows an administrator entered by hand are kept. Years the package does not cover are skipped.
    """
    import chinese_calendar

    written = 0
    covered = sorted({day.year for day in chinese_calendar.holidays} | {day.year for day in chinese_calendar.workdays})
    for year in years or covered:
        if year not in covered:
            continue
        manual = set(CalendarDay.objects.filter(date__year=year, source="manual").values_list("date", flat=True))
        rows = []
        for day, name in chinese_calendar.holidays.items():
            if day.year == year and day.weekday() < 5 and day not in manual:
                rows.append(CalendarDay(date=day, is_workday=False, name=_holiday_name(name), source="package"))
        for day, name in chinese_calendar.workdays.items():
            if day.year == year and day.weekday() >= 5 and day not in manual:
                rows.append(CalendarDay(date=day, is_workday=True, name=f"{_holiday_name(name)}调休", source="package"))
        CalendarDay.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["date"], update_fields=["is_workday", "name", "source"]
        )
        CalendarYear.objects.get_or_create(year=year, defaults={"complete": True})
        written += len(rows)
    clear_cache()
    return written


_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_name(name) -> str:
    if name is None:
        return ""
    text = getattr(name, "value", name)
    return _NAMES.get(text, str(text))
