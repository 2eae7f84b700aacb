"""Idempotent creation over the REST API, for every app.

A client that creates something sends an `Idempotency-Key` header. A retried POST with the same key and the
same body (from the same client, to the same endpoint) gets the first answer back and creates nothing; the
same key with a different body is refused. Usage, on a DRF create action:

    @idempotent_create("grids.events.create")
    def create(self, request, *args, **kwargs): ...

The key row is written in the same transaction as the object the view creates, so a creation that fails
(an exception, or any answer that is not 2xx) leaves no key behind and the client may retry. Two identical
requests at once: both insert the key (INSERT ... ON CONFLICT DO NOTHING); PostgreSQL's unique index makes
the second wait until the first commits, and it then answers with the stored response instead of creating
a second object (or, if the first failed, creates it itself).

The first answer is stored as rendered (status and JSON body) and replayed as it was, with an
`Idempotent-Replayed: true` header, even if the object has changed since.

Keys are short-lived: `purge_idempotency_keys` drops the ones older than `IDEMPOTENCY_KEY_DAYS`.
"""

import datetime
import functools
import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

HEADER = "Idempotency-Key"
# Set on every replayed answer, so a client can tell a retry's answer from a first creation.
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 100


class IdempotencyKey(models.Model):
    """One creation request by one client: what it asked (a fingerprint) and what it was answered."""

    # Indexed by the unique (client, endpoint, key) constraint, which leads with it.
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    endpoint = models.CharField(_("接口"), max_length=100)
    key = models.CharField(max_length=MAX_KEY_LENGTH)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(fields=["client", "endpoint", "key"], name="idempotency_once_per_client")
        ]

    def __str__(self):
        return f"{self.endpoint} {self.key}"


class IdempotencyKeyReused(exceptions.APIException):
    """The key was used before, by the same client at the same endpoint, with a different request."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _("该 Idempotency-Key 已用于内容不同的请求。")


def request_fingerprint(request) -> str:
    """SHA-256 of what the request asks for: its fields, and for a multipart upload each file's name and
    bytes, so a retry with another photo under the same key is told apart from a true retry."""
    data = request.data
    files = getattr(request, "FILES", None) or {}
    if hasattr(data, "getlist"):
        # A form: every value of every field (DRF's request.data holds the files too; they come below).
        content = {name: data.getlist(name) for name in data if name not in files}
    else:
        content = data
    if files:
        content = dict(content)
        for name in sorted(files):
            digests = []
            for upload in files.getlist(name):
                digest = hashlib.sha256()
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)  # the view reads the upload again
                digests.append([upload.name, digest.hexdigest()])
            content[f"file:{name}"] = digests
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def request_key(request, *, required: bool) -> str:
    """The request's Idempotency-Key ("" when it has none); a missing required key, a key too long for the
    table or one with control characters (PostgreSQL refuses NUL) is a 400 naming the header as the field."""
    key = (request.headers.get(HEADER) or "").strip()
    if not key and required:
        raise exceptions.ValidationError({HEADER: [_("请在请求头中提供 Idempotency-Key。")]})
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: [_("Idempotency-Key 至多 %(count)d 个可见字符。") % {"count": MAX_KEY_LENGTH}]}
        )
    return key


def idempotent_create(
    endpoint: str,
    *,
    required: bool | Callable[[object], bool] = False,
    replay_status: int | None = None,
    reused_status: int = status.HTTP_422_UNPROCESSABLE_ENTITY,
):
    """Make a DRF create action idempotent per (client, `endpoint`, Idempotency-Key).

    `required`: refuse a request without a key (a callable decides per request, e.g. only for REST clients).
    `replay_status`: the status of a replayed answer (default: the first answer's own status).
    `reused_status`: the status when the key was used with another body (default 422; 409 where an app's
    published contract says so).
    """

    def decorator(method):
        @functools.wraps(method)
        def wrapper(view, request, *args, **kwargs):
            must = required(request) if callable(required) else required
            key = request_key(request, required=must)
            if not key or not request.user.is_authenticated:
                return method(view, request, *args, **kwargs)
            fingerprint = request_fingerprint(request)
            with transaction.atomic():
                record_id, stored = _claim(request.user, endpoint, key, fingerprint)
                if stored is not None:
                    return _replay(stored, fingerprint, replay_status, reused_status)
                response = method(view, request, *args, **kwargs)
                if not status.is_success(response.status_code):
                    transaction.set_rollback(True)  # a refused creation leaves no key: the client may retry
                    return response
                _store(record_id, response)
                return response

        return wrapper

    return decorator


def _store(record_id: int, response) -> None:
    """Keep the answer with the key: the JSON the client gets (DRF's renderer), sent to PostgreSQL as it is."""
    rendered = JSONRenderer().render(response.data)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {IdempotencyKey._meta.db_table} SET response_status = %s, response_body = %s::jsonb WHERE id = %s",
            [response.status_code, rendered.decode() if rendered else None, record_id],
        )


def _claim(client, endpoint: str, key: str, fingerprint: str) -> tuple[int | None, IdempotencyKey | None]:
    """Insert the key, or find the stored one: (new row id, None) or (None, the earlier request's row).

    A concurrent request holding the same key uncommitted makes this INSERT wait until it ends: if it
    committed, ON CONFLICT DO NOTHING inserts nothing and the SELECT (a new snapshot under READ COMMITTED)
    reads its answer; if it rolled back, this one inserts and creates. The row and its answer are written
    in one transaction, so no request ever sees a key without its answer; and no statement fails, so the
    transaction stays usable.
    """
    table = IdempotencyKey._meta.db_table
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} (client_id, endpoint, key, fingerprint, response_status, created_at)
                VALUES (%s, %s, %s, %s, 0, %s)
                ON CONFLICT (client_id, endpoint, key) DO NOTHING
                RETURNING id
                """,
                [client.pk, endpoint, key, fingerprint, timezone.now()],
            )
            row = cursor.fetchone()
        if row is not None:
            return row[0], None
        stored = IdempotencyKey.objects.filter(client=client, endpoint=endpoint, key=key).first()
        if stored is not None:
            return None, stored
        # Purged between the two statements (a week-old key): claim it afresh.


def _replay(record: IdempotencyKey, fingerprint: str, replay_status: int | None, reused_status: int) -> Response:
    if record.fingerprint != fingerprint:
        refusal = IdempotencyKeyReused()
        refusal.status_code = reused_status
        raise refusal
    return Response(
        record.response_body, status=replay_status or record.response_status, headers={REPLAYED_HEADER: "true"}
    )


def purge_idempotency_keys(*, now=None) -> int:
    """Drop keys older than `IDEMPOTENCY_KEY_DAYS` (a client retries within minutes, not weeks)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.IDEMPOTENCY_KEY_DAYS)
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
