"""N+1 guards for the kernel's list pages and list endpoints (10 rows vs 1,000)."""

import itertools

import pytest
from django.contrib.auth import get_user_model

from ruian.notifications import Notification
from ruian.organisations import Organisation, OrgKind
from ruian.staff import StaffProfile
from tests.conftest import login
from tests.querycount import assert_constant_queries

User = get_user_model()
counter = itertools.count()


@pytest.fixture
def grow_organisations(home_township, home_centre):
    def grow(n):
        Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"窗口{next(counter)}", kind=OrgKind.WINDOW, division=home_township, parent=home_centre
                )
                for _ in range(n)
            ]
        )

    return grow


@pytest.fixture
def grow_staff(home_centre):
    def grow(n):
        users = [User(username=f"staff{next(counter)}", password="!") for _ in range(n)]
        created = User.objects.bulk_create(users)
        StaffProfile.objects.bulk_create([StaffProfile(user=u, organisation=home_centre) for u in created])

    return grow


def test_organisations_endpoint(api, clerk, grow_organisations):
    api.force_authenticate(clerk)
    assert_constant_queries(lambda: api.get("/api/v1/organisations/", {"page_size": 500}), grow_organisations)


def test_organisations_page(client, clerk, grow_organisations):
    login(client, clerk)
    assert_constant_queries(lambda: client.get("/organisations/"), grow_organisations)


def test_staff_endpoint(api, clerk, grow_staff):
    api.force_authenticate(clerk)
    assert_constant_queries(lambda: api.get("/api/v1/staff/", {"page_size": 500}), grow_staff)


def test_organisation_detail_page_with_many_staff(client, clerk, home_centre, grow_staff):
    login(client, clerk)
    assert_constant_queries(lambda: client.get(f"/organisations/{home_centre.pk}/"), grow_staff)


def test_notifications_endpoint_and_page(api, client, clerk):
    def grow(n):
        Notification.objects.bulk_create([Notification(recipient=clerk, title=f"通知{i}") for i in range(n)])

    api.force_authenticate(clerk)
    assert_constant_queries(lambda: api.get("/api/v1/notifications/", {"page_size": 500}), grow)
    login(client, clerk)
    assert_constant_queries(lambda: client.get("/notifications/"), lambda n: grow(n))


def test_divisions_endpoint(api, clerk, home_township):
    from ruian.divisions import Division, kind_of_code, level_of_code

    def grow(n):
        start = Division.objects.filter(parent=home_township).count() + 1
        codes = [f"{home_township.code[:9]}{i:03d}" for i in range(start, start + n)]
        Division.objects.bulk_create(
            [
                Division(code=c, name="村", parent=home_township, level=level_of_code(c), kind=kind_of_code(c))
                for c in codes
            ]
        )

    api.force_authenticate(clerk)
    assert_constant_queries(lambda: api.get("/api/v1/divisions/", {"page_size": 500}), grow, small=10, large=399)
