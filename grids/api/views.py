"""REST API of the grids app: grids (GeoJSON), workers, events and their actions, whistles.

Views are thin: they parse, call one service and serialise. Lists accept `updated_since` (ISO time) for
incremental sync; with it (or with `cursor`) they page by a cursor ordered by (updated_at, id).
"""

import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from grids import selectors, services
from grids.api import rows
from grids.api import serializers as s
from grids.models import (
    Department,
    DepartmentalGrid,
    Drill,
    DrillTask,
    Event,
    EventCategory,
    EventHandover,
    Grid,
    GridWorker,
    Source,
    Whistle,
    WhistleCall,
)
from ruian.api.pagination import PagePagination, SyncCursorPagination
from ruian.idempotency import idempotent_create
from ruian.staff import Role, has_role

SCOPES = {"read": "grids:read", "write": "grids:write"}
UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    description="只返回此时刻之后有变化的记录;与 cursor 一起用于增量同步(按 updated_at, id 排序)。",
)


class PageOrSyncPagination(PagePagination):
    """Documents both ways a list answers: numbered pages (with `count`), or, with `updated_since` or `cursor`,
    sync pages by cursor in (updated_at, id) order (without `count`). The view picks one per request."""

    def get_paginated_response_schema(self, schema):
        documented = super().get_paginated_response_schema(schema)
        documented["required"] = ["results"]
        documented["properties"]["count"]["description"] = "按页码分页时提供;按 cursor 增量同步时不提供。"
        return documented

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        names = {p["name"] for p in parameters}
        return parameters + [
            p for p in SyncCursorPagination().get_schema_operation_parameters(view) if p["name"] not in names
        ]


class SyncMixin:
    """Page numbers for people; a stable cursor for clients that sync with `updated_since`."""

    required_scopes = SCOPES
    pagination_class = PageOrSyncPagination

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            params = self.request.query_params if self.request else {}
            sync = "updated_since" in params or "cursor" in params
            self._paginator = SyncCursorPagination() if sync else PagePagination()
        return self._paginator

    def filter_updated_since(self, queryset):
        value = self.request.query_params.get("updated_since")
        if value is None:
            return queryset
        try:
            moment = parse_datetime(value)
        except ValueError:  # well formed but impossible, e.g. month 13
            moment = None
        if moment is not None and timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        try:
            # In UTC: PostgreSQL refuses offsets beyond +-15:59 that parse_datetime accepts.
            moment = moment.astimezone(datetime.UTC) if moment is not None else None
        except OverflowError:
            moment = None
        if moment is None:
            message = _("时间格式应为 ISO 8601,如 2026-11-01T08:00:00+08:00。")
            raise exceptions.ValidationError({"updated_since": [message]})
        return queryset.filter(updated_at__gt=moment)


@extend_schema_view(list=extend_schema(summary="Event categories (also the Open311 services)"))
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = EventCategory.objects.filter(is_active=True)
    serializer_class = s.GridEventCategorySerializer
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    required_scopes = SCOPES


