"""API of the working mechanisms: assessment scorecards, weights and drill-down; stationed units under dual
management with their department scores; secondments and the over-limit list."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from ruian import assessment, secondments
from ruian.mechanism_views import SECONDMENT_ROLES, VIEWER_ROLES, stationed_units_for
from ruian.organisations import Organisation, StationedType, update_organisation
from ruian.staff import Role, has_role

READ_WRITE = {"read": "assessment:read", "write": "assessment:write"}


def _require(user, *roles):
    if not (user.is_superuser or has_role(user, *roles) or has_role(user, Role.API_CLIENT)):
        raise PermissionDenied()


def _period(request) -> assessment.Period:
    return assessment.Period.parse(request.query_params.get("period"))


SUBJECT_PARAM = OpenApiParameter(
    "subject", str, description="township / stationed_unit / officer / grid_worker", required=False
)
PERIOD_PARAM = OpenApiParameter("period", str, description="2026-11 (month) or 2026 (year); default this month")


class MeasureSerializer(serializers.Serializer):
    metric = serializers.CharField()
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    value = serializers.FloatField(allow_null=True, help_text="0..1, null when there was nothing to measure")
    weight = serializers.IntegerField()


class ScoreRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="0: not ranked (nothing measured)")
    subject_id = serializers.IntegerField()
    label = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    department_score = serializers.FloatField(allow_null=True)
    township_share = serializers.FloatField(allow_null=True)
    combined = serializers.FloatField(allow_null=True)
    measures = MeasureSerializer(many=True)


class ScorecardSerializer(serializers.Serializer):
    subject = serializers.CharField()
    period = serializers.CharField()
    weights = serializers.DictField(child=serializers.IntegerField())
    rows = ScoreRowSerializer(many=True)


def _card_data(card: assessment.Scorecard) -> dict:
    return {
        "subject": card.subject.key,
        "period": str(card.period),
        "weights": card.weights,
        "rows": [
            {
                "rank": row.rank,
                "subject_id": row.subject.pk,
                "label": row.label,
                "score": row.score,
                "department_score": row.department_score,
                "township_share": row.township_share,
                "combined": row.combined,
                "measures": [
                    {
                        "metric": cell.metric.key,
                        "numerator": cell.measure.numerator if cell.measure else None,
                        "denominator": cell.measure.denominator if cell.measure else None,
                        "value": cell.value,
                        "weight": cell.weight,
                    }
                    for cell in row.cells
                ],
            }
            for row in card.rows
        ],
    }


class ScorecardView(APIView):
    """The ranked scorecard of one kind of subject for a month or a year (fixed number of queries)."""

    required_scopes = READ_WRITE

    @extend_schema(parameters=[SUBJECT_PARAM, PERIOD_PARAM], responses=ScorecardSerializer)
    def get(self, request):
        _require(request.user, *VIEWER_ROLES)
        subject = request.query_params.get("subject") or "township"
        card = assessment.scorecard(request.user, assessment.subject_kind(subject).key, _period(request))
        return Response(_card_data(card))


class RecordSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField()
    good = serializers.BooleanField(allow_null=True)
    note = serializers.CharField()


class DrillDownSerializer(serializers.Serializer):
    subject = serializers.CharField()
    subject_id = serializers.IntegerField()
    metric = serializers.CharField()
    period = serializers.CharField()
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    records = RecordSerializer(many=True)


class DrillDownView(APIView):
    """The records behind one metric of one subject's score (links to the applications, cases, events)."""

    required_scopes = READ_WRITE

    @extend_schema(
        parameters=[
            OpenApiParameter("subject", str, required=True),
            OpenApiParameter("subject_id", int, required=True),
            OpenApiParameter("metric", str, required=True),
            PERIOD_PARAM,
        ],
        responses=DrillDownSerializer,
    )
    def get(self, request):
        _require(request.user, *VIEWER_ROLES)
        params = request.query_params
        subject = assessment.subject_kind(params.get("subject") or "").key
        try:
            subject_id = int(params.get("subject_id", ""))
        except ValueError as error:
            raise ValidationError({"subject_id": "an integer"}) from error
        if not 0 < subject_id < 2**63:
            raise ValidationError({"subject_id": "out of range"})
        obj, detail = assessment.drill_down(
            request.user, subject, subject_id, params.get("metric") or "", _period(request)
        )
        if obj is None:
            from django.http import Http404

            raise Http404
        measure = detail["measure"]
        return Response(
            {
                "subject": subject,
                "subject_id": obj.pk,
                "metric": params.get("metric"),
                "period": str(_period(request)),
                "numerator": measure.numerator if measure else None,
                "denominator": measure.denominator if measure else None,
                "records": [r.__dict__ for r in detail["records"]],
            }
        )


class WeightsSerializer(serializers.Serializer):
    weights = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=100))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


WEIGHTS_RESPONSE = inline_serializer(
    "AssessmentWeights",
    {"subject": serializers.CharField(), "weights": serializers.DictField(child=serializers.IntegerField())},
)


class WeightsView(APIView):
    """GET: the weights (percent) of one subject kind. PUT: replace them (county editors; must add up to 100)."""

    required_scopes = READ_WRITE

    @extend_schema(responses=WEIGHTS_RESPONSE)
    def get(self, request, subject):
        _require(request.user, *VIEWER_ROLES)
        kind = assessment.subject_kind(subject)
        return Response({"subject": kind.key, "weights": assessment.weights_for(kind.key)})

    @extend_schema(request=WeightsSerializer, responses=WEIGHTS_RESPONSE)
    def put(self, request, subject):
        if not (request.user.is_superuser or has_role(request.user, Role.COUNTY_EDITOR)):
            raise PermissionDenied()
        kind = assessment.subject_kind(subject)
        body = WeightsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = assessment.set_weights(
            subject=kind.key,
            weights=body.validated_data["weights"],
            actor=request.user,
            reason=body.validated_data.get("reason", ""),
        )
        return Response({"subject": kind.key, "weights": saved})


