"""Celery tasks of the catalogs. Each gets an id, may run twice without harm, and calls one service."""

from celery import shared_task

from catalogs import services


@shared_task(name="catalogs.tasks.run_import_job", acks_late=True)
def run_import_job(job_id: int) -> None:
    services.import_job_run(job_id=job_id)
