"""Periodic kernel tasks. Each is idempotent and keeps its state in PostgreSQL."""

from celery import shared_task
from django.conf import settings

from ruian import clocks, outbox, workdays


@shared_task(name="ruian.tasks.sweep_deadlines", acks_late=True)
def sweep_deadlines():
    """Every clock that crossed a threshold, in batches (one transaction each) run back to back; a backlog
    larger than the interval allows is left to the next run, which goes on from the oldest crossing."""
    return clocks.sweep_backlog(max_seconds=max(settings.SWEEP_INTERVAL_SECONDS - 10, 5))


@shared_task(name="ruian.tasks.seed_calendar")
def seed_calendar():
    return workdays.seed_from_package()


@shared_task(name="ruian.tasks.relay_outbox")
def relay_outbox():
    """Send the messages that could not reach Redis when they were recorded."""
    return outbox.send_pending()


@shared_task(name="ruian.tasks.warn_long_secondments")
def warn_long_secondments():
    """Daily: people whose secondments this year passed the limit are reported once (idempotent by key)."""
    from ruian import secondments

    return secondments.warn_long_secondments()


@shared_task(name="ruian.tasks.purge_idempotency_keys")
def purge_idempotency_keys():
    """Daily: Idempotency-Keys older than IDEMPOTENCY_KEY_DAYS are dropped (a client retries within minutes)."""
    from ruian import idempotency

    return idempotency.purge_idempotency_keys()
