"""Middleware: request context for the audit log, and a clean 503 while the database is away."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.template.response import SimpleTemplateResponse
from django.utils.translation import gettext as _

from ruian.context import reset_current_ip, set_current_ip

log = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For can be forged unless a trusted proxy sets it, and the
    # deployment's proxy (gunicorn behind nginx) is configured to pass the real address there.
    return request.META.get("REMOTE_ADDR") or None


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection into 503 Service Unavailable with Retry-After.

    Django reconnects on the next request by itself (CONN_HEALTH_CHECKS), so the portal recovers
    without a restart once PostgreSQL is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_current_ip(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            reset_current_ip(token)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        log.warning("database unavailable: %s", exception)
        message = _("数据库暂时不可用,请稍后重试。")
        if request.path.startswith("/api/") or request.path.startswith("/open311/"):
            response = JsonResponse(
                {"error": {"code": "service_unavailable", "message": message, "fields": {}}}, status=503
            )
        else:
            response = SimpleTemplateResponse("503.html", {"message": message}, status=503)
            response.render()
        response["Retry-After"] = "5"
        return response


class ContentSecurityPolicyMiddleware:
    """Content-Security-Policy on every response: scripts only from our own static files.

    No inline script runs (no `<script>` bodies, no `on*` attributes): the templates keep all
    behaviour in static/*/js files, and the API docs use drf-spectacular's split Swagger view, whose
    configuration script is served as a file too. Inline style attributes are allowed (Bootstrap
    progress bars and the grid map set widths and colours that way).
    """

    POLICY = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.POLICY)
        return response
