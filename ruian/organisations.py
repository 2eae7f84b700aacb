"""Organisations: county departments, township offices, service centres and their windows, the
enforcement squad, the command centre and stationed units (派驻机构), each tied to a division."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ruian.divisions import Division, Level


class OrgKind(models.TextChoices):
    COUNTY_GOVERNMENT = "county_government", _("县级政府")
    COUNTY_DEPARTMENT = "county_department", _("县级部门")
    TOWNSHIP_GOVERNMENT = "township_government", _("乡镇(街道)党委政府")
    TOWNSHIP_OFFICE = "township_office", _("乡镇(街道)内设机构")
    SERVICE_CENTRE = "service_centre", _("为民服务中心")
    WINDOW = "window", _("服务窗口")
    PROXY_POINT = "proxy_point", _("村(社区)代办点")
    ENFORCEMENT_SQUAD = "enforcement_squad", _("综合行政执法队")
    COMMAND_CENTRE = "command_centre", _("综合指挥中心")
    STATIONED_UNIT = "stationed_unit", _("派驻机构")


# Which division level each kind of organisation sits at.
KIND_LEVELS = {
    OrgKind.COUNTY_GOVERNMENT: {Level.COUNTY},
    OrgKind.COUNTY_DEPARTMENT: {Level.COUNTY},
    OrgKind.TOWNSHIP_GOVERNMENT: {Level.TOWNSHIP},
    OrgKind.TOWNSHIP_OFFICE: {Level.TOWNSHIP},
    OrgKind.SERVICE_CENTRE: {Level.TOWNSHIP},
    OrgKind.WINDOW: {Level.TOWNSHIP},
    OrgKind.PROXY_POINT: {Level.VILLAGE},
    OrgKind.ENFORCEMENT_SQUAD: {Level.TOWNSHIP},
    OrgKind.COMMAND_CENTRE: {Level.TOWNSHIP, Level.COUNTY},
    OrgKind.STATIONED_UNIT: {Level.TOWNSHIP},
}


class Organisation(models.Model):
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=32, choices=OrgKind.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="organisations"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # A stationed unit (派驻机构) belongs to a county department and works in a township: dual management.
    home_department = models.ForeignKey(
        "self",
        verbose_name=_("派出部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stationed_units",
        limit_choices_to={"kind": OrgKind.COUNTY_DEPARTMENT},
    )
    short_code = models.SlugField(
        _("简码"), max_length=32, blank=True, help_text=_("如 scj(市场监管局),用于目录与移送。")
    )
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["division__code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="organisation_unique_name_in_division"),
        ]

    def __str__(self):
        return self.name

    @property
    def scope_division(self) -> Division:
        """The division whose staff may see this organisation's internal data."""
        return self.division.township or self.division

    def clean(self):
        if self.division_id and self.division.level not in KIND_LEVELS[self.kind]:
            raise ValidationError(
                {
                    "division": _("%(kind)s 不能设在 %(level)s 一级。")
                    % {"kind": self.get_kind_display(), "level": self.division.get_level_display()}
                }
            )
        if self.kind == OrgKind.STATIONED_UNIT and not self.home_department_id:
            raise ValidationError({"home_department": _("派驻机构必须写明派出部门。")})
        if self.kind == OrgKind.WINDOW and (not self.parent_id or self.parent.kind != OrgKind.SERVICE_CENTRE):
            raise ValidationError({"parent": _("窗口必须隶属于为民服务中心。")})
