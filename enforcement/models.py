"""One comprehensive enforcement team per township: squads, leads, cases, transfers, publicity, inspections.

Every model a township's staff work on exposes `scope_division` (the township), which the kernel's
permission helpers read. Status fields are changed only by services (enforcement/services.py) through the
tables in enforcement/states.py.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from enforcement.states import (
    OPEN_CASE_STATUSES,
    CaseStatus,
    InspectionPlanStatus,
    LeadStatus,
    MeetingTaskStatus,
    TransferStatus,
)
from ruian.divisions import Division
from ruian.organisations import Organisation

User = settings.AUTH_USER_MODEL


class PartyKind(models.TextChoices):
    INDIVIDUAL = "individual", _("自然人")
    ORGANISATION = "organisation", _("法人或其他组织")


class PenaltyMeasure(models.TextChoices):
    """Kinds of administrative penalty (APL Art 9), in rising order of weight."""

    WARNING = "warning", _("警告")
    CRITICISM = "criticism", _("通报批评")
    FINE = "fine", _("罚款")
    CONFISCATION = "confiscation", _("没收违法所得、没收非法财物")
    SUSPEND_LICENCE = "suspend_licence", _("暂扣许可证件")
    LOWER_QUALIFICATION = "lower_qualification", _("降低资质等级")
    RESTRICT_ACTIVITY = "restrict_activity", _("限制开展生产经营活动")
    ORDER_CLOSURE = "order_closure", _("责令停产停业、责令关闭")
    REVOKE_LICENCE = "revoke_licence", _("吊销许可证件")


class Squad(models.Model):
    """A squad (中队) of the township's comprehensive enforcement team."""

    township = models.ForeignKey(Division, verbose_name=_("乡镇(街道)"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("执法队伍"), on_delete=models.PROTECT, related_name="squads"
    )
    name = models.CharField(_("中队名称"), max_length=100)
    leader = models.ForeignKey(
        User, verbose_name=_("中队长"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("执法中队")
        verbose_name_plural = _("执法中队")
        ordering = ["township__code", "name"]
        constraints = [models.UniqueConstraint(fields=["township", "name"], name="enforcement_squad_unique_name")]

    def __str__(self):
        return self.name

    @property
    def scope_division(self):
        return self.township


class PostingType(models.TextChoices):
    OWN = "own", _("本级编制")
    FIXED = "fixed", _("县局派驻(固定下沉)")
    CROSS_TOWNSHIP = "cross_township", _("跨镇(街道)派驻")
    NAMED_RESPONSIBLE = "named_responsible", _("县局联系责任人")


class SquadMember(models.Model):
    squad = models.ForeignKey(Squad, verbose_name=_("中队"), on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, verbose_name=_("队员"), on_delete=models.PROTECT, related_name="squad_memberships")
    posting = models.CharField(_("人员类型"), max_length=24, choices=PostingType.choices, default=PostingType.OWN)
    home_department = models.ForeignKey(
        Organisation,
        verbose_name=_("派出部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("下沉人员的原县级部门;考核以乡镇(街道)评价为主。"),
    )
    since = models.DateField(_("起始日期"))
    until = models.DateField(_("终止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("中队队员")
        verbose_name_plural = _("中队队员")
        constraints = [models.UniqueConstraint(fields=["squad", "user"], name="enforcement_member_once")]

    def __str__(self):
        return f"{self.squad} · {self.user}"


class PartyFields(models.Model):
    """The party (当事人) of a lead or case: personal data, masked wherever it is published."""

    party_kind = models.CharField(
        _("当事人类型"), max_length=16, choices=PartyKind.choices, default=PartyKind.INDIVIDUAL
    )
    party_name = models.CharField(_("当事人"), max_length=200, blank=True)
    party_id_number = models.CharField(_("身份证号/统一社会信用代码"), max_length=18, blank=True)
    party_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    party_address = models.CharField(_("地址"), max_length=300, blank=True)

    class Meta:
        abstract = True


class LeadSource(models.TextChoices):
    PATROL = "patrol", _("日常巡查")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    GRID_EVENT = "grid_event", _("网格事件")
    HOTLINE = "hotline", _("12345热线")
    TRANSFER_IN = "transfer_in", _("县级部门移送")
    ASSIGNMENT = "assignment", _("上级交办")
    INSPECTION = "inspection", _("双随机检查")
    PLATFORM = "platform", _("省级平台推送")


class Lead(PartyFields):
    """A case lead (案件线索). Whoever takes a complaint owns it until handing it over (首问负责)."""

    # Indexed by enforcement_lead_newest (township, status, received_at, id), which leads with it.
    township = models.ForeignKey(
        Division, verbose_name=_("乡镇(街道)"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    source = models.CharField(_("来源"), max_length=16, choices=LeadSource.choices)
    summary = models.CharField(_("摘要"), max_length=300)
    details = models.TextField(_("情况"), blank=True)
    location = models.CharField(_("地点"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("接收时间"))
    first_inquiry_owner = models.ForeignKey(
        User, verbose_name=_("首问责任人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    power = models.ForeignKey(
        "catalogs.PowerItem",
        verbose_name=_("涉及权力事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    dismiss_reason = models.TextField(_("不予立案理由"), blank=True)
    # The REST client (a provincial platform) that pushed the lead; its retries are answered by
    # ruian.idempotency, which keeps the Idempotency-Key.
    client = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    external_ref = models.CharField(_("平台编号"), max_length=100, blank=True)
    # A violation reported in a grid becomes a lead; the event keeps its own flow and links back here.
    grid_event = models.OneToOneField(
        "grids.Event",
        verbose_name=_("网格事件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enforcement_lead",
    )
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # indexed by (updated_at, id) in Meta

    class Meta:
        verbose_name = _("案件线索")
        verbose_name_plural = _("案件线索")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["updated_at", "id"]),
            # The board's newest new leads of a township: read 50 from the index, not sort every new lead. It
            # serves (township) and (township, status) lookups too.
            models.Index(fields=["township", "status", "-received_at", "-id"], name="enforcement_lead_newest"),
        ]

    def __str__(self):
        return self.summary

    @property
    def scope_division(self):
        return self.township


class Procedure(models.TextChoices):
    GENERAL = "general", _("普通程序")
    SIMPLIFIED = "simplified", _("简易程序")


class Case(PartyFields):
    number = models.CharField(_("案号"), max_length=40, unique=True)
    # Indexed by the (township, status) index of Meta, which leads with it.
    township = models.ForeignKey(
        Division, verbose_name=_("乡镇(街道)"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    squad = models.ForeignKey(Squad, verbose_name=_("中队"), null=True, blank=True, on_delete=models.PROTECT)
    lead = models.OneToOneField(
        Lead, verbose_name=_("线索"), null=True, blank=True, on_delete=models.PROTECT, related_name="case"
    )
    power = models.ForeignKey(
        "catalogs.PowerItem", verbose_name=_("处罚事项"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("案由"), max_length=300)
    facts = models.TextField(_("违法事实"), blank=True)
    procedure = models.CharField(_("程序"), max_length=16, choices=Procedure.choices, default=Procedure.GENERAL)
    status = models.CharField(_("状态"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.FILED)
    major = models.BooleanField(_("重大案件"), default=False, help_text=_("须经法制审核后方可决定。"))
    major_reasons = models.JSONField(_("重大案件情形"), default=list, blank=True)
    complex = models.BooleanField(_("情节复杂"), default=False, help_text=_("须经负责人集体讨论。"))
    filed_on = models.DateField(_("立案日期"))
    filed_by = models.ForeignKey(User, verbose_name=_("立案人"), on_delete=models.PROTECT, related_name="+")
    # The proposed penalty of the latest pre-decision notice, and whether the party defended against it.
    proposed_fine = models.DecimalField(_("拟罚款"), max_digits=12, decimal_places=2, null=True, blank=True)
    proposed_confiscation = models.DecimalField(_("拟没收金额"), max_digits=12, decimal_places=2, null=True, blank=True)
    proposed_measures = models.JSONField(_("拟处罚种类"), default=list, blank=True)
    defence_made = models.BooleanField(_("当事人已陈述申辩"), default=False)
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    closure_reason = models.TextField(_("结案/销案理由"), blank=True)
    archive_number = models.CharField(_("归档号"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # indexed by (updated_at, id) in Meta

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-filed_on", "-id"]
        indexes = [
            models.Index(fields=["township", "status"]),
            models.Index(fields=["updated_at", "id"]),
            # The board lists a township's newest open cases: read in this order, it stops after a page. Open
            # cases only, so that the years of closed cases the township gathers are never read past.
            models.Index(
                fields=["township", "-filed_on", "-id"],
                name="enforcement_case_open_newest",
                condition=models.Q(status__in=[status.value for status in OPEN_CASE_STATUSES]),
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def scope_division(self):
        return self.township


class CaseOfficer(models.Model):
    """An officer assigned to a case; removal ends the assignment (kept for the record)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    officer = models.ForeignKey(
        User, verbose_name=_("执法人员"), on_delete=models.PROTECT, related_name="case_assignments"
    )
    lead_officer = models.BooleanField(_("主办"), default=False)
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("办案人员")
        verbose_name_plural = _("办案人员")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "officer"], condition=models.Q(removed_at__isnull=True), name="enforcement_officer_once"
            )
        ]

    def __str__(self):
        return f"{self.case_id} · {self.officer_id}"


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("现场照片")
    DOCUMENT = "document", _("书证")
    STATEMENT = "statement", _("询问笔录")
    INSPECTION = "inspection", _("现场检查(勘验)笔录")
    EXPERT = "expert", _("鉴定意见")
    VIDEO = "video", _("视听资料")


class Evidence(models.Model):
    """One investigation step's record, done by at least two certified officers (APL Art 42)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("证据类型"), max_length=16, choices=EvidenceKind.choices)
    description = models.TextField(_("内容"))
    collected_at = models.DateTimeField(_("取证时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    officers = models.ManyToManyField(User, verbose_name=_("取证人员"), related_name="+")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("证据")
        verbose_name_plural = _("证据")
        ordering = ["collected_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def scope_division(self):
        return self.case.township


class PreDecisionNotice(models.Model):
    """行政处罚事先告知: the proposed penalty and the party's rights (APL Art 44)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    served_on = models.DateField(_("告知送达日期"))
    fine = models.DecimalField(_("拟罚款"), max_digits=12, decimal_places=2, default=0)
    confiscation = models.DecimalField(_("拟没收金额"), max_digits=12, decimal_places=2, default=0)
    measures = models.JSONField(_("拟处罚种类"), default=list)
    facts_and_basis = models.TextField(_("事实、理由和依据"), blank=True)
    hearing_right = models.BooleanField(_("告知听证权利"), default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("事先告知")
        verbose_name_plural = _("事先告知")
        ordering = ["served_on", "id"]

    def __str__(self):
        return f"{self.case_id} {self.served_on}"


class Defence(models.Model):
    """陈述申辩: the party's statement and defence, which may never make the penalty heavier (APL Art 45)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="defences")
    received_on = models.DateField(_("收到日期"))
    content = models.TextField(_("陈述申辩内容"))
    adopted = models.BooleanField(_("是否采纳"), null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("陈述申辩")
        verbose_name_plural = _("陈述申辩")

    def __str__(self):
        return f"{self.case_id} {self.received_on}"


class Hearing(models.Model):
    """听证 (APL Art 63-65): requested within 5 working days, 7 days' notice, a chair who did not investigate."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hearings")
    requested_on = models.DateField(_("申请日期"))
    notice_sent_on = models.DateField(_("通知日期"), null=True, blank=True)
    held_on = models.DateField(_("听证日期"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    chair = models.ForeignKey(
        User, verbose_name=_("主持人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    record = models.TextField(_("听证笔录摘要"), blank=True)
    concluded = models.BooleanField(_("已举行"), default=False)

    class Meta:
        verbose_name = _("听证")
        verbose_name_plural = _("听证")

    def __str__(self):
        return f"{self.case_id} {self.held_on or self.requested_on}"


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("审核通过")
    RETURNED = "returned", _("退回补充调查")


class LegalReview(models.Model):
    """法制审核 before the decision of a major case (APL Art 58)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legal_reviews")
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewer = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        _("审核结果"), max_length=16, choices=ReviewOutcome.choices, default=ReviewOutcome.PENDING
    )
    opinion = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("法制审核")
        verbose_name_plural = _("法制审核")
        ordering = ["submitted_at", "id"]

    def __str__(self):
        return f"{self.case_id} {self.get_outcome_display()}"


class CollectiveDiscussion(models.Model):
    """负责人集体讨论 for complex or serious cases (APL Art 57)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="discussions")
    held_on = models.DateField(_("讨论日期"))
    participants = models.TextField(_("参加人员"))
    conclusion = models.TextField(_("讨论结论"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("集体讨论")
        verbose_name_plural = _("集体讨论")

    def __str__(self):
        return f"{self.case_id} {self.held_on}"


class Extension(models.Model):
    """A recorded approval extending the 90-day decision limit [practice: +30 days]."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveIntegerField(_("延长天数"))
    approved_by_name = models.CharField(_("批准人"), max_length=100)
    approval_document = models.CharField(_("批准文书"), max_length=100)
    reason = models.TextField(_("理由"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("延期审批")
        verbose_name_plural = _("延期审批")

    def __str__(self):
        return f"{self.case_id} +{self.days}"


class Suspension(models.Model):
    """案件中止: the decision clock stops until the case resumes."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspensions")
    reason = models.TextField(_("中止理由"))
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("案件中止")
        verbose_name_plural = _("案件中止")

    def __str__(self):
        return f"{self.case_id} {self.started_at:%Y-%m-%d}"


class ServiceMethod(models.TextChoices):
    ON_THE_SPOT = "on_the_spot", _("当场交付")
    DIRECT = "direct", _("直接送达")
    LEFT = "left", _("留置送达")
    POST = "post", _("邮寄送达")
    ELECTRONIC = "electronic", _("电子送达")
    PUBLIC_NOTICE = "public_notice", _("公告送达")


class ExecutionMethod(models.TextChoices):
    PAID = "paid", _("自觉履行(缴纳)")
    ENFORCED = "enforced", _("行政强制执行")
    COURT = "court", _("申请法院强制执行")
    NONE_NEEDED = "none_needed", _("无需执行(警告等)")


class Decision(models.Model):
    """The penalty decision (行政处罚决定书), its service (送达) and its execution (执行)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="decision")
    number = models.CharField(_("决定书文号"), max_length=60, unique=True)
    decided_on = models.DateField(_("决定日期"))
    fine = models.DecimalField(_("罚款"), max_digits=12, decimal_places=2, default=0)
    confiscation = models.DecimalField(_("没收金额"), max_digits=12, decimal_places=2, default=0)
    measures = models.JSONField(_("处罚种类"), default=list)
    reasoning = models.TextField(_("事实、理由、依据"), blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    served_on = models.DateField(_("送达日期"), null=True, blank=True)
    service_method = models.CharField(_("送达方式"), max_length=16, choices=ServiceMethod.choices, blank=True)
    served_in_time = models.BooleanField(_("按期送达"), null=True, blank=True)
    payment_due = models.DateField(_("缴款期限"), null=True, blank=True)
    execution_method = models.CharField(_("执行方式"), max_length=16, choices=ExecutionMethod.choices, blank=True)
    executed_on = models.DateField(_("执行日期"), null=True, blank=True)
    paid_amount = models.DecimalField(_("实缴罚款"), max_digits=12, decimal_places=2, null=True, blank=True)
    surcharge = models.DecimalField(_("加处罚款"), max_digits=12, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("处罚决定")
        verbose_name_plural = _("处罚决定")

    def __str__(self):
        return self.number

    @property
    def scope_division(self):
        return self.case.township


class CriminalTransfer(models.Model):
    """涉嫌犯罪案件移送 (行刑衔接): head's decision within 3 days, transfer within 24 hours."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="criminal_transfer")
    grounds = models.TextField(_("涉嫌犯罪的理由"))
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    approved = models.BooleanField(_("负责人批准"), null=True, blank=True)
    head_name = models.CharField(_("负责人"), max_length=100, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    police_unit = models.CharField(_("接收公安机关"), max_length=200, blank=True)
    transferred_at = models.DateTimeField(null=True, blank=True)
    receipt_number = models.CharField(_("回执编号"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("涉嫌犯罪移送")
        verbose_name_plural = _("涉嫌犯罪移送")

    def __str__(self):
        return f"{self.case_id} {self.police_unit}"


class TransferDirection(models.TextChoices):
    OUTGOING = "outgoing", _("移出(乡镇移送县级部门)")
    INCOMING = "incoming", _("移入(县级部门移送乡镇)")


class Transfer(models.Model):
    """案件移送 with copy notices (抄告) to the departments concerned."""

    township = models.ForeignKey(Division, verbose_name=_("乡镇(街道)"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Organisation, verbose_name=_("县级部门"), on_delete=models.PROTECT, related_name="enforcement_transfers"
    )
    direction = models.CharField(_("方向"), max_length=16, choices=TransferDirection.choices)
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers")
    power = models.ForeignKey("catalogs.PowerItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    summary = models.CharField(_("事由"), max_length=300)
    reason = models.TextField(_("移送理由"))
    copy_to = models.ManyToManyField(Organisation, verbose_name=_("抄告单位"), blank=True, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.SENT)
    sent_at = models.DateTimeField(_("移送时间"))
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    return_reason = models.TextField(_("退回理由"), blank=True)
    escalated_at = models.DateTimeField(_("升级协调时间"), null=True, blank=True)
    coordination_note = models.TextField(_("协调意见"), blank=True)
    client = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("案件移送")
        verbose_name_plural = _("案件移送")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["township", "status"]), models.Index(fields=["updated_at", "id"])]

    def __str__(self):
        return f"{self.get_direction_display()} {self.summary}"

    @property
    def scope_division(self):
        return self.township


class Publication(models.Model):
    """A published penalty decision (行政执法公示), masked when it is written; withdrawal is audited."""

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="publication")
    township = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    # A masked copy: the public page reads only these columns, never the case's personal data.
    party_masked = models.CharField(_("当事人"), max_length=200)
    id_number_masked = models.CharField(_("证件号码"), max_length=24, blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    decision_number = models.CharField(_("决定书文号"), max_length=60)
    case_title = models.CharField(_("案由"), max_length=300)
    penalty = models.CharField(_("处罚内容"), max_length=300)
    basis = models.TextField(_("处罚依据"), blank=True)
    decided_on = models.DateField(_("决定日期"))
    published_at = models.DateTimeField(_("公示时间"))
    published_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.TextField(_("撤回理由"), blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("处罚决定公示")
        verbose_name_plural = _("处罚决定公示")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["updated_at", "id"]),
            # The public page: a page of 20 in its order read from the index, not every publication sorted.
            models.Index(
                fields=["-published_at", "-id"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="enforcement_publication_shown",
            ),
        ]

    def __str__(self):
        return self.decision_number

    @property
    def scope_division(self):
        return self.township


# --- random inspections (双随机一公开) ----------------------------------------------------------------


class MarketSubject(models.Model):
    """A market subject in the registry targets are drawn from."""

    township = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    industry = models.CharField(_("行业"), max_length=100, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("市场主体")
        verbose_name_plural = _("市场主体")
        indexes = [models.Index(fields=["township", "industry"])]

    def __str__(self):
        return self.name


class InspectorConflict(models.Model):
    """An inspector who must not inspect a subject (kin, former employer ...): excluded from the draw."""

    inspector = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(MarketSubject, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.CharField(_("回避理由"), max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inspector", "subject"], name="enforcement_conflict_once")]

    def __str__(self):
        return f"{self.inspector_id} ≠ {self.subject_id}"


class InspectionPlan(models.Model):
    township = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("抽查计划"), max_length=200)
    departments = models.ManyToManyField(Organisation, verbose_name=_("联合检查部门"), blank=True, related_name="+")
    industry = models.CharField(_("抽查行业"), max_length=100, blank=True, help_text=_("留空为全部市场主体。"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    target_count = models.PositiveIntegerField(_("抽取对象数"))
    inspectors_per_target = models.PositiveSmallIntegerField(_("每户检查人员"), default=2)
    status = models.CharField(
        _("状态"), max_length=16, choices=InspectionPlanStatus.choices, default=InspectionPlanStatus.DRAFT
    )
    seed = models.BigIntegerField(_("随机种子"), null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("双随机抽查计划")
        verbose_name_plural = _("双随机抽查计划")
        ordering = ["-starts_on", "-id"]

    def __str__(self):
        return self.title

    @property
    def scope_division(self):
        return self.township


class InspectionTarget(models.Model):
    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="targets")
    subject = models.ForeignKey(MarketSubject, on_delete=models.PROTECT, related_name="+")
    inspectors = models.ManyToManyField(User, related_name="+")
    position = models.PositiveIntegerField()
    # Joint inspection: targets of several plans visiting the same subject in the same period share a visit.
    joint_key = models.CharField(max_length=64, blank=True, db_index=True)
    result = models.TextField(_("检查结果"), blank=True)
    result_ok = models.BooleanField(_("未发现问题"), null=True, blank=True)

    class Meta:
        ordering = ["plan_id", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "subject"], name="enforcement_target_once")]

    def __str__(self):
        return f"{self.plan_id} · {self.subject_id}"


# --- training and certificates (全员培训, 执法资格考试) ------------------------------------------------------


class TrainingSession(models.Model):
    """A training session of the township's enforcement team; attendance is recorded per officer."""

    township = models.ForeignKey(Division, verbose_name=_("乡镇(街道)"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("培训主题"), max_length=200)
    held_on = models.DateField(_("培训日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, default=2)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    trainer = models.CharField(_("授课人"), max_length=100, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return self.title

    @property
    def scope_division(self):
        return self.township


class TrainingAttendance(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendance")
    officer = models.ForeignKey(User, verbose_name=_("执法人员"), on_delete=models.PROTECT, related_name="+")
    attended = models.BooleanField(_("出勤"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("培训出勤")
        verbose_name_plural = _("培训出勤")
        constraints = [models.UniqueConstraint(fields=["session", "officer"], name="enforcement_attendance_once")]

    def __str__(self):
        return f"{self.session_id} · {self.officer_id}"


class QualificationExam(models.Model):
    """执法资格考试: passing it issues or renews the officer's enforcement certificate."""

    township = models.ForeignKey(Division, verbose_name=_("乡镇(街道)"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("考试名称"), max_length=200)
    held_on = models.DateField(_("考试日期"))
    pass_mark = models.DecimalField(_("合格分数"), max_digits=5, decimal_places=1, default=60)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("执法资格考试")
        verbose_name_plural = _("执法资格考试")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return self.title

    @property
    def scope_division(self):
        return self.township


class ExamResult(models.Model):
    exam = models.ForeignKey(QualificationExam, on_delete=models.CASCADE, related_name="results")
    officer = models.ForeignKey(User, verbose_name=_("考生"), on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("成绩"), max_digits=5, decimal_places=1)
    passed = models.BooleanField(_("合格"))
    certificate_number = models.CharField(_("发放/换发执法证号"), max_length=32, blank=True)
    certificate_valid_until = models.DateField(_("执法证有效期至"), null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("考试成绩")
        verbose_name_plural = _("考试成绩")
        constraints = [models.UniqueConstraint(fields=["exam", "officer"], name="enforcement_exam_result_once")]

    def __str__(self):
        return f"{self.exam_id} · {self.officer_id}: {self.score}"


# --- joint enforcement meetings (联席会议, 会商) --------------------------------------------------------------


class MeetingKind(models.TextChoices):
    WEEKLY_DISPATCH = "weekly_dispatch", _("周调度会")
    MONTHLY_PROGRESS = "monthly_progress", _("月推进会")
    QUARTERLY_REVIEW = "quarterly_review", _("季度讲评会")
    CASE_CONSULTATION = "consultation", _("案件会商")


class JointMeeting(models.Model):
    """A joint enforcement meeting: agenda items on cases and transfers, decisions, tasks with deadlines."""

    township = models.ForeignKey(Division, verbose_name=_("乡镇(街道)"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("会议类型"), max_length=24, choices=MeetingKind.choices)
    title = models.CharField(_("会议名称"), max_length=200)
    held_on = models.DateField(_("会议日期"))
    chair = models.CharField(_("主持人"), max_length=100, blank=True)
    participants = models.TextField(_("参会单位和人员"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return self.title

    @property
    def scope_division(self):
        return self.township


class AgendaItem(models.Model):
    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="agenda")
    topic = models.CharField(_("议题"), max_length=300)
    case = models.ForeignKey(
        Case, verbose_name=_("涉及案件"), null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items"
    )
    transfer = models.ForeignKey(
        Transfer,
        verbose_name=_("涉及移送"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("会议议题")
        verbose_name_plural = _("会议议题")
        ordering = ["meeting_id", "position", "id"]

    def __str__(self):
        return self.topic


class MeetingDecision(models.Model):
    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="decisions")
    agenda_item = models.ForeignKey(
        AgendaItem, verbose_name=_("议题"), null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    text = models.TextField(_("会议议定事项"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")
        ordering = ["meeting_id", "id"]

    def __str__(self):
        return self.text[:50]


class MeetingTask(models.Model):
    """A decision turned into a task: always an owner and a deadline (a kernel clock, swept)."""

    decision = models.ForeignKey(MeetingDecision, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("任务"), max_length=300)
    owner = models.ForeignKey(User, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="meeting_tasks")
    due_on = models.DateField(_("完成时限"))
    status = models.CharField(
        _("状态"), max_length=8, choices=MeetingTaskStatus.choices, default=MeetingTaskStatus.OPEN
    )
    result = models.TextField(_("办理结果"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("会议任务")
        verbose_name_plural = _("会议任务")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "status"])]

    def __str__(self):
        return self.title

    @property
    def scope_division(self):
        return self.decision.meeting.township
