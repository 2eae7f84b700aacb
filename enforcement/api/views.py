"""REST API of the enforcement app. Reads go through selectors; every write calls a service, so the API has
the same legal checks as the pages. A move another user has already made answers 409."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from enforcement import selectors, services
from enforcement.api import serializers as s
from enforcement.models import Case, Lead, Publication, Transfer
from enforcement.states import IllegalTransition
from ruian.api.pagination import PagePagination, SyncCursorPagination
from ruian.staff import Role, has_role

SCOPES = {"read": "enforcement:read", "write": "enforcement:write"}

UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    str,
    description="ISO 8601: only rows changed since then, in (updated_at, id) order with a cursor for the next page.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, location=OpenApiParameter.HEADER, description="同一客户端以同一键重复提交只创建一次。"
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = _("状态已变化(可能已被他人处理),请刷新后重试。")


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


class EnforcementViewMixin:
    required_scopes = SCOPES
    pagination_class = PageOrSyncPagination

    def handle_exception(self, exc):
        if isinstance(exc, IllegalTransition):
            exc = Conflict(exc.messages[0])
        return super().handle_exception(exc)

    @property
    def paginator(self):
        # Incremental sync (updated_since or a cursor) pages by cursor in (updated_at, id) order; else by page.
        if not hasattr(self, "_paginator"):
            params = self.request.query_params if self.request else {}
            sync = "updated_since" in params or "cursor" in params
            self._paginator = SyncCursorPagination() if sync else PagePagination()
        return self._paginator

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        since = self.request.query_params.get("updated_since")
        if since:
            from django.utils.dateparse import parse_datetime

            moment = parse_datetime(since)
            if moment is None:
                raise exceptions.ValidationError({"updated_since": [_("时间格式应为 ISO 8601。")]})
            queryset = queryset.filter(updated_at__gte=moment).order_by("updated_at", "id")
        return queryset


@extend_schema(parameters=[UPDATED_SINCE])
class CaseViewSet(EnforcementViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Enforcement cases of the caller's township (or county)."""

    queryset = Case.objects.none()
    serializer_class = s.CaseSerializer
    filterset_fields = ["status", "procedure", "major"]

    def get_queryset(self):
        return selectors.cases_for(self.request.user)

    @extend_schema(request=s.CaseFileSerializer, responses={201: s.CaseSerializer})
    def create(self, request, *args, **kwargs):
        """立案 under a penalty power the township holds today."""
        body = s.CaseFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        case = services.case_file(
            township=data["township"],
            power=data["power"],
            title=data["title"],
            facts=data["facts"],
            lead=data.get("lead"),
            actor=request.user,
        )
        return Response(s.CaseSerializer(self.get_queryset().get(pk=case.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AssignSerializer, responses=s.CaseSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Assign at least two officers with valid certificates."""
        case = self.get_object()
        body = s.AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.case_assign(case=case, officers=body.validated_data["officers"], actor=request.user)
        return Response(s.CaseSerializer(self.get_queryset().get(pk=case.pk)).data)

    @extend_schema(request=s.CaseDecideSerializer, responses=s.CaseSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Make the penalty decision (legal review, defence and 90-day rules checked)."""
        case = self.get_object()
        body = s.CaseDecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.case_decide(case=case, actor=request.user, **body.validated_data)
        return Response(s.CaseSerializer(self.get_queryset().get(pk=case.pk)).data)


@extend_schema(parameters=[UPDATED_SINCE])
class LeadViewSet(EnforcementViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Case leads; provincial platforms push them with an `Idempotency-Key` header."""

    queryset = Lead.objects.none()
    serializer_class = s.LeadSerializer
    filterset_fields = ["status", "source"]

    def get_queryset(self):
        return selectors.leads_for(self.request.user)

    @extend_schema(parameters=[IDEMPOTENCY_KEY], responses={201: s.LeadSerializer, 200: s.LeadSerializer})
    def create(self, request, *args, **kwargs):
        body = s.LeadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        key = request.headers.get("Idempotency-Key", "")[:100]
        client = request.user if has_role(request.user, Role.API_CLIENT) else None
        if client is not None and not key:
            raise exceptions.ValidationError(
                {"Idempotency-Key": [_("接口客户端推送线索必须带 Idempotency-Key 请求头。")]}
            )
        lead, created = services.lead_create(
            township=data.pop("township"),
            source=data.pop("source"),
            summary=data.pop("summary"),
            actor=None if client else request.user,
            client=client,
            idempotency_key=key,
            **data,
        )
        row = self.get_queryset().get(pk=lead.pk)
        return Response(s.LeadSerializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(parameters=[UPDATED_SINCE])
class TransferViewSet(EnforcementViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Case transfers (案件移送): send, accept, return."""

    queryset = Transfer.objects.none()
    serializer_class = s.TransferSerializer
    filterset_fields = ["status", "direction"]

    def get_queryset(self):
        return selectors.transfers_for(self.request.user)

    def _row(self, transfer):
        return s.TransferSerializer(Transfer.objects.filter(pk=transfer.pk).get()).data

    @extend_schema(
        request=s.TransferSendSerializer, parameters=[IDEMPOTENCY_KEY], responses={201: s.TransferSerializer}
    )
    def create(self, request, *args, **kwargs):
        """Send a lead out to a county department, or (as the department) send a case in to a township."""
        body = s.TransferSendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data.get("lead"):
            lead = get_object_or_404(selectors.leads_for(request.user), pk=data["lead"].pk)
            transfer = services.lead_transfer(
                lead=lead,
                reason=data["reason"],
                actor=request.user,
                department=data.get("department"),
                copy_to=data.get("copy_to", []),
            )
            created = True
        else:
            client = request.user if has_role(request.user, Role.API_CLIENT) else None
            transfer, created = services.transfer_receive(
                township=data["township"],
                department=data["department"],
                summary=data["summary"],
                reason=data["reason"],
                actor=request.user,
                client=client,
                idempotency_key=request.headers.get("Idempotency-Key", "")[:100] if client else "",
            )
        return Response(self._row(transfer), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=s.TransferReasonSerializer, responses=s.TransferSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        transfer = self.get_object()
        body = s.TransferReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.transfer_accept(transfer=transfer, actor=request.user, note=body.validated_data["reason"])
        return Response(self._row(transfer))

    @extend_schema(request=s.TransferReasonSerializer, responses=s.TransferSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        transfer = self.get_object()
        body = s.TransferReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.transfer_return(transfer=transfer, actor=request.user, reason=body.validated_data["reason"])
        return Response(self._row(transfer))


@extend_schema(parameters=[UPDATED_SINCE])
class PublicationViewSet(EnforcementViewMixin, viewsets.ReadOnlyModelViewSet):
    """Published penalty decisions, personal data masked. Public: no login needed."""

    permission_classes = [permissions.AllowAny]
    queryset = Publication.objects.none()
    serializer_class = s.PublicationSerializer

    def get_queryset(self):
        return selectors.public_decisions()
