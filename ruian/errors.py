"""Error pages: JSON under /api/ and /open311/ (the API's one error format), HTML elsewhere."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def _wants_json(request) -> bool:
    return request.path.startswith(("/api/", "/open311/"))


def _error(request, status: int, code: str, message: str):
    if _wants_json(request):
        return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def page_not_found(request, exception=None):
    return _error(request, 404, "not_found", _("页面不存在,或您无权查看。"))


def permission_denied(request, exception=None):
    return _error(request, 403, "permission_denied", _("您没有执行此操作的权限。"))


def server_error(request):
    if _wants_json(request):
        return JsonResponse(
            {"error": {"code": "server_error", "message": _("服务器内部错误。"), "fields": {}}}, status=500
        )
    return render(request, "error.html", {"status": 500, "message": _("服务器内部错误,请稍后重试。")}, status=500)
