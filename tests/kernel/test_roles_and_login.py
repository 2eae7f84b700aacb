"""Roles are groups that always exist; unknown roles are refused; failed logins lock the account."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from ruian.staff import Role, assign_role, has_role
from tests.factories import PASSWORD


def test_every_role_has_its_group_after_migrate(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_unknown_role_is_refused_and_nothing_is_written(clerk):
    groups_before = Group.objects.count()
    with pytest.raises(ValidationError, match="未知角色"):
        assign_role(user=clerk, role="superhero")
    assert Group.objects.count() == groups_before
    assert not clerk.groups.filter(name="superhero").exists()


def test_role_check(clerk):
    assert has_role(clerk, Role.WINDOW_CLERK)
    assert not has_role(clerk, Role.SQUAD_LEADER)


def test_login_with_the_right_password(client, clerk):
    response = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_repeated_failed_logins_lock_the_account(client, clerk, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/accounts/login/", {"username": "clerk", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    # Even the right password is refused while locked.
    response = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_shows_a_form_error(client, clerk):
    response = client.post("/accounts/login/", {"username": "clerk", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
