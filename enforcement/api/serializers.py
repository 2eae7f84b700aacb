import copy

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from catalogs.models import PowerItem
from enforcement import rules, selectors
from enforcement.models import (
    AgendaItem,
    Case,
    Decision,
    EvidenceKind,
    ExamResult,
    ExecutionMethod,
    JointMeeting,
    Lead,
    LeadSource,
    MeetingDecision,
    MeetingKind,
    MeetingTask,
    PartyKind,
    PenaltyMeasure,
    Publication,
    QualificationExam,
    ServiceMethod,
    TrainingAttendance,
    TrainingSession,
    Transfer,
)
from ruian.api.rows import datetime_formatter
from ruian.divisions import Division, Level
from ruian.organisations import Organisation, OrgKind


class TownshipField(serializers.SlugRelatedField):
    # On the class, not built in __init__: DRF builds every field anew for each serializer instance (a deep copy
    # calls __init__ again), and a queryset built there cost more than the rest of the field. Each use clones it.
    queryset = Division.objects.filter(level=Level.TOWNSHIP)

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)


class ClockMixin(serializers.Serializer):
    clock_kind = serializers.CharField(read_only=True, allow_null=True, default=None)
    clock_due_at = serializers.DateTimeField(read_only=True, allow_null=True, default=None)
    clock_colour = serializers.SerializerMethodField()

    def get_clock_colour(self, obj) -> str:
        return selectors.clock_colour(obj)


class CaseSerializer(ClockMixin, serializers.ModelSerializer):
    township = serializers.SlugRelatedField(slug_field="code", read_only=True)
    power = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "township",
            "power",
            "title",
            "status",
            "procedure",
            "major",
            "complex",
            "filed_on",
            "party_kind",
            "party_name",
            "proposed_fine",
            "proposed_measures",
            "closed_on",
            "updated_at",
            "clock_kind",
            "clock_due_at",
            "clock_colour",
        ]
        read_only_fields = fields


_DATE = serializers.DateField()
_MONEY = serializers.DecimalField(max_digits=12, decimal_places=2)


class _ClockRow:
    """The clock columns of a values() row, as `selectors.clock_colour` reads them."""

    __slots__ = ("clock_due_at", "clock_status", "clock_yellow_at")

    def __init__(self, row):
        self.clock_due_at = row["clock_due_at"]
        self.clock_status = row["clock_status"]
        self.clock_yellow_at = row["clock_yellow_at"]


def case_list_data(rows) -> list[dict]:
    """What `CaseSerializer(rows, many=True).data` answers, from `selectors.case_list_rows` values: the same keys
    in the same order, each value formatted as the same DRF field formats it, without a serializer per row."""
    to_datetime, to_date, to_money = datetime_formatter(), _DATE.to_representation, _MONEY.to_representation
    now = timezone.now()
    data = []
    for row in rows:
        due_at, closed_on, fine, kind = row["clock_due_at"], row["closed_on"], row["proposed_fine"], row["clock_kind"]
        data.append(
            {
                "id": row["id"],
                "number": row["number"],
                "township": row["township__code"],
                "power": row["power__code"],
                "title": row["title"],
                "status": row["status"],
                "procedure": row["procedure"],
                "major": row["major"],
                "complex": row["complex"],
                "filed_on": to_date(row["filed_on"]),
                "party_kind": row["party_kind"],
                "party_name": row["party_name"],
                "proposed_fine": None if fine is None else to_money(fine),
                "proposed_measures": row["proposed_measures"],
                "closed_on": None if closed_on is None else to_date(closed_on),
                "updated_at": to_datetime(row["updated_at"]),
                "clock_kind": None if kind is None else str(kind),
                "clock_due_at": to_datetime(due_at),
                "clock_colour": selectors.clock_colour(_ClockRow(row), now),
            }
        )
    return data


def instance_row(obj, columns) -> dict:
    """The values() row of `columns` read off an instance in hand, its related rows loaded: `township__code` is
    `obj.township.code`; a clock column the instance was not given is None (ClockMixin's default), as a row
    without an open clock reads. Lets a single-object answer go through the list's row code."""
    row = {}
    for column in columns:
        if column.startswith("clock_"):
            row[column] = getattr(obj, column, None)
            continue
        value = obj
        for name in column.split("__"):
            value = None if value is None else getattr(value, name)
        row[column] = value
    return row


def case_data(case) -> dict:
    """What `CaseSerializer(case).data` answers, for a case in hand with its township and power (and, to show one,
    its clock columns: `services._start_first_clock` sets them on a new case)."""
    return case_list_data([instance_row(case, selectors.CASE_LIST_COLUMNS)])[0]


