"""Idempotent creation: a client that retries a POST with the same `Idempotency-Key` header gets the
first response back instead of a second object. Keys live in PostgreSQL (IdempotencyKey), per client.
"""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from grids.models import IdempotencyKey
from ruian.api.errors import error_response

HEADER = "Idempotency-Key"


def _hash(request) -> str:
    """The request's content: its fields, and for a multipart upload each file's name and bytes, so a retry
    with another photo under the same key is told apart from a true retry."""
    files = getattr(request, "FILES", None) or {}
    data = request.data
    if files:
        data = {key: data.getlist(key) for key in data if key not in files}
        for key in sorted(files):
            digests = []
            for upload in files.getlist(key):
                digest = hashlib.sha256()
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
                digests.append([upload.name, digest.hexdigest()])
            data[f"file:{key}"] = digests
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def idempotent(endpoint: str):
    """Wrap a create view method. The key row is written in the same transaction as the object, so a
    failed creation leaves no key behind and the client may retry."""

    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, request, *args, **kwargs):
            key = request.headers.get(HEADER)
            if not key:
                return method(self, request, *args, **kwargs)
            if len(key) > 128:
                return error_response("idempotency_key_invalid", _("Idempotency-Key 不能超过 128 个字符。"))
            request_hash = _hash(request)
            try:
                with transaction.atomic():
                    record, created = IdempotencyKey.objects.select_for_update().get_or_create(
                        user=request.user, endpoint=endpoint, key=key, defaults={"request_hash": request_hash}
                    )
                    if not created:
                        return _replay(record, request_hash)
                    response = method(self, request, *args, **kwargs)
                    if status.is_success(response.status_code):
                        record.response_status = response.status_code
                        record.response_body = json.loads(JSONRenderer().render(response.data))
                        record.save(update_fields=["response_status", "response_body"])
                    else:
                        transaction.set_rollback(True)
                    return response
            except IntegrityError:
                # A concurrent request with the same key won the insert; answer as it did.
                record = IdempotencyKey.objects.get(user=request.user, endpoint=endpoint, key=key)
                return _replay(record, request_hash)

        return wrapper

    return decorator


def _replay(record: IdempotencyKey, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        return error_response(
            "idempotency_key_reused",
            _("该 Idempotency-Key 已用于另一份请求内容。"),
            http_status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if record.response_status is None:
        return error_response(
            "idempotency_in_progress", _("相同 Idempotency-Key 的请求正在处理。"), http_status=status.HTTP_409_CONFLICT
        )
    return Response(record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"})
