from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grids.models import (
    DedicatedType,
    Department,
    DepartmentalGrid,
    Drill,
    DrillSource,
    DrillTask,
    Employment,
    Event,
    EventCategory,
    EventHandover,
    Grid,
    GridKind,
    GridWorker,
    Handover,
    Satisfaction,
    Source,
    TimeUnit,
    Whistle,
    WhistleCall,
)
from grids.states import DrillStatus, DrillTaskStatus, EventStatus, WhistleCallStatus
from ruian.divisions import Division
from ruian.organisations import Organisation


def choice(choices, **kwargs):
    """A choice field whose enum is written inline in the schema: other apps have fields named status,
    source ... with other values, and shared enum components would collide."""
    values = [value for value, _label in choices]
    kind = "integer" if values and isinstance(values[0], int) else "string"
    # A class per choice set: serializers deep-copy their fields by re-instantiating the class.
    field_class = type("InlineChoiceField", (serializers.ChoiceField,), {})
    # Wrapped in allOf so the enum post-processing hook leaves it inline instead of naming a shared component.
    schema = {"allOf": [{"type": kind, "enum": values}]}
    return extend_schema_field(schema)(field_class)(choices=choices, **kwargs)


class GridEventCategorySerializer(serializers.ModelSerializer):
    handle_unit = choice(TimeUnit.choices, read_only=True)
    handover = choice(Handover.choices, read_only=True)

    class Meta:
        model = EventCategory
        fields = [
            "code",
            "name",
            "group",
            "description",
            "dispatch_limit_hours",
            "handle_limit",
            "handle_unit",
            "handover",
            "is_public",
        ]


class GridPublicWorkerSerializer(serializers.ModelSerializer):
    employment = choice(Employment.choices, read_only=True)

    class Meta:
        model = GridWorker
        fields = ["id", "name", "phone", "employment"]


class GridSerializer(serializers.ModelSerializer):
    division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)
    township = serializers.CharField(source="division.parent.code", read_only=True)
    successor = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind = choice(GridKind.choices, read_only=True)
    dedicated_type = choice([("", ""), *DedicatedType.choices], read_only=True)
    workers = GridPublicWorkerSerializer(many=True, read_only=True)

    class Meta:
        model = Grid
        fields = [
            "code",
            "name",
            "kind",
            "dedicated_type",
            "division",
            "division_name",
            "township",
            "households",
            "population",
            "boundary",
            "is_active",
            "successor",
            "workers",
            "updated_at",
        ]


class GridWorkerSerializer(serializers.ModelSerializer):
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    employment = choice(Employment.choices, read_only=True)

    class Meta:
        model = GridWorker
        fields = ["id", "grid", "grid_name", "name", "phone", "employment", "is_active", "updated_at"]


class GridEventSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    handling_division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    handling_level = serializers.CharField(source="handling_division.level", read_only=True)
    unit = serializers.PrimaryKeyRelatedField(read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None)
    duplicate_of = serializers.SlugRelatedField(slug_field="number", read_only=True)
    status = choice(EventStatus.choices, read_only=True)
    source = choice(Source.choices, read_only=True)
    handover = choice(Handover.choices, read_only=True)
    satisfaction = choice(Satisfaction.choices, read_only=True, allow_null=True)
    handover_target = serializers.SerializerMethodField(
        help_text=_("移交后接收方创建的对象,如 enforcement.lead:42;待接收或未移交时为 null")
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "number",
            "category",
            "category_name",
            "grid",
            "status",
            "description",
            "address",
            "lng",
            "lat",
            "source",
            "handling_division",
            "handling_level",
            "unit",
            "unit_name",
            "duplicate_of",
            "last_reason",
            "result",
            "verified_ok",
            "satisfaction",
            "handover",
            "handover_target",
            "handled_on_time",
            "reported_at",
            "registered_at",
            "dispatched_at",
            "fed_back_at",
            "closed_at",
            "updated_at",
        ]

    def get_handover_target(self, obj) -> str | None:
        record = getattr(obj, "handover_record", None) if obj.handover else None
        if record is None or not record.target_id:
            return None
        return f"{record.target_app}.{record.target_model}:{record.target_id}"


class GridEventCreateSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=EventCategory.objects.filter(is_active=True))
    lng = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    description = serializers.CharField(max_length=4000)
    address = serializers.CharField(max_length=200, required=False, default="")
    source = choice(
        [c for c in Source.choices if c[0] != Source.OPEN311],
        required=False,
        help_text=_("省略时: 网格员为 grid_worker,接口客户端为 api,其他为 citizen。"),
    )
    reporter_name = serializers.CharField(max_length=50, required=False, default="")
    reporter_phone = serializers.CharField(max_length=20, required=False, default="")


class GridEventCreatedSerializer(GridEventSerializer):
    possible_duplicates = serializers.SerializerMethodField()

    class Meta(GridEventSerializer.Meta):
        fields = [*GridEventSerializer.Meta.fields, "possible_duplicates"]

    def get_possible_duplicates(self, obj) -> list[str]:
        return [event.number for event in self.context.get("duplicates", [])]


class GridReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class GridRejectSerializer(GridReasonSerializer):
    duplicate_of = serializers.SlugRelatedField(
        slug_field="number", queryset=Event.objects.all(), required=False, allow_null=True
    )


class GridDispatchSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    note = serializers.CharField(max_length=2000, required=False, default="")


class GridFeedbackSerializer(serializers.Serializer):
    result = serializers.CharField(max_length=4000)


class GridVerifySerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, default="")


class GridEvaluateSerializer(serializers.Serializer):
    satisfaction = choice(Satisfaction.choices)
    note = serializers.CharField(max_length=2000, required=False, default="")


class GridEscalateSerializer(serializers.Serializer):
    to_division = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Division.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("省略时上提到直接上级;下转或越级一律拒绝。"),
    )
    note = serializers.CharField(max_length=2000, required=False, default="")


class GridHandoverSerializer(serializers.Serializer):
    kind = choice([("enforcement", _("移交综合执法")), ("service", _("转审批服务"))], required=False)
    note = serializers.CharField(max_length=2000, required=False, default="")


class GridWhistleCreateSerializer(serializers.Serializer):
    organisations = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), many=True)
    reason = serializers.CharField(max_length=2000)


class GridWhistleCallSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    status = choice(WhistleCallStatus.choices, read_only=True)

    class Meta:
        model = WhistleCall
        fields = ["id", "organisation", "organisation_name", "status", "acknowledged_at", "note"]


class GridWhistleSerializer(serializers.ModelSerializer):
    event = serializers.SlugRelatedField(slug_field="number", read_only=True)
    calls = GridWhistleCallSerializer(many=True, read_only=True)

    class Meta:
        model = Whistle
        fields = ["id", "event", "reason", "is_open", "calls", "created_at", "updated_at"]


class GridAcknowledgeSerializer(serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, help_text=_("省略时为当前用户所在单位。")
    )
    note = serializers.CharField(max_length=2000, required=False, default="")


class GridHistorySerializer(serializers.Serializer):
    created_at = serializers.DateTimeField()
    action = serializers.CharField()
    actor = serializers.CharField(source="actor.username", default=None)
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()


class GridCreateSerializer(serializers.Serializer):
    division = serializers.SlugRelatedField(
        slug_field="code", queryset=Division.objects.all(), help_text=_("村(社区)的 12 位代码")
    )
    name = serializers.CharField(max_length=100)
    kind = choice(GridKind.choices, required=False, default=GridKind.COMPREHENSIVE)
    dedicated_type = choice([("", ""), *DedicatedType.choices], required=False, default="")
    households = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, default=0)
    population = serializers.IntegerField(min_value=0, max_value=100_000_000, required=False, default=0)
    boundary = serializers.JSONField(help_text=_("GeoJSON Polygon 或 MultiPolygon(WGS84 经纬度)"))


class GridMergeSerializer(serializers.Serializer):
    grids = serializers.ListField(
        child=serializers.RegexField(r"^[0-9]{13,16}$"), min_length=2, max_length=50, help_text=_("要合并的网格编码")
    )
    name = serializers.CharField(max_length=100)
    reason = serializers.CharField(max_length=2000, required=False, default="")


class GridSplitPartSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    boundary = serializers.JSONField()
    households = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, default=0)
    population = serializers.IntegerField(min_value=0, max_value=100_000_000, required=False, default=0)


