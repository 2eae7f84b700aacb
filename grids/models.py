"""One merged grid (多网合一) and its events, whistles (吹哨报到) and escalations.

Point-in-polygon: boundaries are GeoJSON in a JSON column with their bounding box in four float columns.
A lookup first selects the few grids whose box holds the point (a GiST index on PostgreSQL's built-in
`box` type over those columns), then runs the exact test with shapely. We chose this over
PostGIS/GeoDjango because PostGIS needs GDAL/GEOS system libraries and the postgis extension on every
machine (and the SQLite demo fallback has neither), while boxes + shapely give the same answer with one
pip package. On SQLite the lookup falls back to plain range conditions on the four columns.
"""

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from grids import conf
from grids.states import DrillStatus, DrillTaskStatus, EventStatus, WhistleCallStatus
from ruian.divisions import Division, Level
from ruian.organisations import Organisation


class GridKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合网格")
    DEDICATED = "dedicated", _("专属网格")


class DedicatedType(models.TextChoices):
    PARK = "park", _("园区")
    SCHOOL = "school", _("学校")
    AGENCY = "agency", _("机关单位")
    ENTERPRISE = "enterprise", _("规模企业")
    OTHER = "other", _("其他")


def validate_boundary(value) -> None:
    """A GeoJSON Polygon or MultiPolygon geometry in WGS84 longitude/latitude that shapely accepts."""
    from shapely.geometry import shape

    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(_("边界必须是 GeoJSON 的 Polygon 或 MultiPolygon 几何对象。"), code="boundary_type")
    try:
        geometry = shape(value)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise ValidationError(
            _("边界坐标无法解析: %(error)s"), params={"error": error}, code="boundary_parse"
        ) from None
    if geometry.is_empty or not geometry.is_valid:
        raise ValidationError(_("边界多边形无效(自相交或为空)。"), code="boundary_invalid")
    min_lng, min_lat, max_lng, max_lat = geometry.bounds
    if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValidationError(_("边界坐标必须是经度、纬度(WGS84)。"), code="boundary_range")


