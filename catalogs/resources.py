"""Spreadsheet columns of the catalogs (django-import-export resources).

The resources define the columns, their Chinese headers and how each cell is written and read; exporting
uses them directly. Importing parses cells with the same widgets (catalogs.imports) but writes through
`services.items_import`, so an import is checked, atomic and audited like every other change.
"""

from decimal import Decimal

from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from catalogs.forms import format_materials, parse_materials
from catalogs.models import (
    CATEGORY_BY_LABEL,
    CATEGORY_BY_TOKEN,
    Category,
    Channel,
    PrimaryLevel,
    ServiceLevel,
    TimeUnit,
)

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _guard(text: str) -> str:
    """Written cells that a spreadsheet would take for a formula get a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _unguard(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] in FORMULA_PREFIXES else text


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return _unguard(_text(value))

    def render(self, value, obj=None, **kwargs):
        return _guard(_text(value))


class IntegerWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return None
        try:
            number = Decimal(text)
        except ArithmeticError as error:
            raise ValueError(_("“%(v)s” 不是整数。") % {"v": text}) from error
        if number != number.to_integral_value() or number < 0:
            raise ValueError(_("“%(v)s” 不是非负整数。") % {"v": text})
        return int(number)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class BooleanWidget(widgets.Widget):
    TRUE, FALSE = {"是", "true", "1", "yes", "y"}, {"否", "false", "0", "no", "n", ""}

    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(_("“%(v)s” 应填“是”或“否”。") % {"v": value})

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class ChoiceWidget(widgets.Widget):
    """Writes the Chinese label; reads the label or the stored value."""

    def __init__(self, choices, required=True):
        self.labels = {value: str(label) for value, label in choices}
        self.by_text = {**{label: value for value, label in self.labels.items()}, **{v: v for v in self.labels}}
        self.required = required

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text and not self.required:
            return None
        if text not in self.by_text:
            raise ValueError(
                _("未知的取值 “%(v)s”,可用: %(choices)s。") % {"v": text, "choices": "、".join(self.labels.values())}
            )
        return self.by_text[text]

    def render(self, value, obj=None, **kwargs):
        return self.labels.get(value, value or "")


class CategoryWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        category = CATEGORY_BY_LABEL.get(text) or CATEGORY_BY_TOKEN.get(text.upper())
        if category is None:
            raise ValueError(
                _("未知类别 “%(v)s”,可用: %(choices)s。")
                % {"v": text, "choices": "、".join(str(label) for _v, label in Category.choices)}
            )
        return category.value

    def render(self, value, obj=None, **kwargs):
        return str(Category(value).label) if value else ""


class LinesWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return [_unguard(line.strip()) for line in _text(value).splitlines() if line.strip()]

    def render(self, value, obj=None, **kwargs):
        return "\n".join(_guard(line) for line in value or [])


class MaterialsWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        try:
            return parse_materials(_text(value))
        except Exception as error:  # ValidationError: one message for the row report
            raise ValueError(" ".join(getattr(error, "messages", [str(error)]))) from error

    def render(self, value, obj=None, **kwargs):
        return format_materials(value or [])


class ChannelsWidget(widgets.Widget):
    LABELS = {value: str(label) for value, label in Channel.choices}

    def clean(self, value, row=None, **kwargs):
        channels = []
        by_text = {**{label: value for value, label in self.LABELS.items()}, **{v: v for v in self.LABELS}}
        for part in _text(value).replace(",", "、").replace(",", "、").split("、"):
            part = part.strip()
            if not part:
                continue
            if part not in by_text:
                raise ValueError(
                    _("未知的办理渠道 “%(v)s”,可用: %(c)s。") % {"v": part, "c": "、".join(self.LABELS.values())}
                )
            channels.append(by_text[part])
        return channels

    def render(self, value, obj=None, **kwargs):
        return "、".join(self.LABELS.get(v, v) for v in value or [])


class CodesWidget(widgets.Widget):
    """Township division codes, separated by commas; empty means every township of the county."""

    def clean(self, value, row=None, **kwargs):
        codes = [c.strip() for c in _text(value).replace(",", ",").replace("、", ",").split(",") if c.strip()]
        for code in codes:
            if len(code) != 12 or not code.isdigit():
                raise ValueError(_("“%(v)s” 不是12位区划代码。") % {"v": code})
        return codes

    def render(self, value, obj=None, **kwargs):
        return ",".join(value or [])


def _field(attribute, column, widget=None):
    return fields.Field(attribute=attribute, column_name=column, widget=widget or TextWidget())


class ItemResource(resources.Resource):
    """Columns shared by the three kinds of catalog entries."""

    REQUIRED_COLUMNS: tuple[str, ...] = ()

    def get_export_headers(self, selected_fields=None):
        return [field.column_name for field in self.get_export_fields()]

    @classmethod
    def columns(cls) -> dict[str, fields.Field]:
        """Model attribute -> field, in spreadsheet order."""
        return {name: field for name, field in cls().fields.items()}


class PowerItemResource(ItemResource):
    code = _field("code", "事项编码")
    name = _field("name", "事项名称")
    category = _field("category", "类别", CategoryWidget())
    parent_code = _field("parent_code", "上级事项编码")
    legal_basis = _field("legal_basis", "设定依据")
    accountability_basis = _field("accountability_basis", "追责依据")
    implementing_subject = _field("implementing_subject", "实施主体")
    accepting_office = _field("accepting_office", "受理机构")
    deciding_office = _field("deciding_office", "决定机构")
    responsibility_items = _field("responsibility_items", "责任事项", LinesWidget())
    accountability_cases = _field("accountability_cases", "追责情形")
    legal_time_limit = _field("legal_time_limit", "法定时限", IntegerWidget())
    promised_time_limit = _field("promised_time_limit", "承诺时限", IntegerWidget())
    time_limit_unit = _field("time_limit_unit", "时限单位", ChoiceWidget(TimeUnit.choices))
    fees = _field("fees", "收费标准")
    fee_basis = _field("fee_basis", "收费依据")
    materials = _field("materials", "申请材料", MaterialsWidget())
    conditions = _field("conditions", "办理条件")
    channels = _field("channels", "办理渠道", ChannelsWidget())
    simplified_procedure = _field("simplified_procedure", "适用简易程序", BooleanWidget())
    is_active = _field("is_active", "有效", BooleanWidget())
    townships = fields.Field(attribute="township_codes", column_name="适用乡镇(街道)代码", widget=CodesWidget())

    REQUIRED_COLUMNS = ("事项编码", "事项名称", "类别")


class TerritorialMatterResource(ItemResource):
    code = _field("code", "事项编码")
    name = _field("name", "事项名称")
    field = _field("field", "领域")
    primary_level = _field("primary_level", "主体责任方", ChoiceWidget(PrimaryLevel.choices))
    county_department = _field("county_department", "县级牵头部门")
    county_cooperating = _field("county_cooperating", "县级配合部门")
    township_cooperating = _field("township_cooperating", "乡镇(街道)负配合责任", BooleanWidget())
    county_duties = _field("county_duties", "县级部门职责")
    township_duties = _field("township_duties", "乡镇(街道)职责")
    basis = _field("basis", "依据")

    REQUIRED_COLUMNS = ("事项编码", "事项名称", "主体责任方", "县级牵头部门")


class ServiceItemResource(ItemResource):
    code = _field("code", "事项编码")
    name = _field("name", "事项名称")
    level = _field("level", "延伸层级", ChoiceWidget(ServiceLevel.choices))
    department = _field("department", "来源县级部门")
    subject = _field("subject", "实施主体")
    basis = _field("basis", "设定依据")
    conditions = _field("conditions", "办理条件")
    materials = _field("materials", "申请材料", MaterialsWidget())
    flow = _field("flow", "办理流程")
    legal_time_limit = _field("legal_time_limit", "法定时限", IntegerWidget())
    promised_time_limit = _field("promised_time_limit", "承诺时限", IntegerWidget())
    time_limit_unit = _field("time_limit_unit", "时限单位", ChoiceWidget(TimeUnit.choices))
    fees = _field("fees", "收费标准")
    place = _field("place", "办理地点")
    hours = _field("hours", "办理时间")
    visits = _field("visits", "到现场次数", IntegerWidget())
    phone = _field("phone", "咨询电话")
    channels = _field("channels", "办理渠道", ChannelsWidget())

    REQUIRED_COLUMNS = ("事项编码", "事项名称", "延伸层级", "来源县级部门")


RESOURCES = {
    "power": PowerItemResource,
    "territorial": TerritorialMatterResource,
    "public_service": ServiceItemResource,
}
