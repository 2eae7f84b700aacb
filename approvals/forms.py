from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.models import ApplicantKind, Delivery, RatingLevel, SuspensionKind
from catalogs.models import Channel


class ReceiveForm(forms.Form):
    channel = forms.ChoiceField(label=_("办理渠道"), choices=Channel.choices, initial=Channel.WINDOW)
    applicant_kind = forms.ChoiceField(label=_("申请人类型"), choices=ApplicantKind.choices)
    applicant_name = forms.CharField(label=_("申请人"), max_length=200)
    applicant_id_number = forms.CharField(
        label=_("证件号码"), max_length=18, help_text=_("18位居民身份证号码,或18位统一社会信用代码")
    )
    applicant_phone = forms.CharField(label=_("联系电话"), max_length=20)
    contact_name = forms.CharField(label=_("联系人"), max_length=64, required=False)
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    materials = forms.MultipleChoiceField(
        label=_("已收材料"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    pledge = forms.BooleanField(label=_("实行告知承诺制"), required=False)
    joint_handling = forms.BooleanField(
        label=_("联合办理"), required=False, help_text=_("多个部门联合办理:法定时限45个工作日,可延长15个工作日")
    )
    scan = forms.FileField(
        label=_("材料扫描件"), required=False, help_text=_("PDF、图片或OFD;更多文件可在申请页面补充。")
    )

    def __init__(self, *args, item=None, pledge_allowed=False, **kwargs):
        super().__init__(*args, **kwargs)
        materials = item.materials if item is not None else []
        self.fields["materials"].choices = [
            (m["name"], f"{m['name']}{'' if m.get('mandatory', True) else _('(非必需)')}") for m in materials
        ]
        if not pledge_allowed:
            del self.fields["pledge"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class RefuseForm(ReasonForm):
    competent_department = forms.CharField(label=_("有权受理的部门(超出本镇职权时填写)"), required=False)


class NoticeForm(forms.Form):
    extra = forms.CharField(
        label=_("其他需补正事项(每行一项)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label=_("说明"), required=False)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("决定"),
        choices=[("1", _("准予许可")), ("0", _("不予许可"))],
        coerce=lambda v: v == "1",
    )
    reasons = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}))
    second_reviewer = forms.ModelChoiceField(label=_("第二审查人"), queryset=None)

    def __init__(self, *args, reviewers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["second_reviewer"].queryset = reviewers


class SuspendForm(ReasonForm):
    kind = forms.ChoiceField(label=_("事由"), choices=SuspensionKind.choices)


class IssueForm(forms.Form):
    delivery = forms.ChoiceField(label=_("送达方式"), choices=Delivery.choices)
    delivery_detail = forms.CharField(label=_("送达信息(单号或电子地址)"), required=False)


class RateForm(forms.Form):
    level = forms.TypedChoiceField(label=_("评价"), choices=RatingLevel.choices, coerce=int)
    comment = forms.CharField(label=_("意见"), required=False)


class PledgeForm(forms.Form):
    pledge_text = forms.CharField(
        label=_("承诺内容"),
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("本人承诺所提交材料真实有效,符合许可条件;如有不实,愿承担相应法律责任并接受撤销许可。"),
    )


class PledgeVerifyForm(forms.Form):
    truthful = forms.TypedChoiceField(
        label=_("核查结论"), choices=[("1", _("属实")), ("0", _("承诺不实"))], coerce=lambda v: v == "1"
    )
    findings = forms.CharField(label=_("核查情况"), widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(forms.Form):
    founded = forms.TypedChoiceField(
        label=_("核实结论"), choices=[("1", _("属实,已整改")), ("0", _("不属实"))], coerce=lambda v: v == "1"
    )
    findings = forms.CharField(label=_("核实情况"))
    rectification = forms.CharField(label=_("整改情况"), required=False)


class LookupForm(forms.Form):
    number = forms.CharField(label=_("申请编号"), max_length=32)
    phone_last4 = forms.RegexField(
        label=_("申请人手机号后4位"), regex=r"^\d{4}$", max_length=4, error_messages={"invalid": _("请输入4位数字。")}
    )
