"""Attachments: uploaded files belonging to an object (an application, a case, an event ...).

Files are stored outside any web root (settings.STORAGES["default"], under var/attachments) and are
served only by `ruian.views.attachment_download`, to users allowed to see the object they belong to.
The type is decided by the file's content (its leading bytes), never by its name alone.
"""

import hashlib
import os
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ruian.audit import log_action

# content type -> (file name extensions accepted for it, test on the leading bytes)
ALLOWED_TYPES = {
    "application/pdf": ({".pdf"}, lambda head: head.startswith(b"%PDF-")),
    "image/png": ({".png"}, lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "image/jpeg": ({".jpg", ".jpeg"}, lambda head: head.startswith(b"\xff\xd8\xff")),
    "image/webp": ({".webp"}, lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    # Office Open XML files are zip archives; the name decides which of the three it is.
    "application/vnd.openxmlformats-officedocument": (
        {".docx", ".xlsx", ".pptx"},
        lambda head: head.startswith(b"PK\x03\x04"),
    ),
    "application/ofd": ({".ofd"}, lambda head: head.startswith(b"PK\x03\x04")),
}


def sniff_content_type(head: bytes, name: str) -> str | None:
    """The allowed type whose signature the bytes carry and whose extension the name has, or None."""
    extension = os.path.splitext(name)[1].lower()
    for content_type, (extensions, matches) in ALLOWED_TYPES.items():
        if extension in extensions and matches(head):
            return content_type
    return None


def validate_upload(upload) -> str:
    """Check size and type of an uploaded file; return its content type or raise ValidationError."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件 “%(name)s” 大小为 %(size)s,超过了 %(limit)s 的上限。"),
            code="attachment_too_large",
            params={"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    if upload.size == 0:
        raise ValidationError(_("文件 “%(name)s” 是空的。"), code="attachment_empty", params={"name": upload.name})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head, upload.name)
    if content_type is None:
        raise ValidationError(
            _(
                "文件 “%(name)s” 的类型不允许,或内容与扩展名不符。"
                "允许: PDF、PNG、JPEG、WEBP、OFD、Word/Excel/PowerPoint(Office Open XML)。"
            ),
            code="attachment_type",
            params={"name": upload.name},
        )
    return content_type


def attachment_path(instance, filename):
    # A random name: the original name is kept in the row, never used on disk.
    return f"{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    content_object = GenericForeignKey("content_type", "object_id")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    mime_type = models.CharField(_("类型"), max_length=96)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["content_type", "object_id"])]
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


@transaction.atomic
def attach_file(*, obj, upload, actor, description: str = "") -> Attachment:
    from django.utils import timezone

    mime_type = validate_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        original_name=os.path.basename(upload.name)[:200],
        mime_type=mime_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        description=description,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_at=timezone.now(),
    )
    attachment.file.save(upload.name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)  # leave no orphan file on disk
        raise
    log_action(
        "ruian.attachment.uploaded",
        actor=actor,
        obj=obj,
        data={"attachment": attachment.pk, "name": attachment.original_name, "size": attachment.size},
    )
    return attachment
