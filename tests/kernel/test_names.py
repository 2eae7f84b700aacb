"""Names read the way they are written: family name first, with no space, on pages and in the API."""

import pytest
from django.contrib.auth import get_user_model

from ruian.staff import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_chinese_name_is_family_name_first_without_a_space(home_centre):
    user = f.staff_user("wang", Role.WINDOW_CLERK, home_centre)
    user.last_name, user.first_name = "王", "建国"
    assert user.get_full_name() == "王建国"
    assert str(user.staff) == "王建国"


def test_a_latin_name_keeps_given_name_first():
    user = get_user_model()(username="anna", first_name="Anna", last_name="Li")
    assert user.get_full_name() == "Anna Li"


def test_the_organisation_page_lists_staff_in_chinese_order(client, home_centre):
    user = f.staff_user("wang", Role.WINDOW_CLERK, home_centre)
    user.last_name, user.first_name = "王", "建国"
    user.save()
    client.force_login(user)
    page = client.get(f"/organisations/{home_centre.pk}/").content.decode()
    assert "王建国" in page and "建国 王" not in page
