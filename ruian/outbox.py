"""The outbox: Celery messages recorded in PostgreSQL first, sent to Redis after commit.

Redis keeps nothing on disk and may be down. A service that wants work done later calls
`enqueue("app.tasks.name", *args)`: the message is a row written in the service's own transaction, so it
exists exactly when the change that asked for it exists. After commit the row is sent to the broker at
once; if the broker cannot be reached the request still succeeds and the row waits, and the periodic
`relay_outbox` task (and every later enqueue) sends what is waiting once Redis is back. Tasks must be
idempotent anyway (STYLE.md), so a message sent twice in a race does no harm.
"""

import logging

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


class OutboxMessage(models.Model):
    task = models.CharField(_("任务"), max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    queue = models.CharField(_("队列"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="outbox_pending")]

    def __str__(self):
        return f"{self.task} #{self.pk}"


def enqueue(task: str, *args, queue: str = "", **kwargs) -> OutboxMessage:
    """Record a task message in the current transaction; it is sent to the broker after commit."""
    message = OutboxMessage.objects.create(task=task, args=list(args), kwargs=kwargs, queue=queue)
    transaction.on_commit(lambda: send_pending(ids=[message.pk]))
    return message


def _send(message: OutboxMessage) -> None:
    from ruian.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        # The embedded fallback has no broker: run the task here, as Celery's eager mode would.
        if message.task not in app.tasks:
            app.loader.import_default_modules()  # the apps' tasks modules, as a worker would load them
        app.tasks[message.task].apply(args=message.args, kwargs=message.kwargs, throw=True)
        return
    options = {"queue": message.queue} if message.queue else {}
    # retry=False: fail at once when Redis is down instead of holding the request; the relay retries.
    app.send_task(message.task, args=message.args, kwargs=message.kwargs, retry=False, **options)


def send_pending(ids=None, limit: int = 500) -> int:
    """Send waiting messages (the given ones, or the oldest `limit`); returns how many were sent.

    Stops at the first failure: when the broker is down the rest would fail the same way.
    """
    sent = 0
    with transaction.atomic():
        pending = OutboxMessage.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)
        if ids is not None:
            pending = pending.filter(pk__in=ids)
        for message in pending.order_by("created_at", "id")[:limit]:
            try:
                _send(message)
            except Exception as error:  # kombu/redis connection errors, or the eager task's own failure
                OutboxMessage.objects.filter(pk=message.pk).update(
                    attempts=models.F("attempts") + 1, last_error=str(error)[:500]
                )
                log.warning("outbox: %s not sent (%s); it waits for the relay", message, error)
                break
            OutboxMessage.objects.filter(pk=message.pk).update(
                sent_at=timezone.now(), attempts=models.F("attempts") + 1
            )
            sent += 1
    return sent


def pending_count() -> int:
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()
