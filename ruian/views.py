"""Kernel pages: dashboard, health, notifications, attachments, the organisation directory."""

import logging

import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ruian import notifications, outbox, selectors
from ruian.navigation import dashboard_sections, public_pages
from ruian.staff import roles_of

log = logging.getLogger(__name__)


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "engine": connection.vendor}
    except Exception as error:  # any driver error means "down"; the message says which
        return {"ok": False, "engine": connection.vendor, "error": str(error).strip()[:200]}


def check_redis() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager (no broker: tasks run in-process)"}
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return {"ok": True}
    except redis.RedisError as error:
        return {"ok": False, "error": str(error)[:200]}


@never_cache
def healthz(request):
    """Liveness and readiness: 200 when every part is up, 503 naming the part that is down."""
    parts = {"database": check_database(), "redis": check_redis()}
    ok = all(part["ok"] for part in parts.values())
    body = {"status": "ok" if ok else "degraded", **parts}
    if parts["database"]["ok"]:
        # Messages recorded while Redis was away, waiting for the relay.
        body["outbox_pending"] = outbox.pending_count()
    return JsonResponse(body, status=200 if ok else 503)


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "home.html", {"public_pages": public_pages()})


@login_required
def dashboard(request):
    profile = getattr(request.user, "staff", None)
    context = {
        "profile": profile,
        "roles": sorted(roles_of(request.user)),
        "sections": dashboard_sections(request.user),
        "recent_notifications": selectors.notifications_for(request.user)[:5],
    }
    return render(request, "dashboard.html", context)


@login_required
def notification_list(request):
    items = selectors.notifications_for(request.user)[:200]
    return render(request, "notifications.html", {"items": items})


@login_required
@require_POST
def notification_mark_read(request):
    ids = request.POST.getlist("id") or None
    count = notifications.mark_read(user=request.user, notification_ids=ids)
    messages.success(request, _("已将 %(count)d 条通知标为已读。") % {"count": count})
    return redirect("notifications")


@login_required
def organisation_list(request):
    return render(request, "organisations/list.html", {"organisations": selectors.organisations_for(request.user)})


@login_required
def organisation_detail(request, pk):
    # 404 rather than 403 for another township's organisation: its existence is not disclosed.
    organisation = get_object_or_404(selectors.organisations_for(request.user), pk=pk)
    staff = selectors.staff_for(request.user).filter(organisation=organisation)
    return render(request, "organisations/detail.html", {"organisation": organisation, "staff": staff})


@login_required
def attachment_download(request, pk):
    attachment = selectors.attachment_for(request.user, pk)
    if attachment is None:
        raise Http404(_("附件不存在,或您无权查看。"))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        log.error("attachment %s missing on disk: %s", attachment.pk, attachment.file.name)
        raise Http404(_("附件文件已丢失,请联系管理员。")) from error
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.mime_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
