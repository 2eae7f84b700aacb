"""Catalogs: the lists that say what a township may and must do.

A catalog version (权力清单和责任清单, 属地管理清单, 公共服务事项) belongs to one county and one kind and goes
through the lifecycle in `states.VERSION_TRANSITIONS`. Items belong to a version; a published version is
read-only, so changes go into a new draft copied from it. Items keep a `lineage` id across versions for
their history, and a `revision` counter for optimistic concurrency (a second editor saving over a first
editor's change is told so).
"""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalogs.states import AdmissionStatus, ImportJobStatus, PlanStatus, SubscriptionStatus, VersionStatus
from ruian.divisions import Division
from ruian.organisations import Organisation


class Category(models.TextChoices):
    LICENSING = "XK", _("行政许可")
    PENALTY = "CF", _("行政处罚")
    COERCION = "QZ", _("行政强制")
    LEVY = "ZS", _("行政征收")
    PAYMENT = "JF", _("行政给付")
    INSPECTION = "JC", _("行政检查")
    CONFIRMATION = "QR", _("行政确认")
    REWARD = "JL", _("行政奖励")
    ADJUDICATION = "CJ", _("行政裁决")
    OTHER = "QT", _("其他")
    PUBLIC_SERVICE = "GG", _("公共服务")


# The two-digit forms of the national categories, both forms are seen in item codes.
CATEGORY_NUMBERS = {
    Category.LICENSING: "01",
    Category.PENALTY: "02",
    Category.COERCION: "03",
    Category.LEVY: "04",
    Category.PAYMENT: "05",
    Category.INSPECTION: "06",
    Category.CONFIRMATION: "07",
    Category.REWARD: "08",
    Category.ADJUDICATION: "09",
    Category.OTHER: "10",
    Category.PUBLIC_SERVICE: "20",
}
CATEGORY_BY_TOKEN = {**{c.value: c for c in Category}, **{n: c for c, n in CATEGORY_NUMBERS.items()}}
CATEGORY_BY_LABEL = {str(c.label): c for c in Category}

# `<region code>-<category>-<4-digit sequence>` with optional `-<3-digit sub-item>`; a setting, because
# provinces differ (some use 12-digit region codes, some the letter category).
DEFAULT_CODE_PATTERN = r"^(?P<region>\d{6}|\d{12})-(?P<category>\d{2}|[A-Z]{2})-(?P<seq>\d{4})(?:-(?P<sub>\d{3}))?$"


def code_pattern():
    return re.compile(getattr(settings, "CATALOG_ITEM_CODE_PATTERN", DEFAULT_CODE_PATTERN))


def validate_item_code(code: str, category: str | None = None) -> None:
    match = code_pattern().match(code or "")
    if not match:
        raise ValidationError(
            _("事项编码 “%(code)s” 格式不对,应为 区划代码-类别-4位序号[-3位子项],如 320623-XK-0001。"),
            code="item_code_format",
            params={"code": code},
        )
    token = match.groupdict().get("category")
    if category and token and CATEGORY_BY_TOKEN.get(token) != category:
        raise ValidationError(
            _("事项编码 “%(code)s” 中的类别与事项类别不一致。"), code="item_code_category", params={"code": code}
        )


class CatalogKind(models.TextChoices):
    POWER = "power", _("权力清单和责任清单")
    TERRITORIAL = "territorial", _("属地管理主体责任和配合责任清单")
    PUBLIC_SERVICE = "public_service", _("公共服务事项清单")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    CALENDAR_DAYS = "calendar_days", _("自然日")


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口办理")
    ONLINE = "online", _("网上办理")
    VILLAGE = "village", _("村(社区)代办")
    SELF_SERVICE = "self_service", _("自助终端")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    ORIGINAL_AND_COPY = "original_and_copy", _("原件和复印件")
    ELECTRONIC = "electronic", _("电子材料")


# Enum .values builds a new list on every call: a validator run once a row in imports uses these sets.
MATERIAL_FORMS = frozenset(MaterialForm.values)