class CaseFileSerializer(serializers.Serializer):
    # Only its id: services.case_file reads the lead again, locked.
    lead = serializers.PrimaryKeyRelatedField(queryset=Lead.objects.only("id"), required=False, allow_null=True)
    township = TownshipField()
    # What filing reads of the power (services.case_file: its code, name, category and department), not the long
    # texts of the catalog item (legal basis, materials, conditions).
    power = serializers.PrimaryKeyRelatedField(
        queryset=PowerItem.objects.only("code", "name", "category", "department")
    )
    title = serializers.CharField(max_length=300)
    facts = serializers.CharField(required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    officers = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(), many=True)


class CaseDecideSerializer(serializers.Serializer):
    fine = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    confiscation = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=0)
    measures = serializers.ListField(child=serializers.ChoiceField(choices=PenaltyMeasure.choices))
    decided_on = serializers.DateField(required=False)
    reasoning = serializers.CharField(required=False, allow_blank=True, default="")
    hearing_waived = serializers.BooleanField(default=False, help_text=_("当事人已书面放弃陈述申辩和听证"))


class LeadSerializer(ClockMixin, serializers.ModelSerializer):
    township = TownshipField()
    source = serializers.ChoiceField(choices=LeadSource.choices)
    party_kind = serializers.ChoiceField(choices=PartyKind.choices, default=PartyKind.INDIVIDUAL)
    power = serializers.PrimaryKeyRelatedField(queryset=PowerItem.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "township",
            "source",
            "summary",
            "details",
            "location",
            "received_at",
            "party_kind",
            "party_name",
            "party_id_number",
            "party_phone",
            "party_address",
            "power",
            "external_ref",
            "status",
            "updated_at",
            "clock_kind",
            "clock_due_at",
            "clock_colour",
        ]
        read_only_fields = ["id", "status", "updated_at"]
        extra_kwargs = {"received_at": {"required": False}}


def lead_list_data(rows) -> list[dict]:
    """What `LeadSerializer(rows, many=True).data` answers, from `selectors.lead_list_rows` values (see
    case_list_data)."""
    to_datetime = datetime_formatter()
    now = timezone.now()
    return [
        {
            "id": row["id"],
            "township": row["township__code"],
            "source": row["source"],
            "summary": row["summary"],
            "details": row["details"],
            "location": row["location"],
            "received_at": to_datetime(row["received_at"]),
            "party_kind": row["party_kind"],
            "party_name": row["party_name"],
            "party_id_number": row["party_id_number"],
            "party_phone": row["party_phone"],
            "party_address": row["party_address"],
            "power": row["power_id"],
            "external_ref": row["external_ref"],
            "status": row["status"],
            "updated_at": to_datetime(row["updated_at"]),
            "clock_kind": None if row["clock_kind"] is None else str(row["clock_kind"]),
            "clock_due_at": to_datetime(row["clock_due_at"]),
            "clock_colour": selectors.clock_colour(_ClockRow(row), now),
        }
        for row in rows
    ]


def lead_data(lead) -> dict:
    """What `LeadSerializer(lead).data` answers, for a lead in hand with its township (and clock columns, as
    case_data)."""
    return lead_list_data([instance_row(lead, selectors.LEAD_LIST_COLUMNS)])[0]


def writable_part(serializer_class) -> type[serializers.Serializer]:
    """A plain Serializer with the writable fields (and validators) `serializer_class` builds, built once.

    A ModelSerializer builds its fields by model introspection at every instantiation (2 ms for a lead, more than
    the rest of its validation); a plain Serializer only copies its declared fields. The fields are the model
    serializer's own, copied, so a request body is validated alike, with the same errors in the same order."""
    built = serializer_class()
    fields = {name: copy.deepcopy(field) for name, field in built.fields.items() if not field.read_only}
    meta = type("Meta", (), {"validators": built.validators})
    return type(f"{serializer_class.__name__}Body", (serializers.Serializer,), {**fields, "Meta": meta})


# The body of a new lead, validated as LeadSerializer validates it (the API's create).
LeadBodySerializer = writable_part(LeadSerializer)


class TransferSerializer(ClockMixin, serializers.ModelSerializer):
    township = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = serializers.PrimaryKeyRelatedField(read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "direction",
            "township",
            "department",
            "department_name",
            "lead",
            "summary",
            "reason",
            "status",
            "sent_at",
            "answered_at",
            "return_reason",
            "escalated_at",
            "coordination_note",
            "updated_at",
            "clock_kind",
            "clock_due_at",
            "clock_colour",
        ]
        read_only_fields = fields


