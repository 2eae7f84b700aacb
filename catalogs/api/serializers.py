from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from catalogs.models import (
    AdjustmentAction,
    CatalogVersion,
    Category,
    Channel,
    DataResource,
    DataSubscription,
    DutyAdmissionRequest,
    DutyAdmissionStep,
    EmpowermentAdjustment,
    EmpowermentBatch,
    ImposedInspection,
    InspectionPlan,
    MaterialForm,
    PlannedInspection,
    PowerItem,
    ServiceItem,
    TerritorialMatter,
)
from catalogs.states import SubscriptionStatus, VersionStatus
from ruian.divisions import Division, Level
from ruian.organisations import Organisation


class MaterialSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    form = serializers.ChoiceField(choices=MaterialForm.choices, default=MaterialForm.ORIGINAL)
    copies = serializers.IntegerField(min_value=0, max_value=99, default=1)
    mandatory = serializers.BooleanField(default=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class VersionSerializer(serializers.ModelSerializer):
    county = serializers.SlugRelatedField(
        slug_field="code", queryset=Division.objects.filter(level=Level.COUNTY), help_text=_("县级区划代码")
    )
    county_name = serializers.CharField(source="county.name", read_only=True)

    class Meta:
        model = CatalogVersion
        fields = [
            "id",
            "county",
            "county_name",
            "kind",
            "title",
            "edition",
            "document_number",
            "effective_date",
            "status",
            "based_on",
            "revision",
            "published_at",
            "updated_at",
        ]
        read_only_fields = ["status", "based_on", "published_at", "updated_at"]
        extra_kwargs = {"revision": {"required": False, "help_text": _("修改时填写读取时的修订号,防止覆盖他人修改")}}


class VersionTransitionSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=VersionStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class NewDraftSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, default="")
    edition = serializers.CharField(required=False, allow_blank=True, default="")


class ItemSerializerBase(serializers.ModelSerializer):
    version = serializers.PrimaryKeyRelatedField(queryset=CatalogVersion.objects.all())
    revision = serializers.IntegerField(required=False, help_text=_("修改时填写读取时的修订号;他人已修改时返回 409"))

    BOOKKEEPING = ["id", "version", "lineage", "revision", "updated_at"]

    def content(self) -> dict:
        data = dict(self.validated_data)
        data.pop("version", None)
        data.pop("revision", None)
        return data


class PowerItemSerializer(ItemSerializerBase):
    parent_code = serializers.CharField(required=False, allow_blank=True, help_text=_("上级事项编码,子项填写"))
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    materials = MaterialSerializer(many=True, required=False)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), required=False)
    responsibility_items = serializers.ListField(child=serializers.CharField(), required=False)
    townships = serializers.SlugRelatedField(
        many=True,
        slug_field="code",
        queryset=Division.objects.filter(level=Level.TOWNSHIP),
        required=False,
        help_text=_("适用乡镇(街道)区划代码;为空表示全县适用"),
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = PowerItem
        fields = [
            "id",
            "version",
            "code",
            "name",
            "category",
            "category_label",
            "parent_code",
            "legal_basis",
            "accountability_basis",
            "implementing_subject",
            "accepting_office",
            "deciding_office",
            "department",
            "responsibility_items",
            "accountability_cases",
            "legal_time_limit",
            "promised_time_limit",
            "time_limit_unit",
            "fees",
            "fee_basis",
            "materials",
            "conditions",
            "channels",
            "simplified_procedure",
            "is_active",
            "townships",
            "lineage",
            "revision",
            "updated_at",
        ]
        read_only_fields = ["lineage", "updated_at"]
        # Code uniqueness within the version is checked by the service (model validation), once.
        validators = []


class TerritorialMatterSerializer(ItemSerializerBase):
    class Meta:
        model = TerritorialMatter
        fields = [
            "id",
            "version",
            "code",
            "name",
            "field",
            "primary_level",
            "county_department",
            "county_cooperating",
            "township_cooperating",
            "county_duties",
            "township_duties",
            "basis",
            "lineage",
            "revision",
            "updated_at",
        ]
        read_only_fields = ["lineage", "updated_at"]
        validators = []


class ServiceItemSerializer(ItemSerializerBase):
    materials = MaterialSerializer(many=True, required=False)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), required=False)

    class Meta:
        model = ServiceItem
        fields = [
            "id",
            "version",
            "code",
            "name",
            "level",
            "department",
            "subject",
            "basis",
            "conditions",
            "materials",
            "flow",
            "legal_time_limit",
            "promised_time_limit",
            "time_limit_unit",
            "fees",
            "place",
            "hours",
            "visits",
            "phone",
            "channels",
            "lineage",
            "revision",
            "updated_at",
        ]
        read_only_fields = ["lineage", "updated_at"]
        validators = []


class CategoryCountSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    categories = CategoryCountSerializer(many=True, required=False)
    territorial = serializers.DictField(child=serializers.IntegerField(), required=False)
    levels = serializers.DictField(child=serializers.IntegerField(), required=False)


class ItemRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ChangedItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    changes = serializers.DictField(child=serializers.ListField(), help_text=_("字段: [旧值, 新值]"))


class CompareSerializer(serializers.Serializer):
    old = serializers.IntegerField()
    new = serializers.IntegerField()
    added = ItemRefSerializer(many=True)
    removed = ItemRefSerializer(many=True)
    changed = ChangedItemSerializer(many=True)


class TownshipPowerSerializer(serializers.ModelSerializer):
    version_title = serializers.CharField(source="version.title", read_only=True)

    class Meta:
        model = PowerItem
        fields = ["id", "code", "name", "category", "version", "version_title", "department", "legal_basis"]


class AdjustmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmpowermentAdjustment
        fields = ["id", "action", "document_number", "effective_date", "reason", "created_at"]


class EmpowermentBatchSerializer(serializers.ModelSerializer):
    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    adjustments = AdjustmentSerializer(many=True, read_only=True)

    class Meta:
        model = EmpowermentBatch
        fields = ["id", "county", "title", "document_number", "approved_by", "effective_date", "adjustments"]


class EmpowermentBatchCreateSerializer(serializers.Serializer):
    county = serializers.SlugRelatedField(slug_field="code", queryset=Division.objects.filter(level=Level.COUNTY))
    title = serializers.CharField(max_length=200)
    document_number = serializers.CharField(max_length=100)
    approved_by = serializers.CharField(max_length=100)
    effective_date = serializers.DateField()
    items = serializers.PrimaryKeyRelatedField(many=True, queryset=PowerItem.objects.select_related("version"))
    townships = serializers.SlugRelatedField(
        many=True, slug_field="code", queryset=Division.objects.filter(level=Level.TOWNSHIP)
    )


class AdjustmentCreateSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=AdjustmentAction.choices)
    document_number = serializers.CharField(max_length=100)
    effective_date = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    items = serializers.PrimaryKeyRelatedField(many=True, queryset=PowerItem.objects.select_related("version"))
    townships = serializers.SlugRelatedField(
        many=True, slug_field="code", queryset=Division.objects.filter(level=Level.TOWNSHIP)
    )


class AdmissionStepSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)

    class Meta:
        model = DutyAdmissionStep
        fields = ["stage", "approved", "opinion", "reviewer", "reviewer_organisation", "decided_at"]


class AdmissionSerializer(serializers.ModelSerializer):
    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    steps = AdmissionStepSerializer(many=True, read_only=True)

    class Meta:
        model = DutyAdmissionRequest
        fields = [
            "id",
            "county",
            "department",
            "matter",
            "category",
            "description",
            "legal_basis",
            "reasons",
            "funding",
            "staff",
            "training",
            "status",
            "added_item",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "added_item", "created_at", "updated_at"]


class AdmissionReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


