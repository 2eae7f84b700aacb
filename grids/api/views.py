"""REST API of the grids app: grids (GeoJSON), workers, events and their actions, whistles.

Views are thin: they parse, call one service and serialise. Lists accept `updated_since` (ISO time) for
incremental sync; with it (or with `cursor`) they page by a cursor ordered by (updated_at, id).
"""

import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grids import selectors, services
from grids.api import serializers as s
from grids.api.idempotency import idempotent
from grids.models import Event, EventCategory, Grid, GridWorker, Source, Whistle, WhistleCall
from ruian.api.pagination import PagePagination, SyncCursorPagination
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
class GridViewSet(SyncMixin, viewsets.ReadOnlyModelViewSet):
    """Grids of the caller's scope with their GeoJSON boundary and their workers (name and phone)."""

    queryset = Grid.objects.none()
    serializer_class = s.GridSerializer
    lookup_field = "code"
    lookup_value_regex = "[0-9]+"
    filterset_fields = ["kind", "is_active"]

    def get_queryset(self):
        return self.filter_updated_since(selectors.grids_for(self.request.user)).order_by("code")

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
        grid = selectors.grid_for_point(lng, lat)
        if grid is None:
            raise exceptions.NotFound(_("位置(经度 %(lng)s,纬度 %(lat)s)不在任何网格之内。") % {"lng": lng, "lat": lat})
        grid = selectors.public_grids().get(pk=grid.pk)
        return Response(s.GridSerializer(grid).data)


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

    def get_queryset(self):
        return self.filter_updated_since(selectors.events_for(self.request.user)).order_by("-reported_at", "-id")

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
        request=s.GridEventCreateSerializer,
        responses={201: s.GridEventCreatedSerializer},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, description="重试时使用同一个键")
        ],
    )
    @idempotent("grids.events.create")
    def create(self, request, *args, **kwargs):
        """Report an event at a point; the point finds its grid. Possible duplicates nearby are listed."""
        data = self._body(s.GridEventCreateSerializer)
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
        )
        event = selectors.events_for(request.user).get(pk=event.pk)
        body = s.GridEventCreatedSerializer(event, context={"duplicates": duplicates}).data
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
