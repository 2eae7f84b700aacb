"""Within one township, who reads whose personal data (issue #8): an application (the applicant's ID number
and phone) only for the window, the back office and the leader; a case, a lead or a transfer (the party's)
only for the squad, the legal reviewer and the leader; an attachment only for who may read its object; the
kernel's staff directory (names and phones) only for a token granted `directory:read`.

Grid workers, the command centre's operator and the county editor share the township's data scope (or
the county's) but not these: every page and API answer refuses them and never shows the numbers.
"""

import pytest
from django.db import transaction
from django.test import Client

from ruian.apiclients import Scope, issue_token
from ruian.staff import Role
from tests import factories as f
from tests.trust.world import APPLICANT_ID, APPLICANT_PHONE, CLERK_PHONE, NOTICE_TITLE, PARTY_ID, PARTY_PHONE, PDF

OUTSIDERS = ["grid_worker", "operator", "editor"]
PERSONAL = [APPLICANT_ID, APPLICANT_PHONE, PARTY_ID, PARTY_PHONE]


def get(world, path, *, principal=None, token=None):
    """A GET by a signed-in user of the world (or a token), rolled back; returns (status, body text)."""
    client = Client()
    headers = {}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Token {token}"
    elif principal:
        client.cookies.load({world.session_cookie: world.sessions[principal]})
    with transaction.atomic():
        response = client.get(path, **headers)
        transaction.set_rollback(True)
    body = b"".join(response) if response.streaming else response.content
    return response.status_code, body


def paths(world):
    o = world.objects
    number, case, lead, transfer = o["application"].number, o["case"].pk, o["lead"].pk, o["transfer"].pk
    return {
        "application page": f"/approvals/a/{number}/",
        "application API": f"/api/v1/approvals/applications/{number}/",
        "case page": f"/enforcement/cases/{case}/",
        "case API": f"/api/v1/enforcement/cases/{case}/",
        "lead API": f"/api/v1/enforcement/leads/{lead}/",
        "transfer API": f"/api/v1/enforcement/transfers/{transfer}/",
        "attachment": f"/attachments/{o['attachment'].pk}/",
    }


@pytest.mark.parametrize("role", OUTSIDERS)
def test_other_roles_of_the_township_are_refused_applications_cases_and_attachments(world, db, role):
    for what, path in paths(world).items():
        status, body = get(world, path, principal=role)
        assert status in (403, 404), f"{role} opened the {what}: {status}"
        text = body.decode("utf-8", errors="replace")
        assert not [s for s in PERSONAL if s in text], f"{role} saw personal data in the {what}"


@pytest.mark.parametrize("role", OUTSIDERS)
def test_other_roles_get_empty_lists_without_any_id_number(world, db, role):
    for path in (
        "/api/v1/approvals/applications/",
        "/api/v1/approvals/applications/sync/",
        "/api/v1/enforcement/cases/",
        "/api/v1/enforcement/leads/",
        "/api/v1/enforcement/transfers/",
    ):
        status, body = get(world, path, principal=role)
        assert status == 200, path
        text = body.decode()
        assert '"results":[]' in text.replace(" ", ""), f"{role} listed rows at {path}"
        assert APPLICANT_ID not in text and PARTY_ID not in text


@pytest.mark.parametrize("role", ["clerk", "approver", "leader"])
def test_the_window_the_back_office_and_the_leader_read_the_application_and_its_scan(world, db, role):
    p = paths(world)
    status, body = get(world, p["application page"], principal=role)
    assert status == 200 and APPLICANT_ID in body.decode()
    status, body = get(world, p["application API"], principal=role)
    assert status == 200 and APPLICANT_ID in body.decode()
    status, body = get(world, p["attachment"], principal=role)
    assert status == 200 and body == PDF


@pytest.mark.parametrize("role", ["squad_leader", "officer", "legal_reviewer", "leader"])
def test_the_squad_the_legal_reviewer_and_the_leader_read_the_case_and_lead(world, db, role):
    p = paths(world)
    for what in ("case page", "case API", "lead API", "transfer API"):
        status, body = get(world, p[what], principal=role)
        assert status == 200, f"{role} could not open the {what}"
    assert PARTY_ID in get(world, p["case page"], principal=role)[1].decode()


def test_the_window_does_not_read_cases_and_the_squad_does_not_read_applications(world, db):
    p = paths(world)
    assert get(world, p["case page"], principal="clerk")[0] == 404
    assert get(world, p["case API"], principal="approver")[0] == 404
    assert get(world, p["application page"], principal="squad_leader")[0] == 404
    assert get(world, p["attachment"], principal="officer")[0] == 404


def test_rest_clients_with_the_scope_still_read_applications_and_cases(world, db):
    p = paths(world)
    assert get(world, p["application API"], token=world.full_token)[0] == 200
    assert get(world, p["case API"], token=world.full_token)[0] == 200
    assert get(world, p["application API"], token=world.tokens[Scope.APPROVALS_READ])[0] == 403


def test_the_staff_directory_needs_the_directory_scope(world, db):
    without = world.tokens[Scope.DIRECTORY_READ]
    for path in ("/api/v1/staff/", "/api/v1/organisations/"):
        status, body = get(world, path, token=without)
        assert status == 403
        assert CLERK_PHONE.encode() not in body
    client = f.staff_user("api_directory", Role.API_CLIENT, world.objects["organisation"])
    only_directory = issue_token(user=client, name="名录", scopes=[Scope.DIRECTORY_READ])
    status, body = get(world, "/api/v1/staff/", token=only_directory)
    assert status == 200 and CLERK_PHONE in body.decode()
    # ... and that scope alone opens nothing else.
    assert get(world, paths(world)["application API"], token=only_directory)[0] == 403


def test_a_token_sees_only_its_own_users_notifications(world, db):
    status, body = get(world, "/api/v1/notifications/", token=world.full_token)
    assert status == 200 and NOTICE_TITLE not in body.decode()
    clerk_notice = world.objects["notification"].pk
    assert get(world, f"/api/v1/notifications/{clerk_notice}/", token=world.full_token)[0] == 404
    # The clerk reads it in the browser's session.
    assert NOTICE_TITLE in get(world, "/api/v1/notifications/", principal="clerk")[1].decode()


def test_the_demo_token_keeps_every_scope_the_readme_promises():
    # `load_demo` and `issue_token` grant Scope.values by default: the new directory scope is among them.
    assert Scope.DIRECTORY_READ in Scope.values
    assert {"catalogs:read", "approvals:write", "directory:read"} <= set(Scope.values)
