from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogs.models import Category
from catalogs.selectors import powers_of_township
from enforcement.models import EvidenceKind, ExecutionMethod, LeadSource, PartyKind, PenaltyMeasure, ServiceMethod
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


class FileLeadForm(BootstrapForm):
    power = forms.ModelChoiceField(queryset=None, label=_("处罚事项(本镇当日享有的处罚权)"))
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
