"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/, in JSON and XML.

Event categories open to the public are the services; events of those categories are the service
requests, with `service_request_id` = the event number. Reading is public and shows no personal data;
creating needs `api_key`: a REST client token with the `grids:write` scope. Requests created here go
through `grids.services.report_event` like any other report.
"""

import datetime
import math
from xml.etree import ElementTree

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from grids import services
from grids.models import Event, EventCategory, Source
from grids.states import OPEN_STATUSES
from ruian.apiclients import ClientToken, Scope, hash_key

CLOSED = "closed"
OPEN = "open"
LIST_LIMIT = 1000


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        self.status = status
        self.description = description


def _render(fmt: str, root: str, item: str, rows, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(rows, safe=False, status=status, json_dumps_params={"ensure_ascii": False})
    element = ElementTree.Element(root)
    for row in rows:
        child = ElementTree.SubElement(element, item)
        _fill(child, row)
    body = ElementTree.tostring(element, encoding="unicode")
    return HttpResponse(
        '<?xml version="1.0" encoding="utf-8"?>\n' + body, status=status, content_type="text/xml; charset=utf-8"
    )


def _fill(element, row: dict) -> None:
    for key, value in row.items():
        child = ElementTree.SubElement(element, key)
        if isinstance(value, list):
            for entry in value:
                _fill(ElementTree.SubElement(child, key.rstrip("s") or key), entry)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _render(fmt, "errors", "error", [{"code": status, "description": description}], status=status)


def _refuse_nul(request) -> None:
    """PostgreSQL cannot store or compare a NUL character: refuse it up front instead of failing with a 500."""
    for params in (request.GET, request.POST) if request.method == "POST" else (request.GET,):
        for key, values in params.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise Open311Error(400, f"{key.replace(chr(0), '')} must not contain NUL characters")


def _errors_as_open311(view):
    def wrapper(request, fmt, *args, **kwargs):
        try:
            _refuse_nul(request)
            return view(request, fmt, *args, **kwargs)
        except Open311Error as error:
            return _error(fmt, error.status, error.description)
        except ValidationError as error:
            return _error(fmt, 400, "; ".join(error.messages))
        except PermissionDenied as error:
            return _error(fmt, 403, str(error) or "forbidden")

    wrapper.__name__ = view.__name__
    return wrapper


def _service(category: EventCategory) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.group,
    }


def _public_categories():
    return EventCategory.objects.filter(is_active=True, is_public=True).order_by("group", "code")


@require_GET
@_errors_as_open311
def service_list(request, fmt):
    return _render(fmt, "services", "service", [_service(c) for c in _public_categories()])


@require_GET
@_errors_as_open311
def service_definition(request, fmt, code):
    category = _public_categories().filter(code=code).first()
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    # No extra attributes: every grid event needs only the standard fields (location, description).
    row = {"service_code": category.code, "attributes": []}
    if fmt == "json":
        return JsonResponse(row, json_dumps_params={"ensure_ascii": False})
    element = ElementTree.Element("service_definition")
    _fill(element, row)
    return HttpResponse(
        '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(element, encoding="unicode"),
        content_type="text/xml; charset=utf-8",
    )


def _iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _request_row(event: Event) -> dict:
    closed = event.status not in OPEN_STATUSES
    return {
        "service_request_id": event.number,
        "status": CLOSED if closed else OPEN,
        "status_notes": event.get_status_display(),
        "service_name": event.category.name,
        "service_code": event.category.code,
        "description": event.description,
        "agency_responsible": event.unit.name if event.unit_id else None,
        "service_notice": None,
        "requested_datetime": _iso(event.reported_at),
        "updated_datetime": _iso(event.updated_at),
        "expected_datetime": None,
        "address": event.address,
        "address_id": event.grid.code,
        "zipcode": None,
        "lat": event.lat,
        "long": event.lng,
        "media_url": None,
    }


def _public_events():
    return Event.objects.filter(category__is_public=True).select_related("category", "unit", "grid")


def _date_param(request, name):
    value = request.GET.get(name)
    if not value:
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:  # well formed but impossible, e.g. month 13
        moment = None
    if moment is None:
        raise Open311Error(400, f"{name} must be a W3C date-time, e.g. 2026-11-01T08:00:00+08:00")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    try:
        # In UTC: PostgreSQL refuses offsets beyond +-15:59 that parse_datetime accepts.
        return moment.astimezone(datetime.UTC)
    except OverflowError:
        raise Open311Error(400, f"{name} is out of range") from None


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_errors_as_open311
def request_list(request, fmt):
    if request.method == "POST":
        return _create_request(request, fmt)
    events = _public_events()
    if ids := request.GET.get("service_request_id"):
        events = events.filter(number__in=[i.strip() for i in ids.split(",")])
    else:
        # The standard's default: the last 90 days.
        start = _date_param(request, "start_date") or timezone.now() - datetime.timedelta(days=90)
        events = events.filter(reported_at__gte=start)
        if end := _date_param(request, "end_date"):
            events = events.filter(reported_at__lte=end)
        if codes := request.GET.get("service_code"):
            events = events.filter(category__code__in=codes.split(","))
        status = request.GET.get("status")
        if status == OPEN:
            events = events.filter(status__in=OPEN_STATUSES)
        elif status == CLOSED:
            events = events.exclude(status__in=OPEN_STATUSES)
        elif status:
            raise Open311Error(400, "status must be open or closed")
    rows = [_request_row(e) for e in events.order_by("-reported_at", "-id")[:LIST_LIMIT]]
    return _render(fmt, "service_requests", "request", rows)


@require_GET
@_errors_as_open311
def request_detail(request, fmt, number):
    event = _public_events().filter(number=number).first()
    if event is None:
        raise Open311Error(404, f"service_request_id {number} not found")
    return _render(fmt, "service_requests", "request", [_request_row(event)])


def _client(api_key: str):
    if not api_key:
        raise Open311Error(403, "api_key is required to create a service request")
    token = ClientToken.objects.select_related("user").filter(key_hash=hash_key(api_key)).first()
    if token is None or not token.is_active or not token.user.is_active:
        raise Open311Error(403, "api_key is invalid or revoked")
    if not token.has_scope(Scope.GRIDS_WRITE):
        raise Open311Error(403, "api_key lacks the grids:write scope")
    return token.user


def _create_request(request, fmt):
    data = request.POST
    user = _client(data.get("api_key", ""))
    code = data.get("service_code", "")
    category = _public_categories().filter(code=code).first()
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    try:
        lat, lng = float(data["lat"]), float(data["long"])
    except (KeyError, ValueError):
        raise Open311Error(400, "lat and long are required (a grid event needs a location)") from None
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise Open311Error(400, "lat must be within -90..90 and long within -180..180")
    name = " ".join(part for part in (data.get("last_name", ""), data.get("first_name", "")) if part)
    event, _duplicates = services.report_event(
        category=category,
        lng=lng,
        lat=lat,
        description=data.get("description", ""),
        address=data.get("address_string", "")[:200],
        source=Source.OPEN311,
        actor=user,
        reporter_name=name[:50],
        reporter_phone=data.get("phone", "")[:20],
    )
    row = {"service_request_id": event.number, "service_notice": None, "account_id": None}
    return _render(fmt, "service_requests", "request", [row], status=201)
