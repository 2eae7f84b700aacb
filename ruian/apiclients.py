"""REST clients of provincial platforms: one revocable token per client, with scopes.

Only a hash of the token is stored; the token itself is shown once, when it is issued.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruian.audit import log_action


class Scope(models.TextChoices):
    CATALOGS_READ = "catalogs:read", _("读取目录")
    CATALOGS_WRITE = "catalogs:write", _("维护目录")
    APPROVALS_READ = "approvals:read", _("读取审批")
    APPROVALS_WRITE = "approvals:write", _("提交与办理审批")
    ENFORCEMENT_READ = "enforcement:read", _("读取执法")
    ENFORCEMENT_WRITE = "enforcement:write", _("提交与办理执法")
    GRIDS_READ = "grids:read", _("读取网格")
    GRIDS_WRITE = "grids:write", _("上报与办理网格事件")
    ASSESSMENT_READ = "assessment:read", _("读取考核、派驻机构与借调")
    ASSESSMENT_WRITE = "assessment:write", _("维护考核权重、派驻机构与借调")
    # The kernel's directory: organisations and staff (names and phones of the people who work there).
    DIRECTORY_READ = "directory:read", _("读取机构与人员名录")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ClientToken(models.Model):
    # One token per client: the client is a user with the api_client role.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_token")
    name = models.CharField(_("客户端名称"), max_length=100)
    prefix = models.CharField(_("令牌前缀"), max_length=8, help_text=_("便于辨认,不足以认证。"))
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("权限范围"), default=list)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


@transaction.atomic
def issue_token(*, user, name: str, scopes: list[str], actor=None, key: str | None = None) -> str:
    """Issue (or re-issue, replacing the old one) the client's token; returns the token in clear."""
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        from django.core.exceptions import ValidationError

        raise ValidationError(_("未知的权限范围: %(scopes)s"), params={"scopes": ", ".join(sorted(unknown))})
    key = key or secrets.token_urlsafe(32)
    ClientToken.objects.update_or_create(
        user=user,
        defaults={
            "name": name,
            "prefix": key[:8],
            "key_hash": hash_key(key),
            "scopes": sorted(scopes),
            "revoked_at": None,
        },
    )
    log_action("ruian.client_token.issued", actor=actor, obj=user, data={"name": name, "scopes": sorted(scopes)})
    return key


@transaction.atomic
def revoke_token(*, user, actor=None) -> None:
    updated = ClientToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if updated:
        log_action("ruian.client_token.revoked", actor=actor, obj=user)