@extend_schema_view(list=extend_schema(parameters=[UPDATED_SINCE]))
class GridViewSet(SyncMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Grids of the caller's scope with their GeoJSON boundary and their workers (name and phone).

    Creating, merging and splitting are the township command centre's (operator role, own township);
    a merge or split retires the old grids and moves their open events, recording each move."""

    queryset = Grid.objects.none()
    serializer_class = s.GridSerializer
    lookup_field = "code"
    lookup_value_regex = "[0-9]+"
    filterset_fields = ["kind", "is_active"]

    def get_queryset(self):
        return self.filter_updated_since(selectors.grids_for(self.request.user)).order_by("code")

    def _grid_body(self, grid):
        return s.GridSerializer(selectors.grids_for(self.request.user).get(pk=grid.pk)).data

    @extend_schema(request=s.GridCreateSerializer, responses={201: s.GridSerializer})
    def create(self, request, *args, **kwargs):
        """New grid under a village or community; its code extends the community code."""
        body = s.GridCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        grid = services.create_grid(actor=request.user, **body.validated_data)
        return Response(self._grid_body(grid), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.GridMergeSerializer, responses={201: s.GridSerializer}, summary="Merge grids")
    @action(detail=False, methods=["post"])
    def merge(self, request):
        """Merge active grids of one village or community into a new grid (boundary: the union)."""
        body = s.GridMergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        codes = body.validated_data["grids"]
        grids = list(selectors.grids_for(request.user).filter(code__in=codes))
        missing = sorted(set(codes) - {g.code for g in grids})
        if missing:
            raise exceptions.ValidationError({"grids": [_("网格不存在: %(codes)s") % {"codes": ", ".join(missing)}]})
        merged = services.merge_grids(
            grids=grids, name=body.validated_data["name"], reason=body.validated_data["reason"], actor=request.user
        )
        return Response(self._grid_body(merged), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.GridSplitSerializer, responses={201: s.GridSerializer(many=True)}, summary="Split a grid")
    @action(detail=True, methods=["post"])
    def split(self, request, code=None):
        """Split a grid into parts; open events go to the part that holds their point."""
        grid = get_object_or_404(self.get_queryset(), code=code)
        body = s.GridSplitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        parts = services.split_grid(
            grid=grid,
            parts=[dict(part) for part in body.validated_data["parts"]],
            reason=body.validated_data["reason"],
            actor=request.user,
        )
        return Response([self._grid_body(part) for part in parts], status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Grids as a GeoJSON FeatureCollection with open events per grid",
        responses=inline_serializer(
            "GridFeatureCollection",
            {
                "type": serializers.ChoiceField(choices=["FeatureCollection"]),
                "features": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def geojson(self, request):
        return Response(selectors.map_features(request.user))

    @extend_schema(
        summary="Which grid holds a point",
        parameters=[
            OpenApiParameter("lng", float, required=True),
            OpenApiParameter("lat", float, required=True),
        ],
    )
    @action(detail=False, methods=["get"])
    def locate(self, request):
        try:
            lng, lat = float(request.query_params["lng"]), float(request.query_params["lat"])
        except (KeyError, ValueError):
            raise exceptions.ValidationError({"location": [_("请给出经度 lng 和纬度 lat。")]}) from None
        # The grid with its village, township and active workers, in one statement.
        grid = selectors.grid_for_point(lng, lat, with_workers=True)
        if grid is None:
            raise exceptions.NotFound(_("位置(经度 %(lng)s,纬度 %(lat)s)不在任何网格之内。") % {"lng": lng, "lat": lat})
        return Response(rows.grid_row(grid))  # GridSerializer's JSON, without its per-call field setup


DEPARTMENT = OpenApiParameter("department", str, enum=[c[0] for c in Department.choices])


@extend_schema_view(
    list=extend_schema(
        summary="Old departmental grids and the comprehensive grid each was merged into",
        parameters=[DEPARTMENT, OpenApiParameter("code", str)],
    )
)
class DepartmentalGridViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """原条线网格 (party building, governance, city management ...) and where each went in 多网合一.

    Reading is open to every client with grids:read; recording one is the township command centre's."""

    lookup_value_regex = "[0-9]+"
    queryset = DepartmentalGrid.objects.none()
    serializer_class = s.GridDepartmentalSerializer
    required_scopes = SCOPES
    pagination_class = PagePagination

    def get_queryset(self):
        params = self.request.query_params if self.request else {}
        return selectors.departmental_grids(department=params.get("department", ""), code=params.get("code", ""))

    def create(self, request, *args, **kwargs):
        body = s.GridDepartmentalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        old = services.record_departmental_grid(actor=request.user, **body.validated_data)
        return Response(s.GridDepartmentalSerializer(old).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Which grid covers my old grid G",
        parameters=[
            OpenApiParameter("department", str, required=True, enum=[c[0] for c in Department.choices]),
            OpenApiParameter("code", str, required=True),
        ],
        responses=s.GridDepartmentalLookupSerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def covering(self, request):
        department = request.query_params.get("department", "")
        code = request.query_params.get("code", "").strip()
        if department not in Department.values or not code:
            raise exceptions.ValidationError({"department": [_("请给出条线 department 和原网格编码 code。")]})
        old = selectors.departmental_grids(department=department, code=code).first()
        if old is None:
            raise exceptions.NotFound(_("没有找到该原条线网格。"))
        old.covering_grids = [selectors.public_grids().get(pk=grid.pk) for grid in selectors.covering_grids(old)]
        return Response(s.GridDepartmentalLookupSerializer(old).data)


@extend_schema_view(list=extend_schema(parameters=[UPDATED_SINCE]))
class WorkerViewSet(SyncMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"
    queryset = GridWorker.objects.none()
    serializer_class = s.GridWorkerSerializer

    def get_queryset(self):
        return self.filter_updated_since(selectors.workers_for(self.request.user)).order_by("grid__code", "name")


def _default_source(user, token) -> str:
    if token is not None:
        return Source.API
    if has_role(user, Role.GRID_WORKER):
        return Source.GRID_WORKER
    if has_role(user, Role.OPERATOR):
        return Source.HOTLINE
    return Source.CITIZEN


@extend_schema_view(list=extend_schema(parameters=[UPDATED_SINCE]))
class EventViewSet(SyncMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Grid events of the caller's scope. Every action is a service call: role, state and level are checked."""

    lookup_value_regex = "[0-9]+"

    queryset = Event.objects.none()
    serializer_class = s.GridEventSerializer
    filterset_fields = ["status", "source"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return self.filter_updated_since(selectors.events_for(self.request.user)).order_by("-reported_at", "-id")

    def list(self, request, *args, **kwargs):
        """The same JSON as GridEventSerializer, built from one query of plain values per page."""
        values = rows.event_values(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(values)
        if page is None:
            return Response(rows.event_rows(values))
        return self.get_paginated_response(rows.event_rows(page))

    def _event(self):
        return get_object_or_404(selectors.events_for(self.request.user), pk=self.kwargs["pk"])

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _done(self, event):
        event = selectors.events_for(self.request.user).get(pk=event.pk)
        return Response(s.GridEventSerializer(event).data)

    @extend_schema(
        request={
            "application/json": s.GridEventCreateSerializer,
            "multipart/form-data": s.GridEventWithPhotosSerializer,
        },
        responses={
            201: s.GridEventCreatedSerializer,
            422: OpenApiResponse(description="该 Idempotency-Key 已用于内容不同的请求"),
        },
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, description="重试时使用同一个键")
        ],
    )
    @idempotent_create("grids.events.create")
    def create(self, request, *args, **kwargs):
        """Report an event at a point; the point finds its grid. Possible duplicates nearby are listed.

        With multipart/form-data, `photos` carries the photos (several allowed): JPEG, PNG or WEBP by their
        content, each within the size limit; a bad photo refuses the whole report (400, nothing saved)."""
        data = self._body(s.GridEventWithPhotosSerializer)
        event, duplicates = services.report_event(
            category=data["category"],
            lng=data["lng"],
            lat=data["lat"],
            description=data["description"],
            address=data["address"],
            source=data.get("source") or _default_source(request.user, request.auth),
            reporter_name=data["reporter_name"],
            reporter_phone=data["reporter_phone"],
            actor=request.user,
            photos=data["photos"],
        )
        # The new event as report_event left it: its category, grid (with its village) and township are loaded,
        # it has no unit, duplicate or hand-over yet, and report_event checked the caller's scope.
        body = rows.event_instance_row(event)  # GridEventCreatedSerializer's JSON
        body["possible_duplicates"] = [duplicate.number for duplicate in duplicates]
        photos = selectors.event_photos(event) if data["photos"] else []
        body["photos"] = s.GridPhotoSerializer(photos, many=True).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.GridEventSerializer)
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        return self._done(services.register_event(event=self._event(), actor=request.user))

    @extend_schema(request=s.GridRejectSerializer, responses=s.GridEventSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = self._body(s.GridRejectSerializer)
        return self._done(
            services.reject_event(
                event=self._event(), actor=request.user, reason=data["reason"], duplicate_of=data.get("duplicate_of")
            )
        )

    @extend_schema(request=s.GridDispatchSerializer, responses=s.GridEventSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_to_unit(self, request, pk=None):
        data = self._body(s.GridDispatchSerializer)
        return self._done(
            services.dispatch_event(event=self._event(), unit=data["unit"], actor=request.user, note=data["note"])
        )

    @extend_schema(request=None, responses=s.GridEventSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._done(services.accept_event(event=self._event(), actor=request.user))

    @extend_schema(request=s.GridReasonSerializer, responses=s.GridEventSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        data = self._body(s.GridReasonSerializer)
        return self._done(services.send_back_event(event=self._event(), actor=request.user, reason=data["reason"]))

    @extend_schema(request=s.GridFeedbackSerializer, responses=s.GridEventSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        data = self._body(s.GridFeedbackSerializer)
        return self._done(services.feed_back_event(event=self._event(), actor=request.user, result=data["result"]))

    @extend_schema(request=s.GridVerifySerializer, responses=s.GridEventSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        data = self._body(s.GridVerifySerializer)
        return self._done(
            services.verify_event(event=self._event(), actor=request.user, ok=data["ok"], note=data["note"])
        )

    @extend_schema(request=None, responses=s.GridEventSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._done(services.close_event(event=self._event(), actor=request.user))

    @extend_schema(request=s.GridEvaluateSerializer, responses=s.GridEventSerializer)
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        data = self._body(s.GridEvaluateSerializer)
        return self._done(
            services.evaluate_event(
                event=self._event(), actor=request.user, satisfaction=int(data["satisfaction"]), note=data["note"]
            )
        )

    @extend_schema(request=s.GridEscalateSerializer, responses=s.GridEventSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """Move the event one level up. A lower or equal level is refused (400 downward_escalation)."""
        data = self._body(s.GridEscalateSerializer)
        event = self._event()
        services.escalate_event(event=event, actor=request.user, to_division=data.get("to_division"), note=data["note"])
        return self._done(event)

    @extend_schema(request=s.GridHandoverSerializer, responses=s.GridEventSerializer)
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request, pk=None):
        data = self._body(s.GridHandoverSerializer)
        event = self._event()
        services.hand_over_event(event=event, actor=request.user, kind=data.get("kind"), note=data["note"])
        return self._done(event)

    @extend_schema(request=s.GridWhistleCreateSerializer, responses={201: s.GridWhistleSerializer})
    @action(detail=True, methods=["post"])
    def whistle(self, request, pk=None):
        """Blow the whistle: the named units must acknowledge within the configured time."""
        data = self._body(s.GridWhistleCreateSerializer)
        whistle = services.blow_whistle(
            event=self._event(), organisations=data["organisations"], actor=request.user, reason=data["reason"]
        )
        whistle = selectors.whistles_for(request.user).get(pk=whistle.pk)
        return Response(s.GridWhistleSerializer(whistle).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.GridPhotoSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def photos(self, request, pk=None):
        """The event's photos; each downloads from its url (same permission as the event)."""
        return Response(s.GridPhotoSerializer(selectors.event_photos(self._event()), many=True).data)

    @extend_schema(responses=s.GridHistorySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """Every change of the event, from the audit log."""
        return Response(s.GridHistorySerializer(selectors.event_timeline(self._event()), many=True).data)


@extend_schema_view(list=extend_schema(parameters=[UPDATED_SINCE]))
class WhistleViewSet(SyncMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"
    queryset = Whistle.objects.none()
    serializer_class = s.GridWhistleSerializer
    filterset_fields = ["is_open"]

    def get_queryset(self):
        return self.filter_updated_since(selectors.whistles_for(self.request.user)).order_by("-created_at", "-id")

    @extend_schema(request=s.GridAcknowledgeSerializer, responses=s.GridWhistleSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """报到: the caller's unit (or the given one) acknowledges the whistle."""
        whistle = get_object_or_404(self.get_queryset(), pk=pk)
        body = s.GridAcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        profile = getattr(request.user, "staff", None)
        organisation = body.validated_data.get("organisation") or (profile.organisation if profile else None)
        call = WhistleCall.objects.filter(whistle=whistle, organisation=organisation).first()
        if call is None:
            raise exceptions.ValidationError({"organisation": [_("该单位不在此次吹哨的报到名单中。")]})
        services.acknowledge_whistle(call=call, actor=request.user, note=body.validated_data["note"])
        return Response(s.GridWhistleSerializer(self.get_queryset().get(pk=whistle.pk)).data)


HANDOVER_FILTERS = [
    OpenApiParameter("kind", str, enum=["enforcement", "service"]),
    OpenApiParameter("status", str, enum=[c[0] for c in EventHandover.Status.choices]),
]


@extend_schema_view(list=extend_schema(parameters=HANDOVER_FILTERS))
class HandoverViewSet(viewsets.ReadOnlyModelViewSet):
    """Events handed over to enforcement (leads) or approvals (service requests), for the receiving side.

    `receive` records what a pending hand-over became when the receiving side created it by hand; an
    automatic receiver registered by the receiving app does the same after the hand-over commits."""

    lookup_value_regex = "[0-9]+"
    queryset = EventHandover.objects.none()
    serializer_class = s.GridHandoverRecordSerializer
    required_scopes = SCOPES
    pagination_class = PagePagination

    def get_queryset(self):
        params = self.request.query_params if self.request else {}
        return selectors.handovers_for(self.request.user, kind=params.get("kind", ""), status=params.get("status", ""))

    @extend_schema(request=s.GridHandoverReceiveSerializer, responses=s.GridHandoverRecordSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        from django.apps import apps

        handover = get_object_or_404(self.get_queryset(), pk=pk)
        body = s.GridHandoverReceiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        app_label, model_name = body.validated_data["target"].split(".")
        try:
            model = apps.get_model(app_label, model_name)
            target = model.objects.get(pk=body.validated_data["target_id"])
        except (LookupError, ObjectDoesNotExist):
            raise exceptions.ValidationError({"target_id": [_("接收对象不存在。")]}) from None
        services.receive_handover(handover=handover, target=target, actor=request.user)
        return Response(s.GridHandoverRecordSerializer(self.get_queryset().get(pk=handover.pk)).data)


RESPONSE_PERIOD = [
    OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="演练开始日期(含)"),
    OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="演练结束日期(含)"),
    OpenApiParameter("township", str, description="乡镇(街道)代码;省略时为调用者范围内全部"),
]


def _date_param(request, name):
    value = request.query_params.get(name, "")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise exceptions.ValidationError({name: [_("日期格式应为 YYYY-MM-DD。")]}) from None


@extend_schema_view(list=extend_schema(parameters=[UPDATED_SINCE]))
class DrillViewSet(SyncMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """联调联试 drills of the caller's scope: never events, so never in event counts, sync, Open311 or scores."""

    lookup_value_regex = "[0-9]+"
    queryset = Drill.objects.none()
    serializer_class = s.GridDrillSerializer

    def get_queryset(self):
        return self.filter_updated_since(selectors.drills_for(self.request.user)).order_by("-started_at", "-id")

    @extend_schema(request=s.GridDrillStartSerializer, responses={201: s.GridDrillSerializer})
    def create(self, request, *args, **kwargs):
        """Start a drill: a random past event (or case) of the township, a drill copy to each unit concerned
        (or to the units named). A unit that does not exist refuses the whole drill (400, nothing saved)."""
        from ruian.divisions import Level

        body = s.GridDrillStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        township = body.validated_data.get("township")
        if township is None:
            profile = getattr(request.user, "staff", None)
            organisation = profile.organisation if profile else None
            township = organisation.division if organisation and organisation.division.level == Level.TOWNSHIP else None
        drill = services.start_drill(
            township=township,
            actor=request.user,
            source=body.validated_data["source"],
            unit_ids=body.validated_data["units"],
        )
        return Response(
            s.GridDrillSerializer(selectors.drills_for(request.user).get(pk=drill.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses=s.GridDrillSerializer)
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        drill = get_object_or_404(self.get_queryset(), pk=pk)
        services.finish_drill(drill=drill, actor=request.user)
        return Response(s.GridDrillSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        summary="Each unit's drill response times in a period",
        parameters=RESPONSE_PERIOD,
        responses=s.GridDrillResponseTimeSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="response-times", pagination_class=None, filter_backends=[])
    def response_times(self, request):
        from ruian.divisions import Division
        from ruian.permissions import in_scope

        start, end = _date_param(request, "start"), _date_param(request, "end")
        if end < start:
            raise exceptions.ValidationError({"end": [_("结束日期不能早于开始日期。")]})
        code = request.query_params.get("township")
        township = None
        if code:
            township = Division.objects.filter(code=code).first()
            if township is None or not in_scope(request.user, township):
                raise exceptions.ValidationError({"township": [_("乡镇(街道)不存在或不在您的范围内。")]})
        rows = selectors.drill_response_times(
            start=start, end=end, township=township, drills=selectors.drills_for(request.user)
        )
        return Response(s.GridDrillResponseTimeSerializer(list(rows.values()), many=True).data)


@extend_schema_view(list=extend_schema(parameters=[UPDATED_SINCE]))
class DrillTaskViewSet(SyncMixin, viewsets.ReadOnlyModelViewSet):
    """Drill copies: the caller's unit answers its own (acknowledge, then handle)."""

    lookup_value_regex = "[0-9]+"
    queryset = DrillTask.objects.none()
    serializer_class = s.GridDrillTaskSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return self.filter_updated_since(
            DrillTask.objects.filter(drill__in=selectors.drills_for(self.request.user)).select_related(
                "drill", "organisation"
            )
        ).order_by("-dispatched_at", "-id")

    def _answer(self, task):
        return Response(s.GridDrillTaskSerializer(self.get_queryset().get(pk=task.pk)).data)

    @extend_schema(request=None, responses=s.GridDrillTaskSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        task = get_object_or_404(self.get_queryset(), pk=pk)
        return self._answer(services.acknowledge_drill_task(task=task, actor=request.user))

    @extend_schema(request=s.GridDrillResultSerializer, responses=s.GridDrillTaskSerializer)
    @action(detail=True, methods=["post"])
    def handle(self, request, pk=None):
        task = get_object_or_404(self.get_queryset(), pk=pk)
        if not services.can_answer_drill_task(request.user, task):
            raise exceptions.PermissionDenied(_("只有被派单的单位可以响应演练。"))
        body = s.GridDrillResultSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            services.handle_drill_task(task=task, actor=request.user, result=body.validated_data["result"])
        )
