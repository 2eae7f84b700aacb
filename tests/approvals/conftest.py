import pytest

from ruian import workdays
from tests.approvals import factories as af


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The role fixtures hash a password per user; PBKDF2 would dominate these tests' run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Lookup throttling and DRF throttles count in the cache: keep the counts per test, not in shared Redis.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "approvals"}}


@pytest.fixture(autouse=True)
def _calendar(db, _fast_passwords):
    workdays.seed_from_package([2026])
    yield
    workdays.clear_cache()


@pytest.fixture
def item(county):
    return af.licence(county)


@pytest.fixture
def second_approver(approver, home_township):
    from ruian.organisations import Organisation, OrgKind
    from ruian.staff import Role
    from tests import factories as f

    office = Organisation.objects.get(division=home_township, kind=OrgKind.TOWNSHIP_OFFICE, name="长沙镇经济发展局")
    return f.staff_user("approver2", Role.APPROVER, office)


@pytest.fixture
def now_is(monkeypatch):
    """Set the wall clock services read (timezone.now) to a given moment."""
    from django.utils import timezone

    def set_now(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_now
