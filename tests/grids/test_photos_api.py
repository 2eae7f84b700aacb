"""Reporting an event with photos over the REST API (multipart): checked by content and size; a bad photo
refuses the whole report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grids.models import Event
from ruian.attachments import Attachment
from tests.conftest import login
from tests.grids.conftest import HOME_POINT

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/grids/events/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64


def form(**extra):
    return {
        "category": "garbage",
        "lng": str(HOME_POINT[0]),
        "lat": str(HOME_POINT[1]),
        "description": "垃圾乱堆",
        **extra,
    }


def photo(name, content, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_report_with_two_photos(api, grid_worker, grid, category):
    login(api, grid_worker)
    response = api.post(
        EVENTS, form(photos=[photo("a.png", PNG), photo("b.jpg", JPEG, "image/jpeg")]), format="multipart"
    )
    assert response.status_code == 201, response.content
    event = Event.objects.get()
    stored = Attachment.objects.filter(object_id=str(event.pk)).order_by("id")
    assert [(a.original_name, a.mime_type) for a in stored] == [("a.png", "image/png"), ("b.jpg", "image/jpeg")]
    assert [p["name"] for p in response.json()["photos"]] == ["a.png", "b.jpg"]
    listed = api.get(f"{EVENTS}{event.pk}/photos/")
    assert listed.status_code == 200 and len(listed.json()) == 2
    download = api.get(listed.json()[0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content if download.streaming else [download.content]) == PNG


def test_report_without_photos_still_works_as_json(api, grid_worker, grid, category):
    response = login(api, grid_worker).post(EVENTS, form(), format="json")
    assert response.status_code == 201
    assert response.json()["photos"] == []


@pytest.mark.parametrize(
    "bad",
    [
        photo("fake.png", b"not a png at all, just text"),  # the name says PNG, the content does not
        photo("report.pdf", PDF, "application/pdf"),  # an allowed attachment, but not a photo
        photo("empty.png", b""),
    ],
    ids=["content-mismatch", "not-an-image", "empty"],
)
def test_a_bad_photo_refuses_the_whole_report(api, grid_worker, grid, category, bad):
    login(api, grid_worker)
    response = api.post(EVENTS, form(photos=[photo("good.png", PNG), bad]), format="multipart")
    assert response.status_code == 400, response.content
    assert "photos" in response.json()["error"]["fields"]
    assert not Event.objects.exists() and not Attachment.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(api, grid_worker, grid, category, settings):
    settings.GRID_PHOTO_MAX_BYTES = 1024
    login(api, grid_worker)
    response = api.post(EVENTS, form(photos=[photo("big.png", PNG + b"\x00" * 2048)]), format="multipart")
    assert response.status_code == 400
    assert "上限" in response.json()["error"]["message"]
    assert not Event.objects.exists()


def test_too_many_photos_are_refused(api, grid_worker, grid, category, settings):
    settings.GRID_MAX_PHOTOS = 2
    login(api, grid_worker)
    photos = [photo(f"{n}.png", PNG) for n in range(3)]
    response = api.post(EVENTS, form(photos=photos), format="multipart")
    assert response.status_code == 400
    assert not Event.objects.exists()


def test_idempotent_multipart_replay_and_a_different_photo_is_a_conflict(token_api, grid, category):
    headers = {"HTTP_IDEMPOTENCY_KEY": "photo-1"}
    first = token_api.post(EVENTS, form(photos=[photo("a.png", PNG)]), format="multipart", **headers)
    assert first.status_code == 201, first.content
    again = token_api.post(EVENTS, form(photos=[photo("a.png", PNG)]), format="multipart", **headers)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    other = token_api.post(EVENTS, form(photos=[photo("a.png", PNG + b"\x01")]), format="multipart", **headers)
    assert other.status_code == 422
    assert Event.objects.count() == 1 and Attachment.objects.count() == 1
