from django import forms
from django.contrib.auth import get_user_model
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from catalogs.models import Category
from catalogs.selectors import powers_of_township
from enforcement.models import (
    Case,
    EvidenceKind,
    ExecutionMethod,
    LeadSource,
    MeetingKind,
    PartyKind,
    PenaltyMeasure,
    ServiceMethod,
    Transfer,
)
from enforcement.states import OPEN_CASE_STATUSES, TransferStatus
from ruian.organisations import Organisation, OrgKind
from ruian.staff import Role


def officers_of(township):
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            groups__name__in=[Role.OFFICER, Role.SQUAD_LEADER],
            staff__organisation__division__code__startswith=township.prefix,
            staff__organisation__kind=OrgKind.ENFORCEMENT_SQUAD,
        )
        .distinct()
        .order_by("username")
    )


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget (no inline styles: the classes are in the vendored CSS)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                if isinstance(widget, forms.CheckboxInput):
                    widget.attrs.setdefault("class", "form-check-input")
                continue
            css = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
            widget.attrs.setdefault("class", css)


class OfficerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class PowerSelect(forms.Select):
    """The township's penalty powers as a <select> whose options are read as (id, code, name) rows and joined in
    Python: hundreds of powers (province scale) through Select's per-option templates and model instances cost
    ~0.25 ms each. The attributes (id, required, aria-invalid) are still the bound field's."""

    def render(self, name, value, attrs=None, renderer=None):
        value = "" if value is None else str(value)
        powers = self.choices.queryset.values_list("pk", "code", "name")
        rows = [(pk, SELECTED if str(pk) == value else "", code, label) for pk, code, label in powers]
        return format_html(
            '<select name="{}"{}><option value=""{}>{}</option>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            "" if any(row[1] for row in rows) else SELECTED,  # a power not held (or none): the leader chooses
            self.choices.field.empty_label,
            format_html_join("", '<option value="{}"{}>{} {}</option>', rows),
        )


SELECTED = mark_safe(" selected")


class FileLeadForm(BootstrapForm):
    power = forms.ModelChoiceField(queryset=None, label=_("处罚事项(本镇当日享有的处罚权)"), widget=PowerSelect)
    title = forms.CharField(label=_("案由"), max_length=300)

    def __init__(self, *args, township, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["power"].queryset = powers_of_township(township, timezone.localdate()).filter(
            category=Category.PENALTY
        )


class TransferLeadForm(BootstrapForm):
    department = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(kind=OrgKind.COUNTY_DEPARTMENT),
        required=False,
        label=_("接收部门(留空则按目录指定)"),
    )
    reason = forms.CharField(label=_("移送理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, township=None, **kwargs):
        super().__init__(*args, **kwargs)
        if township is not None:  # the departments of the township's own county
            self.fields["department"].queryset = Organisation.objects.filter(
                kind=OrgKind.COUNTY_DEPARTMENT, division_id=township.parent_id
            ).order_by("name")


class AssignForm(BootstrapForm):
    officers = OfficerChoiceField(queryset=None, label=_("承办人员(至少两名持有效执法证)"))

    def __init__(self, *args, township, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officers"].queryset = officers_of(township)


class EvidenceForm(BootstrapForm):
    kind = forms.ChoiceField(choices=EvidenceKind.choices, label=_("证据类型"))
    description = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}))
    officers = OfficerChoiceField(queryset=None, label=_("取证人员(两名)"))
    file = forms.FileField(label=_("附件"), required=False)

    def __init__(self, *args, township, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officers"].queryset = officers_of(township)


class PenaltyForm(BootstrapForm):
    fine = forms.DecimalField(label=_("罚款(元)"), min_value=0, max_digits=12, decimal_places=2, initial=0)
    measures = forms.MultipleChoiceField(
        choices=PenaltyMeasure.choices, label=_("处罚种类"), widget=forms.CheckboxSelectMultiple
    )
    text = forms.CharField(label=_("事实、理由和依据"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(PenaltyForm):
    hearing_waived = forms.BooleanField(label=_("当事人已书面放弃陈述申辩和听证"), required=False)


class ServeForm(BootstrapForm):
    method = forms.ChoiceField(choices=ServiceMethod.choices, label=_("送达方式"))


class ReviewForm(BootstrapForm):
    approve = forms.TypedChoiceField(
        choices=[("1", _("审核通过")), ("0", _("退回补充调查"))], coerce=lambda v: v == "1", label=_("审核结果")
    )
    opinion = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(BootstrapForm):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class TextForm(BootstrapForm):
    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}))


