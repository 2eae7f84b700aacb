import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grids import services
from grids.models import Event, Whistle
from ruian.attachments import Attachment
from tests.conftest import login
from tests.grids.conftest import HOME_POINT, NOWHERE

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_grid_worker_reports_with_a_photo(client, grid_worker, grid, category):
    login(client, grid_worker)
    page = client.get(reverse("grids:report"))
    assert page.status_code == 200
    assert b'name="viewport"' in page.content and b"grids/report.js" in page.content
    response = client.post(
        reverse("grids:report"),
        {
            "category": category.pk,
            "description": "垃圾",
            "lng": HOME_POINT[0],
            "lat": HOME_POINT[1],
            "photos": [SimpleUploadedFile("site.png", PNG, content_type="image/png")],
        },
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.grid == grid
    assert Attachment.objects.filter(object_id=str(event.pk)).count() == 1


def test_report_outside_every_grid_shows_the_error(client, grid_worker, grid, category):
    login(client, grid_worker)
    response = client.post(
        reverse("grids:report"), {"category": category.pk, "description": "x", "lng": NOWHERE[0], "lat": NOWHERE[1]}
    )
    assert response.status_code == 200
    assert "不在任何网格之内" in response.content.decode()
    assert not Event.objects.exists()


def test_pages_need_the_role(client, clerk, grid):
    login(client, clerk)
    assert client.get(reverse("grids:command_centre")).status_code == 403
    assert client.get(reverse("grids:report")).status_code == 403


def test_operator_registers_dispatches_and_whistles_through_the_pages(client, report, operator, unit, police):
    event = report()
    login(client, operator)
    detail = reverse("grids:event_detail", args=[event.pk])
    assert client.get(detail).status_code == 200
    client.post(reverse("grids:event_action", args=[event.pk, "register"]))
    client.post(reverse("grids:event_action", args=[event.pk, "dispatch"]), {"unit": unit.pk, "note": ""})
    client.post(
        reverse("grids:event_action", args=[event.pk, "whistle"]), {"organisations": [police.pk], "reason": "联合"}
    )
    event.refresh_from_db()
    assert event.status == "dispatched" and event.unit == unit
    assert Whistle.objects.filter(event=event).count() == 1
    page = client.get(detail).content.decode()
    assert "长沙派出所" in page
    # A wrong move is refused with a message, and nothing changes.
    response = client.post(reverse("grids:event_action", args=[event.pk, "close"]), follow=True)
    assert "不能从" in response.content.decode()
    event.refresh_from_db()
    assert event.status == "dispatched"


def test_unit_and_grid_worker_finish_through_the_pages(client, report, operator, unit, unit_staff, grid_worker):
    event = report()
    services.register_event(event=event, actor=operator)
    services.dispatch_event(event=event, unit=unit, actor=operator)
    login(client, unit_staff)
    client.post(reverse("grids:event_action", args=[event.pk, "accept"]))
    client.post(reverse("grids:event_action", args=[event.pk, "feedback"]), {"result": "已清运"})
    login(client, grid_worker)
    assert event.number in client.get(reverse("grids:report")).content.decode()
    client.post(reverse("grids:event_action", args=[event.pk, "verify"]), {"ok": "1", "note": ""})
    event.refresh_from_db()
    assert event.status == "verified"


def test_command_centre_and_map(client, report, operator, grid):
    event = report()
    services.register_event(event=event, actor=operator)
    login(client, operator)
    page = client.get(reverse("grids:command_centre")).content.decode()
    assert event.number in page and "grids/map.js" in page
    assert 'data-clock="green"' in page
    features = client.get(reverse("grids:map_data")).json()["features"]
    assert features[0]["properties"]["open_events"] == 1


def test_command_centre_costs_a_fixed_number_of_queries(client, operator, bulk):
    login(client, operator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("grids:command_centre")).status_code == 200
        with CaptureQueriesContext(connection) as map_queries:
            assert client.get(reverse("grids:map_data")).status_code == 200
        return len(queries), len(map_queries)

    bulk(10)
    small = count()
    bulk(90)
    assert count() == small
    assert Event.objects.count() == 100


def test_command_centre_pages_the_open_events_and_counts_them_all(client, operator, bulk):
    import re

    bulk(60)
    login(client, operator)
    first = client.get(reverse("grids:command_centre")).content.decode()
    second = client.get(reverse("grids:command_centre"), {"page": 2}).content.decode()
    numbers = [re.findall(r'data-event="([^"]+)"', page) for page in (first, second)]
    assert [len(found) for found in numbers] == [50, 10]
    assert set(numbers[0]) | set(numbers[1]) == set(Event.objects.values_list("number", flat=True))
    assert 'id="open-total">60<' in first
    # the counts by state are over every open event, not the page
    assert 'data-state="registered">已立案 30<' in first and 'data-state="dispatched">已派遣 30<' in first
    assert 'id="waiting-total">60<' in first and first.count("list-group-item d-flex") == 50
    assert "page=2" in first


def test_public_grids_show_workers_without_login(client, grid, grid_worker):
    page = client.get(reverse("grids:public_grids")).content.decode()
    assert grid.code in page and "冒永兵" in page and "13800000009" in page


def test_navigation_links_to_the_pages(client, operator):
    login(client, operator)
    assert reverse("grids:command_centre") in client.get(reverse("dashboard")).content.decode()
