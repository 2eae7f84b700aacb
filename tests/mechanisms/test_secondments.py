"""Secondments to higher offices: recorded, audited, and over three months a year warned about once."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ruian import secondments
from ruian.audit import AuditEntry
from ruian.notifications import Notification
from ruian.secondments import Secondment, record_secondment
from tests.conftest import login

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 23)


def _second(person, township, office, start, end, **extra):
    return record_secondment(person=person, township=township, office=office, started_on=start, ended_on=end, **extra)


def test_recording_is_audited(approver, home_township, county_office, leader):
    row = _second(
        approver, home_township, county_office, datetime.date(2026, 3, 1), datetime.date(2026, 3, 20), actor=leader
    )
    entry = AuditEntry.objects.for_object(row).get()
    assert entry.action == "ruian.secondment.recorded" and entry.actor == leader


def test_overlapping_or_foreign_secondments_are_refused(approver, home_township, other_township, county_office):
    _second(approver, home_township, county_office, datetime.date(2026, 3, 1), datetime.date(2026, 3, 20))
    with pytest.raises(ValidationError) as error:
        _second(approver, home_township, county_office, datetime.date(2026, 3, 15), None)
    assert "started_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _second(approver, other_township, county_office, datetime.date(2026, 5, 1), None)
    assert "person" in error.value.message_dict
    with pytest.raises(ValidationError):
        _second(approver, home_township, None, datetime.date(2026, 6, 1), None)  # no office
    assert Secondment.objects.count() == 1


def test_more_than_the_yearly_limit_is_listed_and_notified_once(
    approver, clerk, home_township, county_office, leader, editor, other_leader, django_capture_on_commit_callbacks
):
    # Two stays: 60 + 40 = 100 days in 2026, over 90; the clerk's 30 days are not.
    with django_capture_on_commit_callbacks(execute=True):
        _second(approver, home_township, county_office, datetime.date(2026, 1, 1), datetime.date(2026, 3, 1))
        _second(approver, home_township, county_office, datetime.date(2026, 6, 1), datetime.date(2026, 7, 10))
        _second(clerk, home_township, county_office, datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
    (row,) = secondments.over_limit(2026, user=leader, today=TODAY)
    assert row["person"] == approver and row["days"] == 100
    assert secondments.over_limit(2026, user=other_leader, today=TODAY) == []
    notified = Notification.objects.filter(key=f"secondment-limit:{approver.pk}:2026")
    assert sorted(notified.values_list("recipient__username", flat=True)) == ["editor", "leader"]
    assert secondments.warn_long_secondments(year=2026, today=TODAY) == 0  # a second sweep: nothing new
    assert notified.count() == 2
    assert AuditEntry.objects.filter(action="ruian.secondment.over_limit").count() == 1


def test_an_open_secondment_counts_up_to_today(approver, home_township, county_office, leader):
    _second(approver, home_township, county_office, datetime.date(2026, 8, 1), None)
    (row,) = secondments.over_limit(2026, user=leader, today=TODAY)
    assert row["days"] == 115  # 1 August to 23 November, both counted
    assert secondments.over_limit(2026, user=leader, today=datetime.date(2026, 10, 29)) == []  # 90 days: not over


def test_the_limit_is_a_setting(approver, home_township, county_office, leader, settings):
    _second(approver, home_township, county_office, datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    assert secondments.over_limit(2026, user=leader, today=TODAY) == []
    settings.SECONDMENT_YEARLY_LIMIT_DAYS = 30
    assert [row["days"] for row in secondments.over_limit(2026, user=leader, today=TODAY)] == [31]


def test_page_records_and_lists_warnings(client, leader, approver, county_office):
    login(client, leader)
    response = client.post(
        reverse("secondments"),
        {"person": approver.pk, "office": county_office.pk, "started_on": "2026-01-01", "ended_on": "2026-05-01"},
    )
    assert response.status_code == 302
    page = client.get(reverse("secondments"), {"year": "2026"}).content.decode()
    assert "121 / 90" in page
    bad = client.post(reverse("secondments"), {"person": approver.pk, "started_on": "2026-02-01"})
    assert bad.status_code == 400 and Secondment.objects.count() == 1


def test_page_ends_an_open_secondment(client, leader, approver, home_township, county_office):
    row = _second(approver, home_township, county_office, datetime.date(2026, 3, 1), None)
    login(client, leader)
    url = reverse("secondment_end", args=[row.pk])
    assert client.post(url, {"ended_on": "2026-02-01"}).status_code == 302  # before the start: refused
    row.refresh_from_db()
    assert row.ended_on is None
    client.post(url, {"ended_on": "2026-03-31"})
    row.refresh_from_db()
    assert row.ended_on == datetime.date(2026, 3, 31)


def test_page_is_for_leaders_and_editors(client, clerk):
    login(client, clerk)
    assert client.get(reverse("secondments")).status_code == 403


def test_api_create_list_and_over_limit(api, leader, approver, county_office):
    api.force_authenticate(leader)
    response = api.post(
        "/api/v1/secondments/",
        {"person": approver.pk, "office": county_office.pk, "started_on": "2026-01-01", "ended_on": "2026-05-01"},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["township"] == "320623100000"
    assert api.get("/api/v1/secondments/").json()["count"] == 1
    (row,) = api.get("/api/v1/secondments/over-limit/", {"year": 2026}).json()
    assert row["days"] == 121 and row["limit"] == 90
    bad = api.post("/api/v1/secondments/", {"person": approver.pk, "started_on": "2026-06-01"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"
    assert api.get("/api/v1/secondments/over-limit/", {"year": "x"}).status_code == 400


def test_api_ends_an_open_secondment_once(api, leader, approver, home_township, county_office):
    row = _second(approver, home_township, county_office, datetime.date(2026, 3, 1), None)
    api.force_authenticate(leader)
    response = api.post(f"/api/v1/secondments/{row.pk}/end/", {"ended_on": "2026-03-31"})
    assert response.status_code == 200 and response.json()["ended_on"] == "2026-03-31"
    again = api.post(f"/api/v1/secondments/{row.pk}/end/", {"ended_on": "2026-04-30"})
    assert again.status_code == 400
    assert AuditEntry.objects.filter(action="ruian.secondment.ended").count() == 1


def test_lists_cost_a_fixed_number_of_queries(client, api, leader, home_township, county_office, home_centre):
    from tests import factories as f
    from tests.querycount import assert_constant_queries

    count = iter(range(10_000))

    def grow(n):
        for _ in range(n):
            person = f.staff_user(f"staff{next(count)}", None, home_centre)
            _second(person, home_township, county_office, datetime.date(2026, 1, 1), datetime.date(2026, 4, 30))

    login(client, leader)
    api.force_authenticate(leader)
    assert_constant_queries(lambda: client.get(reverse("secondments"), {"year": 2026}), grow, small=3, large=40)
    assert_constant_queries(lambda: api.get("/api/v1/secondments/over-limit/", {"year": 2026}), grow, 3, 40)
