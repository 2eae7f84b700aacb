"""The point-in-grid test answers as shapely's `covers` does: inside, on an edge or corner, in a hole,
on a hole's ring, in either part of a MultiPolygon."""

import random

import pytest
from shapely.geometry import Point, shape

from grids.geometry import covers

SQUARE_WITH_HOLE = {
    "type": "Polygon",
    "coordinates": [
        [[121.0, 32.0], [121.1, 32.0], [121.1, 32.1], [121.0, 32.1], [121.0, 32.0]],
        [[121.04, 32.04], [121.06, 32.04], [121.06, 32.06], [121.04, 32.06], [121.04, 32.04]],
    ],
}
CONCAVE_PAIR = {
    "type": "MultiPolygon",
    "coordinates": [
        [[[121.0, 32.0], [121.2, 32.0], [121.2, 32.2], [121.1, 32.05], [121.0, 32.2], [121.0, 32.0]]],
        [[[121.3, 32.3], [121.4, 32.3], [121.35, 32.4], [121.3, 32.3]]],
    ],
}


@pytest.mark.parametrize(
    ("geometry", "point", "expected"),
    [
        (SQUARE_WITH_HOLE, (121.02, 32.02), True),
        (SQUARE_WITH_HOLE, (121.05, 32.05), False),  # in the hole
        (SQUARE_WITH_HOLE, (121.04, 32.05), True),  # on the hole's ring
        (SQUARE_WITH_HOLE, (121.1, 32.05), True),  # on the outer edge
        (SQUARE_WITH_HOLE, (121.0, 32.0), True),  # on a corner
        (SQUARE_WITH_HOLE, (121.2, 32.05), False),
        (CONCAVE_PAIR, (121.1, 32.15), False),  # in the notch
        (CONCAVE_PAIR, (121.02, 32.15), True),  # the left lobe beside the notch
        (CONCAVE_PAIR, (121.35, 32.32), True),  # the second part
    ],
)
def test_named_points(geometry, point, expected):
    assert covers(geometry, *point) is expected
    assert shape(geometry).covers(Point(*point)) is expected


def test_random_points_agree_with_shapely():
    rng = random.Random(7)
    for geometry in (SQUARE_WITH_HOLE, CONCAVE_PAIR):
        for _ in range(3000):
            lng, lat = rng.uniform(120.95, 121.45), rng.uniform(31.95, 32.45)
            assert covers(geometry, lng, lat) == shape(geometry).covers(Point(lng, lat)), (lng, lat)


def test_other_geometries_are_refused():
    with pytest.raises(ValueError):
        covers({"type": "Point", "coordinates": [121.0, 32.0]}, 121.0, 32.0)
