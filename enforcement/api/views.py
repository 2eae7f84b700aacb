"""REST API of the enforcement app. Reads go through selectors; every write calls a service, so the API has
the same legal checks as the pages. A move another user has already made answers 409."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from enforcement import selectors, services
from enforcement.api import serializers as s
from enforcement.models import (
    Case,
    JointMeeting,
    Lead,
    MeetingTask,
    Publication,
    QualificationExam,
    TrainingSession,
    Transfer,
)
from enforcement.states import IllegalTransition
from ruian.api.pagination import PagePagination, SyncCursorPagination
from ruian.idempotency import idempotent_create
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
KEY_REUSED = OpenApiResponse(description="该 Idempotency-Key 已用于内容不同的请求")


def _is_api_client(request) -> bool:
    return has_role(request.user, Role.API_CLIENT)


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


class RefusalsMixin:
    """Scopes, and a move another user has already made (or a wrong state) answered 409."""

    required_scopes = SCOPES

    def handle_exception(self, exc):
        if isinstance(exc, IllegalTransition):
            exc = Conflict(exc.messages[0])
        return super().handle_exception(exc)


class EnforcementViewMixin(RefusalsMixin):
    pagination_class = PageOrSyncPagination

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


def _case_step(request_body, summary, *, url_path=None, detail=True):
    """A case step over the API: POST with `request_body`, answered with the case as it is afterwards."""

    def wrap(fn):
        documented = extend_schema(request=request_body, responses=s.CaseDetailSerializer, summary=summary)(fn)
        return action(detail=detail, methods=["post"], url_path=url_path)(documented)

    return wrap


@extend_schema(parameters=[UPDATED_SINCE])
class CaseViewSet(EnforcementViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Enforcement cases of the caller's township (or county), and every step of a case.

    Each step calls the same service as the case page: the legal checks, the role, the township and the state
    are checked there. A refused step answers 400 (a rule), 403 (role or township) or 409 (wrong state, or
    someone else acted first), and nothing is changed.
    """

    queryset = Case.objects.none()
    serializer_class = s.CaseSerializer
    filterset_fields = ["status", "procedure", "major"]

    def get_queryset(self):
        return selectors.cases_for(self.request.user).select_related("decision")

    def get_serializer_class(self):
        return s.CaseSerializer if self.action == "list" else s.CaseDetailSerializer

    def list(self, request, *args, **kwargs):
        """CaseSerializer's answer, built from plain rows (`s.case_list_data`): a sync page of 100 cases builds no
        model instance and runs no serializer per row."""
        queryset = self.filter_queryset(selectors.case_list_rows(request.user))
        page = self.paginate_queryset(queryset)
        if page is not None:
            return self.get_paginated_response(s.case_list_data(page))
        return Response(s.case_list_data(queryset))

    def _answer(self, case, status_code=status.HTTP_200_OK):
        return Response(s.CaseDetailSerializer(self.get_queryset().get(pk=case.pk)).data, status=status_code)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    @extend_schema(request=s.CaseFileSerializer, responses={201: s.CaseDetailSerializer})
    def create(self, request, *args, **kwargs):
        """立案 under a penalty power the township holds today."""
        data = self._body(s.CaseFileSerializer)
        case = services.case_file(
            township=data["township"],
            power=data["power"],
            title=data["title"],
            facts=data["facts"],
            lead=data.get("lead"),
            actor=request.user,
        )
        # The new case as CaseDetailSerializer reads it back (its township, power and clock are on it already, and a
        # case just filed has no decision), without reading it again nor building a serializer for it.
        return Response({**s.case_data(case), "decision": None}, status=status.HTTP_201_CREATED)

    @_case_step(s.SimplifiedSerializer, "简易程序: 当场作出并送达处罚决定", detail=False)
    def simplified(self, request):
        """简易程序 (APL Art 51): a warning or a fine up to ¥200 (individual) / ¥3,000 (organisation)."""
        data = self._body(s.SimplifiedSerializer)
        case = services.simplified_penalty(actor=request.user, **data)
        return self._answer(case, status.HTTP_201_CREATED)

    @_case_step(s.AssignSerializer, "指派承办人员(至少两名持有效执法证)")
    def assign(self, request, pk=None):
        data = self._body(s.AssignSerializer)
        return self._answer(services.case_assign(case=self.get_object(), officers=data["officers"], actor=request.user))

    @_case_step(s.CaseReassignSerializer, "调整承办人员")
    def reassign(self, request, pk=None):
        data = self._body(s.CaseReassignSerializer)
        case = services.case_reassign(
            case=self.get_object(), officers=data["officers"], reason=data["reason"], actor=request.user
        )
        return self._answer(case)

    @_case_step(s.EvidenceSerializer, "记录调查取证(两名执法人员)")
    def evidence(self, request, pk=None):
        case = self.get_object()
        services.evidence_record(case=case, actor=request.user, **self._body(s.EvidenceSerializer))
        return self._answer(case)

    @_case_step(s.NoticeSerializer, "送达行政处罚事先告知书")
    def notice(self, request, pk=None):
        data = self._body(s.NoticeSerializer)
        data.setdefault("served_on", timezone.localdate())
        case = self.get_object()
        services.notice_serve(case=case, actor=request.user, **data)
        return self._answer(case)

    @_case_step(s.MarkSerializer, "标记重大案件/情节复杂")
    def mark(self, request, pk=None):
        return self._answer(
            services.case_mark(case=self.get_object(), actor=request.user, **self._body(s.MarkSerializer))
        )

    @_case_step(s.DefenceSerializer, "记录陈述申辩")
    def defence(self, request, pk=None):
        case = self.get_object()
        services.defence_record(case=case, actor=request.user, **self._body(s.DefenceSerializer))
        return self._answer(case)

    @_case_step(s.HearingRequestSerializer, "记录听证申请(告知后五个工作日内)", url_path="hearing-request")
    def hearing_request(self, request, pk=None):
        case = self.get_object()
        services.hearing_request(case=case, actor=request.user, **self._body(s.HearingRequestSerializer))
        return self._answer(case)

    @_case_step(s.HearingScheduleSerializer, "安排听证(七日前通知,非调查人员主持)", url_path="hearing-schedule")
    def hearing_schedule(self, request, pk=None):
        case = self.get_object()
        data = self._body(s.HearingScheduleSerializer)
        services.hearing_schedule(hearing=selectors.open_hearing(case), actor=request.user, **data)
        return self._answer(case)

    @_case_step(s.HearingConcludeSerializer, "记录听证笔录", url_path="hearing-conclude")
    def hearing_conclude(self, request, pk=None):
        case = self.get_object()
        data = self._body(s.HearingConcludeSerializer)
        services.hearing_conclude(hearing=selectors.open_hearing(case), record=data["record"], actor=request.user)
        return self._answer(case)

    @_case_step(None, "提交法制审核", url_path="legal-review")
    def legal_review(self, request, pk=None):
        case = self.get_object()
        services.legal_review_submit(case=case, actor=request.user)
        return self._answer(case)

    @_case_step(s.LegalReviewDecideSerializer, "法制审核意见(法制审核员)", url_path="legal-review-decide")
    def legal_review_decide(self, request, pk=None):
        case = self.get_object()
        data = self._body(s.LegalReviewDecideSerializer)
        review = selectors.pending_review(case)
        if review is None:
            raise IllegalTransition(_("本案没有待审核的法制审核。"), code="illegal_transition")
        services.legal_review_decide(review=review, actor=request.user, **data)
        return self._answer(case)

    @_case_step(s.DiscussionSerializer, "记录负责人集体讨论")
    def discussion(self, request, pk=None):
        case = self.get_object()
        services.discussion_record(case=case, actor=request.user, **self._body(s.DiscussionSerializer))
        return self._answer(case)

    @_case_step(s.CaseDecideSerializer, "作出处罚决定(法制审核、申辩不加重、90日期限)")
    def decide(self, request, pk=None):
        """Make the penalty decision (legal review, defence and 90-day rules checked)."""
        case = self.get_object()
        services.case_decide(case=case, actor=request.user, **self._body(s.CaseDecideSerializer))
        return self._answer(case)

    @_case_step(s.ExtendSerializer, "延长办案期限(须记录批准)")
    def extend(self, request, pk=None):
        case = self.get_object()
        services.case_extend(case=case, actor=request.user, **self._body(s.ExtendSerializer))
        return self._answer(case)

    @_case_step(s.ReasonSerializer, "中止案件(决定期限暂停)")
    def suspend(self, request, pk=None):
        data = self._body(s.ReasonSerializer)
        return self._answer(services.case_suspend(case=self.get_object(), reason=data["reason"], actor=request.user))

    @_case_step(None, "恢复办理")
    def resume(self, request, pk=None):
        return self._answer(services.case_resume(case=self.get_object(), actor=request.user))

    @_case_step(s.ServeSerializer, "送达处罚决定书(七个工作日内)")
    def serve(self, request, pk=None):
        case = self.get_object()
        services.decision_serve(case=case, actor=request.user, **self._body(s.ServeSerializer))
        return self._answer(case)

    @_case_step(s.ExecuteSerializer, "记录执行(逾期缴纳每日加处3%,不超过罚款数额)")
    def execute(self, request, pk=None):
        case = self.get_object()
        services.case_execute(case=case, actor=request.user, **self._body(s.ExecuteSerializer))
        return self._answer(case)

    @_case_step(s.CloseSerializer, "结案归档")
    def close(self, request, pk=None):
        return self._answer(
            services.case_close(case=self.get_object(), actor=request.user, **self._body(s.CloseSerializer))
        )

    @_case_step(None, "公示处罚决定(个人信息脱敏)")
    def publish(self, request, pk=None):
        case = self.get_object()
        decision = getattr(case, "decision", None)
        if decision is None:
            raise IllegalTransition(_("尚未作出处罚决定,不能公示。"), code="illegal_transition")
        services.decision_publish(decision=decision, actor=request.user)
        return self._answer(case)

    @_case_step(s.ReasonSerializer, "撤回公示")
    def withdraw(self, request, pk=None):
        case = self.get_object()
        data = self._body(s.ReasonSerializer)
        publication = Publication.objects.filter(decision__case=case).first()
        if publication is None:
            raise IllegalTransition(_("该决定尚未公示。"), code="illegal_transition")
        services.publication_withdraw(publication=publication, reason=data["reason"], actor=request.user)
        return self._answer(case)

    @_case_step(s.CriminalProposeSerializer, "涉嫌犯罪: 报请负责人审批移送公安")
    def criminal(self, request, pk=None):
        case = self.get_object()
        services.criminal_propose(case=case, actor=request.user, **self._body(s.CriminalProposeSerializer))
        return self._answer(case)

    @_case_step(s.CriminalDecideSerializer, "负责人决定是否移送公安(三日内)", url_path="criminal-decide")
    def criminal_decide(self, request, pk=None):
        case = self.get_object()
        services.criminal_decide(case=case, actor=request.user, **self._body(s.CriminalDecideSerializer))
        return self._answer(case)

    @_case_step(s.CriminalHandOverSerializer, "移送公安机关(批准后24小时内)", url_path="criminal-handover")
    def criminal_handover(self, request, pk=None):
        case = self.get_object()
        services.criminal_hand_over(case=case, actor=request.user, **self._body(s.CriminalHandOverSerializer))
        return self._answer(case)


