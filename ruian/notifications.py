"""In-app notifications, and e-mail through Django's e-mail backend.

A notification may carry a `key`: the same key is never delivered twice to the same person, so a
deadline sweep that runs twice (or is killed and rerun) sends each notice once.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    key = models.CharField(max_length=160, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~models.Q(key=""), name="notification_once_per_key"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]

    def __str__(self):
        return self.title


def notify(recipients, *, title: str, body: str = "", link: str = "", key: str = "", email: bool = False) -> int:
    """Notify each recipient once per key; returns how many new notifications were written."""
    recipients = [user for user in recipients if user is not None]
    if not recipients:
        return 0
    rows = [Notification(recipient=user, title=title, body=body, link=link, key=key) for user in recipients]
    if key:
        already = set(
            Notification.objects.filter(key=key, recipient__in=recipients).values_list("recipient_id", flat=True)
        )
        rows = [row for row in rows if row.recipient_id not in already]
    # ignore_conflicts: a concurrent sweep that got there first wins, the unique constraint decides.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if email:
        addresses = [row.recipient.email for row in rows if row.recipient.email]
        if addresses:
            transaction.on_commit(lambda: _send_email(title, body, addresses))
    return len(rows)


def _send_email(subject: str, body: str, addresses: list[str]) -> None:
    try:
        send_mail(subject, body, None, addresses, fail_silently=False)
    except OSError:
        # The in-app notification is already stored; a mail server outage must not undo it.
        log.exception("could not send notification e-mail to %d recipients", len(addresses))


@transaction.atomic
def mark_read(*, user, notification_ids=None) -> int:
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