class DataResourceSerializer(serializers.ModelSerializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    department_name = serializers.CharField(source="department.name", read_only=True)
    fields = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = DataResource
        fields = [
            "id",
            "department",
            "department_name",
            "code",
            "name",
            "description",
            "fields",
            "update_cycle",
            "sharing_type",
            "on_exchange_platform",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


class SharingFiguresSerializer(serializers.Serializer):
    resources = serializers.IntegerField(help_text=_("已发布的数据资源"))
    on_exchange_platform = serializers.IntegerField(help_text=_("其中已上线市共享交换平台的"))
    unconditional = serializers.IntegerField()
    conditional = serializers.IntegerField()
    not_shared = serializers.IntegerField()
    departments = serializers.IntegerField(help_text=_("发布资源的部门数"))
    subscriptions = serializers.IntegerField(help_text=_("部门间已同意的订阅"))
    subscriptions_requested = serializers.IntegerField(help_text=_("待审批的订阅"))
    subscribing_departments = serializers.IntegerField(help_text=_("有已同意订阅的部门数"))


class SubscriptionSerializer(serializers.ModelSerializer):
    resource = serializers.PrimaryKeyRelatedField(queryset=DataResource.objects.all())
    subscriber = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())

    class Meta:
        model = DataSubscription
        fields = ["id", "resource", "subscriber", "purpose", "status", "decision_reason", "created_at", "updated_at"]
        read_only_fields = ["status", "decision_reason", "created_at", "updated_at"]
        validators = []


class SubscriptionDecisionSerializer(serializers.Serializer):
    target = serializers.ChoiceField(
        choices=SubscriptionStatus.choices, help_text=_("approved / refused(须说明理由)/ cancelled")
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("xlsx 或 csv,第一行为列名"))
    dry_run = serializers.BooleanField(default=True, help_text=_("只检查不写入(默认)"))


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class ChangedCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField())


class ImportReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    written = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    total = serializers.IntegerField()
    added = serializers.ListField(child=serializers.CharField())
    changed = ChangedCodeSerializer(many=True)
    unchanged = serializers.IntegerField()
    file_errors = serializers.ListField(child=serializers.CharField())
    row_errors = RowErrorSerializer(many=True)


class PlannedInspectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlannedInspection
        fields = ["id", "name", "kind", "organiser", "timing", "note"]


class InspectionPlanSerializer(serializers.ModelSerializer):
    county = serializers.SlugRelatedField(slug_field="code", queryset=Division.objects.filter(level=Level.COUNTY))
    entries = PlannedInspectionSerializer(many=True, read_only=True)
    planned_count = serializers.IntegerField(read_only=True, help_text=_("计划内事项数"))
    held_count = serializers.IntegerField(read_only=True, help_text=_("当年已开展的督查检查考核"))
    unplanned_count = serializers.IntegerField(read_only=True, help_text=_("其中计划外的"))

    class Meta:
        model = InspectionPlan
        fields = [
            "id",
            "county",
            "year",
            "title",
            "document_number",
            "status",
            "approved_at",
            "planned_count",
            "held_count",
            "unplanned_count",
            "entries",
        ]
        read_only_fields = ["document_number", "status", "approved_at"]
        validators = []


class PlanApproveSerializer(serializers.Serializer):
    document_number = serializers.CharField(max_length=100)


class ImposedInspectionSerializer(serializers.ModelSerializer):
    township = serializers.SlugRelatedField(slug_field="code", queryset=Division.objects.filter(level=Level.TOWNSHIP))
    planned = serializers.PrimaryKeyRelatedField(
        queryset=PlannedInspection.objects.all(), required=False, allow_null=True
    )
    on_plan = serializers.BooleanField(read_only=True, help_text=_("false: 不在已批准的年度计划中(计划外)"))

    class Meta:
        model = ImposedInspection
        fields = ["id", "township", "name", "kind", "organiser", "held_on", "planned", "on_plan", "note", "created_at"]
        read_only_fields = ["created_at"]