@extend_schema(parameters=[UPDATED_SINCE])
class LeadViewSet(EnforcementViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Case leads; provincial platforms push them with an `Idempotency-Key` header."""

    queryset = Lead.objects.none()
    serializer_class = s.LeadSerializer
    filterset_fields = ["status", "source"]

    def get_queryset(self):
        return selectors.leads_for(self.request.user)

    def list(self, request, *args, **kwargs):
        # LeadSerializer's answer, built from plain rows (`s.lead_list_data`), as the case list. (A comment, not a
        # docstring: drf-spectacular would publish a docstring as the endpoint's description.)
        queryset = self.filter_queryset(selectors.lead_list_rows(request.user))
        page = self.paginate_queryset(queryset)
        if page is not None:
            return self.get_paginated_response(s.lead_list_data(page))
        return Response(s.lead_list_data(queryset))

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY], responses={201: s.LeadSerializer, 200: s.LeadSerializer, 422: KEY_REUSED}
    )
    # A platform (REST client) must send a key; a retry answers 200 with the first answer.
    @idempotent_create("enforcement.leads.create", required=_is_api_client, replay_status=status.HTTP_200_OK)
    def create(self, request, *args, **kwargs):
        body = s.LeadBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        client = request.user if _is_api_client(request) else None
        lead = services.lead_create(
            township=data.pop("township"),
            source=data.pop("source"),
            summary=data.pop("summary"),
            actor=None if client else request.user,
            client=client,
            **data,
        )
        # The new lead carries its township, power and filing clock (services._start_first_clock): answered as
        # LeadSerializer reads it back, without reading it again nor building a serializer for it.
        return Response(s.lead_data(lead), status=status.HTTP_201_CREATED)

    def _row(self, lead):
        return Response(s.LeadSerializer(self.get_queryset().get(pk=lead.pk)).data)

    @extend_schema(request=s.LeadDismissSerializer, responses=s.LeadSerializer, summary="不予立案(须说明理由)")
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        body = s.LeadDismissSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._row(services.lead_dismiss(lead=self.get_object(), actor=request.user, **body.validated_data))

    @extend_schema(request=s.LeadHandOverSerializer, responses=s.LeadSerializer, summary="移交线索(首问责任随之转移)")
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request, pk=None):
        body = s.LeadHandOverSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._row(services.lead_hand_over(lead=self.get_object(), actor=request.user, **body.validated_data))


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
        request=s.TransferSendSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.TransferSerializer, 200: s.TransferSerializer, 422: KEY_REUSED},
    )
    @idempotent_create("enforcement.transfers.create", replay_status=status.HTTP_200_OK)
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
        else:
            transfer = services.transfer_receive(
                township=data["township"],
                department=data["department"],
                summary=data["summary"],
                reason=data["reason"],
                actor=request.user,
                client=request.user if _is_api_client(request) else None,
            )
        return Response(self._row(transfer), status=status.HTTP_201_CREATED)

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

    @extend_schema(request=s.TransferReasonSerializer, responses=s.TransferSerializer, summary="退回后提请县级协调")
    @action(detail=True, methods=["post"])
    def refer(self, request, pk=None):
        transfer = self.get_object()
        body = s.TransferReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.transfer_refer(transfer=transfer, actor=request.user, reason=body.validated_data["reason"])
        return Response(self._row(transfer))

    @extend_schema(request=s.TransferReasonSerializer, responses=s.TransferSerializer, summary="退回后自行处理")
    @action(detail=True, methods=["post"])
    def keep(self, request, pk=None):
        transfer = self.get_object()
        body = s.TransferReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.transfer_keep(transfer=transfer, actor=request.user, reason=body.validated_data["reason"])
        return Response(self._row(transfer))

    @extend_schema(
        request=s.CoordinateSerializer, responses=s.TransferSerializer, summary="县级协调意见(职责分工争议协调)"
    )
    @action(detail=True, methods=["post"])
    def coordinate(self, request, pk=None):
        transfer = self.get_object()
        body = s.CoordinateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.transfer_coordinate(transfer=transfer, actor=request.user, **body.validated_data)
        return Response(self._row(transfer))


@extend_schema(parameters=[UPDATED_SINCE])
class PublicationViewSet(EnforcementViewMixin, viewsets.ReadOnlyModelViewSet):
    """Published penalty decisions, personal data masked. Public: no login needed."""

    permission_classes = [permissions.AllowAny]
    queryset = Publication.objects.none()
    serializer_class = s.PublicationSerializer

    def get_queryset(self):
        return selectors.public_decisions()


# --- training, certificates and joint meetings ----------------------------------------------------------------


class TrainingSessionViewSet(RefusalsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Training sessions (全员培训) of the caller's township, with attendance."""

    queryset = TrainingSession.objects.none()
    serializer_class = s.TrainingSessionSerializer
    pagination_class = PagePagination

    def get_queryset(self):
        return selectors.training_sessions_for(self.request.user).prefetch_related("attendance")

    def perform_create(self, serializer):
        serializer.instance = services.training_session_create(actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=s.AttendanceRecordSerializer, responses=s.TrainingSessionSerializer, summary="记录培训出勤")
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        session = self.get_object()
        body = s.AttendanceRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.training_attendance_record(session=session, actor=request.user, **body.validated_data)
        return Response(s.TrainingSessionSerializer(self.get_queryset().get(pk=session.pk)).data)


class QualificationExamViewSet(RefusalsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Qualification exams for enforcement certificates; a pass issues or renews the certificate."""

    queryset = QualificationExam.objects.none()
    serializer_class = s.QualificationExamSerializer

    def get_queryset(self):
        return selectors.exams_for(self.request.user).prefetch_related("results")

    def perform_create(self, serializer):
        serializer.instance = services.exam_create(actor=self.request.user, **serializer.validated_data)

    @extend_schema(
        request=s.ExamResultRecordSerializer,
        responses=s.QualificationExamSerializer,
        summary="录入成绩(合格即发证/换证)",
    )
    @action(detail=True, methods=["post"])
    def results(self, request, pk=None):
        exam = self.get_object()
        body = s.ExamResultRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.exam_result_record(exam=exam, actor=request.user, **body.validated_data)
        return Response(s.QualificationExamSerializer(self.get_queryset().get(pk=exam.pk)).data)


class ExpiringCertificatesView(RefusalsMixin, generics.ListAPIView):
    """Enforcement staff in the caller's scope whose certificates expire within 60 days, soonest first."""

    serializer_class = s.ExpiringCertificateSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.certificates_expiring(self.request.user)


class JointMeetingViewSet(RefusalsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Joint enforcement meetings (联席会议, 会商): agenda on cases and transfers, decisions turned into tasks."""

    queryset = JointMeeting.objects.none()
    serializer_class = s.JointMeetingSerializer
    filterset_fields = ["kind"]

    def get_queryset(self):
        return selectors.meetings_for(self.request.user).prefetch_related("agenda", "decisions__tasks")

    def perform_create(self, serializer):
        serializer.instance = services.meeting_create(actor=self.request.user, **serializer.validated_data)

    def _answer(self, meeting):
        return Response(s.JointMeetingSerializer(self.get_queryset().get(pk=meeting.pk)).data)

    @extend_schema(
        request=s.AgendaAddSerializer, responses=s.JointMeetingSerializer, summary="添加议题(可关联案件、移送)"
    )
    @action(detail=True, methods=["post"])
    def agenda(self, request, pk=None):
        meeting = self.get_object()
        body = s.AgendaAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.agenda_item_add(meeting=meeting, actor=request.user, **body.validated_data)
        return self._answer(meeting)

    @extend_schema(
        request=s.MeetingDecideSerializer, responses=s.JointMeetingSerializer, summary="记录议定事项并分解为任务"
    )
    @action(detail=True, methods=["post"])
    def decisions(self, request, pk=None):
        meeting = self.get_object()
        body = s.MeetingDecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.meeting_decide(
            meeting=meeting,
            text=data["text"],
            agenda_item=data["agenda_item"],
            tasks=[dict(task) for task in data["tasks"]],
            actor=request.user,
        )
        return self._answer(meeting)


class MeetingTaskViewSet(RefusalsMixin, viewsets.ReadOnlyModelViewSet):
    """Tasks from joint meetings, each with an owner and a deadline clock."""

    queryset = MeetingTask.objects.none()
    serializer_class = s.MeetingTaskSerializer
    filterset_fields = ["status", "owner"]

    def get_queryset(self):
        return selectors.meeting_tasks_for(self.request.user)

    @extend_schema(request=s.TaskCompleteSerializer, responses=s.MeetingTaskSerializer, summary="办结任务")
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        task = self.get_object()
        body = s.TaskCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.meeting_task_complete(task=task, actor=request.user, **body.validated_data)
        return Response(s.MeetingTaskSerializer(self.get_queryset().get(pk=task.pk)).data)
