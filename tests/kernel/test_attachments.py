"""Attachments: size and type limits checked on content, stored outside the web root, served by permission."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ruian.attachments import Attachment, attach_file
from tests.conftest import login

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def test_owner_township_downloads_what_it_uploaded(client, clerk, home_centre, _storage):
    attachment = attach_file(obj=home_centre, upload=SimpleUploadedFile("材料.pdf", PDF), actor=clerk)
    assert attachment.mime_type == "application/pdf"
    assert (_storage / attachment.file.name).read_bytes() == PDF
    assert "材料" not in attachment.file.name, "the name on disk is random, never the uploaded name"
    response = login(client, clerk).get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_another_township_cannot_download(client, clerk, other_clerk, home_centre):
    attachment = attach_file(obj=home_centre, upload=SimpleUploadedFile("a.pdf", PDF), actor=clerk)
    assert login(client, other_clerk).get(f"/attachments/{attachment.pk}/").status_code == 404


def test_anonymous_is_sent_to_login(client, clerk, home_centre):
    attachment = attach_file(obj=home_centre, upload=SimpleUploadedFile("a.pdf", PDF), actor=clerk)
    response = client.get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_oversize_file_is_refused_and_nothing_is_stored(settings, clerk, home_centre, _storage):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="上限"):
        attach_file(obj=home_centre, upload=SimpleUploadedFile("big.png", PNG + b"\x00" * 2048), actor=clerk)
    assert Attachment.objects.count() == 0
    assert list(_storage.rglob("*.*")) == [] and not any(p.is_file() for p in _storage.rglob("*"))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("virus.pdf", b"MZ\x90\x00 this is a windows executable"),  # content is not a PDF
        ("page.html", b"<html><script>alert(1)</script></html>"),  # type not allowed
        ("scan.pdf", PNG),  # a PNG renamed to .pdf
        ("empty.pdf", b""),
    ],
)
def test_disallowed_or_disguised_files_are_refused(clerk, home_centre, name, content):
    with pytest.raises(ValidationError):
        attach_file(obj=home_centre, upload=SimpleUploadedFile(name, content), actor=clerk)
    assert Attachment.objects.count() == 0


def test_upload_is_audited(clerk, home_centre):
    from ruian.audit import AuditEntry

    attach_file(obj=home_centre, upload=SimpleUploadedFile("照片.png", PNG), actor=clerk)
    entry = AuditEntry.objects.get(action="ruian.attachment.uploaded")
    assert entry.actor == clerk and entry.data["name"] == "照片.png"