class StationedUnitSerializer(serializers.ModelSerializer):
    division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    home_department = serializers.PrimaryKeyRelatedField(read_only=True)
    home_department_name = serializers.CharField(source="home_department.name", read_only=True)
    stationed_type = serializers.ChoiceField(choices=StationedType.choices, allow_blank=True, required=False)
    township_share = serializers.DecimalField(
        max_digits=3, decimal_places=2, allow_null=True, required=False, min_value=0, max_value=1
    )
    effective_township_share = serializers.DecimalField(max_digits=3, decimal_places=2, read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "division",
            "home_department",
            "home_department_name",
            "stationed_type",
            "township_share",
            "effective_township_share",
            "is_active",
        ]
        read_only_fields = ["id", "name", "is_active"]


class DepartmentScoreSerializer(serializers.Serializer):
    period = serializers.CharField(max_length=7)
    score = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, max_value=100)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class StationedUnitViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Stationed units (派驻机构) of the caller's township or county. County editors set the type and the
    township's weight in their assessment (never below the configured least share) and record the home
    department's score."""

    queryset = Organisation.objects.none()
    serializer_class = StationedUnitSerializer
    required_scopes = READ_WRITE
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        return stationed_units_for(self.request.user)

    def _editor(self):
        if not (self.request.user.is_superuser or has_role(self.request.user, Role.COUNTY_EDITOR)):
            raise PermissionDenied()

    def perform_update(self, serializer):
        self._editor()
        serializer.instance = update_organisation(
            organisation=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(
        request=DepartmentScoreSerializer,
        responses=inline_serializer(
            "DepartmentScoreRecorded",
            {"unit": serializers.IntegerField(), "period": serializers.CharField(), "score": serializers.CharField()},
        ),
    )
    @action(detail=True, methods=["post"], url_path="department-score")
    def department_score(self, request, pk=None):
        self._editor()
        unit = self.get_object()
        body = DepartmentScoreSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = assessment.record_department_score(unit=unit, actor=request.user, **body.validated_data)
        return Response({"unit": unit.pk, "period": row.period, "score": str(row.score)}, status=201)


class SecondmentSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    person_name = serializers.SerializerMethodField()
    township = serializers.SlugRelatedField(slug_field="code", read_only=True)
    office = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), required=False, allow_null=True)
    office_label = serializers.CharField(read_only=True)

    class Meta:
        model = secondments.Secondment
        fields = [
            "id",
            "person",
            "person_name",
            "township",
            "office",
            "office_name",
            "office_label",
            "started_on",
            "ended_on",
            "reason",
        ]

    def get_person_name(self, obj) -> str:
        return obj.person.get_full_name() or obj.person.get_username()


class EndSecondmentSerializer(serializers.Serializer):
    ended_on = serializers.DateField()


class OverLimitSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    person_name = serializers.CharField(source="person.get_full_name")
    township = serializers.CharField(source="township.code")
    days = serializers.IntegerField()
    limit = serializers.IntegerField()
    year = serializers.IntegerField()


class SecondmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Secondments (借调) of township staff to higher offices, and who passed the yearly limit."""

    queryset = secondments.Secondment.objects.none()
    serializer_class = SecondmentSerializer
    required_scopes = READ_WRITE

    def get_queryset(self):
        _require(self.request.user, *SECONDMENT_ROLES)
        return secondments.secondments_for(self.request.user)

    def perform_create(self, serializer):
        if not (self.request.user.is_superuser or has_role(self.request.user, *SECONDMENT_ROLES)):
            raise PermissionDenied()
        data = serializer.validated_data
        person = data["person"]
        profile = getattr(person, "staff", None)
        if profile is None or profile.organisation is None:
            raise ValidationError({"person": _("借调人员必须是乡镇(街道)的工作人员。")})
        township = profile.organisation.scope_division
        from ruian.permissions import in_scope

        if not in_scope(self.request.user, township):
            raise ValidationError({"person": _("借调人员不在您的管辖范围内。")})
        serializer.instance = secondments.record_secondment(
            person=person,
            township=township,
            office=data.get("office"),
            office_name=data.get("office_name", ""),
            started_on=data["started_on"],
            ended_on=data.get("ended_on"),
            reason=data.get("reason", ""),
            actor=self.request.user,
        )

    @extend_schema(request=EndSecondmentSerializer, responses=SecondmentSerializer)
    @action(detail=True, methods=["post"], url_path="end")
    def end(self, request, pk=None):
        """End an open secondment on the given day."""
        if not (request.user.is_superuser or has_role(request.user, *SECONDMENT_ROLES)):
            raise PermissionDenied()
        row = self.get_object()
        body = EndSecondmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = secondments.end_secondment(secondment=row, ended_on=body.validated_data["ended_on"], actor=request.user)
        return Response(SecondmentSerializer(row).data)

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="calendar year; default this year")],
        responses=OverLimitSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="over-limit", pagination_class=None)
    def over_limit(self, request):
        _require(request.user, *SECONDMENT_ROLES)
        try:
            year = int(request.query_params.get("year") or timezone.localdate().year)
            datetime.date(year, 1, 1)
        except ValueError as error:
            raise ValidationError({"year": "a calendar year such as 2026"}) from error
        rows = secondments.over_limit(year, user=request.user)
        return Response(OverLimitSerializer(rows, many=True).data)
