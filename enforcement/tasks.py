"""Periodic work of the enforcement app. Each task is idempotent, keeps its state in PostgreSQL and calls services.

`enforcement.tasks.daily` runs once a day (`CELERY_BEAT_SCHEDULE` in ruian/settings.py). The deadline clocks
themselves (filing, decision, meeting tasks ...) are swept by the kernel's `ruian.tasks.sweep_deadlines`.
"""

from celery import shared_task

from enforcement import handover, services


@shared_task(name="enforcement.tasks.daily", acks_late=True)
def daily() -> dict:
    """Certificates expiring within the warning window are announced once; pending grid hand-overs picked up."""
    return {
        "certificate_notices": services.certificate_expiry_notify(),
        "grid_handovers": handover.receive_pending_grid_handovers(),
    }
