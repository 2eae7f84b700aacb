from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.models import (
    ApplicantKind,
    Application,
    Decision,
    Delivery,
    Issuance,
    MaterialNotice,
    RatingLevel,
    SuspensionKind,
)
from ruian.audit import AuditEntry


class ApprovalMaterialSerializer(serializers.Serializer):
    name = serializers.CharField()
    form = serializers.CharField()
    copies = serializers.IntegerField()
    mandatory = serializers.BooleanField()
    provided = serializers.BooleanField()


class ApprovalDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["outcome", "reasons", "decided_at", "on_pledge", "certificate_number"]


class ApprovalIssuanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Issuance
        fields = ["delivery", "delivery_detail", "issued_at"]


class ApplicationSerializer(serializers.ModelSerializer):
    township = serializers.CharField(source="township.code", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    materials = ApprovalMaterialSerializer(many=True, read_only=True)
    decision = serializers.SerializerMethodField()
    issuance = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "number",
            "township",
            "township_name",
            "item_code",
            "item_name",
            "deciding_office",
            "legal_limit",
            "promised_limit",
            "channel",
            "applicant_kind",
            "applicant_name",
            "applicant_id_number",
            "applicant_phone",
            "materials",
            "status",
            "status_label",
            "received_at",
            "accepted_at",
            "deemed_accepted",
            "decided_at",
            "issued_at",
            "closed_at",
            "extended",
            "extension_reason",
            "refusal_reason",
            "competent_department",
            "pledge",
            "joint_handling",
            "overdue",
            "decision",
            "issuance",
            "updated_at",
        ]

    def _related(self, obj, name, serializer):
        if self.context.get("undecided"):
            return None  # the view answers for an application not yet decided (no decision, no issuance)
        # Reverse one-to-ones come from select_related; a missing one raises instead of querying again.
        try:
            return serializer(getattr(obj, name)).data
        except (Decision.DoesNotExist, Issuance.DoesNotExist):
            return None

    @extend_schema_field(ApprovalDecisionSerializer(allow_null=True))
    def get_decision(self, obj):
        return self._related(obj, "decision", ApprovalDecisionSerializer)

    @extend_schema_field(ApprovalIssuanceSerializer(allow_null=True))
    def get_issuance(self, obj):
        return self._related(obj, "issuance", ApprovalIssuanceSerializer)


class ApplicationSyncPageSerializer(serializers.Serializer):
    """One page of the incremental sync: cursor links and the applications in (updated_at, id) order."""

    next = serializers.URLField(allow_null=True, help_text=_("下一页;为空表示已同步到最新"))
    previous = serializers.URLField(allow_null=True)
    results = ApplicationSerializer(many=True)


class ApplicationSyncQuerySerializer(serializers.Serializer):
    updated_since = serializers.DateTimeField(required=False, help_text=_("ISO 8601 时间;用上次同步开始的时间"))
    cursor = serializers.CharField(required=False, help_text=_("上一页返回的 next / previous 中的游标"))
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000, help_text=_("每页条数,至多1000"))


class ApprovalHistorySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = AuditEntry
        fields = ["created_at", "action", "actor", "from_state", "to_state", "reason", "data"]


class ApprovalNoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaterialNotice
        fields = ["missing", "note", "issued_at", "supplemented_at"]


class ApplicationDetailSerializer(ApplicationSerializer):
    notices = ApprovalNoticeSerializer(many=True, read_only=True)
    history = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "notices", "history"]

    @extend_schema_field(ApprovalHistorySerializer(many=True))
    def get_history(self, obj):
        return ApprovalHistorySerializer(self.context["history"], many=True).data


class ApplicationCreateSerializer(serializers.Serializer):
    township = serializers.RegexField(r"^\d{12}$", help_text=_("乡镇(街道)12位区划代码"))
    item_code = serializers.CharField(max_length=40, help_text=_("该乡镇(街道)当日承接的事项编码"))
    applicant_kind = serializers.ChoiceField(choices=ApplicantKind.choices)
    applicant_name = serializers.CharField(max_length=200)
    applicant_id_number = serializers.CharField(max_length=32, help_text=_("18位居民身份证号码或统一社会信用代码"))
    applicant_phone = serializers.CharField(max_length=20)
    contact_name = serializers.CharField(max_length=64, required=False, default="")
    address = serializers.CharField(max_length=300, required=False, default="")
    materials_provided = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    joint_handling = serializers.BooleanField(
        required=False, default=False, help_text=_("联合办理:法定时限45个工作日,可延长15个工作日(行政许可法第42条)")
    )


class ApprovalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ApprovalRefuseSerializer(ApprovalReasonSerializer):
    competent_department = serializers.CharField(required=False, allow_blank=True, default="")


class ApprovalNoticeRequestSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    extra = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class ApprovalSupplementSerializer(serializers.Serializer):
    provided = serializers.ListField(child=serializers.CharField())


class ApprovalDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reasons = serializers.CharField(allow_blank=True)
    second_reviewer = serializers.CharField(help_text=_("第二审查人的用户名"))


class ApprovalSuspendSerializer(ApprovalReasonSerializer):
    kind = serializers.ChoiceField(choices=SuspensionKind.choices)


class ApprovalIssueSerializer(serializers.Serializer):
    delivery = serializers.ChoiceField(choices=Delivery.choices)
    delivery_detail = serializers.CharField(required=False, allow_blank=True, default="")


class ApprovalRateSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=RatingLevel.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ApprovalEmptySerializer(serializers.Serializer):
    pass