def validate_materials(value) -> None:
    """Required materials: a list of {name, form, copies, mandatory[, note]}."""
    if not isinstance(value, list):
        raise ValidationError(_("申请材料必须是列表。"), code="materials")
    for number, material in enumerate(value, start=1):
        if not isinstance(material, dict) or not str(material.get("name", "")).strip():
            raise ValidationError(_("第 %(n)s 项申请材料缺少名称。"), code="materials", params={"n": number})
        form = material.get("form", MaterialForm.ORIGINAL)
        if not isinstance(form, str) or form not in MATERIAL_FORMS:
            raise ValidationError(_("第 %(n)s 项申请材料的形式无效。"), code="materials", params={"n": number})
        copies = material.get("copies", 1)
        if not isinstance(copies, int) or isinstance(copies, bool) or not 0 <= copies <= 99:
            raise ValidationError(_("第 %(n)s 项申请材料的份数无效。"), code="materials", params={"n": number})
        if not isinstance(material.get("mandatory", True), bool):
            raise ValidationError(_("第 %(n)s 项申请材料的“是否必需”无效。"), code="materials", params={"n": number})


CHANNELS = frozenset(Channel.values)


def validate_channels(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v in CHANNELS for v in value):
        raise ValidationError(
            _("办理渠道只能是: %(channels)s。"), code="channels", params={"channels": ", ".join(Channel.values)}
        )


