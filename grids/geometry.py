"""Whether a GeoJSON Polygon or MultiPolygon covers a point, in plain Python.

The point-to-grid lookup runs on every report; shapely (with numpy, 19 MB in each web worker) answered
it, for a test that is a few lines: inside an outer ring and outside its holes, or on any ring (shapely's
`covers`: the boundary counts as inside). Boundaries are validated with shapely when a grid is saved
(`grids.models.validate_boundary`), so the rings here are closed and simple. tests/grids/test_geometry.py
checks the answers against shapely's.
"""


def _on_segment(x, y, x1, y1, x2, y2) -> bool:
    cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
    if cross != 0:
        return False
    return min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2)


def _ring_position(ring, x, y) -> int:
    """1 inside the ring, 0 on it, -1 outside (even-odd ray casting)."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if _on_segment(x, y, x1, y1, x2, y2):
            return 0
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return 1 if inside else -1


def _polygon_covers(rings, x, y) -> bool:
    outer = _ring_position([tuple(p[:2]) for p in rings[0]], x, y)
    if outer < 0:
        return False
    if outer == 0:
        return True
    for hole in rings[1:]:
        position = _ring_position([tuple(p[:2]) for p in hole], x, y)
        if position == 0:
            return True  # on a hole's ring: on the polygon's boundary
        if position > 0:
            return False
    return True


def covers(geometry: dict, lng: float, lat: float) -> bool:
    kind = geometry.get("type")
    if kind == "Polygon":
        return _polygon_covers(geometry["coordinates"], lng, lat)
    if kind == "MultiPolygon":
        return any(_polygon_covers(polygon, lng, lat) for polygon in geometry["coordinates"])
    raise ValueError(f"not a Polygon or MultiPolygon: {kind!r}")
