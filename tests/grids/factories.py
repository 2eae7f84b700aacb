"""Factories for the grids app, built on the kernel's."""

import factory

from grids.models import EventCategory


def square(lng: float, lat: float, size: float = 0.01) -> dict:
    """A GeoJSON square polygon with its south-west corner at (lng, lat)."""
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


class EventCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat{n}")
    name = factory.Sequence(lambda n: f"事件类别{n}")
    group = "城市管理"
    dispatch_limit_hours = 1
    handle_limit = 3
    default_unit_kind = "township_office"
