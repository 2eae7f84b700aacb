"""Deadline clocks and the set-based sweep: thresholds acted on once, nothing skipped after a crash."""

import datetime

import pytest
from django.utils import timezone

from ruian import clocks, workdays
from ruian.audit import AuditEntry
from ruian.clocks import ClockStatus, Deadline, Level, Unit
from ruian.notifications import Notification, notify

D = datetime.date
KIND = "tests.example"
calls: list[tuple[list[int], int]] = []


@clocks.register_handler(KIND)
def _record(ids, level):
    calls.append((ids, level))


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture(autouse=True)
def _calendar(db):
    workdays.seed_from_package([2026])
    calls.clear()
    yield
    workdays.clear_cache()


@pytest.fixture
def subject(home_centre):
    return home_centre  # any model instance can carry a clock


def test_working_day_clock_runs_out_at_the_end_of_its_last_day(subject):
    clock = clocks.start_clock(subject, KIND, start=D(2026, 9, 30), unit=Unit.WORKING_DAYS, amount=5)
    assert clock.due_date == D(2026, 10, 13)
    assert clock.colour(at(D(2026, 10, 13), 23)) != "red"
    assert clock.colour(at(D(2026, 10, 14), 0)) == "red"


def test_yellow_after_the_configured_share_of_the_time(subject, settings):
    settings.CLOCK_YELLOW_SHARE = 0.8
    clock = clocks.start_clock(subject, KIND, start=D(2026, 11, 2), unit=Unit.WORKING_DAYS, amount=10)
    # 8 of 10 working days used: yellow from the start of the 9th working day (Nov 13 is the 9th).
    assert clock.colour(at(D(2026, 11, 12), 18)) == "green"
    assert clock.colour(at(D(2026, 11, 13))) == "yellow"
    assert clock.due_date == D(2026, 11, 16)


def test_sweep_acts_on_each_threshold_once(subject):
    clock = clocks.start_clock(subject, KIND, start=D(2026, 11, 2), unit=Unit.WORKING_DAYS, amount=10)
    clocks.sweep_deadlines(now=at(D(2026, 11, 13)))
    assert calls == [([clock.pk], Level.YELLOW)]
    clocks.sweep_deadlines(now=at(D(2026, 11, 13), 10))
    assert len(calls) == 1, "a second sweep must not act again"
    clocks.sweep_deadlines(now=at(D(2026, 11, 17)))
    assert calls[-1] == ([clock.pk], Level.RED)
    assert AuditEntry.objects.filter(action="ruian.deadlines.swept").count() == 2


def test_a_clock_that_crossed_two_thresholds_between_sweeps_is_acted_on_at_the_higher_only(subject):
    clock = clocks.start_clock(subject, KIND, start=D(2026, 11, 2), unit=Unit.WORKING_DAYS, amount=10)
    clocks.sweep_deadlines(now=at(D(2026, 12, 1)))
    assert calls == [([clock.pk], Level.RED)]


def test_without_a_separate_legal_limit_there_is_no_legal_threshold(subject):
    clock = clocks.start_clock(subject, KIND, start=D(2026, 11, 2), unit=Unit.WORKING_DAYS, amount=10, legal_amount=10)
    assert clock.hard_due_at is None
    clocks.sweep_deadlines(now=at(D(2027, 6, 1)))
    assert calls == [([clock.pk], Level.RED)]


def test_promised_limit_is_shown_and_legal_limit_is_the_hard_stop(subject):
    clock = clocks.start_clock(subject, KIND, start=D(2026, 11, 2), unit=Unit.WORKING_DAYS, amount=3, legal_amount=20)
    assert clock.due_date == D(2026, 11, 5)
    clocks.sweep_deadlines(now=at(D(2026, 11, 6)))
    assert calls[-1] == ([clock.pk], Level.RED)
    clocks.sweep_deadlines(now=at(D(2026, 12, 1)))
    assert calls[-1] == ([clock.pk], Level.LEGAL)


def test_a_crash_inside_the_sweep_leaves_nothing_half_done(subject):
    clock = clocks.start_clock(subject, KIND, start=D(2026, 11, 2), unit=Unit.WORKING_DAYS, amount=1)

    @clocks.register_handler("tests.crashing")
    def crash(ids, level):
        raise RuntimeError("worker killed")

    other = clocks.start_clock(subject, "tests.crashing", start=D(2026, 11, 2), unit=Unit.WORKING_DAYS, amount=1)
    with pytest.raises(RuntimeError):
        clocks.sweep_deadlines(now=at(D(2026, 11, 10)))
    clock.refresh_from_db()
    other.refresh_from_db()
    assert (clock.level, other.level) == (Level.GREEN, Level.GREEN)

    clocks.register_handler("tests.crashing")(lambda ids, level: None)
    calls.clear()
    clocks.sweep_deadlines(now=at(D(2026, 11, 10)))
    assert calls == [([clock.pk], Level.RED)]