class TransferSendSerializer(serializers.Serializer):
    """Either `lead` (the township sends a lead out) or `township` + `department` (a department sends one in)."""

    lead = serializers.PrimaryKeyRelatedField(queryset=Lead.objects.all(), required=False)
    township = TownshipField(required=False)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=OrgKind.COUNTY_DEPARTMENT), required=False
    )
    summary = serializers.CharField(max_length=300, required=False)
    reason = serializers.CharField()
    copy_to = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=OrgKind.COUNTY_DEPARTMENT), many=True, required=False
    )

    def validate(self, attrs):
        if not attrs.get("lead") and not (attrs.get("township") and attrs.get("department") and attrs.get("summary")):
            raise serializers.ValidationError(_("请提供 lead(移出),或 township、department 和 summary(移入)。"))
        return attrs


class TransferReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PublicationSerializer(serializers.ModelSerializer):
    township = serializers.CharField(source="township.name", read_only=True)

    class Meta:
        model = Publication
        fields = [
            "id",
            "township",
            "decision_number",
            "case_title",
            "party_masked",
            "id_number_masked",
            "phone_masked",
            "penalty",
            "basis",
            "decided_on",
            "published_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- case steps: one request body per step; each calls the same service as the page -----------------------

User = get_user_model()


class DecisionSerializer(serializers.ModelSerializer):
    """The decision with its service and execution; `amount_due_today` includes the late surcharge (APL Art 72)."""

    amount_due_today = serializers.SerializerMethodField()
    surcharge_today = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "number",
            "decided_on",
            "fine",
            "confiscation",
            "measures",
            "served_on",
            "service_method",
            "served_in_time",
            "payment_due",
            "execution_method",
            "executed_on",
            "paid_amount",
            "surcharge",
            "surcharge_today",
            "amount_due_today",
        ]
        read_only_fields = fields

    def _surcharge(self, obj):
        return rules.late_surcharge(obj.fine, obj.payment_due, timezone.localdate())

    def get_surcharge_today(self, obj) -> str:
        return str(self._surcharge(obj))

    def get_amount_due_today(self, obj) -> str:
        return str(obj.fine + self._surcharge(obj))


class CaseDetailSerializer(CaseSerializer):
    decision = DecisionSerializer(read_only=True, allow_null=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "decision"]
        read_only_fields = fields


class CaseReassignSerializer(AssignSerializer):
    reason = serializers.CharField()


class EvidenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    description = serializers.CharField()
    officers = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True)
    collected_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(required=False, allow_blank=True, default="")


class NoticeSerializer(serializers.Serializer):
    served_on = serializers.DateField(required=False, help_text=_("事先告知送达日期,默认今天"))
    fine = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    confiscation = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=0)
    measures = serializers.ListField(child=serializers.ChoiceField(choices=PenaltyMeasure.choices), min_length=1)
    facts_and_basis = serializers.CharField(required=False, allow_blank=True, default="")


class MarkSerializer(serializers.Serializer):
    major = serializers.BooleanField(required=False, allow_null=True, default=None)
    complex = serializers.BooleanField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DefenceSerializer(serializers.Serializer):
    content = serializers.CharField()
    received_on = serializers.DateField(required=False)


class HearingRequestSerializer(serializers.Serializer):
    requested_on = serializers.DateField(required=False)


class HearingScheduleSerializer(serializers.Serializer):
    notice_sent_on = serializers.DateField()
    held_on = serializers.DateField()
    chair = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    place = serializers.CharField(required=False, allow_blank=True, default="")


class HearingConcludeSerializer(serializers.Serializer):
    record = serializers.CharField()


class LegalReviewDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


class DiscussionSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    participants = serializers.CharField()
    conclusion = serializers.CharField()


class ExtendSerializer(serializers.Serializer):
    approved_by_name = serializers.CharField(max_length=100)
    approval_document = serializers.CharField(max_length=100)
    reason = serializers.CharField()
    days = serializers.IntegerField(min_value=1, max_value=365, required=False, allow_null=True, default=None)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ServeSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=ServiceMethod.choices)
    served_on = serializers.DateField(required=False)


class ExecuteSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=ExecutionMethod.choices)
    executed_on = serializers.DateField(required=False)
    paid_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    archive_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class CriminalProposeSerializer(serializers.Serializer):
    grounds = serializers.CharField()


class CriminalDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    head_name = serializers.CharField(max_length=100)


