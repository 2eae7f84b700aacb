"""REST API of approvals. Reads go through selectors; every write calls a service, so the API has the same
checks as the pages (role, township, transition table, legal rules, audit)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from approvals import selectors, services
from approvals.api import rows
from approvals.api import serializers as s
from approvals.models import Application
from approvals.services import Readable
from catalogs.models import Channel, PowerItem
from ruian.api.pagination import SyncCursorPagination
from ruian.idempotency import idempotent_create

SCOPES = {"read": "approvals:read", "write": "approvals:write"}

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    description="客户端为每次提交生成的唯一键;同一键的重试返回第一次创建的申请,不会重复创建。",
)


def _resolve_item(township, code: str):
    item = selectors.held_item(township, code, timezone.localdate())
    if item is not None:
        return item
    # Not held: find it in the county's catalogs so the refusal can name the department that holds it.
    item = PowerItem.objects.filter(code=code, version__county=township.parent).order_by("-version_id").first()
    if item is None:
        raise ValidationError({"item_code": [_("事项编码 “%(code)s” 不存在。") % {"code": code}]})
    return item


def _action(serializer_class, summary):
    return extend_schema(
        summary=summary,
        request=serializer_class,
        responses={200: s.ApplicationSerializer, 400: OpenApiResponse(description="请求有误或当前状态不允许")},
    )


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Applications of the caller's townships. Looked up by application number."""

    required_scopes = SCOPES
    serializer_class = s.ApplicationSerializer
    lookup_field = "number"
    lookup_value_regex = r"[0-9A-Za-z-]+"
    queryset = Application.objects.none()
    filterset_fields = ["status", "channel"]

    def get_queryset(self):
        return selectors.applications_for(self.request.user).select_related("decision", "issuance")

    def _application(self) -> Application:
        # Which application, if the caller may read it: the services lock and read the row themselves.
        readable = selectors.applications_for(self.request.user).select_related(None).only("id", "number")
        return get_object_or_404(readable, number=self.kwargs["number"])

    def _act(self, service, **kwargs) -> Application:
        """Call a service that returns the application, giving it the number and the caller: it locks the
        row by number and checks the caller may read it (one statement, not two)."""
        try:
            return service(
                application=Readable(self.kwargs["number"], self.request.user), actor=self.request.user, **kwargs
            )
        except Application.DoesNotExist:
            raise exceptions.NotFound from None

    def _fresh(self, app: Application) -> Response:
        app = self.get_queryset().get(pk=app.pk)
        return Response(s.ApplicationSerializer(app).data)

    def _undecided(self, app: Application) -> Response:
        """The answer for an application the service has just saved, not yet decided (received or
        accepted): the instance in hand is the row as written, with no decision or issuance to read. The
        serializer's JSON, built as the sync builds it (approvals/api/rows.py): the serializer cost more
        than the rest of an acceptance."""
        return Response(rows.application_row_of(app))

    @extend_schema(responses=s.ApplicationDetailSerializer, summary="Read an application by number, with history")
    def retrieve(self, request, number=None):
        app = get_object_or_404(self.get_queryset().prefetch_related("notices"), number=number)
        context = {"request": request, "history": selectors.history(app)}
        return Response(s.ApplicationDetailSerializer(app, context=context).data)

    @extend_schema(
        summary="Submit an application (online channel), idempotent",
        parameters=[IDEMPOTENCY_HEADER],
        request=s.ApplicationCreateSerializer,
        responses={
            201: s.ApplicationSerializer,
            200: OpenApiResponse(s.ApplicationSerializer, description="同一 Idempotency-Key 的重试"),
            409: OpenApiResponse(description="Idempotency-Key 已用于内容不同的请求"),
        },
    )
    # The key is required; a retry answers 200 (the first answer was 201), a reused key 409 (approvals'
    # published contract; the kernel's default is 422).
    @idempotent_create(
        "approvals.applications.create",
        required=True,
        replay_status=status.HTTP_200_OK,
        reused_status=status.HTTP_409_CONFLICT,
    )
    def create(self, request):
        body = s.ApplicationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        township = selectors.township_by_code(data.pop("township"))
        if township is None:
            raise exceptions.ValidationError({"township": [_("乡镇(街道)不存在。")]})
        item = _resolve_item(township, data.pop("item_code"))
        app = services.receive_application(
            actor=request.user, township=township, item=item, channel=Channel.ONLINE, **data
        )
        response = self._undecided(app)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        summary="Incremental sync for provincial platforms",
        description="按 (updated_at, id) 排序的游标分页;用上次同步开始的时间作 updated_since。",
        parameters=[s.ApplicationSyncQuerySerializer],
        responses={
            200: s.ApplicationSyncPageSerializer,
            400: OpenApiResponse(description="updated_since 或 page_size 无效"),
            404: OpenApiResponse(description="cursor 无效"),
        },
    )
    @action(detail=False, methods=["get"], pagination_class=SyncCursorPagination, filterset_fields=[])
    def sync(self, request):
        query = s.ApplicationSyncQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.sync_queryset(request.user, query.validated_data.get("updated_since"))
        # Plain dicts from values(), the same JSON as ApplicationSerializer (approvals/api/rows.py).
        page = self.paginate_queryset(rows.application_values(qs))
        return self.get_paginated_response(rows.application_rows(page))

    # --- workflow actions ---------------------------------------------------------------------------

    @_action(s.ApprovalEmptySerializer, "Accept (受理)")
    @action(detail=True, methods=["post"])
    def accept(self, request, number=None):
        return self._undecided(self._act(services.accept_application))

    @_action(s.ApprovalRefuseSerializer, "Refuse to accept (不予受理)")
    @action(detail=True, methods=["post"])
    def refuse(self, request, number=None):
        body = self._body(s.ApprovalRefuseSerializer)
        app = self._act(
            services.refuse_application, reason=body["reason"], competent_department=body["competent_department"]
        )
        return self._fresh(app)

    @_action(s.ApprovalNoticeRequestSerializer, "One-time notice of missing materials (一次性告知)")
    @action(detail=True, methods=["post"])
    def notice(self, request, number=None):
        body = self._body(s.ApprovalNoticeRequestSerializer)
        app = self._application()
        services.give_material_notice(application=app, note=body["note"], extra=body["extra"], actor=request.user)
        return self._fresh(app)

    @_action(s.ApprovalSupplementSerializer, "Supplement materials (补正)")
    @action(detail=True, methods=["post"])
    def supplement(self, request, number=None):
        body = self._body(s.ApprovalSupplementSerializer)
        return self._fresh(self._act(services.supplement_materials, provided=body["provided"]))

    @_action(s.ApprovalEmptySerializer, "Send to the back office")
    @action(detail=True, methods=["post"])
    def send(self, request, number=None):
        return self._fresh(self._act(services.send_to_back_office))

    @_action(s.ApprovalDecideSerializer, "Approve or deny (two staff)")
    @action(detail=True, methods=["post"])
    def decide(self, request, number=None):
        body = self._body(s.ApprovalDecideSerializer)
        second = get_user_model().objects.filter(username=body["second_reviewer"]).first()
        app = self._application()
        services.decide_application(
            application=app,
            approve=body["approve"],
            reasons=body["reasons"],
            second_reviewer=second,
            actor=request.user,
        )
        return self._fresh(app)

    @_action(s.ApprovalReasonSerializer, "Extend the decision limit once by 10 working days")
    @action(detail=True, methods=["post"])
    def extend(self, request, number=None):
        body = self._body(s.ApprovalReasonSerializer)
        return self._fresh(self._act(services.extend_decision, reason=body["reason"]))

    @_action(s.ApprovalSuspendSerializer, "Suspend the clock (hearing, test, inspection, expert review)")
    @action(detail=True, methods=["post"])
    def suspend(self, request, number=None):
        body = self._body(s.ApprovalSuspendSerializer)
        app = self._application()
        services.suspend_review(application=app, kind=body["kind"], reason=body["reason"], actor=request.user)
        return self._fresh(app)

    @_action(s.ApprovalEmptySerializer, "Resume the clock")
    @action(detail=True, methods=["post"])
    def resume(self, request, number=None):
        return self._fresh(self._act(services.resume_review))

    @_action(s.ApprovalIssueSerializer, "Issue the result under the single seal")
    @action(detail=True, methods=["post"])
    def issue(self, request, number=None):
        body = self._body(s.ApprovalIssueSerializer)
        app = self._application()
        services.issue_result(
            application=app, delivery=body["delivery"], delivery_detail=body["delivery_detail"], actor=request.user
        )
        return self._fresh(app)

    @_action(s.ApprovalReasonSerializer, "Withdraw (before the decision)")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, number=None):
        body = self._body(s.ApprovalReasonSerializer)
        return self._fresh(self._act(services.withdraw_application, reason=body["reason"]))

    @_action(s.ApprovalRateSerializer, "Rate (好差评) after issuance")
    @action(detail=True, methods=["post"])
    def rate(self, request, number=None):
        body = self._body(s.ApprovalRateSerializer)
        app = self._application()
        services.rate_application(application=app, level=body["level"], comment=body["comment"], actor=request.user)
        return self._fresh(app)

    def _body(self, serializer_class) -> dict:
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data