class CatalogVersion(models.Model):
    county = models.ForeignKey(
        Division, verbose_name=_("县(区)"), on_delete=models.PROTECT, related_name="catalog_versions"
    )
    kind = models.CharField(_("目录类型"), max_length=16, choices=CatalogKind.choices)
    title = models.CharField(_("名称"), max_length=200)
    edition = models.CharField(_("版次"), max_length=32, blank=True, help_text=_("如 2020版、第一批"))
    document_number = models.CharField(_("发布文号"), max_length=100, blank=True)
    effective_date = models.DateField(_("生效日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    based_on = models.ForeignKey(
        "self", verbose_name=_("基于版本"), null=True, blank=True, on_delete=models.PROTECT, related_name="drafts"
    )
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("目录版本")
        verbose_name_plural = _("目录版本")
        ordering = ["county__code", "kind", "-effective_date", "-id"]
        constraints = [
            # Only one version of a kind is published in a county; the one it replaces becomes superseded.
            models.UniqueConstraint(
                fields=["county", "kind"],
                condition=models.Q(status=VersionStatus.PUBLISHED),
                name="catalogs_one_published_version",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def scope_division(self):
        return self.county


class ItemBase(models.Model):
    """What every catalog entry has: a code unique in its version, a name, history and concurrency."""

    version = models.ForeignKey(CatalogVersion, verbose_name=_("目录版本"), on_delete=models.CASCADE)
    code = models.CharField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=300)
    # The same item across versions: compare and history follow it even when the code changes.
    lineage = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    # Fields compared between versions and written by imports (the rest is bookkeeping).
    CONTENT_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.code} {self.name}"


class PowerItem(ItemBase):
    version = models.ForeignKey(
        CatalogVersion, verbose_name=_("目录版本"), on_delete=models.CASCADE, related_name="power_items"
    )
    category = models.CharField(_("类别"), max_length=2, choices=Category.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级事项"), null=True, blank=True, on_delete=models.CASCADE, related_name="sub_items"
    )
    legal_basis = models.TextField(_("设定依据"), blank=True)
    accountability_basis = models.TextField(_("追责依据"), blank=True)
    implementing_subject = models.CharField(_("实施主体"), max_length=200, blank=True)
    accepting_office = models.CharField(_("受理机构"), max_length=200, blank=True)
    deciding_office = models.CharField(_("决定机构"), max_length=200, blank=True)
    department = models.ForeignKey(
        Organisation,
        verbose_name=_("县级主管部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="power_items",
        help_text=_("案件移送、准入申请的对口部门。"),
    )
    responsibility_items = models.JSONField(
        _("责任事项"), default=list, blank=True, help_text=_("如 受理责任、审查责任、决定责任、送达责任、事后监管责任")
    )
    accountability_cases = models.TextField(_("追责情形"), blank=True)
    legal_time_limit = models.PositiveIntegerField(_("法定时限"), null=True, blank=True)
    promised_time_limit = models.PositiveIntegerField(_("承诺时限"), null=True, blank=True)
    time_limit_unit = models.CharField(
        _("时限单位"), max_length=16, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    fees = models.CharField(_("收费标准"), max_length=300, blank=True, help_text=_("不收费的留空或填“不收费”"))
    fee_basis = models.TextField(_("收费依据"), blank=True)
    materials = models.JSONField(_("申请材料"), default=list, blank=True, validators=[validate_materials])
    conditions = models.TextField(_("办理条件"), blank=True)
    channels = models.JSONField(_("办理渠道"), default=list, blank=True, validators=[validate_channels])
    simplified_procedure = models.BooleanField(_("适用简易程序"), default=False)
    is_active = models.BooleanField(_("有效"), default=True)
    townships = models.ManyToManyField(
        Division,
        verbose_name=_("适用乡镇(街道)"),
        blank=True,
        related_name="+",
        help_text=_("留空表示适用本县所有乡镇(街道)。"),
    )

    CONTENT_FIELDS = (
        "code",
        "name",
        "category",
        "parent_code",
        "legal_basis",
        "accountability_basis",
        "implementing_subject",
        "accepting_office",
        "deciding_office",
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
    )

    class Meta:
        verbose_name = _("权力事项")
        verbose_name_plural = _("权力事项")
        ordering = ["version_id", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="catalogs_power_code_unique")]
        indexes = [
            models.Index(fields=["version", "category"]),
            models.Index(fields=["updated_at", "id"]),
            # "Does the township hold the item of this code": the few items of that code across the versions
            # and the empowered items, instead of every (version, code) of the province.
            models.Index(fields=["code"], name="poweritem_code"),
        ]

    @property
    def parent_code(self) -> str:
        return self.parent.code if self.parent_id else ""

    def clean(self):
        validate_item_code(self.code, self.category)
        if self.promised_time_limit and self.legal_time_limit and self.promised_time_limit > self.legal_time_limit:
            raise ValidationError({"promised_time_limit": _("承诺时限不能长于法定时限。")})


class PrimaryLevel(models.TextChoices):
    COUNTY = "county", _("县级部门")
    TOWNSHIP = "township", _("乡镇(街道)")


class TerritorialMatter(ItemBase):
    """A matter shared by county and township (属地管理事项): exactly one level bears the primary
    responsibility (主体责任); other county departments and/or the township cooperate (配合责任).

    Counted by party as in Rudong's first batch (108 matters: county primary 84, cooperating 30; township
    primary 24, cooperating 78) — a county-primary matter may also have other county departments cooperating.
    """

    version = models.ForeignKey(
        CatalogVersion, verbose_name=_("目录版本"), on_delete=models.CASCADE, related_name="territorial_matters"
    )
    field = models.CharField(_("领域"), max_length=100, blank=True)
    primary_level = models.CharField(_("主体责任方"), max_length=16, choices=PrimaryLevel.choices)
    county_department = models.CharField(_("县级牵头部门"), max_length=200, help_text=_("县级主体或牵头部门"))
    county_cooperating = models.CharField(
        _("县级配合部门"), max_length=300, blank=True, help_text=_("负配合责任的县级部门,多个用顿号分隔;无则留空")
    )
    township_cooperating = models.BooleanField(_("乡镇(街道)负配合责任"), default=False)
    county_duties = models.TextField(_("县级部门职责"), blank=True)
    township_duties = models.TextField(_("乡镇(街道)职责"), blank=True)
    basis = models.TextField(_("依据"), blank=True)

    CONTENT_FIELDS = (
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
    )

    class Meta:
        verbose_name = _("属地管理事项")
        verbose_name_plural = _("属地管理事项")
        ordering = ["version_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="catalogs_territorial_code_unique"),
            # The township cannot cooperate on a matter it is primarily responsible for.
            models.CheckConstraint(
                condition=~(models.Q(primary_level="township") & models.Q(township_cooperating=True)),
                name="catalogs_territorial_township_not_both",
            ),
        ]
        indexes = [models.Index(fields=["updated_at", "id"])]

    @property
    def scope_division(self):
        return self.version.county

    def clean(self):
        if self.primary_level == PrimaryLevel.TOWNSHIP and self.township_cooperating:
            raise ValidationError({"township_cooperating": _("乡镇(街道)负主体责任的事项,不能同时为配合方。")})


class ServiceLevel(models.TextChoices):
    COUNTY = "county", _("县级")
    TOWN = "town", _("镇级")
    VILLAGE = "village", _("村级")


class ServiceItem(ItemBase):
    """A public service item (公共服务事项) and its service guide (办事指南)."""

    version = models.ForeignKey(
        CatalogVersion, verbose_name=_("目录版本"), on_delete=models.CASCADE, related_name="service_items"
    )
    level = models.CharField(_("延伸层级"), max_length=16, choices=ServiceLevel.choices)
    department = models.CharField(_("来源县级部门"), max_length=200)
    subject = models.CharField(_("实施主体"), max_length=200, blank=True)
    basis = models.TextField(_("设定依据"), blank=True)
    conditions = models.TextField(_("办理条件"), blank=True)
    materials = models.JSONField(_("申请材料"), default=list, blank=True, validators=[validate_materials])
    flow = models.TextField(_("办理流程"), blank=True)
    legal_time_limit = models.PositiveIntegerField(_("法定时限"), null=True, blank=True)
    promised_time_limit = models.PositiveIntegerField(_("承诺时限"), null=True, blank=True)
    time_limit_unit = models.CharField(
        _("时限单位"), max_length=16, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    fees = models.CharField(_("收费标准"), max_length=300, blank=True)
    place = models.CharField(_("办理地点"), max_length=300, blank=True)
    hours = models.CharField(_("办理时间"), max_length=200, blank=True)
    visits = models.PositiveSmallIntegerField(_("到现场次数"), default=0)
    phone = models.CharField(_("咨询电话"), max_length=100, blank=True)
    channels = models.JSONField(_("办理渠道"), default=list, blank=True, validators=[validate_channels])

    CONTENT_FIELDS = (
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
    )

    class Meta:
        verbose_name = _("公共服务事项")
        verbose_name_plural = _("公共服务事项")
        ordering = ["version_id", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="catalogs_service_code_unique")]
        indexes = [models.Index(fields=["version", "level"]), models.Index(fields=["updated_at", "id"])]


ITEM_MODELS = {
    CatalogKind.POWER: PowerItem,
    CatalogKind.TERRITORIAL: TerritorialMatter,
    CatalogKind.PUBLIC_SERVICE: ServiceItem,
}


class EmpowermentBatch(models.Model):
    """Powers delegated from the county to townships by one approving document (赋权, 成熟一批赋予一批)."""

    county = models.ForeignKey(Division, verbose_name=_("县(区)"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("名称"), max_length=200)
    document_number = models.CharField(_("批准文号"), max_length=100)
    approved_by = models.CharField(_("批准机关"), max_length=100)
    effective_date = models.DateField(_("生效日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("赋权批次")
        verbose_name_plural = _("赋权批次")
        ordering = ["-effective_date", "-id"]

    def __str__(self):
        return self.title


class AdjustmentAction(models.TextChoices):
    GRANT = "grant", _("赋予")
    WITHDRAW = "withdraw", _("收回")


class EmpowermentAdjustment(models.Model):
    """A later change to a batch (dynamic adjustment), with its own document and effective date."""

    batch = models.ForeignKey(
        EmpowermentBatch, verbose_name=_("赋权批次"), on_delete=models.PROTECT, related_name="adjustments"
    )
    action = models.CharField(_("调整方式"), max_length=16, choices=AdjustmentAction.choices)
    document_number = models.CharField(_("调整文号"), max_length=100)
    effective_date = models.DateField(_("生效日期"))
    reason = models.TextField(_("理由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("赋权调整")
        verbose_name_plural = _("赋权调整")
        ordering = ["effective_date", "id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.document_number}"


class EmpowermentEntry(models.Model):
    """One power granted to or withdrawn from one township on one date.

    Batches and adjustments both write entries; the powers a township holds on a date are those whose
    latest entry on or before that date is a grant (`selectors.powers_of_township`).
    """

    batch = models.ForeignKey(EmpowermentBatch, on_delete=models.PROTECT, related_name="entries")
    adjustment = models.ForeignKey(
        EmpowermentAdjustment, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    township = models.ForeignKey(Division, verbose_name=_("乡镇(街道)"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(PowerItem, verbose_name=_("权力事项"), on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("动作"), max_length=16, choices=AdjustmentAction.choices)
    effective_date = models.DateField(_("生效日期"))

    class Meta:
        verbose_name = _("赋权记录")
        verbose_name_plural = _("赋权记录")
        ordering = ["effective_date", "id"]
        indexes = [models.Index(fields=["township", "item", "effective_date"])]

    def __str__(self):
        return f"{self.effective_date} {self.get_action_display()} {self.item_id} → {self.township_id}"


class DutyAdmissionRequest(models.Model):
    """A county department asks that townships take on a matter outside the lists (职责准入).

    Resources follow the duty (权随责走、费随事转): the request states funding, staff and training.
    """

    county = models.ForeignKey(Division, verbose_name=_("县(区)"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Organisation, verbose_name=_("申请部门"), on_delete=models.PROTECT, related_name="admission_requests"
    )
    matter = models.CharField(_("交办事项"), max_length=300)
    category = models.CharField(_("类别"), max_length=2, choices=Category.choices, default=Category.OTHER)
    description = models.TextField(_("事项内容"))
    legal_basis = models.TextField(_("依据"), blank=True)
    reasons = models.TextField(_("交办理由"))
    funding = models.DecimalField(_("随事转移经费(万元/年)"), max_digits=10, decimal_places=2, default=0)
    staff = models.PositiveSmallIntegerField(_("随事下沉人员(人)"), default=0)
    training = models.TextField(_("培训与指导安排"), blank=True)
    status = models.CharField(
        _("状态"), max_length=24, choices=AdmissionStatus.choices, default=AdmissionStatus.APPLIED
    )
    added_item = models.ForeignKey(
        PowerItem, verbose_name=_("纳入清单的事项"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("职责准入申请")
        verbose_name_plural = _("职责准入申请")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.matter

    @property
    def scope_division(self):
        return self.county


class ReviewStage(models.TextChoices):
    STAFFING = "staffing", _("县委编办审核")
    JUSTICE = "justice", _("县司法局审核")
    GOVERNMENT = "government", _("县政府批准")


class DutyAdmissionStep(models.Model):
    request = models.ForeignKey(DutyAdmissionRequest, on_delete=models.CASCADE, related_name="steps")
    stage = models.CharField(_("环节"), max_length=16, choices=ReviewStage.choices)
    approved = models.BooleanField(_("同意"))
    opinion = models.TextField(_("意见"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewer_organisation = models.CharField(_("审核单位"), max_length=128, blank=True)
    decided_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("准入审核记录")
        verbose_name_plural = _("准入审核记录")
        ordering = ["decided_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "stage"], name="catalogs_admission_step_once")]

    def __str__(self):
        return f"{self.get_stage_display()}: {_('同意') if self.approved else _('不同意')}"


class UpdateCycle(models.TextChoices):
    REALTIME = "realtime", _("实时")
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    YEARLY = "yearly", _("每年")
    IRREGULAR = "irregular", _("不定期")


class SharingType(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("无条件共享")
    CONDITIONAL = "conditional", _("有条件共享")
    NOT_SHARED = "not_shared", _("不予共享")


class DataResource(models.Model):
    """An entry of the government data resource catalog (政务数据资源目录) published by a department."""

    department = models.ForeignKey(
        Organisation, verbose_name=_("提供部门"), on_delete=models.PROTECT, related_name="data_resources"
    )
    code = models.CharField(_("资源编码"), max_length=64, unique=True)
    name = models.CharField(_("资源名称"), max_length=200)
    description = models.TextField(_("摘要"), blank=True)
    fields = models.JSONField(_("数据项"), default=list, blank=True)
    update_cycle = models.CharField(_("更新周期"), max_length=16, choices=UpdateCycle.choices)
    sharing_type = models.CharField(_("共享类型"), max_length=16, choices=SharingType.choices)
    on_exchange_platform = models.BooleanField(_("已上线市共享交换平台"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("数据资源")
        verbose_name_plural = _("数据资源")
        ordering = ["code"]

    def __str__(self):
        return self.name


class DataSubscription(models.Model):
    resource = models.ForeignKey(
        DataResource, verbose_name=_("数据资源"), on_delete=models.PROTECT, related_name="subscriptions"
    )
    subscriber = models.ForeignKey(
        Organisation, verbose_name=_("订阅部门"), on_delete=models.PROTECT, related_name="data_subscriptions"
    )
    purpose = models.TextField(_("用途"))
    status = models.CharField(
        _("状态"), max_length=16, choices=SubscriptionStatus.choices, default=SubscriptionStatus.REQUESTED
    )
    decision_reason = models.TextField(_("审批意见"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("数据订阅")
        verbose_name_plural = _("数据订阅")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live request per department and resource; refused or cancelled ones may be asked again.
            models.UniqueConstraint(
                fields=["resource", "subscriber"],
                condition=models.Q(status__in=["requested", "approved"]),
                name="catalogs_one_live_subscription",
            ),
        ]

    def __str__(self):
        return f"{self.subscriber} → {self.resource}"


class ImportJob(models.Model):
    """A large spreadsheet import run by a Celery worker, with its progress and report.

    The file is kept in PostgreSQL (at most CATALOG_IMPORT_MAX_BYTES) so any worker can run the job and a
    redelivered message finds it again; Redis only carries the job id.
    """

    version = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="import_jobs")
    filename = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("文件内容"))
    dry_run = models.BooleanField(_("仅检查"), default=True)
    status = models.CharField(_("状态"), max_length=16, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    report = models.JSONField(_("结果"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)


class InspectionKind(models.TextChoices):
    SUPERVISION = "supervision", _("督查")
    INSPECTION = "inspection", _("检查")
    ASSESSMENT = "assessment", _("考核")


class InspectionPlan(models.Model):
    """A county's yearly plan of the supervisions, inspections and assessments that higher offices may
    impose on its townships (督查检查考核年度计划, 基层减负): one a county and year, approved by the county
    (Xixia's 2020 plan kept 28 items). Anything imposed that is not on the approved plan is flagged."""

    county = models.ForeignKey(Division, verbose_name=_("县(区)"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=200)
    document_number = models.CharField(_("批准文号"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("督查检查考核计划")
        verbose_name_plural = _("督查检查考核计划")
        ordering = ["-year", "county__code"]
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="catalogs_one_plan_a_year")]

    def __str__(self):
        return self.title

    @property
    def scope_division(self):
        return self.county


class PlannedInspection(models.Model):
    """One supervision, inspection or assessment on a yearly plan."""

    plan = models.ForeignKey(
        InspectionPlan, verbose_name=_("年度计划"), on_delete=models.CASCADE, related_name="entries"
    )
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=InspectionKind.choices)
    organiser = models.CharField(_("组织单位"), max_length=200, help_text=_("发起督查检查考核的上级机关或部门"))
    timing = models.CharField(_("计划时间"), max_length=100, blank=True, help_text=_("如 上半年、每季度、11月"))
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("计划内督查检查考核")
        verbose_name_plural = _("计划内督查检查考核")
        ordering = ["plan_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name", "organiser"], name="catalogs_planned_inspection_once")
        ]

    def __str__(self):
        return f"{self.organiser} {self.name}"


class ImposedInspection(models.Model):
    """A supervision, inspection or assessment a higher office actually held in a township, recorded by the
    county; `planned` is the plan entry it carries out, or empty when it was not on the approved plan
    (flagged: 计划外)."""

    county = models.ForeignKey(Division, verbose_name=_("县(区)"), on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Division, verbose_name=_("乡镇(街道)"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=InspectionKind.choices)
    organiser = models.CharField(_("组织单位"), max_length=200)
    held_on = models.DateField(_("日期"))
    planned = models.ForeignKey(
        PlannedInspection,
        verbose_name=_("对应计划事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="held",
    )
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督查检查考核记录")
        verbose_name_plural = _("督查检查考核记录")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["county", "held_on"])]

    def __str__(self):
        return f"{self.held_on} {self.organiser} {self.name}"

    @property
    def on_plan(self) -> bool:
        return self.planned_id is not None

    @property
    def scope_division(self):
        return self.township
