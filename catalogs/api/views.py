"""REST API of the catalogs. Reads go through selectors; every write calls a service, so the API has the
same checks as the pages (editor role and county, drafts only, optimistic concurrency, audit)."""

import datetime

from django.db.models import F, Q, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from catalogs import imports, selectors, services
from catalogs.api import filters, rows
from catalogs.api import serializers as s
from catalogs.models import (
    CatalogKind,
    CatalogVersion,
    DataResource,
    DataSubscription,
    DutyAdmissionRequest,
    EmpowermentBatch,
    ImposedInspection,
    InspectionPlan,
    PowerItem,
    ServiceItem,
    TerritorialMatter,
)
from catalogs.states import VersionStatus
from ruian.api.pagination import KnownCount, KnownCountPagination, WindowCountPagination, with_total
from ruian.divisions import Division, Level
from ruian.permissions import in_scope, scope_q

SCOPES = {"read": "catalogs:read", "write": "catalogs:write"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "edit_conflict"
    default_detail = _("对象已被他人修改,请刷新后重试。")


class CatalogViewMixin:
    required_scopes = SCOPES

    def handle_exception(self, exc):
        if isinstance(exc, services.EditConflict):
            exc = Conflict(str(exc))
        return super().handle_exception(exc)


class VersionViewSet(CatalogViewMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Catalog versions: published ones for everybody, drafts for the editors of their county."""

    serializer_class = s.VersionSerializer
    filterset_fields = ["kind", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.versions_for(self.request.user)

    def get_object(self):
        """The version named in the URL, as versions_for would find it, without asking for the caller's
        data scope when the version is published or superseded (public to everybody)."""
        if self.request.method not in ("GET", "HEAD"):
            return super().get_object()
        queryset = CatalogVersion.objects.select_related("county")
        if any(name in self.request.query_params for name in self.filterset_fields):
            queryset = self.filter_queryset(queryset)
        version = generics.get_object_or_404(queryset, pk=self.kwargs["pk"])
        if version.status not in selectors.PUBLIC_STATUSES and not in_scope(self.request.user, version.county):
            raise Http404
        self.check_object_permissions(self.request, version)
        return version

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("revision", None)
        serializer.instance = services.version_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        expected = data.pop("revision", None)
        for frozen in ("county", "kind"):
            if frozen in data and data.pop(frozen) != getattr(serializer.instance, frozen):
                raise exceptions.ValidationError({frozen: [_("不能修改。")]})
        serializer.instance = services.version_update(
            version=serializer.instance, actor=self.request.user, expected_revision=expected, **data
        )

    @extend_schema(request=s.VersionTransitionSerializer, responses=s.VersionSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the version along draft → in_review → submitted → published → superseded."""
        params = s.VersionTransitionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        version = services.version_transition(version=self.get_object(), actor=request.user, **params.validated_data)
        return Response(s.VersionSerializer(version).data)

    @extend_schema(request=s.NewDraftSerializer, responses={201: s.VersionSerializer})
    @action(detail=True, methods=["post"])
    def draft(self, request, pk=None):
        """Open a new draft holding a copy of this version's items (published versions are read-only)."""
        params = s.NewDraftSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        draft = services.version_create_draft(source=self.get_object(), actor=request.user, **params.validated_data)
        return Response(s.VersionSerializer(draft).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": s.ImportRequestSerializer},
        responses={200: s.ImportReportSerializer, 400: s.ImportReportSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def import_items(self, request, pk=None):
        """Import a spreadsheet (xlsx/csv) into this draft. `dry_run` (default true) only reports; otherwise
        all rows are written or, if any row is bad, none. The report lists every bad row with its number."""
        params = s.ImportRequestSerializer(data=request.data)
        if not params.is_valid():
            # The documented 400 of this action is an import report: bad parameters are its file errors.
            report = imports.ImportReport()
            report.file_errors = [
                f"{name}: {message}"
                for name, messages in params.errors.items()
                for message in (messages if isinstance(messages, list) else [messages])
            ]
            return Response(report.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        upload = params.validated_data["file"]
        version = self.get_object()
        report = imports.ImportReport(dry_run=params.validated_data["dry_run"])
        if upload.size > imports.MAX_BYTES:
            report.file_errors.append(_("文件过大,上限为 %(max)s MB。") % {"max": imports.MAX_BYTES // 1048576})
        else:
            report = imports.import_file(
                version=version,
                content=upload.read(),
                filename=upload.name,
                actor=request.user,
                dry_run=params.validated_data["dry_run"],
            )
        return Response(report.as_dict(), status=status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST)

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, enum=["xlsx", "csv"], description="default xlsx")],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """The version's items as a spreadsheet with the import columns (it imports back unchanged)."""
        version = self.get_object()
        file_format = request.query_params.get("file_format", "xlsx")
        if file_format not in ("xlsx", "csv"):
            raise exceptions.ValidationError({"file_format": [_("只支持 xlsx 或 csv。")]})
        content = imports.dataset_bytes(imports.export_dataset(version), file_format)
        response = HttpResponse(content, content_type="text/csv; charset=utf-8" if file_format == "csv" else XLSX)
        response["Content-Disposition"] = f'attachment; filename="catalog-{version.pk}.{file_format}"'
        return response

    @extend_schema(responses=s.SummarySerializer)
    @action(detail=True, methods=["get"])
    def summary(self, request, pk=None):
        """Counts by category (power list), by party (territorial list) or by level (service items)."""
        version = None
        if pk.isascii() and pk.isdigit() and len(pk) <= 18 and not request.query_params:
            # A version seen public stays public, and its figures are kept (selectors.version_figures).
            version = selectors.seen_public(int(pk))
        if version is None:
            version = self.get_object()
            selectors.remember_public(version)
        else:
            self.check_object_permissions(request, version)
        if version.kind == CatalogKind.POWER:
            categories = selectors.category_summary(version)
            return Response({"total": sum(r["count"] for r in categories), "categories": categories})
        if version.kind == CatalogKind.TERRITORIAL:
            counts = selectors.territorial_summary(version)
            return Response({"total": counts["total"], "territorial": counts})
        levels = selectors.service_level_summary(version)
        return Response({"total": sum(levels.values()), "levels": levels})

    @extend_schema(
        parameters=[OpenApiParameter("with", int, required=True, description="the version to compare against")],
        responses=s.CompareSerializer,
    )
    @action(detail=True, methods=["get"])
    def compare(self, request, pk=None):
        """Items added, removed and changed (field by field) from version `with` to this one."""
        new = self.get_object()
        try:
            old = self.get_queryset().get(pk=int(request.query_params.get("with", "")))
        except (ValueError, CatalogVersion.DoesNotExist) as error:
            raise exceptions.ValidationError({"with": [_("请给出要比较的目录版本。")]}) from error
        if old.kind != new.kind:
            raise exceptions.ValidationError({"with": [_("只能比较同一类目录的版本。")]})
        diff = selectors.compare_versions(old, new)
        return Response(
            {
                "old": old.pk,
                "new": new.pk,
                "added": [{"code": i.code, "name": i.name} for i in diff["added"]],
                "removed": [{"code": i.code, "name": i.name} for i in diff["removed"]],
                "changed": [{"code": c["code"], "name": c["name"], "changes": c["changes"]} for c in diff["changed"]],
            }
        )


class ItemViewSet(CatalogViewMixin, viewsets.ModelViewSet):
    """Items of a catalog. Without `version`, the items of the published versions are listed."""

    kind: str = ""
    model = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _versions(self):
        versions = selectors.versions_for(self.request.user)
        if self.action == "list" and "version" not in self.request.query_params:
            versions = versions.filter(status=VersionStatus.PUBLISHED)
        return versions.filter(kind=self.kind)

    def get_queryset(self):
        return selectors.items_of(self._versions(), self.kind).order_by("version_id", "code", "id")

    def perform_create(self, serializer):
        version = serializer.validated_data["version"]
        if version.kind != self.kind:
            raise exceptions.ValidationError({"version": [_("该版本不是此类目录。")]})
        serializer.instance = services.item_create(version=version, actor=self.request.user, data=serializer.content())

    def perform_update(self, serializer):
        if (
            "version" in serializer.validated_data
            and serializer.validated_data["version"] != serializer.instance.version
        ):
            raise exceptions.ValidationError({"version": [_("不能把事项移到另一个版本。")]})
        if "revision" not in serializer.validated_data:
            raise exceptions.ValidationError({"revision": [_("修改时必须给出读取时的修订号。")]})
        serializer.instance = services.item_update(
            item=serializer.instance,
            actor=self.request.user,
            data=serializer.content(),
            expected_revision=serializer.validated_data["revision"],
        )

    @extend_schema(parameters=[OpenApiParameter("revision", int, description="the revision the client read")])
    def destroy(self, request, *args, **kwargs):
        services.item_delete(
            item=self.get_object(), actor=request.user, expected_revision=request.query_params.get("revision")
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PowerItemViewSet(ItemViewSet):
    """Power and responsibility list items (filter by version, category, township, text, updated_since)."""

    kind = CatalogKind.POWER
    queryset = PowerItem.objects.none()
    serializer_class = s.PowerItemSerializer
    filterset_class = filters.PowerItemFilter

    pagination_class = KnownCountPagination
    # Filters other than `version`: with none of them, a published version's list is all its items.
    NARROWING = ("category", "township", "q", "updated_since")
    PAGING = {"version", "page", "page_size"}

    def _named_version(self):
        """The version a list names (`version=<id>`), looked up by id: False when the caller may not read it
        or it is not a power list, None when the list names no single version (then versions_for filters).
        The caller's data scope is asked for only when the version is not public."""
        raw = self.request.query_params.get("version", "")
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            return None
        version = selectors.seen_public(int(raw))
        if version is None:
            version = CatalogVersion.objects.select_related("county").filter(pk=int(raw)).first()
            if version is None:
                return False
            selectors.remember_public(version)
        if version.kind != self.kind:
            return False
        if version.status not in selectors.PUBLIC_STATUSES and not in_scope(self.request.user, version.county):
            return False
        return version

    def get_queryset(self):
        if self.action != "list":
            return super().get_queryset()
        # The list reads plain values (rows.power_item_values): no model instances, no prefetch.
        self.named_version = version = self._named_version()
        if version is None:
            items = PowerItem.objects.filter(version__in=self._versions())
        elif version is False:
            items = PowerItem.objects.none()
        else:
            items = PowerItem.objects.filter(version=version)
        return items.order_by("version_id", "code", "id")

    def list(self, request, *args, **kwargs):
        """The same JSON as PowerItemSerializer, built from one query of plain values per page."""
        items = self.get_queryset()
        version = self.named_version
        if not (version and request.query_params.keys() <= self.PAGING):
            items = self.filter_queryset(items)  # (a named version is filtered on already)
        values = rows.power_item_values(items)
        if (
            version
            and version.status in selectors.PUBLIC_STATUSES
            and not any(request.query_params.get(name) for name in self.NARROWING)
        ):
            # Every item of a published version: its count is kept with its figures (version_figures).
            values = KnownCount(values, selectors.version_figures(version)["items"])
        page = self.paginate_queryset(values)
        if page is None:
            return Response(rows.power_item_rows(values))
        return self.get_paginated_response(rows.power_item_rows(page))


class TerritorialMatterViewSet(ItemViewSet):
    """Territorial-management matters with the primary and cooperating party at county and township level."""

    kind = CatalogKind.TERRITORIAL
    queryset = TerritorialMatter.objects.none()
    serializer_class = s.TerritorialMatterSerializer
    filterset_class = filters.TerritorialMatterFilter


class ServiceItemViewSet(ItemViewSet):
    """Public service items with the level they reach and their service guide fields."""

    kind = CatalogKind.PUBLIC_SERVICE
    queryset = ServiceItem.objects.none()
    serializer_class = s.ServiceItemSerializer
    filterset_class = filters.ServiceItemFilter


class EmpowermentViewSet(CatalogViewMixin, viewsets.ReadOnlyModelViewSet):
    """Empowerment batches (赋权) and their adjustments."""

    serializer_class = s.EmpowermentBatchSerializer

    def get_queryset(self):
        return EmpowermentBatch.objects.select_related("county").prefetch_related("adjustments")

    @extend_schema(request=s.EmpowermentBatchCreateSerializer, responses={201: s.EmpowermentBatchSerializer})
    def create(self, request):
        params = s.EmpowermentBatchCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        batch = services.empowerment_batch_create(actor=request.user, **params.validated_data)
        return Response(s.EmpowermentBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AdjustmentCreateSerializer, responses={201: s.AdjustmentSerializer})
    @action(detail=True, methods=["post"])
    def adjust(self, request, pk=None):
        """Grant more powers or withdraw some, under a document of its own and from its own date."""
        params = s.AdjustmentCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        adjustment = services.empowerment_adjust(batch=self.get_object(), actor=request.user, **params.validated_data)
        return Response(s.AdjustmentSerializer(adjustment).data, status=status.HTTP_201_CREATED)


@extend_schema(
    summary="Powers of a township on a date",
    parameters=[
        OpenApiParameter("code", str, OpenApiParameter.PATH, description="12-digit township code"),
        OpenApiParameter("on", datetime.date, description="YYYY-MM-DD, default today"),
    ],
    responses=s.TownshipPowerSerializer(many=True),
)
class TownshipPowersView(CatalogViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The powers delegated to the township and not withdrawn on the given day, by category and code, a page
    at a time (`page`, `page_size` up to 500; `next` links the following page). One query per page: the
    total comes with the rows."""

    serializer_class = s.TownshipPowerSerializer
    pagination_class = WindowCountPagination
    filter_backends = []

    def _township(self):
        return Division.objects.filter(code=self.kwargs["code"], level=Level.TOWNSHIP)

    def get_queryset(self):
        raw = self.request.query_params.get("on")
        try:
            on = datetime.date.fromisoformat(raw) if raw else datetime.date.today()
        except ValueError as error:
            get_object_or_404(self._township())  # an unknown township is a 404 first
            raise exceptions.ValidationError({"on": [_("日期格式应为 YYYY-MM-DD。")]}) from error
        # The township is looked up inside the powers' query; only an empty answer asks whether it exists.
        return selectors.powers_of_township(Subquery(self._township().values("pk")[:1]), on)

    def list(self, request, *args, **kwargs):
        """The same JSON as TownshipPowerSerializer, from plain values."""
        # The id breaks ties (the same code in two versions' lists), so pages do not overlap.
        values = with_total(
            self.get_queryset()
            .order_by("category", "code", "id")
            .values(*rows.TOWNSHIP_POWER_COLUMNS, version_title=F("version__title"))
        )
        page = self.paginate_queryset(values)
        if not page and not self._township().exists():
            raise Http404
        return self.get_paginated_response(rows.township_power_rows(page))


class AdmissionViewSet(CatalogViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Duty-admission requests (职责准入) of the counties in the caller's scope."""

    serializer_class = s.AdmissionSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return (
            DutyAdmissionRequest.objects.filter(scope_q(self.request.user, "county"))
            .select_related("county")
            .prefetch_related("steps__reviewer")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.admission_apply(actor=self.request.user, **data)

    @extend_schema(request=s.AdmissionReviewSerializer, responses=s.AdmissionSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """The next review step: staffing office, justice bureau, county government; refusal needs reasons."""
        params = s.AdmissionReviewSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        admission = services.admission_review(request=self.get_object(), actor=request.user, **params.validated_data)
        return Response(s.AdmissionSerializer(self.get_queryset().get(pk=admission.pk)).data)


class DataResourceViewSet(CatalogViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The government data resource catalog (政务数据资源目录)."""

    serializer_class = s.DataResourceSerializer
    filterset_fields = ["department", "sharing_type", "update_cycle", "on_exchange_platform"]

    def get_queryset(self):
        return DataResource.objects.select_related("department")

    def perform_create(self, serializer):
        serializer.instance = services.resource_publish(actor=self.request.user, **serializer.validated_data)

    @extend_schema(responses=s.SharingFiguresSerializer)
    @action(detail=False, methods=["get"])
    def figures(self, request):
        """Information-sharing figures (信息共享) of the departments in the caller's scope: resources published,
        resources on the city exchange platform, subscriptions between departments."""
        return Response(s.SharingFiguresSerializer(selectors.sharing_figures(request.user)).data)


class SubscriptionViewSet(CatalogViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Subscriptions to data resources: those of the caller's departments, asked or received."""

    serializer_class = s.SubscriptionSerializer
    filterset_fields = ["status", "resource"]
    queryset = DataSubscription.objects.none()

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return DataSubscription.objects.filter(
            scope_q(user, "subscriber__division")
            | scope_q(user, "resource__department__division")
            | Q(requested_by=user)
        ).distinct()

    def perform_create(self, serializer):
        serializer.instance = services.subscription_request(actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=s.SubscriptionDecisionSerializer, responses=s.SubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        params = s.SubscriptionDecisionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        subscription = services.subscription_decide(
            subscription=self.get_object(), actor=request.user, **params.validated_data
        )
        return Response(s.SubscriptionSerializer(subscription).data)


class InspectionPlanViewSet(CatalogViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Yearly plans of the supervisions, inspections and assessments imposed on townships (减负), with the
    number of items on the plan, those held that year and those held that were not on the plan."""

    serializer_class = s.InspectionPlanSerializer
    filterset_fields = ["year", "status"]
    queryset = InspectionPlan.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.inspection_plans_for(self.request.user).prefetch_related("entries")

    def perform_create(self, serializer):
        plan = services.plan_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=plan.pk)

    @extend_schema(request=s.PlannedInspectionSerializer, responses={201: s.PlannedInspectionSerializer})
    @action(detail=True, methods=["post"])
    def entries(self, request, pk=None):
        """Put a supervision, inspection or assessment on a draft plan."""
        params = s.PlannedInspectionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        entry = services.plan_add_entry(plan=self.get_object(), actor=request.user, **params.validated_data)
        return Response(s.PlannedInspectionSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PlanApproveSerializer, responses=s.InspectionPlanSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the plan under its document number; it cannot change afterwards."""
        params = s.PlanApproveSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        plan = services.plan_approve(plan=self.get_object(), actor=request.user, **params.validated_data)
        return Response(s.InspectionPlanSerializer(self.get_queryset().get(pk=plan.pk)).data)


class ImposedInspectionViewSet(CatalogViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Supervisions, inspections and assessments held in townships; `on_plan=false` are those flagged as not
    on the county's approved yearly plan."""

    serializer_class = s.ImposedInspectionSerializer
    queryset = ImposedInspection.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.inspections_for(self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="the year held"),
            OpenApiParameter("on_plan", bool, description="false: only those not on the approved plan"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        params = self.request.query_params
        year = params.get("year", "")
        if year:
            if not (year.isascii() and year.isdigit() and 1 <= int(year) <= 9999):
                raise exceptions.ValidationError({"year": [_("年度应为 1 到 9999 之间的数字。")]})
            queryset = queryset.filter(held_on__year=int(year))
        on_plan = params.get("on_plan", "").lower()
        if on_plan in ("false", "0"):
            queryset = queryset.filter(planned__isnull=True)
        elif on_plan in ("true", "1"):
            queryset = queryset.filter(planned__isnull=False)
        elif on_plan:
            raise exceptions.ValidationError({"on_plan": [_("只能是 true 或 false。")]})
        return queryset

    def perform_create(self, serializer):
        serializer.instance = services.inspection_record(actor=self.request.user, **serializer.validated_data)