class CriminalHandOverSerializer(serializers.Serializer):
    police_unit = serializers.CharField(max_length=200)
    receipt_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class SimplifiedSerializer(serializers.Serializer):
    """简易程序 (APL Art 51): decided and served on the spot."""

    township = TownshipField()
    power = serializers.PrimaryKeyRelatedField(queryset=PowerItem.objects.all())
    title = serializers.CharField(max_length=300)
    party_kind = serializers.ChoiceField(choices=PartyKind.choices)
    party_name = serializers.CharField(max_length=200)
    party_id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    party_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    fine = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=0)
    measures = serializers.ListField(child=serializers.ChoiceField(choices=PenaltyMeasure.choices), min_length=1)
    officers = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True)
    facts = serializers.CharField(required=False, allow_blank=True, default="")


class LeadDismissSerializer(serializers.Serializer):
    reason = serializers.CharField()


class LeadHandOverSerializer(serializers.Serializer):
    to_user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class CoordinateSerializer(serializers.Serializer):
    department_competent = serializers.BooleanField(help_text=_("true: 由县级部门办理; false: 由乡镇(街道)办理"))
    note = serializers.CharField()


# --- training, certificates and joint meetings ----------------------------------------------------------------


class TrainingAttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingAttendance
        fields = ["officer", "attended", "note"]


class TrainingSessionSerializer(serializers.ModelSerializer):
    township = TownshipField()
    attendance = TrainingAttendanceSerializer(many=True, read_only=True)

    class Meta:
        model = TrainingSession
        fields = ["id", "township", "title", "held_on", "hours", "place", "trainer", "attendance"]
        read_only_fields = ["id", "attendance"]


class AttendanceRecordSerializer(serializers.Serializer):
    officer = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    attended = serializers.BooleanField(default=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ExamResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExamResult
        fields = ["officer", "score", "passed", "certificate_number", "certificate_valid_until"]
        read_only_fields = fields


class QualificationExamSerializer(serializers.ModelSerializer):
    township = TownshipField()
    results = ExamResultSerializer(many=True, read_only=True)

    class Meta:
        model = QualificationExam
        fields = ["id", "township", "title", "held_on", "pass_mark", "results"]
        read_only_fields = ["id", "results"]


class ExamResultRecordSerializer(serializers.Serializer):
    officer = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    score = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, max_value=100)
    certificate_number = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("合格时发放的执法证号;换证可留空沿用原号"),
    )


class ExpiringCertificateSerializer(serializers.Serializer):
    officer = serializers.IntegerField(source="user_id")
    name = serializers.SerializerMethodField()
    organisation = serializers.CharField(source="organisation.name", allow_null=True)
    certificate_number = serializers.CharField()
    certificate_valid_until = serializers.DateField()
    days_left = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return obj.user.get_full_name() or obj.user.get_username()

    def get_days_left(self, obj) -> int:
        return (obj.certificate_valid_until - timezone.localdate()).days


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "topic", "case", "transfer", "position"]
        read_only_fields = ["id", "position"]


class MeetingTaskSerializer(ClockMixin, serializers.ModelSerializer):
    class Meta:
        model = MeetingTask
        fields = [
            "id",
            "decision",
            "title",
            "owner",
            "due_on",
            "status",
            "result",
            "done_at",
            "updated_at",
            "clock_kind",
            "clock_due_at",
            "clock_colour",
        ]
        read_only_fields = fields


class MeetingTaskNestedSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeetingTask
        fields = ["id", "title", "owner", "due_on", "status"]
        read_only_fields = fields


class MeetingDecisionSerializer(serializers.ModelSerializer):
    tasks = MeetingTaskNestedSerializer(many=True, read_only=True)

    class Meta:
        model = MeetingDecision
        fields = ["id", "agenda_item", "text", "tasks"]
        read_only_fields = fields


class JointMeetingSerializer(serializers.ModelSerializer):
    township = TownshipField()
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    agenda = AgendaItemSerializer(many=True, read_only=True)
    decisions = MeetingDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = JointMeeting
        fields = ["id", "township", "kind", "title", "held_on", "chair", "participants", "agenda", "decisions"]
        read_only_fields = ["id", "agenda", "decisions"]


class AgendaAddSerializer(serializers.Serializer):
    topic = serializers.CharField(max_length=300)
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.all(), required=False, allow_null=True)
    transfer = serializers.PrimaryKeyRelatedField(queryset=Transfer.objects.all(), required=False, allow_null=True)


class TaskInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), allow_null=True)
    due_on = serializers.DateField()


class MeetingDecideSerializer(serializers.Serializer):
    text = serializers.CharField()
    agenda_item = serializers.PrimaryKeyRelatedField(
        queryset=AgendaItem.objects.all(), required=False, allow_null=True, default=None
    )
    tasks = TaskInputSerializer(many=True, required=False, default=list)


class TaskCompleteSerializer(serializers.Serializer):
    result = serializers.CharField()