class Grid(models.Model):
    code = models.CharField(_("网格编码"), max_length=16, unique=True, editable=False)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=GridKind.choices, default=GridKind.COMPREHENSIVE)
    dedicated_type = models.CharField(_("专属网格类别"), max_length=16, choices=DedicatedType.choices, blank=True)
    # The village or community (村/社区) the grid divides; its code is the prefix of the grid's code.
    division = models.ForeignKey(
        Division, verbose_name=_("所属村(社区)"), on_delete=models.PROTECT, related_name="grids"
    )
    sequence = models.PositiveIntegerField(_("网格序号"))
    households = models.PositiveIntegerField(_("户数"), default=0)
    population = models.PositiveIntegerField(_("人口"), default=0)
    boundary = models.JSONField(_("边界(GeoJSON)"), validators=[validate_boundary])
    min_lng = models.FloatField(editable=False)
    min_lat = models.FloatField(editable=False)
    max_lng = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)
    is_active = models.BooleanField(_("在用"), default=True)
    # Set when a merge or split retired this grid: where its area (and its open events) went.
    successor = models.ForeignKey(
        "self", verbose_name=_("并入网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="predecessors"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["division", "sequence"], name="grid_unique_sequence_in_division"),
        ]
        # The point lookup's index is a GiST index on the box of each active grid, built from these four
        # columns with PostgreSQL's own geometric types (migration 0002; no PostGIS needed).

    def __str__(self):
        return f"{self.name}({self.code})"

    def save(self, *args, **kwargs):
        self.code = self.make_code()
        if self.boundary:
            # The box is derived from the boundary on every save, so no path can leave a stale index entry.
            self.set_boundary(self.boundary)
        super().save(*args, **kwargs)

    @property
    def scope_division(self):
        return self.division.township or self.division

    def set_boundary(self, geometry: dict) -> None:
        from shapely.geometry import shape

        validate_boundary(geometry)
        self.boundary = geometry
        self.min_lng, self.min_lat, self.max_lng, self.max_lat = shape(geometry).bounds

    def make_code(self) -> str:
        return f"{self.division.code}{self.sequence:0{conf.sequence_width()}d}"

    def clean(self):
        if self.division_id and self.division.level != Level.VILLAGE:
            raise ValidationError({"division": _("网格必须划在村(社区)之下。")})
        if self.sequence is not None and not 1 <= self.sequence < 10 ** conf.sequence_width():
            raise ValidationError({"sequence": _("网格序号超出编码位数。")})
        if self.kind == GridKind.DEDICATED and not self.dedicated_type:
            raise ValidationError({"dedicated_type": _("专属网格必须写明类别(园区、学校、机关、企业)。")})


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("专职")
    PART_TIME = "part_time", _("兼职")


class GridWorker(models.Model):
    """A grid worker (网格员); name and phone are public. `user` is set when the worker logs in."""

    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="workers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_posts",
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=20)
    employment = models.CharField(_("专兼职"), max_length=16, choices=Employment.choices, default=Employment.FULL_TIME)
    is_active = models.BooleanField(_("在岗"), default=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("网格员")
        verbose_name_plural = _("网格员")
        ordering = ["grid__code", "name"]
        constraints = [models.UniqueConstraint(fields=["grid", "name", "phone"], name="grid_worker_unique")]

    def __str__(self):
        return f"{self.name}({self.grid.name})"

    @property
    def scope_division(self):
        return self.grid.scope_division


class Department(models.TextChoices):
    PARTY_BUILDING = "party_building", _("党建网格")
    SOCIAL_SECURITY = "social_security", _("社保网格")
    GOVERNANCE = "governance", _("综治网格")
    EMERGENCY = "emergency", _("应急网格")
    SOCIAL_ASSISTANCE = "social_assistance", _("社会救助网格")
    CITY_MANAGEMENT = "city_management", _("城管网格")
    ENVIRONMENT = "environment", _("环保网格")
    OTHER = "other", _("其他条线网格")


class DepartmentalGrid(models.Model):
    """A departmental grid that existed before 多网合一, and the comprehensive grid it was merged into."""

    department = models.CharField(_("条线"), max_length=32, choices=Department.choices)
    code = models.CharField(_("原网格编码"), max_length=40)
    name = models.CharField(_("原网格名称"), max_length=100)
    merged_into = models.ForeignKey(
        Grid, verbose_name=_("并入的综合网格"), on_delete=models.PROTECT, related_name="departmental_grids"
    )
    merged_at = models.DateTimeField(_("合并时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("原条线网格")
        verbose_name_plural = _("原条线网格")
        ordering = ["department", "code"]
        constraints = [models.UniqueConstraint(fields=["department", "code"], name="departmental_grid_unique")]

    def __str__(self):
        return f"{self.get_department_display()} {self.code}"

    @property
    def scope_division(self):
        return self.merged_into.scope_division


class GridChangeKind(models.TextChoices):
    MERGE = "merge", _("合并")
    SPLIT = "split", _("拆分")


class GridChange(models.Model):
    """One merge or split: which grids were retired and which took over their area."""

    kind = models.CharField(_("类型"), max_length=8, choices=GridChangeKind.choices)
    retired = models.ManyToManyField(Grid, verbose_name=_("撤销的网格"), related_name="retired_by")
    resulting = models.ManyToManyField(Grid, verbose_name=_("生成的网格"), related_name="created_by")
    reason = models.TextField(_("理由"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("网格调整")
        verbose_name_plural = _("网格调整")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class TimeUnit(models.TextChoices):
    HOURS = "hours", _("小时")
    WORKING_DAYS = "working_days", _("工作日")


class Handover(models.TextChoices):
    NONE = "", _("不移交")
    ENFORCEMENT = "enforcement", _("违法行为: 移交综合执法")
    SERVICE = "service", _("服务需求: 转审批服务")


class EventCategory(models.Model):
    """An event type with its time limits; also an Open311 service (`code` is the service_code)."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    group = models.CharField(_("大类"), max_length=50, blank=True)
    description = models.TextField(_("说明"), blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    dispatch_limit_hours = models.PositiveIntegerField(_("派遣时限(小时)"), default=1)
    handle_limit = models.PositiveIntegerField(_("处置时限"), default=3)
    handle_unit = models.CharField(
        _("处置时限单位"), max_length=16, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    # Where dispatch goes by default: a kind of township unit, or a county department by short code.
    default_unit_kind = models.CharField(_("默认责任单位类型"), max_length=32, blank=True)
    default_department = models.SlugField(_("默认县级部门简码"), max_length=32, blank=True)
    territorial_matter_code = models.CharField(_("属地管理事项编码"), max_length=64, blank=True)
    handover = models.CharField(_("移交"), max_length=16, choices=Handover.choices, blank=True, default="")
    is_public = models.BooleanField(_("对公众开放上报"), default=True)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("事件类别")
        verbose_name_plural = _("事件类别")
        ordering = ["group", "code"]

    def __str__(self):
        return self.name


class Source(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员上报")
    CITIZEN = "citizen", _("群众反映")
    HOTLINE = "hotline", _("12345热线")
    API = "api", _("接口推送")
    OPEN311 = "open311", _("Open311")


class Satisfaction(models.IntegerChoices):
    VERY_GOOD = 5, _("非常满意")
    GOOD = 4, _("满意")
    FAIR = 3, _("基本满意")
    BAD = 2, _("不满意")
    VERY_BAD = 1, _("非常不满意")


class Event(models.Model):
    # Columns the composite indexes below already lead with have no index of their own, and the number is
    # unique by a constraint (Meta) rather than unique=True, which on PostgreSQL adds a LIKE index nobody
    # reads: each escalation rewrites every index of the event.
    number = models.CharField(_("事件编号"), max_length=24, editable=False)
    category = models.ForeignKey(
        EventCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="events")
    # The village or community of the grid: the event's data scope is its township.
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    # Who handles it now: the township at first, then the county, the city as it is escalated (one-way).
    handling_division = models.ForeignKey(
        Division, verbose_name=_("处置层级"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=EventStatus.choices, default=EventStatus.REPORTED)
    description = models.TextField(_("描述"))
    address = models.CharField(_("地点"), max_length=200, blank=True)
    lng = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reporter_name = models.CharField(_("反映人"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    unit = models.ForeignKey(
        Organisation, verbose_name=_("责任单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("重复于"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_reason = models.TextField(_("最近一次说明"), blank=True)
    result = models.TextField(_("处置结果"), blank=True)
    verified_ok = models.BooleanField(_("核查通过"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("评价"), choices=Satisfaction.choices, null=True, blank=True)
    handover = models.CharField(_("移交"), max_length=16, choices=Handover.choices, blank=True, default="")
    reported_at = models.DateTimeField(_("上报时间"), auto_now_add=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    fed_back_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    handled_on_time = models.BooleanField(_("按时处置"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-reported_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["number"], name="grids_event_number_unique")]
        indexes = [
            models.Index(fields=["status", "grid"]),
            models.Index(fields=["updated_at", "id"]),
            # The command centre's counts by state over a township's villages (an index-only scan).
            models.Index(fields=["division", "status"], name="event_division_status"),
            # Possible duplicates: open events of one category in a small box around the point.
            models.Index(fields=["category", "lat", "lng"], name="event_nearby"),
        ]

    def __str__(self):
        return self.number

    @property
    def scope_division(self):
        return self.division.township or self.division

    @property
    def level(self) -> str:
        return self.handling_division.level

    @property
    def is_open(self) -> bool:
        from grids.states import OPEN_STATUSES

        return self.status in OPEN_STATUSES


class EventGridMove(models.Model):
    """Events keep their grid history: a merge or split moves open events and records it here."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="grid_moves")
    from_grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+")
    to_grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+")
    change = models.ForeignKey(GridChange, null=True, blank=True, on_delete=models.PROTECT, related_name="moves")
    moved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["moved_at", "id"]

    def __str__(self):
        return f"{self.event_id}: {self.from_grid_id} → {self.to_grid_id}"


class EventHandover(models.Model):
    """The hand-over of an event to enforcement (a lead) or to approvals (a service request).

    The enforcement and approvals apps register a receiver with `grids.services.register_handover_receiver`;
    the receiver creates their object and the link is stored here (`target_*`). Until one is registered the
    hand-over stays pending and is listed for the receiving app to pick up.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待接收")
        RECEIVED = "received", _("已接收")

    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="handover_record")
    kind = models.CharField(_("移交类型"), max_length=16, choices=Handover.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    target_app = models.CharField(max_length=32, blank=True)
    target_model = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    note = models.TextField(_("说明"), blank=True)
    # The operator who handed it over: the receiving app records it as the lead's or request's source person.
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("事件移交")
        verbose_name_plural = _("事件移交")
        # What waits to be picked up, newest first (the clerk's workbench lists it on every page): read down
        # the few pending ones, not every hand-over ever made.
        indexes = [
            models.Index(
                fields=["kind", "-created_at", "-id"],
                name="handover_pending",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self):
        return f"{self.event_id} → {self.kind}"


class Whistle(models.Model):
    """The township blows the whistle (吹哨) on an event; the named units must report (报到)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="whistles")
    blown_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("事由"))
    is_open = models.BooleanField(_("进行中"), default=True)
    created_at = models.DateTimeField(_("吹哨时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("吹哨")
        verbose_name_plural = _("吹哨")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.event.number} 吹哨 #{self.pk}"

    @property
    def scope_division(self):
        return self.event.scope_division


class WhistleCall(models.Model):
    """One unit named in a whistle, and its acknowledgement."""

    whistle = models.ForeignKey(Whistle, on_delete=models.CASCADE, related_name="calls")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("报到单位"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=WhistleCallStatus.choices, default=WhistleCallStatus.WAITING
    )
    acknowledged_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("报到单位")
        verbose_name_plural = _("报到单位")
        constraints = [models.UniqueConstraint(fields=["whistle", "organisation"], name="whistle_call_unique")]

    def __str__(self):
        return f"{self.organisation} ({self.get_status_display()})"


class EscalationReason(models.TextChoices):
    DISPATCH_OVERDUE = "dispatch_overdue", _("派遣超时")
    HANDLE_OVERDUE = "handle_overdue", _("处置超时")
    WHISTLE_UNANSWERED = "whistle_unanswered", _("吹哨未报到")
    MANUAL = "manual", _("指挥中心上提")


class Escalation(models.Model):
    """An event moved one level up. Only upward: the unique constraint allows one move into each level."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="escalations")
    from_division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    to_division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("原因"), max_length=24, choices=EscalationReason.choices)
    note = models.TextField(_("说明"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    whistle_call = models.ForeignKey(WhistleCall, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("上提")
        verbose_name_plural = _("上提")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["event", "to_division"], name="escalation_once_per_level")]
        # The command centre's latest escalations: read newest first down this index until a page of the scope's
        # is found, not every escalation of the province sorted.
        indexes = [models.Index(fields=["created_at", "id"], name="escalation_latest")]

    def __str__(self):
        return f"{self.event_id}: {self.from_division_id} → {self.to_division_id}"


class DrillSource(models.TextChoices):
    EVENT = "event", _("历史网格事件")
    CASE = "case", _("历史执法案件")


class Drill(models.Model):
    """A drill (联调联试): a copy of a past event or case sent to the units concerned, to time their response.

    Drills live in their own tables, never as events, whistles or cases: the command centre's counts,
    dashboards, sync, Open311 and assessment read those tables only, so a drill cannot leak into them.
    """

    township = models.ForeignKey(
        Division, verbose_name=_("组织演练的乡镇(街道)"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("演练来源"), max_length=8, choices=DrillSource.choices)
    # What the drill copies: a past event (its id) or a past enforcement case (its id); the text is a snapshot.
    source_id = models.PositiveBigIntegerField(_("来源编号"))
    source_number = models.CharField(_("来源事件/案号"), max_length=40)
    category = models.ForeignKey(
        EventCategory, verbose_name=_("类别"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("演练题目"), max_length=300)
    description = models.TextField(_("情况"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=DrillStatus.choices, default=DrillStatus.RUNNING)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("开始时间"), db_index=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("联调联试演练")
        verbose_name_plural = _("联调联试演练")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"演练 #{self.pk} {self.title}"

    @property
    def scope_division(self):
        return self.township


class DrillTask(models.Model):
    """The drill copy one unit received, with the moments it acknowledged and finished handling it."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="tasks")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("演练单位"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=DrillTaskStatus.choices, default=DrillTaskStatus.DISPATCHED
    )
    dispatched_at = models.DateTimeField(_("派单时间"))
    acknowledged_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(_("处置完成时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.TextField(_("处置情况"), blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("演练派单")
        verbose_name_plural = _("演练派单")
        ordering = ["drill", "organisation__name", "id"]
        constraints = [models.UniqueConstraint(fields=["drill", "organisation"], name="drill_task_once_per_unit")]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self):
        return f"{self.drill_id} → {self.organisation_id}"

    @property
    def scope_division(self):
        return self.drill.township

    @property
    def acknowledge_seconds(self) -> float | None:
        if self.acknowledged_at is None:
            return None
        return (self.acknowledged_at - self.dispatched_at).total_seconds()

    @property
    def handle_seconds(self) -> float | None:
        if self.handled_at is None:
            return None
        return (self.handled_at - self.dispatched_at).total_seconds()


def distance_metres(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance (haversine); grid-scale distances need nothing finer."""
    radius = 6_371_000
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))
