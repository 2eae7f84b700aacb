"""Administrative divisions: the tree county -> township -> village/community.

Codes are the 12-digit statistical division codes (统计用区划代码): a 6-digit county code (GB/T 2260),
a 3-digit township part (001-099 street 街道, 100-199 town 镇, 200-399 xiang 乡) and a 3-digit village
part (001-199 residents' committee 居委会/社区, 200-399 villagers' committee 村委会). A county is written
with six trailing zeros, a township with three.
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from ruian.audit import log_action


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县(区)")
    TOWNSHIP = "township", _("乡镇(街道)")
    VILLAGE = "village", _("村(社区)")


# Escalation goes one way, up this ladder (community -> street/town -> district/county -> city).
LEVEL_ORDER = [Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY, Level.CITY, Level.PROVINCE]


class Kind(models.TextChoices):
    STREET = "street", _("街道")
    TOWN = "town", _("镇")
    XIANG = "xiang", _("乡")
    COMMUNITY = "community", _("社区(居委会)")
    VILLAGE = "village", _("村(村委会)")
    OTHER = "other", _("其他")


def level_of_code(code: str) -> str:
    """The level a well-formed 12-digit code stands for, read from its trailing zeros."""
    if code[2:] == "0" * 10:
        return Level.PROVINCE
    if code[4:] == "0" * 8:
        return Level.CITY
    if code[6:] == "0" * 6:
        return Level.COUNTY
    if code[9:] == "000":
        return Level.TOWNSHIP
    return Level.VILLAGE


def kind_of_code(code: str) -> str:
    level = level_of_code(code)
    if level == Level.TOWNSHIP:
        part = int(code[6:9])
        if part <= 99:
            return Kind.STREET
        if part <= 199:
            return Kind.TOWN
        return Kind.XIANG
    if level == Level.VILLAGE:
        return Kind.COMMUNITY if int(code[9:12]) <= 199 else Kind.VILLAGE
    return Kind.OTHER


def validate_division_code(code) -> None:
    """Refuse anything that is not a 12-digit statistical code with parts in their legal ranges."""
    if not isinstance(code, str) or len(code) != 12 or not code.isdigit():
        raise ValidationError(
            _("区划代码必须是12位数字(6位县级代码+3位乡级+3位村级),收到的是 “%(code)s”。"),
            code="division_code_format",
            params={"code": code},
        )
    if code[:2] == "00":
        raise ValidationError(
            _("区划代码 %(code)s 的省级部分无效。"), code="division_code_province", params={"code": code}
        )
    township, village = int(code[6:9]), int(code[9:12])
    if code[6:] != "000000" and not 1 <= township <= 399:
        raise ValidationError(
            _("区划代码 %(code)s 的乡级部分 %(part)s 不在 001-399 之内(001-099 街道,100-199 镇,200-399 乡)。"),
            code="division_code_township",
            params={"code": code, "part": code[6:9]},
        )
    if village and not 1 <= village <= 399:
        raise ValidationError(
            _("区划代码 %(code)s 的村级部分 %(part)s 不在 001-399 之内(001-199 社区,200-399 村)。"),
            code="division_code_village",
            params={"code": code, "part": code[9:12]},
        )


def parent_code(code: str) -> str | None:
    level = level_of_code(code)
    if level == Level.VILLAGE:
        return code[:9] + "000"
    if level == Level.TOWNSHIP:
        return code[:6] + "000000"
    if level == Level.COUNTY:
        return code[:4] + "00000000"
    if level == Level.CITY:
        return code[:2] + "0000000000"
    return None


class DivisionQuerySet(models.QuerySet):
    def townships(self):
        return self.filter(level=Level.TOWNSHIP)

    def within(self, division):
        """The division and everything under it (codes share the parent's significant prefix)."""
        return self.filter(code__startswith=division.prefix)


class Division(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, unique=True, validators=[validate_division_code])
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices, editable=False)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, editable=False)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    objects = DivisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        permissions = [("work_in_division", _("在本区划内办理业务"))]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self):
        return f"{self.name}({self.code})"

    def save(self, *args, **kwargs):
        self.level = level_of_code(self.code)
        self.kind = kind_of_code(self.code)
        super().save(*args, **kwargs)

    def clean(self):
        validate_division_code(self.code)
        expected = parent_code(self.code)
        if self.parent_id and self.parent.code != expected:
            raise ValidationError(
                {"parent": _("区划 %(code)s 的上级应为 %(expected)s。") % {"code": self.code, "expected": expected}}
            )

    @property
    def prefix(self) -> str:
        """The significant digits: descendants' codes start with them."""
        return {
            Level.PROVINCE: self.code[:2],
            Level.CITY: self.code[:4],
            Level.COUNTY: self.code[:6],
            Level.TOWNSHIP: self.code[:9],
        }.get(self.level, self.code)

    @property
    def township(self):
        """The township this division belongs to (itself for a township), or None above that level."""
        if self.level == Level.TOWNSHIP:
            return self
        if self.level == Level.VILLAGE:
            return self.parent
        return None


@transaction.atomic
def create_division(*, code: str, name: str, actor=None) -> Division:
    """Create a division under the parent its code names; the parent must exist (except for the top)."""
    validate_division_code(code)
    expected = parent_code(code)
    parent = None
    if expected is not None:
        parent = Division.objects.filter(code=expected).first()
        if parent is None and level_of_code(code) in (Level.TOWNSHIP, Level.VILLAGE):
            raise ValidationError(_("上级区划 %(code)s 不存在。"), params={"code": expected}, code="division_parent")
    division = Division.objects.filter(code=code).first()
    if division is None:
        division = Division.objects.create(code=code, name=name, parent=parent)
        log_action("ruian.division.created", actor=actor, obj=division, data={"name": name})
    elif (division.name, division.parent_id) != (name, parent.pk if parent else None):
        old_name = division.name
        division.name, division.parent = name, parent
        division.save(update_fields=["name", "parent"])
        log_action("ruian.division.updated", actor=actor, obj=division, from_state=old_name, to_state=name)
    return division
