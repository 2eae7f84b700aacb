import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from catalogs import selectors
from catalogs.models import Category, PowerItem, ServiceItem, ServiceLevel, TerritorialMatter
from ruian.divisions import Division, Level


class UTCDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC: PostgreSQL refuses offsets beyond +-15:59 (and years out of
    range), which ISO 8601 and Python accept."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None or moment.tzinfo is None:
            return moment
        try:
            return moment.astimezone(datetime.UTC)
        except (OverflowError, ValueError) as error:
            raise forms.ValidationError(_("时间超出范围。"), code="invalid") from error


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class ItemFilterBase(django_filters.FilterSet):
    version = django_filters.NumberFilter(field_name="version_id", help_text=_("目录版本 id;不填为现行发布版本"))
    q = django_filters.CharFilter(method="filter_text", help_text=_("按编码或名称查找"))
    updated_since = UTCDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=_("只返回此时间之后修改的事项(ISO 8601)")
    )

    def filter_text(self, queryset, name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(code__icontains=value)


class PowerItemFilter(ItemFilterBase):
    category = django_filters.ChoiceFilter(choices=Category.choices)
    township = django_filters.CharFilter(method="filter_township", help_text=_("乡镇(街道)12位区划代码"))

    class Meta:
        model = PowerItem
        fields = ["version", "category", "township", "q", "updated_since"]

    def filter_text(self, queryset, name, value):
        return selectors.filter_power_items(queryset, text=value)

    def filter_township(self, queryset, name, value):
        township = Division.objects.filter(code=value, level=Level.TOWNSHIP).first()
        if township is None:
            return queryset.none()
        return selectors.filter_power_items(queryset, township=township)


class TerritorialMatterFilter(ItemFilterBase):
    class Meta:
        model = TerritorialMatter
        fields = ["version", "primary_level", "township_cooperating", "q", "updated_since"]


class ServiceItemFilter(ItemFilterBase):
    level = django_filters.ChoiceFilter(choices=ServiceLevel.choices)

    class Meta:
        model = ServiceItem
        fields = ["version", "level", "department", "q", "updated_since"]
