from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from catalogs.models import PowerItem
from enforcement import selectors
from enforcement.models import Case, Lead, LeadSource, PartyKind, PenaltyMeasure, Publication, Transfer
from ruian.divisions import Division, Level
from ruian.organisations import Organisation, OrgKind


class TownshipField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Division.objects.filter(level=Level.TOWNSHIP), **kwargs)


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


class CaseFileSerializer(serializers.Serializer):
    lead = serializers.PrimaryKeyRelatedField(queryset=Lead.objects.all(), required=False, allow_null=True)
    township = TownshipField()
    power = serializers.PrimaryKeyRelatedField(queryset=PowerItem.objects.all())
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
    hearing_waived = serializers.BooleanField(default=False, help_text="当事人已书面放弃陈述申辩和听证")


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
