from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogs import services, views
from catalogs.models import ImportJob, PowerItem
from catalogs.states import ImportJobStatus
from ruian.audit import AuditEntry
from tests.catalogs.factories import VersionFactory
from tests.conftest import login

GOOD = "事项编码,事项名称,类别\n320623-QZ-0001,强制拆除,行政强制\n320623-QZ-0002,查封,行政强制\n".encode()


def test_large_upload_becomes_a_background_job(client, editor, county, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(views, "ASYNC_IMPORT_BYTES", 10)
    version = VersionFactory(county=county)
    login(client, editor)
    queued = []
    monkeypatch.setattr("catalogs.tasks.run_import_job.delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("catalogs:version_import", args=[version.pk]),
            {"file": SimpleUploadedFile("big.csv", GOOD), "import": "1"},
        )
    job = ImportJob.objects.get()
    assert response.url == reverse("catalogs:import_job", args=[job.pk])
    assert queued == [job.pk] and job.status == ImportJobStatus.QUEUED
    page = client.get(reverse("catalogs:import_job_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page

    services.import_job_run(job_id=job.pk)
    services.import_job_run(job_id=job.pk)  # a redelivered message changes nothing
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE and job.progress == 100 and job.report["written"] is True
    assert PowerItem.objects.filter(version=version).count() == 2
    assert AuditEntry.objects.filter(action="catalogs.version.imported").count() == 1
    page = client.get(reverse("catalogs:import_job_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in page and "已全部写入" in page


def test_job_with_bad_rows_writes_nothing(editor, county, django_capture_on_commit_callbacks):
    version = VersionFactory(county=county)
    bad = GOOD.replace("查封,行政强制".encode(), "查封,行政审批".encode())
    job = services.import_job_create(version=version, content=bad, filename="bad.csv", dry_run=False, actor=editor)
    services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE and job.report["ok"] is False
    assert job.report["row_errors"][0]["row"] == 3
    assert not PowerItem.objects.filter(version=version).exists()
