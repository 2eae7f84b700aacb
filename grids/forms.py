from django import forms
from django.utils.translation import gettext_lazy as _

from grids.models import EventCategory, Satisfaction


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