class HearingScheduleForm(BootstrapForm):
    notice_sent_on = forms.DateField(label=_("通知当事人日期"), widget=forms.DateInput(attrs={"type": "date"}))
    held_on = forms.DateField(label=_("听证日期(至少七日后)"), widget=forms.DateInput(attrs={"type": "date"}))
    chair = forms.ModelChoiceField(queryset=None, label=_("主持人(非本案调查人员)"))
    place = forms.CharField(label=_("地点"), required=False)

    def __init__(self, *args, township, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, staff__organisation__division__code__startswith=township.prefix)
            .order_by("username")
        )


class ExtendForm(BootstrapForm):
    approved_by_name = forms.CharField(label=_("批准人"))
    approval_document = forms.CharField(label=_("批准文书"))
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))


class CriminalDecideForm(BootstrapForm):
    approve = forms.TypedChoiceField(
        choices=[("1", _("批准移送")), ("0", _("不予移送"))], coerce=lambda v: v == "1", label=_("负责人决定")
    )
    head_name = forms.CharField(label=_("负责人"))


class HandoverForm(BootstrapForm):
    police_unit = forms.CharField(label=_("接收公安机关"))
    receipt_number = forms.CharField(label=_("回执编号"), required=False)


class ExecuteForm(BootstrapForm):
    method = forms.ChoiceField(choices=ExecutionMethod.choices, label=_("执行方式"))
    paid_amount = forms.DecimalField(label=_("实缴金额(元,含加处罚款)"), required=False, min_value=0)


class DiscussionForm(BootstrapForm):
    held_on = forms.DateField(label=_("讨论日期"), widget=forms.DateInput(attrs={"type": "date"}))
    participants = forms.CharField(label=_("参加人员"))
    conclusion = forms.CharField(label=_("讨论结论"), widget=forms.Textarea(attrs={"rows": 2}))


class MarkForm(BootstrapForm):
    major = forms.BooleanField(label=_("重大案件(须法制审核)"), required=False)
    complex = forms.BooleanField(label=_("情节复杂(须集体讨论)"), required=False)
    reason = forms.CharField(label=_("理由"), required=False)


class LeadForm(BootstrapForm):
    source = forms.ChoiceField(choices=LeadSource.choices, label=_("来源"))
    summary = forms.CharField(label=_("摘要"), max_length=300)
    location = forms.CharField(label=_("地点"), required=False)
    party_kind = forms.ChoiceField(choices=PartyKind.choices, label=_("当事人类型"))
    party_name = forms.CharField(label=_("当事人"), required=False)
    party_id_number = forms.CharField(label=_("身份证号/统一社会信用代码"), required=False, max_length=18)
    party_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)


class InspectionPlanForm(BootstrapForm):
    title = forms.CharField(label=_("抽查计划"), max_length=200)
    industry = forms.CharField(label=_("抽查行业(留空为全部)"), required=False)
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    target_count = forms.IntegerField(label=_("抽取对象数"), min_value=1, max_value=10000)
    inspectors_per_target = forms.IntegerField(label=_("每户检查人员"), min_value=2, max_value=10, initial=2)


# --- training, certificates and joint meetings -----------------------------------------------------------------


def _date(label):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}))


class TrainingSessionForm(BootstrapForm):
    title = forms.CharField(label=_("培训主题"), max_length=200)
    held_on = _date(_("培训日期"))
    hours = forms.DecimalField(label=_("学时"), min_value=0, max_digits=5, decimal_places=1, initial=2)
    place = forms.CharField(label=_("地点"), required=False)
    trainer = forms.CharField(label=_("授课人"), required=False)


class AttendanceForm(BootstrapForm):
    officer = forms.ModelChoiceField(queryset=None, label=_("执法人员"))
    attended = forms.BooleanField(label=_("出勤"), required=False, initial=True)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, township, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers_of(township)


class ExamForm(BootstrapForm):
    title = forms.CharField(label=_("考试名称"), max_length=200)
    held_on = _date(_("考试日期"))
    pass_mark = forms.DecimalField(label=_("合格分数"), min_value=1, max_value=100, initial=60)


