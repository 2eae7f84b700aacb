from django import forms
from django.utils.translation import gettext_lazy as _

from grids.models import DedicatedType, Department, DrillSource, EventCategory, GridKind, Satisfaction


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("事件类别"), queryset=EventCategory.objects.filter(is_active=True), empty_label=_("请选择")
    )
    description = forms.CharField(label=_("事件描述"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    address = forms.CharField(label=_("地点"), max_length=200, required=False)
    lng = forms.FloatField(label=_("经度"), min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("纬度"), min_value=-90, max_value=90)
    photos = MultipleFileField(label=_("现场照片"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class DispatchForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=None, empty_label=_("请选择"))
    note = forms.CharField(label=_("派遣说明"), required=False, max_length=2000)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class WhistleForm(forms.Form):
    organisations = forms.ModelMultipleChoiceField(label=_("需要报到的单位"), queryset=None)
    reason = forms.CharField(label=_("吹哨事由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = units


class FeedbackForm(forms.Form):
    result = forms.CharField(label=_("处置结果"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class VerifyForm(forms.Form):
    ok = forms.TypedChoiceField(
        label=_("核查结果"),
        choices=[("1", _("已解决")), ("0", _("未解决"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(label=_("核查说明"), required=False, max_length=2000)


class EvaluateForm(forms.Form):
    satisfaction = forms.TypedChoiceField(label=_("评价"), choices=Satisfaction.choices, coerce=int)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"), choices=[("grids", _("网格")), ("workers", _("网格员"))])
    file = forms.FileField(label=_("表格文件(.xlsx 或 .csv)"))
    dry_run = forms.BooleanField(label=_("仅试导入(检查但不写入)"), required=False, initial=True)


class JSONGeometryField(forms.CharField):
    """A GeoJSON geometry (or a Feature holding one) typed or pasted as text."""

    widget = forms.Textarea(attrs={"rows": 4, "class": "font-monospace"})

    def clean(self, value):
        import json

        value = super().clean(value)
        if not value:
            return None
        try:
            data = json.loads(value)
        except ValueError:
            raise forms.ValidationError(_("边界不是有效的 GeoJSON。")) from None
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        return data


class GridForm(forms.Form):
    division = forms.ModelChoiceField(label=_("村(社区)"), queryset=None, empty_label=_("请选择"))
    name = forms.CharField(label=_("网格名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=GridKind.choices)
    dedicated_type = forms.ChoiceField(
        label=_("专属网格类别"), choices=[("", "—"), *DedicatedType.choices], required=False
    )
    households = forms.IntegerField(label=_("户数"), min_value=0, initial=0)
    population = forms.IntegerField(label=_("人口"), min_value=0, initial=0)
    boundary = JSONGeometryField(label=_("边界(GeoJSON Polygon)"))

    def __init__(self, *args, villages=None, **kwargs):
        kwargs.setdefault("auto_id", "create_%s")  # several forms share the maintenance page
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = villages


class MergeForm(forms.Form):
    grids = forms.ModelMultipleChoiceField(label=_("要合并的网格"), queryset=None)
    name = forms.CharField(label=_("合并后网格名称"), max_length=100)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, grids=None, **kwargs):
        kwargs.setdefault("auto_id", "merge_%s")
        super().__init__(*args, **kwargs)
        self.fields["grids"].queryset = grids


class SplitForm(forms.Form):
    parts = forms.CharField(
        label=_("拆分后的各部分(GeoJSON FeatureCollection,每个 Feature 的 properties.name 为网格名称)"),
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
    )
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def clean_parts(self):
        import json

        try:
            data = json.loads(self.cleaned_data["parts"])
        except ValueError:
            raise forms.ValidationError(_("不是有效的 GeoJSON。")) from None
        return parts_from_geojson(data)


def parts_from_geojson(data) -> list[dict]:
    """Split parts from a FeatureCollection (name in properties) or a list of {name, boundary, ...}."""
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        data = [
            {
                "name": (feature.get("properties") or {}).get("name", ""),
                "boundary": feature.get("geometry"),
                "households": (feature.get("properties") or {}).get("households", 0),
                "population": (feature.get("properties") or {}).get("population", 0),
            }
            for feature in data.get("features") or []
            if isinstance(feature, dict)
        ]
    if not isinstance(data, list) or not all(isinstance(part, dict) for part in data):
        raise forms.ValidationError(_("请给出各部分的名称和边界。"))
    parts = []
    for number, part in enumerate(data, start=1):
        name = str(part.get("name") or "").strip()
        if not name or not part.get("boundary"):
            raise forms.ValidationError(_("第 %(n)s 部分缺少名称或边界。") % {"n": number})
        try:
            households, population = int(part.get("households") or 0), int(part.get("population") or 0)
        except (TypeError, ValueError):
            raise forms.ValidationError(_("第 %(n)s 部分的户数或人口不是整数。") % {"n": number}) from None
        if households < 0 or population < 0:
            raise forms.ValidationError(_("第 %(n)s 部分的户数或人口不是整数。") % {"n": number})
        parts.append(
            {"name": name[:100], "boundary": part["boundary"], "households": households, "population": population}
        )
    return parts


class DepartmentalGridForm(forms.Form):
    department = forms.ChoiceField(label=_("条线"), choices=Department.choices)
    code = forms.CharField(label=_("原网格编码"), max_length=40)
    name = forms.CharField(label=_("原网格名称"), max_length=100)
    merged_into = forms.ModelChoiceField(label=_("并入的综合网格"), queryset=None, empty_label=_("请选择"))

    def __init__(self, *args, grids=None, **kwargs):
        kwargs.setdefault("auto_id", "departmental_%s")
        super().__init__(*args, **kwargs)
        self.fields["merged_into"].queryset = grids


class DepartmentalLookupForm(forms.Form):
    department = forms.ChoiceField(label=_("条线"), choices=[("", _("全部条线")), *Department.choices], required=False)
    code = forms.CharField(label=_("原网格编码"), max_length=40, required=False)


class DrillForm(forms.Form):
    source = forms.ChoiceField(label=_("演练来源"), choices=DrillSource.choices, initial=DrillSource.EVENT)
    units = forms.ModelMultipleChoiceField(
        label=_("演练单位(不选则派给原事件涉及的单位)"), queryset=None, required=False
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units


class DrillResultForm(forms.Form):
    result = forms.CharField(label=_("处置情况"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
