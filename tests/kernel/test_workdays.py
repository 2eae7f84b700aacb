"""The working-day calendar across the 2026 National Day and into 2027 (no package data there)."""

import datetime
import logging

import pytest

from ruian import workdays
from ruian.workdays import CalendarDay, CalendarYear, add_working_days, working_days_between

D = datetime.date


@pytest.fixture
def calendar(db):
    workdays.seed_from_package([2026])
    yield
    workdays.clear_cache()


def test_seeding_copies_holidays_and_make_up_workdays(calendar):
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).is_workday is False
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).name == "国庆节"
    # Saturday 10 October 2026 is a make-up workday (调休).
    assert CalendarDay.objects.get(date=D(2026, 10, 10)).is_workday is True
    assert CalendarYear.objects.filter(year=2026, complete=True).exists()


def test_seeding_twice_writes_nothing_new(calendar):
    before = CalendarDay.objects.count()
    workdays.seed_from_package([2026])
    assert CalendarDay.objects.count() == before


def test_national_day_week_is_skipped_and_the_make_up_saturday_counts(calendar):
    # Oct 1-7 off; Oct 8, 9, Sat 10 (make-up), Mon 12, Tue 13.
    assert add_working_days(D(2026, 9, 30), 5) == D(2026, 10, 13)
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 13)) == 5


def test_start_day_is_not_counted(calendar):
    assert add_working_days(D(2026, 11, 23), 1) == D(2026, 11, 24)  # Monday -> Tuesday
    assert add_working_days(D(2026, 11, 20), 1) == D(2026, 11, 23)  # Friday -> Monday


def test_zero_days_on_a_holiday_moves_to_the_next_working_day(calendar):
    assert add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 8)


def test_twenty_working_days_from_mid_september_cross_both_festivals(calendar):
    # Mid-autumn Sep 25-27 and National Day Oct 1-7 are skipped; Sun Sep 20 and Sat Oct 10 are worked.
    due = add_working_days(D(2026, 9, 18), 20)
    assert working_days_between(D(2026, 9, 18), due) == 20
    assert due == D(2026, 10, 22)


def test_a_year_without_data_falls_back_to_monday_to_friday_and_warns(calendar, caplog):
    with caplog.at_level(logging.WARNING, logger="ruian.workdays"):
        due = add_working_days(D(2026, 12, 25), 10)
    # Dec 28-31 (4), then 2027 counted Monday-Friday: Fri Jan 1 (5), Jan 4-8 (10).
    assert due == D(2027, 1, 8)
    assert "no holidays for 2027" in caplog.text


def test_an_administrator_can_enter_next_years_holidays(calendar):
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
    CalendarYear.objects.create(year=2027)
    assert add_working_days(D(2026, 12, 25), 10) == D(2027, 1, 11)


def test_manual_entries_survive_a_reseed(calendar):
    day = CalendarDay.objects.get(date=D(2026, 10, 7))
    day.is_workday = True
    day.source = "manual"
    day.save()
    workdays.seed_from_package([2026])
    assert CalendarDay.objects.get(date=D(2026, 10, 7)).is_workday is True


def test_negative_days_are_refused(calendar):
    with pytest.raises(ValueError):
        add_working_days(D(2026, 1, 5), -1)
