"""/open311/v2/ answers bad input with a 4xx in the requested format, never a 5xx, and changes nothing."""

import pytest

from grids.models import Event
from tests.grids.conftest import HOME_POINT

pytestmark = pytest.mark.django_db
BASE = "/open311/v2/"


def post(client, key, fmt="json", **extra):
    data = {"api_key": key, "service_code": "garbage", "lat": HOME_POINT[1], "long": HOME_POINT[0]}
    data.update({"description": "垃圾", **extra})
    return client.post(BASE + f"requests.{fmt}", data)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "2026-13-45T00:00:00+08:00"},
        {"end_date": "2026-02-30T25:61:00"},
        {"start_date": "not a date"},
        {"end_date": "0001-01-01T00:00:00+14:00"},
        {"status": "half"},
        {"status": "open\x00"},
        {"service_code": "garbage\x00"},
        {"service_request_id": "GE\x00"},
        {"start\x00": "x"},
    ],
)
def test_bad_list_parameters_are_a_400(client, category, fmt, query):
    response = client.get(BASE + f"requests.{fmt}", query)
    assert response.status_code == 400


def test_naive_dates_and_odd_offsets_are_read(client, category):
    assert client.get(BASE + "requests.json", {"start_date": "2026-01-01T08:00:00"}).status_code == 200
    # PostgreSQL refuses offsets beyond 15:59; the view converts to UTC first.
    assert client.get(BASE + "requests.xml", {"start_date": "2000-03-10T02:58:56-21:30"}).status_code == 200


@pytest.mark.parametrize(
    "extra",
    [
        {"lat": "nan"},
        {"long": "inf"},
        {"lat": "91"},
        {"long": "-181"},
        {"lat": "north"},
        {"description": "垃圾\x00"},
        {"service_code": "garbage\x00"},
        {"address_string": "\x00"},
        {"phone": "1\x00"},
    ],
)
def test_bad_create_input_is_a_400_and_nothing_is_stored(client, api_token, grid, category, extra):
    response = post(client, api_token, **extra)
    assert response.status_code == 400, response.content
    assert not Event.objects.exists()


def test_unknown_paths_and_methods_are_4xx(client, category):
    assert client.get(BASE + "services/nothing.json").status_code == 404
    assert client.get(BASE + "requests/NOPE.xml").status_code == 404
    assert client.get(BASE + "requests.yaml").status_code == 404
    assert client.put(BASE + "requests.json").status_code == 405
    assert client.post(BASE + "requests.json", "{", content_type="application/json").status_code == 403


def test_bad_api_key_and_unknown_service_in_xml(client, api_token, grid, category):
    assert post(client, "\x00", fmt="xml").status_code == 400
    assert post(client, api_token, fmt="xml", service_code="none").status_code == 404
    assert not Event.objects.exists()
