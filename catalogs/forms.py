"""Forms of the editors' pages. They only parse and validate input; writes go through catalogs.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalogs.models import (
    CatalogKind,
    CatalogVersion,
    Category,
    Channel,
    MaterialForm,
    PowerItem,
    ServiceItem,
    TerritorialMatter,
)
from catalogs.states import VersionStatus
from ruian.divisions import Division, Level

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


class ItemSearchForm(forms.Form):
    q = forms.CharField(label=_("查找"), required=False)
    category = forms.ChoiceField(
        label=_("类别"),
        required=False,
        choices=[("", _("全部类别")), *Category.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
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
