from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grids.models import (
    DedicatedType,
    Employment,
    Event,
    EventCategory,
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
from grids.states import EventStatus, WhistleCallStatus
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
            "handled_on_time",
            "reported_at",
            "registered_at",
            "dispatched_at",
            "fed_back_at",
            "closed_at",
            "updated_at",
        ]


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
