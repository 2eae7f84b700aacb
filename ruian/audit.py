"""The audit log (全程留痕): append-only entries for every change of state.

Entries are written by services through `log_action` and are never edited or deleted through the
application: the model refuses it, the admin is read-only, and on PostgreSQL a trigger refuses UPDATE
and DELETE on the table for every role (migration 0002).
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from ruian.context import current_ip
from ruian.prepared import insert_new


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied(_("审计记录不可修改。"))

    def delete(self):
        raise PermissionDenied(_("审计记录不可删除。"))

    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


class AuditEntry(models.Model):
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    # PROTECT: a user who acted is never deleted (deactivate instead), so the entry keeps its actor.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=96, db_index=True)
    # Indexed by the (content_type, object_id, created_at) index below, which leads with it.
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    from_state = models.CharField(_("原状态"), max_length=64, blank=True)
    to_state = models.CharField(_("新状态"), max_length=64, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("请求地址"), null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied(_("审计记录不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("审计记录不可删除。"))


def audit_entry(
    action: str,
    *,
    actor=None,
    obj=None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
) -> AuditEntry:
    """The entry `log_action` writes, unsaved: several are written in one INSERT by `log_actions`."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry(
        actor=actor,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        from_state=str(from_state or ""),
        to_state=str(to_state or ""),
        reason=reason or "",
        data=data or {},
        ip=current_ip(),
    )


def log_action(action: str, *, before: tuple[str, list] | None = None, **fields) -> AuditEntry:
    """Record one change. `action` is `app.object.verb`, e.g. `approvals.application.accepted`; `fields` are
    `audit_entry`'s (actor, obj, from_state, to_state, reason, data). `before` is the change itself as a
    statement (`ruian.prepared.update_of`), sent with the entry in one round trip."""
    entry = audit_entry(action, **fields)
    insert_new(entry, before=before)  # what entry.save(force_insert=True) writes, without compiling the INSERT
    return entry


def log_actions(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Record several changes (each made by `audit_entry`) in one INSERT."""
    return AuditEntry.objects.bulk_create(entries)


# Installed by migration 0002 on PostgreSQL: the table refuses UPDATE and DELETE whoever asks.
IMMUTABILITY_SQL = """
CREATE OR REPLACE FUNCTION ruian_audit_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only (% on ruian_auditentry refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ruian_auditentry_immutable ON ruian_auditentry;
CREATE TRIGGER ruian_auditentry_immutable BEFORE UPDATE OR DELETE ON ruian_auditentry
    FOR EACH ROW EXECUTE FUNCTION ruian_audit_immutable();
"""
IMMUTABILITY_REVERSE_SQL = """
DROP TRIGGER IF EXISTS ruian_auditentry_immutable ON ruian_auditentry;
DROP FUNCTION IF EXISTS ruian_audit_immutable();
"""