class GridSplitSerializer(serializers.Serializer):
    parts = GridSplitPartSerializer(many=True, min_length=2, max_length=50)
    reason = serializers.CharField(max_length=2000, required=False, default="")


class GridDepartmentalSerializer(serializers.ModelSerializer):
    department = choice(Department.choices)
    merged_into = serializers.SlugRelatedField(slug_field="code", queryset=Grid.objects.filter(is_active=True))

    class Meta:
        model = DepartmentalGrid
        fields = ["id", "department", "code", "name", "merged_into", "merged_at"]
        read_only_fields = ["id", "merged_at"]
        validators = []  # (department, code) may be recorded again: the service updates the row


class GridDepartmentalLookupSerializer(GridDepartmentalSerializer):
    covering_grids = GridSerializer(many=True, read_only=True)

    class Meta(GridDepartmentalSerializer.Meta):
        fields = [*GridDepartmentalSerializer.Meta.fields, "covering_grids"]


class GridPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    mime_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("attachment_download", args=[obj.pk])


class GridEventWithPhotosSerializer(GridEventCreateSerializer):
    photos = serializers.ListField(
        child=serializers.FileField(max_length=200, allow_empty_file=False),
        required=False,
        default=list,
        help_text=_("现场照片(multipart/form-data,可多张;JPEG、PNG、WEBP,按内容识别)"),
    )


class GridHandoverRecordSerializer(serializers.ModelSerializer):
    event = serializers.SlugRelatedField(slug_field="number", read_only=True)
    event_id = serializers.IntegerField(read_only=True)
    kind = choice(Handover.choices, read_only=True)
    status = choice(EventHandover.Status.choices, read_only=True)

    class Meta:
        model = EventHandover
        fields = [
            "id",
            "event",
            "event_id",
            "kind",
            "status",
            "note",
            "target_app",
            "target_model",
            "target_id",
            "created_at",
            "received_at",
        ]


class GridHandoverReceiveSerializer(serializers.Serializer):
    target = choice(
        [
            ("enforcement.lead", "enforcement.lead"),
            ("enforcement.case", "enforcement.case"),
            ("approvals.application", "approvals.application"),
        ],
        help_text=_("接收方创建的对象类型"),
    )
    target_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class GridDrillTaskSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    status = choice(DrillTaskStatus.choices, read_only=True)
    drill = serializers.PrimaryKeyRelatedField(read_only=True)
    acknowledge_seconds = serializers.FloatField(read_only=True, allow_null=True)
    handle_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = DrillTask
        fields = [
            "id",
            "drill",
            "organisation",
            "organisation_name",
            "status",
            "dispatched_at",
            "acknowledged_at",
            "handled_at",
            "acknowledge_seconds",
            "handle_seconds",
            "result",
            "updated_at",
        ]


class GridDrillSerializer(serializers.ModelSerializer):
    township = serializers.SlugRelatedField(slug_field="code", read_only=True)
    source = choice(DrillSource.choices, read_only=True)
    status = choice(DrillStatus.choices, read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    tasks = GridDrillTaskSerializer(many=True, read_only=True)

    class Meta:
        model = Drill
        fields = [
            "id",
            "township",
            "source",
            "source_number",
            "category",
            "title",
            "description",
            "status",
            "started_at",
            "finished_at",
            "tasks",
            "updated_at",
        ]


class GridDrillStartSerializer(serializers.Serializer):
    township = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Division.objects.all(),
        required=False,
        help_text=_("省略时为当前用户所在的乡镇(街道)"),
    )
    source = choice(DrillSource.choices, required=False, default=DrillSource.EVENT)
    units = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        default=list,
        max_length=50,
        help_text=_("演练单位编号;省略时派给原事件涉及的单位。不存在的单位整单拒绝。"),
    )


class GridDrillResultSerializer(serializers.Serializer):
    result = serializers.CharField(max_length=4000)


class GridDrillResponseTimeSerializer(serializers.Serializer):
    organisation_id = serializers.IntegerField()
    organisation_name = serializers.CharField()
    tasks = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    handled = serializers.IntegerField()
    missed = serializers.IntegerField()
    mean_acknowledge_seconds = serializers.FloatField(allow_null=True)
    mean_handle_seconds = serializers.FloatField(allow_null=True)
