"""Organisations: county departments, township offices, service centres and their windows, the
enforcement squad, the command centre and stationed units (派驻机构), each tied to a division."""

import decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from ruian.audit import log_action
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


class StationedType(models.TextChoices):
    """What a stationed unit (派驻机构) is; "1+4+N": police, enforcement, justice, market regulation and others."""

    POLICE_STATION = "police_station", _("派出所")
    TRAFFIC_POLICE = "traffic_police", _("交警中队")
    JUSTICE_OFFICE = "justice_office", _("司法所")
    NATURAL_RESOURCES = "natural_resources", _("自然资源所")
    MARKET_REGULATION = "market_regulation", _("市场监管分局")
    TAX_BRANCH = "tax_branch", _("税务分局")
    ENVIRONMENT = "environment", _("生态环境监察中队")
    FIRE_RESCUE = "fire_rescue", _("消防救援站")
    FINANCE_OFFICE = "finance_office", _("财政所")
    OTHER = "other", _("其他派驻机构")


def least_township_share() -> decimal.Decimal:
    """Least share of a stationed unit's assessment that the township's score carries (双重管理,共同考核).

    Rudong's rule is 50%, Dezhou's 60%: a setting, `TOWNSHIP_ASSESSMENT_SHARE`.
    """
    return decimal.Decimal(str(getattr(settings, "TOWNSHIP_ASSESSMENT_SHARE", 0.5))).quantize(decimal.Decimal("0.01"))


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
    # Dual management: what kind of stationed unit this is, and the township's weight in its assessment
    # (empty: the configured least share). Only for stationed units.
    stationed_type = models.CharField(
        _("派驻类型"), max_length=32, choices=StationedType.choices, blank=True, default=""
    )
    township_share = models.DecimalField(
        _("乡镇考核权重"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("乡镇(街道)评分在派驻机构考核中的权重,如 0.60;不得低于规定的最低比例。"),
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
    def effective_township_share(self) -> decimal.Decimal:
        """The township's weight in this stationed unit's assessment (never below the configured least share)."""
        least = least_township_share()
        return max(self.township_share, least) if self.township_share is not None else least

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
        if self.kind != OrgKind.STATIONED_UNIT and (self.stationed_type or self.township_share is not None):
            raise ValidationError({"stationed_type": _("只有派驻机构才有派驻类型和乡镇考核权重。")})
        if self.township_share is not None:
            least = least_township_share()
            if not least <= self.township_share <= 1:
                raise ValidationError(
                    {
                        "township_share": _("乡镇(街道)评分权重必须在 %(least)s 与 100%% 之间(双重管理,共同考核)。")
                        % {"least": f"{least:.0%}"}
                    },
                    code="township_share",
                )
        if self.kind == OrgKind.WINDOW and (not self.parent_id or self.parent.kind != OrgKind.SERVICE_CENTRE):
            raise ValidationError({"parent": _("窗口必须隶属于为民服务中心。")})


# Fields the services accept; anything else is refused rather than silently ignored.
EDITABLE_FIELDS = (
    "name",
    "kind",
    "division",
    "parent",
    "home_department",
    "stationed_type",
    "township_share",
    "short_code",
    "phone",
    "is_active",
)


def _check_fields(fields: dict) -> None:
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(_("未知字段: %(fields)s。") % {"fields": ", ".join(unknown)}, code="unknown_field")


def _audit_value(value) -> str:
    if isinstance(value, models.Model):
        return str(value.pk)
    return "" if value is None else str(value)


@transaction.atomic
def create_organisation(*, actor=None, **fields) -> Organisation:
    """Create an organisation after the domain checks (level, home department, township share); audited."""
    _check_fields(fields)
    organisation = Organisation(**fields)
    organisation.full_clean()
    organisation.save()
    log_action(
        "ruian.organisation.created",
        actor=actor,
        obj=organisation,
        to_state=organisation.kind,
        data={name: _audit_value(getattr(organisation, name)) for name in EDITABLE_FIELDS},
    )
    return organisation


@transaction.atomic
def update_organisation(*, organisation: Organisation, actor=None, reason: str = "", **fields) -> Organisation:
    """Change an organisation's fields; audited with the old and new values. Nothing changed, nothing written."""
    _check_fields(fields)
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    changes = {}
    for name, value in fields.items():
        field = Organisation._meta.get_field(name)
        if not field.is_relation:
            value = field.to_python(value)
        old = getattr(locked, name)
        same = _audit_value(old) == _audit_value(value) if field.is_relation else old == value
        if not same:
            changes[name] = {"from": _audit_value(old), "to": _audit_value(value)}
            setattr(locked, name, value)
    if not changes:
        return locked
    locked.full_clean()
    locked.save(update_fields=list(changes))
    log_action("ruian.organisation.updated", actor=actor, obj=locked, reason=reason, data=changes)
    return locked
