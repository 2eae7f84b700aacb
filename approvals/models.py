"""One-seal approvals: the front desk receives and accepts, the back office decides, the front desk issues.

An `Application` is for one catalog item the township holds on the day it is received (a power item or a
public service item). What the catalog said that day (limits, materials, deciding office) is copied onto
the application, so a later catalog version never changes a running case. Deadlines are kernel clocks
(`ruian.clocks.Deadline`) of the kinds in `CLOCK_*`; every status change goes through `services`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from approvals.states import FollowUpStatus, PledgeStatus, Status
from catalogs.models import Channel, PowerItem, ServiceItem
from ruian.divisions import Division
from ruian.organisations import Organisation

CLOCK_NOTICE = "approvals.notice"  # one-time notice of missing materials: 5 working days (Art 32)
CLOCK_DECISION = "approvals.decision"  # decision: 20 working days (+10 once), promised limit shown (Art 42)
CLOCK_ISSUANCE = "approvals.issuance"  # certificate issued within 10 working days of the decision (Art 44)
CLOCK_FOLLOWUP = "approvals.rating_followup"  # a bad rating verified and rectified (practice: 15 in Sichuan)
CLOCK_PLEDGE = "approvals.pledge"  # verification of a pledge after approval on the spot
CLOCK_KINDS = (CLOCK_NOTICE, CLOCK_DECISION, CLOCK_ISSUANCE, CLOCK_FOLLOWUP, CLOCK_PLEDGE)


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANISATION = "organisation", _("法人或其他组织")


def validate_applicant_id(kind: str, number: str) -> str:
    """The 18-digit resident ID (GB 11643, ISO 7064 MOD 11-2) or the unified social credit code (GB 32100)."""
    number = (number or "").strip().upper()
    try:
        if kind == ApplicantKind.PERSON:
            return ric.validate(number)
        return uscc.validate(number)
    except StdnumError as error:
        if kind == ApplicantKind.PERSON:
            message = _("居民身份证号码 “%(number)s” 无效(应为18位,末位校验码须正确)。")
        else:
            message = _("统一社会信用代码 “%(number)s” 无效(应为18位,末位校验码须正确)。")
        raise ValidationError(message, code="applicant_id", params={"number": number}) from error


class ApplicationSequence(models.Model):
    """The last sequence number used per township and day; incremented atomically by an upsert."""

    # Indexed by the unique (township, day) constraint, which leads with it.
    township = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+", db_index=False)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["township", "day"], name="approvals_sequence_per_day")]

    def __str__(self):
        return f"{self.township_id} {self.day} {self.last}"


class Application(models.Model):
    # Unique by a constraint (Meta), not unique=True, which on PostgreSQL adds a second, LIKE index nobody reads;
    # the township has no index of its own either: (township, status, received_at) serves it. Sweeps rewrite
    # every index of each application they move.
    number = models.CharField(_("申请编号"), max_length=32)
    township = models.ForeignKey(
        Division, verbose_name=_("乡镇(街道)"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    power_item = models.ForeignKey(
        PowerItem, verbose_name=_("权力事项"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_item = models.ForeignKey(
        ServiceItem, verbose_name=_("公共服务事项"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the catalog said on the day of receipt.
    item_code = models.CharField(_("事项编码"), max_length=40)
    item_name = models.CharField(_("事项名称"), max_length=300)
    deciding_office = models.CharField(_("决定机构"), max_length=200, blank=True)
    department = models.ForeignKey(
        Organisation, verbose_name=_("主管部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    legal_limit = models.PositiveIntegerField(_("法定时限(工作日)"))
    promised_limit = models.PositiveIntegerField(_("承诺时限(工作日)"))
    channel = models.CharField(_("办理渠道"), max_length=16, choices=Channel.choices, default=Channel.WINDOW)

    applicant_kind = models.CharField(_("申请人类型"), max_length=16, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("申请人"), max_length=200)
    applicant_id_number = models.CharField(_("证件号码"), max_length=18)
    applicant_phone = models.CharField(_("联系电话"), max_length=20)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    # [{name, form, copies, mandatory, provided}]
    materials = models.JSONField(_("申请材料"), default=list)

    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField(_("收件时间"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    deemed_accepted = models.BooleanField(_("视为受理"), default=False)
    sent_at = models.DateTimeField(_("转后台时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    issued_at = models.DateTimeField(_("出件时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    extended = models.BooleanField(_("已延期"), default=False)
    extension_reason = models.TextField(_("延期理由"), blank=True)
    refusal_reason = models.TextField(_("不予受理理由"), blank=True)
    competent_department = models.CharField(_("有权受理的部门"), max_length=200, blank=True)
    withdrawal_reason = models.TextField(_("撤回理由"), blank=True)
    pledge = models.BooleanField(_("告知承诺制"), default=False)
    # ALL Art 42 para 2: several departments handling one application jointly (联合办理) have 45 working
    # days, extendable once by 15, instead of the item's own limit.
    joint_handling = models.BooleanField(_("联合办理"), default=False, db_default=False)
    # Set when a clock runs over; the on-time rate and the dashboard read it.
    overdue = models.BooleanField(_("曾超期"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("审批申请")
        verbose_name_plural = _("审批申请")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(power_item__isnull=True, service_item__isnull=False)
                | models.Q(power_item__isnull=False, service_item__isnull=True),
                name="approvals_application_one_item",
            ),
            models.UniqueConstraint(fields=["number"], name="approvals_application_number_unique"),
        ]
        indexes = [
            models.Index(fields=["updated_at", "id"]),
            models.Index(fields=["township", "status", "received_at"]),
        ]

    def __str__(self):
        return f"{self.number} {self.item_name}"

    @property
    def scope_division(self) -> Division:
        return self.township

    @property
    def phone_last4(self) -> str:
        return self.applicant_phone[-4:]

    @property
    def item(self):
        return self.power_item or self.service_item

    def missing_materials(self) -> list[dict]:
        return [m for m in self.materials if m.get("mandatory", True) and not m.get("provided")]

    def is_open(self) -> bool:
        from approvals.states import OPEN_STATUSES

        return self.status in OPEN_STATUSES


class MaterialNotice(models.Model):
    """The one written notice listing everything missing (一次性告知, Art 32)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notices")
    missing = models.JSONField(_("所缺材料"), default=list)
    note = models.TextField(_("补正说明"), blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("告知时间"))
    supplemented_at = models.DateTimeField(_("补正时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("一次性告知书")
        verbose_name_plural = _("一次性告知书")
        ordering = ["issued_at", "id"]

    def __str__(self):
        return f"{self.application} 一次性告知"


class Outcome(models.TextChoices):
    APPROVED = "approved", _("准予许可")
    DENIED = "denied", _("不予许可")


class Decision(models.Model):
    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(_("决定"), max_length=16, choices=Outcome.choices)
    reasons = models.TextField(_("理由"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Verifying the substance of materials needs two staff (Art 34).
    second_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"))
    on_pledge = models.BooleanField(_("告知承诺当场准予"), default=False)
    certificate_number = models.CharField(_("证照编号"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("审批决定")
        verbose_name_plural = _("审批决定")

    def __str__(self):
        return f"{self.application} {self.get_outcome_display()}"


class SuspensionKind(models.TextChoices):
    HEARING = "hearing", _("听证")
    TEST = "test", _("检验检测")
    INSPECTION = "inspection", _("现场勘验")
    EXPERT_REVIEW = "expert_review", _("专家评审")


class Suspension(models.Model):
    """Time that does not count towards the decision limit (Art 45)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="suspensions")
    kind = models.CharField(_("事由"), max_length=16, choices=SuspensionKind.choices)
    reason = models.TextField(_("说明"))
    started_at = models.DateTimeField(_("开始"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("结束"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("中止计时")
        verbose_name_plural = _("中止计时")
        ordering = ["started_at", "id"]

    def __str__(self):
        return f"{self.application} {self.get_kind_display()}"


class Delivery(models.TextChoices):
    COLLECTED = "collected", _("窗口领取")
    POSTED = "posted", _("邮寄送达")
    ELECTRONIC = "electronic", _("电子送达")


class Issuance(models.Model):
    """The result issued at the front desk under the township's single seal (镇街统一出件)."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="issuance")
    delivery = models.CharField(_("送达方式"), max_length=16, choices=Delivery.choices)
    delivery_detail = models.CharField(_("送达信息"), max_length=200, blank=True, help_text=_("如邮件单号、电子邮箱"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("出件时间"))

    class Meta:
        verbose_name = _("出件")
        verbose_name_plural = _("出件")

    def __str__(self):
        return f"{self.application} {self.get_delivery_display()}"


class PledgeEligibleItem(models.Model):
    """Items approved on a signed pledge (告知承诺制). The catalog has no such flag yet, so the township
    marks them here, by the item's lineage so the mark survives new catalog versions."""

    lineage = models.UUIDField(_("事项标识"), unique=True)
    item_code = models.CharField(_("事项编码"), max_length=40)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("告知承诺制事项")
        verbose_name_plural = _("告知承诺制事项")

    def __str__(self):
        return self.item_code


class Pledge(models.Model):
    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="pledge_record")
    text = models.TextField(_("承诺内容"))
    signed_at = models.DateTimeField(_("签署时间"))
    status = models.CharField(_("核查状态"), max_length=16, choices=PledgeStatus.choices, default=PledgeStatus.PENDING)
    findings = models.TextField(_("核查情况"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("告知承诺书")
        verbose_name_plural = _("告知承诺书")

    def __str__(self):
        return f"{self.application} 告知承诺"


class RatingLevel(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASICALLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


BAD_RATINGS = (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)


class Rating(models.Model):
    """好差评: one rating per application, after issuance."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="rating")
    level = models.PositiveSmallIntegerField(_("评价"), choices=RatingLevel.choices)
    comment = models.TextField(_("意见"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")

    def __str__(self):
        return f"{self.application} {self.get_level_display()}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_RATINGS


class RatingFollowUp(models.Model):
    """A bad rating must be verified and rectified within a configured number of working days."""

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="followup")
    status = models.CharField(_("状态"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    findings = models.TextField(_("核实情况"), blank=True)
    rectification = models.TextField(_("整改情况"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")

    def __str__(self):
        return f"{self.rating} 整改"

    @property
    def scope_division(self):
        return self.rating.application.township
