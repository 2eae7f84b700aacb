"""Forms of the editors' pages. They only parse and validate input; writes go through catalogs.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from catalogs.models import (
    AdjustmentAction,
    CatalogKind,
    CatalogVersion,
    Category,
    Channel,
    DataResource,
    DutyAdmissionRequest,
    InspectionKind,
    MaterialForm,
    PlannedInspection,
    PowerItem,
    ServiceItem,
    TerritorialMatter,
)
from catalogs.states import SubscriptionStatus, VersionStatus
from ruian.divisions import Division, Level
from ruian.organisations import Organisation

MANDATORY_WORDS = {"必需": True, "是": True, "必要": True, "否": False, "非必需": False, "容缺": False}
FORM_BY_LABEL = {**{str(label): value for value, label in MaterialForm.choices}, **{v: v for v in MaterialForm.values}}


def parse_materials(text: str) -> list[dict]:
    """One material a line: `名称|形式|份数|是否必需`, e.g. `申请书|原件|1|必需`; only the name is required."""
    materials = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        name = parts[0]
        form = FORM_BY_LABEL.get(parts[1], None) if len(parts) > 1 and parts[1] else MaterialForm.ORIGINAL
        if form is None:
            raise ValidationError(
                _("第 %(n)s 行: 材料形式只能是 %(forms)s。"),
                params={"n": number, "forms": "、".join(str(label) for _v, label in MaterialForm.choices)},
            )
        try:
            copies = int(parts[2]) if len(parts) > 2 and parts[2] else 1
        except ValueError as error:
            raise ValidationError(_("第 %(n)s 行: 份数必须是整数。"), params={"n": number}) from error
        mandatory = MANDATORY_WORDS.get(parts[3], None) if len(parts) > 3 and parts[3] else True
        if mandatory is None:
            raise ValidationError(_("第 %(n)s 行: “是否必需”请填 必需 或 非必需。"), params={"n": number})
        materials.append({"name": name, "form": form, "copies": copies, "mandatory": mandatory})
    return materials


def format_materials(materials: list[dict]) -> str:
    labels = dict(MaterialForm.choices)
    return "\n".join(
        f"{m['name']}|{labels.get(m.get('form'), m.get('form', ''))}|{m.get('copies', 1)}|"
        f"{'必需' if m.get('mandatory', True) else '非必需'}"
        for m in materials
    )


class VersionForm(forms.ModelForm):
    county = forms.ModelChoiceField(label=_("县(区)"), queryset=Division.objects.filter(level=Level.COUNTY))

    class Meta:
        model = CatalogVersion
        fields = ["county", "kind", "title", "edition", "document_number", "effective_date"]
        widgets = {"effective_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, counties=None, **kwargs):
        super().__init__(*args, **kwargs)
        if counties is not None:
            self.fields["county"].queryset = counties


class VersionEditForm(forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = CatalogVersion
        fields = ["title", "edition", "document_number", "effective_date"]
        widgets = {"effective_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["revision"] = self.instance.revision

    def _post_clean(self):
        pass


class TransitionForm(forms.Form):
    target = forms.ChoiceField(choices=VersionStatus.choices)
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ItemForm(forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def content(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("revision", None)
        return data


class PowerItemForm(ItemForm):
    parent_code = forms.CharField(label=_("上级事项编码"), required=False, help_text=_("子项填写上级事项的编码"))
    responsibility_items = forms.CharField(
        label=_("责任事项"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一项")
    )
    materials = forms.CharField(
        label=_("申请材料"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一项: 名称|形式(原件/复印件/原件和复印件/电子材料)|份数|必需或非必需"),
    )
    channels = forms.MultipleChoiceField(
        label=_("办理渠道"), choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = PowerItem
        fields = [
            "code",
            "name",
            "category",
            "legal_basis",
            "accountability_basis",
            "implementing_subject",
            "accepting_office",
            "deciding_office",
            "accountability_cases",
            "legal_time_limit",
            "promised_time_limit",
            "time_limit_unit",
            "fees",
            "fee_basis",
            "conditions",
            "simplified_procedure",
            "is_active",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in ["legal_basis", "accountability_basis", "accountability_cases", "fee_basis", "conditions"]
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        item = self.instance
        if item.pk and not self.is_bound:
            self.initial.update(
                parent_code=item.parent_code,
                responsibility_items="\n".join(item.responsibility_items),
                materials=format_materials(item.materials),
                channels=item.channels,
                revision=item.revision,
            )

    def clean_materials(self):
        return parse_materials(self.cleaned_data["materials"])

    def clean_responsibility_items(self):
        return [line.strip() for line in self.cleaned_data["responsibility_items"].splitlines() if line.strip()]

    def _post_clean(self):
        # Model validation (codes, limits, uniqueness) runs in the service, once, for every entry point.
        pass


class TerritorialMatterForm(ItemForm):
    class Meta:
        model = TerritorialMatter
        fields = list(TerritorialMatter.CONTENT_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in ["county_duties", "township_duties", "basis"]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["revision"] = self.instance.revision

    def _post_clean(self):
        pass


class ServiceItemForm(ItemForm):
    materials = forms.CharField(
        label=_("申请材料"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一项: 名称|形式(原件/复印件/原件和复印件/电子材料)|份数|必需或非必需"),
    )
    channels = forms.MultipleChoiceField(
        label=_("办理渠道"), choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ServiceItem
        fields = [name for name in ServiceItem.CONTENT_FIELDS if name not in ("materials", "channels")]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in ["basis", "conditions", "flow"]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial.update(
                materials=format_materials(self.instance.materials),
                channels=self.instance.channels,
                revision=self.instance.revision,
            )

    def clean_materials(self):
        return parse_materials(self.cleaned_data["materials"])

    def _post_clean(self):
        pass


ITEM_FORMS = {
    CatalogKind.POWER: PowerItemForm,
    CatalogKind.TERRITORIAL: TerritorialMatterForm,
    CatalogKind.PUBLIC_SERVICE: ServiceItemForm,
}


class FixedChoicesSelect(forms.Select):
    """A select over fixed choices whose HTML is kept per language, name, attributes and chosen value:
    Django renders every option through templates (about 2 ms for a dozen options), on every page view.
    Only a chosen value among the choices (or none) is kept, so what is kept stays small."""

    _rendered: dict = {}

    def render(self, name, value, attrs=None, renderer=None):
        values = {str(choice) for choice, _label in self.choices}
        if value is not None and not (isinstance(value, str) and value in values):
            return super().render(name, value, attrs, renderer)
        key = (get_language(), name, value, tuple(sorted({**self.attrs, **(attrs or {})}.items())))
        html = self._rendered.get(key)
        if html is None:
            html = self._rendered[key] = super().render(name, value, attrs, renderer)
        return html


class ItemSearchForm(forms.Form):
    q = forms.CharField(label=_("查找"), required=False)
    category = forms.ChoiceField(
        label=_("类别"),
        required=False,
        choices=[("", _("全部类别")), *Category.choices],
        widget=FixedChoicesSelect(attrs={"class": "form-select"}),
    )


class AdmissionReviewForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审核结论"),
        choices=[("1", _("同意")), ("0", _("不同意"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("不同意时必须说明理由")
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("表格文件"), help_text=_("xlsx 或 csv(UTF-8 或 GBK),第一行为列名;可先导出一份作为模板。")
    )


def split_codes(text: str) -> list[str]:
    """Item codes one a line or separated by commas or 、, in the order given, without repeats."""
    codes = []
    for part in text.replace(",", ",").replace("、", ",").replace("\n", ",").split(","):
        part = part.strip()
        if part and part not in codes:
            codes.append(part)
    return codes


class _PowersForm(forms.Form):
    """Powers (by code) and townships: what an empowerment batch or adjustment is about."""

    item_codes = forms.CharField(
        label=_("权力事项编码"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个,或用逗号分隔;须为本县已发布权力清单中的事项。"),
    )
    townships = forms.ModelMultipleChoiceField(
        label=_("乡镇(街道)"), queryset=Division.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        if townships is not None:
            self.fields["townships"].queryset = townships

    def clean_item_codes(self):
        codes = split_codes(self.cleaned_data["item_codes"])
        if not codes:
            raise ValidationError(_("请填写权力事项编码。"))
        return codes


class EmpowermentBatchForm(_PowersForm):
    county = forms.ModelChoiceField(label=_("县(区)"), queryset=Division.objects.filter(level=Level.COUNTY))
    title = forms.CharField(label=_("名称"), max_length=200)
    document_number = forms.CharField(label=_("批准文号"), max_length=100)
    approved_by = forms.CharField(label=_("批准机关"), max_length=100, initial=_("江苏省人民政府"))
    effective_date = forms.DateField(label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}))

    field_order = ["county", "title", "document_number", "approved_by", "effective_date", "item_codes", "townships"]

    def __init__(self, *args, counties=None, **kwargs):
        super().__init__(*args, **kwargs)
        if counties is not None:
            self.fields["county"].queryset = counties


class EmpowermentAdjustForm(_PowersForm):
    action = forms.ChoiceField(label=_("调整方式"), choices=AdjustmentAction.choices, widget=forms.RadioSelect)
    document_number = forms.CharField(label=_("调整文号"), max_length=100)
    effective_date = forms.DateField(label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("收回权力时必填")
    )

    field_order = ["action", "document_number", "effective_date", "reason", "item_codes", "townships"]


class TownshipPowersForm(forms.Form):
    township = forms.ModelChoiceField(label=_("乡镇(街道)"), queryset=Division.objects.none())
    on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        if townships is not None:
            self.fields["township"].queryset = townships


class DataResourceForm(forms.ModelForm):
    fields_text = forms.CharField(
        label=_("数据项"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一个数据项")
    )

    class Meta:
        model = DataResource
        fields = ["department", "code", "name", "description", "update_cycle", "sharing_type", "on_exchange_platform"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments

    def resource_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "department"}
        data["fields"] = [line.strip() for line in self.cleaned_data["fields_text"].splitlines() if line.strip()]
        return data


class SubscriptionRequestForm(forms.Form):
    subscriber = forms.ModelChoiceField(label=_("订阅部门"), queryset=Organisation.objects.none())
    purpose = forms.CharField(label=_("用途"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["subscriber"].queryset = departments


class SubscriptionDecisionForm(forms.Form):
    target = forms.ChoiceField(
        label=_("决定"),
        choices=[
            (SubscriptionStatus.APPROVED, _("同意")),
            (SubscriptionStatus.REFUSED, _("拒绝")),
            (SubscriptionStatus.CANCELLED, _("取消")),
        ],
    )
    reason = forms.CharField(label=_("意见"), required=False, help_text=_("拒绝时必须说明理由"))


class InspectionPlanForm(forms.Form):
    county = forms.ModelChoiceField(label=_("县(区)"), queryset=Division.objects.filter(level=Level.COUNTY))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("名称"), max_length=200, help_text=_("如 2026年度对乡镇(街道)督查检查考核计划"))

    def __init__(self, *args, counties=None, **kwargs):
        super().__init__(*args, **kwargs)
        if counties is not None:
            self.fields["county"].queryset = counties


class PlannedInspectionForm(forms.ModelForm):
    class Meta:
        model = PlannedInspection
        fields = ["name", "kind", "organiser", "timing", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class PlanApproveForm(forms.Form):
    document_number = forms.CharField(label=_("批准文号"), max_length=100)


class InspectionRecordForm(forms.Form):
    township = forms.ModelChoiceField(label=_("乡镇(街道)"), queryset=Division.objects.none())
    name = forms.CharField(label=_("名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=InspectionKind.choices)
    organiser = forms.CharField(label=_("组织单位"), max_length=200)
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    planned = forms.ModelChoiceField(
        label=_("对应计划事项"),
        queryset=PlannedInspection.objects.none(),
        required=False,
        help_text=_("不选时按名称和组织单位在已批准的年度计划中查找;找不到即标记为计划外。"),
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, townships=None, entries=None, **kwargs):
        super().__init__(*args, **kwargs)
        if townships is not None:
            self.fields["township"].queryset = townships
        if entries is not None:
            self.fields["planned"].queryset = entries


class AdmissionApplyForm(forms.ModelForm):
    """A county department asks for a matter outside the lists to be handed to townships (职责准入)."""

    class Meta:
        model = DutyAdmissionRequest
        fields = ["department", "matter", "category", "description", "legal_basis", "reasons"]
        fields += ["funding", "staff", "training"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
            "reasons": forms.Textarea(attrs={"rows": 2}),
            "training": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments
