"""Staff: a user's organisation, roles and phone, and for enforcement officers the certificate.

Roles are Django groups with fixed names (`Role`). Where a person works decides what they may see: joining
an organisation grants the django-guardian object permission `ruian.work_in_division` on that
organisation's township (or county, for county-level bodies), which every selector filters by.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from ruian.audit import log_action
from ruian.organisations import Organisation


class Role(models.TextChoices):
    WINDOW_CLERK = "window_clerk", _("窗口人员")
    APPROVER = "approver", _("后台审批人员")
    SQUAD_LEADER = "squad_leader", _("执法中队长")
    OFFICER = "officer", _("执法人员")
    LEGAL_REVIEWER = "legal_reviewer", _("法制审核员")
    COUNTY_EDITOR = "county_editor", _("县级目录编辑")
    OPERATOR = "operator", _("指挥中心坐席")
    GRID_WORKER = "grid_worker", _("网格员")
    API_CLIENT = "api_client", _("接口客户端")
    # The township leader in charge (分管领导): told when a deadline of the people they lead turns red.
    LEADER = "leader", _("分管领导")


def chinese_full_name(user) -> str:
    """A person's name as Chinese writes it: family name first, no space (王建国), not Django's
    "first last" (建国 王). Latin names keep the space ("Anna Li")."""
    family, given = user.last_name.strip(), user.first_name.strip()
    if family and given and (family + given).isascii():
        return f"{given} {family}"
    return f"{family}{given}"


class StaffProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所在机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    certificate_number = models.CharField(_("执法证号"), max_length=32, blank=True)
    certificate_valid_from = models.DateField(_("执法证有效期起"), null=True, blank=True)
    certificate_valid_until = models.DateField(_("执法证有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        constraints = [
            models.UniqueConstraint(
                fields=["certificate_number"],
                condition=~models.Q(certificate_number=""),
                name="staff_unique_certificate_number",
            ),
            models.CheckConstraint(
                condition=models.Q(certificate_valid_until__isnull=True)
                | models.Q(certificate_valid_from__isnull=True)
                | models.Q(certificate_valid_until__gte=models.F("certificate_valid_from")),
                name="staff_certificate_dates_ordered",
            ),
        ]

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()

    def clean(self):
        if (self.certificate_valid_from or self.certificate_valid_until) and not self.certificate_number:
            raise ValidationError({"certificate_number": _("填写了执法证有效期,就必须填写执法证号。")})
        if self.certificate_number and not (self.certificate_valid_from and self.certificate_valid_until):
            raise ValidationError({"certificate_valid_until": _("执法证必须写明有效期起止日期。")})
        if (
            self.certificate_valid_from
            and self.certificate_valid_until
            and self.certificate_valid_until < self.certificate_valid_from
        ):
            raise ValidationError({"certificate_valid_until": _("有效期止不能早于有效期起。")})

    def certificate_valid_on(self, day: datetime.date | None = None) -> bool:
        """Whether the enforcement certificate is valid on `day` (today by default), Art 42 APL."""
        day = day or timezone.localdate()
        return bool(
            self.certificate_number
            and self.certificate_valid_from
            and self.certificate_valid_until
            and self.certificate_valid_from <= day <= self.certificate_valid_until
        )


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_ruian_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        user._ruian_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def ensure_role_groups() -> None:
    for role in Role.values:
        Group.objects.get_or_create(name=role)


@transaction.atomic
def assign_role(*, user, role: str, actor=None) -> None:
    if role not in Role.values:
        raise ValidationError(
            _("未知角色 “%(role)s”。可用角色: %(roles)s。"),
            code="unknown_role",
            params={"role": role, "roles": ", ".join(Role.values)},
        )
    group, _created = Group.objects.get_or_create(name=role)
    if user.groups.filter(pk=group.pk).exists():
        return
    user.groups.add(group)
    user.__dict__.pop("_ruian_roles", None)
    log_action("ruian.staff.role_assigned", actor=actor, obj=user, to_state=role)


@transaction.atomic
def revoke_role(*, user, role: str, actor=None) -> None:
    group = Group.objects.filter(name=role).first()
    if group is None or not user.groups.filter(pk=group.pk).exists():
        return
    user.groups.remove(group)
    user.__dict__.pop("_ruian_roles", None)
    log_action("ruian.staff.role_revoked", actor=actor, obj=user, from_state=role)


@transaction.atomic
def set_staff_organisation(*, user, organisation: Organisation | None, actor=None, **profile_fields) -> StaffProfile:
    """Place a user in an organisation; the user's data scope follows the organisation's division."""
    profile, _created = StaffProfile.objects.select_for_update().get_or_create(user=user)
    old = profile.organisation
    for name, value in profile_fields.items():
        setattr(profile, name, value)
    profile.organisation = organisation
    profile.full_clean(exclude=["user"])
    profile.save()
    if old != organisation:
        if old is not None:
            remove_perm("ruian.work_in_division", user, old.scope_division)
        if organisation is not None:
            assign_perm("ruian.work_in_division", user, organisation.scope_division)
        log_action(
            "ruian.staff.organisation_changed",
            actor=actor,
            obj=user,
            from_state=str(old.pk) if old else "",
            to_state=str(organisation.pk) if organisation else "",
        )
    return profile
