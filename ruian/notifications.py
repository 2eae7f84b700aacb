"""In-app notifications, and e-mail through Django's e-mail backend.

A notification may carry a `key`: the same key is never delivered twice to the same person, so a
deadline sweep that runs twice (or is killed and rerun) sends each notice once.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


class Notification(models.Model):
    # Indexed by (recipient, read_at, created_at) below, not on its own: sweeps insert notices by the thousand.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
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
    """Notify each recipient once per key; returns how many new notifications were written.

    One INSERT: the (recipient, key) constraint drops what was already delivered (a concurrent sweep
    that got there first wins), and only the recipients it wrote to get the e-mail."""
    recipients = {user.pk: user for user in recipients if user is not None}
    if not recipients:
        return 0
    written = _insert(
        "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])",
        [list(recipients), *([str(value or "")] * len(recipients) for value in (title, body, link, key))],
        returning=True,
    )
    if email:
        addresses = [recipients[pk].email for pk in written if recipients[pk].email]
        if addresses:
            transaction.on_commit(lambda: _send_email(title, body, addresses))
    return len(written)


def notify_select(sql: str, params=()) -> int:
    """The set-based form of `notify` for sweeps: `sql` is a SELECT of (recipient id, title, body, link,
    key) rows, inserted by one INSERT ... SELECT ... ON CONFLICT DO NOTHING whatever their number.

    The (recipient, key) constraint drops what was already delivered, so a rerun (or a concurrent sweep)
    writes nothing twice, and a duplicate within the rows once; titles, links and keys are cut to fit.
    Returns how many were new. In-app only: a sweep notifies thousands at once.
    """
    return _insert(sql, params)


def _insert(sql: str, params, *, returning: bool = False):
    """INSERT the (recipient id, title, body, link, key) rows `sql` selects, once per (recipient, key):
    how many were new, or with `returning` the ids of the recipients written to."""
    field = Notification._meta.get_field
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Notification._meta.db_table} (recipient_id, title, body, link, key, created_at)
            SELECT n.recipient_id, left(n.title, {field("title").max_length}), coalesce(n.body, ''),
                   left(coalesce(n.link, ''), {field("link").max_length}), left(n.key, {field("key").max_length}),
                   %s
              FROM ({sql}) AS n(recipient_id, title, body, link, key)
             WHERE n.recipient_id IS NOT NULL
            ON CONFLICT (recipient_id, key) WHERE key <> '' DO NOTHING
            {"RETURNING recipient_id" if returning else ""}
            """,
            [timezone.now(), *params],
        )
        return [row[0] for row in cursor.fetchall()] if returning else cursor.rowcount


def notify_many(notices) -> int:
    """The bulk form of `notify`: `notices` yields (recipient ids, title, body, link, key); one INSERT
    (`notify_select`), each (recipient, key) delivered once."""
    columns: tuple[list, ...] = ([], [], [], [], [])
    for user_ids, title, body, link, key in notices:
        for user_id in user_ids:
            row = (user_id, str(title), str(body or ""), str(link or ""), key or "")
            for column, value in zip(columns, row, strict=True):
                column.append(value)
    if not columns[0]:
        return 0
    return notify_select("SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])", columns)


def _send_email(subject: str, body: str, addresses: list[str]) -> None:
    try:
        send_mail(subject, body, None, addresses, fail_silently=False)
    except OSError:
        # The in-app notification is already stored; a mail server outage must not undo it.
        log.exception("could not send notification e-mail to %d recipients", len(addresses))


@transaction.atomic
def mark_read(*, user, notification_ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
