from xml.etree import ElementTree

import pytest

from grids import services
from grids.models import Event, Source
from ruian.apiclients import Scope, issue_token
from tests.grids.conftest import HOME_POINT, NOWHERE

pytestmark = pytest.mark.django_db
BASE = "/open311/v2/"


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)


def test_services_in_both_formats(client, category):
    services_json = client.get(BASE + "services.json").json()
    assert services_json == [
        {
            "service_code": "garbage",
            "service_name": "垃圾乱堆",
            "description": "",
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "城市管理",
        }
    ]
    root = xml(client.get(BASE + "services.xml"))
    assert root.tag == "services"
    assert root.find("service/service_code").text == "garbage"
    assert root.find("service/metadata").text == "false"


def test_service_definition_in_both_formats(client, category):
    assert client.get(BASE + "services/garbage.json").json() == {"service_code": "garbage", "attributes": []}
    assert xml(client.get(BASE + "services/garbage.xml")).find("service_code").text == "garbage"
    missing = client.get(BASE + "services/nope.json")
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404
    assert xml(client.get(BASE + "services/nope.xml")).find("error/code").text == "404"


def post(client, key, fmt="json", **extra):
    data = {"api_key": key, "service_code": "garbage", "lat": HOME_POINT[1], "long": HOME_POINT[0]}
    data.update({"description": "垃圾", **extra})
    return client.post(BASE + f"requests.{fmt}", data)


def test_create_request_with_api_key_in_both_formats(client, api_token, grid, category):
    created = post(client, api_token)
    assert created.status_code == 201
    number = created.json()[0]["service_request_id"]
    event = Event.objects.get(number=number)
    assert event.source == Source.OPEN311 and event.grid == grid
    root = xml(post(client, api_token, fmt="xml", first_name="明", last_name="李", phone="13900000000"))
    assert root.find("request/service_request_id").text.startswith("SJ")


def test_create_needs_a_valid_key_with_write_scope(client, api_client_user, grid, category):
    assert post(client, "").status_code == 403
    assert post(client, "wrong").status_code == 403
    read_only = issue_token(user=api_client_user, name="只读", scopes=[Scope.GRIDS_READ])
    assert post(client, read_only).status_code == 403
    assert not Event.objects.exists()


def test_bad_input_is_a_clear_error(client, api_token, grid, category):
    outside = post(client, api_token, lat=NOWHERE[1], long=NOWHERE[0])
    assert outside.status_code == 400 and "网格" in outside.json()[0]["description"]
    assert post(client, api_token, service_code="nope").status_code == 404
    assert post(client, api_token, lat="").status_code == 400
    assert xml(post(client, api_token, fmt="xml", lat="")).find("error/code").text == "400"
    assert not Event.objects.exists()


def test_requests_list_and_one_in_both_formats(client, report, operator):
    open_event = report()
    closed_event = report(description="另一件")
    services.reject_event(event=closed_event, actor=operator, reason="重复")
    rows = client.get(BASE + "requests.json").json()
    statuses = {r["service_request_id"]: r["status"] for r in rows}
    assert statuses == {open_event.number: "open", closed_event.number: "closed"}
    assert "reporter" not in str(rows)
    only_open = client.get(BASE + "requests.json", {"status": "open"}).json()
    assert [r["service_request_id"] for r in only_open] == [open_event.number]
    root = xml(client.get(BASE + "requests.xml", {"service_request_id": closed_event.number}))
    assert [r.find("status").text for r in root.findall("request")] == ["closed"]
    one = client.get(BASE + f"requests/{open_event.number}.json").json()
    assert one[0]["lat"] == HOME_POINT[1] and one[0]["long"] == HOME_POINT[0]
    assert xml(client.get(BASE + f"requests/{open_event.number}.xml")).find("request/service_code").text == "garbage"
    assert client.get(BASE + "requests/SJ0.json").status_code == 404
    assert client.get(BASE + "requests.json", {"status": "maybe"}).status_code == 400


def test_private_categories_are_not_services(client, category):
    category.is_public = False
    category.save()
    assert client.get(BASE + "services.json").json() == []