class ExamResultForm(BootstrapForm):
    officer = forms.ModelChoiceField(queryset=None, label=_("考生"))
    score = forms.DecimalField(label=_("成绩"), min_value=0, max_value=100, decimal_places=1)
    certificate_number = forms.CharField(label=_("发放执法证号(换证可留空)"), required=False, max_length=32)

    def __init__(self, *args, township, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers_of(township)


class MeetingForm(BootstrapForm):
    kind = forms.ChoiceField(choices=MeetingKind.choices, label=_("会议类型"))
    title = forms.CharField(label=_("会议名称"), max_length=200)
    held_on = _date(_("会议日期"))
    chair = forms.CharField(label=_("主持人"), required=False)
    participants = forms.CharField(label=_("参会单位和人员"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AgendaForm(BootstrapForm):
    topic = forms.CharField(label=_("议题"), max_length=300)
    case = forms.ModelChoiceField(queryset=None, label=_("关联案件"), required=False)
    transfer = forms.ModelChoiceField(queryset=None, label=_("关联移送"), required=False)

    def __init__(self, *args, township, **kwargs):
        super().__init__(*args, **kwargs)
        # Open cases and transfers not yet settled: what a meeting can still act on.
        self.fields["case"].queryset = Case.objects.filter(township=township, status__in=OPEN_CASE_STATUSES).order_by(
            "-filed_on", "-id"
        )
        self.fields["transfer"].queryset = Transfer.objects.filter(
            township=township, status__in=[TransferStatus.SENT, TransferStatus.RETURNED, TransferStatus.COORDINATION]
        ).order_by("-sent_at")


TASK_ROWS = 3  # task rows on the decision form; more tasks are added with a further decision or over the API


class MeetingDecisionForm(BootstrapForm):
    """A decision and up to three tasks. A task row with a title but no owner is refused (by the service)."""

    agenda_item = forms.ModelChoiceField(queryset=None, label=_("议题"), required=False)
    text = forms.CharField(label=_("议定事项"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda.all()
        people = (
            get_user_model()
            .objects.filter(is_active=True, staff__organisation__division__code__startswith=meeting.township.prefix)
            .order_by("username")
        )
        for i in range(1, TASK_ROWS + 1):
            self.fields[f"task{i}_title"] = forms.CharField(label=_("任务%(n)s") % {"n": i}, required=False)
            self.fields[f"task{i}_owner"] = forms.ModelChoiceField(queryset=people, label=_("责任人"), required=False)
            self.fields[f"task{i}_due_on"] = forms.DateField(
                label=_("完成时限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def tasks(self):
        rows = []
        for i in range(1, TASK_ROWS + 1):
            title = self.cleaned_data.get(f"task{i}_title", "")
            owner = self.cleaned_data.get(f"task{i}_owner")
            due_on = self.cleaned_data.get(f"task{i}_due_on")
            if title or owner or due_on:
                rows.append({"title": title, "owner": owner, "due_on": due_on})
        return rows


class TaskDoneForm(BootstrapForm):
    result = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 2}))


class SimplifiedForm(BootstrapForm):
    """简易程序 short form (APL Art 51-52): decided and served on the spot by two certified officers."""

    power = forms.ModelChoiceField(queryset=None, label=_("处罚事项(适用简易程序)"))
    title = forms.CharField(label=_("案由"), max_length=300)
    party_kind = forms.ChoiceField(choices=PartyKind.choices, label=_("当事人类型"))
    party_name = forms.CharField(label=_("当事人"), max_length=200)
    party_id_number = forms.CharField(label=_("身份证号/统一社会信用代码"), required=False, max_length=18)
    measures = forms.MultipleChoiceField(
        choices=[
            (PenaltyMeasure.WARNING, PenaltyMeasure.WARNING.label),
            (PenaltyMeasure.FINE, PenaltyMeasure.FINE.label),
        ],
        label=_("处罚种类"),
        widget=forms.CheckboxSelectMultiple,
    )
    fine = forms.DecimalField(
        label=_("罚款(元;个人200元以下,单位3000元以下)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    officers = OfficerChoiceField(queryset=None, label=_("执法人员(两名持有效执法证)"))
    facts = forms.CharField(label=_("违法事实"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, township, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["power"].queryset = powers_of_township(township, timezone.localdate()).filter(
            category=Category.PENALTY, simplified_procedure=True
        )
        self.fields["officers"].queryset = officers_of(township)