def test_suspension_stops_the_count_in_working_days(subject):
    clock = clocks.start_clock(subject, KIND, start=D(2026, 11, 2), unit=Unit.WORKING_DAYS, amount=20)
    assert clock.due_date == D(2026, 11, 30)
    clocks.suspend_clock(subject, KIND, at=at(D(2026, 11, 9)))
    assert Deadline.objects.get(pk=clock.pk).colour(at(D(2026, 12, 30))) == "grey"
    resumed = clocks.resume_clock(subject, KIND, at=at(D(2026, 11, 16)))
    # Suspended Nov 9 -> Nov 16: five working days (10-13, 16) do not count.
    assert resumed.due_date == D(2026, 12, 7)
    assert resumed.status == ClockStatus.RUNNING


def test_suspended_clocks_are_not_swept(subject):
    clocks.start_clock(subject, KIND, start=D(2026, 11, 2), unit=Unit.WORKING_DAYS, amount=1)
    clocks.suspend_clock(subject, KIND, at=at(D(2026, 11, 2)))
    clocks.sweep_deadlines(now=at(D(2026, 12, 1)))
    assert calls == []


def test_extension_moves_the_due_date_by_working_days(subject):
    clocks.start_clock(subject, KIND, start=D(2026, 9, 18), unit=Unit.WORKING_DAYS, amount=20)
    extended = clocks.extend_clock(subject, KIND, amount=10)
    assert extended.due_date == D(2026, 11, 5)
    assert extended.extended == 10


def test_calendar_day_limit_on_a_holiday_moves_to_the_next_working_day(subject):
    # 90 days from 2026-07-03 is 2026-10-01 (National Day): the limit moves to 2026-10-08.
    clock = clocks.start_clock(subject, KIND, start=D(2026, 7, 3), unit=Unit.DAYS, amount=90)
    assert clock.due_date == D(2026, 10, 8)


def test_restarting_a_clock_closes_the_old_one(subject):
    first = clocks.start_clock(subject, KIND, start=D(2026, 11, 2), unit=Unit.WORKING_DAYS, amount=5)
    second = clocks.start_clock(subject, KIND, start=D(2026, 11, 9), unit=Unit.WORKING_DAYS, amount=5)
    first.refresh_from_db()
    assert first.status == ClockStatus.STOPPED
    assert clocks.open_clock(subject, KIND, lock=False) == second


def test_stopped_clock_keeps_its_colour_at_stop_time(subject):
    clock = clocks.start_clock(subject, KIND, start=D(2026, 11, 2), unit=Unit.WORKING_DAYS, amount=5)
    clocks.stop_clock(subject, KIND, at=at(D(2026, 11, 4)))
    clock.refresh_from_db()
    assert clock.colour(at(D(2027, 1, 1))) == "green"


def test_hour_clock(subject):
    start = at(D(2026, 11, 23), 9)
    clock = clocks.start_clock(subject, KIND, start=start, unit=Unit.HOURS, amount=1)
    assert clock.due_at == start + datetime.timedelta(hours=1)
    assert clock.colour(start + datetime.timedelta(minutes=50)) == "yellow"


def test_notice_with_a_key_is_delivered_once(clerk):
    assert notify([clerk], title="超期", key="deadline:1:2") == 1
    assert notify([clerk], title="超期", key="deadline:1:2") == 0
    assert Notification.objects.filter(recipient=clerk).count() == 1


@pytest.fixture
def five_subjects(db):
    from django.contrib.auth.models import User

    return [User.objects.create(username=f"clocked-{index}") for index in range(5)]


def test_a_backlog_moves_in_batches_oldest_crossing_first(five_subjects, settings):
    settings.DEADLINE_SWEEP_BATCH = 2
    started = [D(2026, 11, 2), D(2026, 11, 3), D(2026, 11, 4), D(2026, 11, 5), D(2026, 11, 6)]
    made = [
        clocks.start_clock(subject, KIND, start=day, unit=Unit.WORKING_DAYS, amount=1)
        for subject, day in zip(five_subjects, started, strict=True)
    ]
    first = clocks.sweep_deadlines(now=at(D(2026, 12, 1)))
    assert first["more"] is True
    assert calls == [([made[0].pk, made[1].pk], Level.RED)], "the two oldest crossings come first"
    rest = clocks.sweep_backlog(now=at(D(2026, 12, 1)))
    assert rest["sweeps"] == 2 and rest["more"] is False
    assert rest["crossed"][str(Level.RED.label)] == 3
    acted = [pk for ids, _level in calls for pk in ids]
    assert sorted(acted) == sorted(clock.pk for clock in made), "every clock acted on exactly once"
    assert set(Deadline.objects.filter(pk__in=acted).values_list("level", flat=True)) == {Level.RED}
    assert sum(clocks.sweep_backlog(now=at(D(2026, 12, 1)))["crossed"].values()) == 0


def test_a_backlog_sweep_stops_when_its_time_is_up(five_subjects, settings):
    settings.DEADLINE_SWEEP_BATCH = 1
    for subject in five_subjects:
        clocks.start_clock(subject, KIND, start=D(2026, 11, 2), unit=Unit.WORKING_DAYS, amount=1)
    result = clocks.sweep_backlog(now=at(D(2026, 12, 1)), max_seconds=0)
    assert result["sweeps"] == 1 and result["more"] is True
    assert Deadline.objects.filter(level=Level.RED).count() == 1
    # The next periodic run goes on where this one stopped.
    assert clocks.sweep_backlog(now=at(D(2026, 12, 1)))["crossed"][str(Level.RED.label)] == 4
