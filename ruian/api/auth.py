"""Token authentication for REST clients: `Authorization: Token <key>` (or `Bearer <key>`)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from ruian.apiclients import ClientToken, hash_key
from ruian.backends import load_token


class ClientTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("Token", "Bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式错误: 应为 “Token <令牌>”。"))
        try:
            key = header[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("令牌含有非法字符。")) from error
        token = load_token(hash_key(key))  # with its user, staff profile, organisation and roles
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效。"))
        if not token.is_active:
            raise exceptions.AuthenticationFailed(_("令牌已被吊销。"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("该客户端已停用。"))
        now = timezone.now()
        # Write last use at most once a minute: a busy client must not turn every read into a write.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ClientToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "ruian.api.auth.ClientTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("“Token <令牌>”: 每个接口客户端一个令牌,可随时吊销。"),
        }


class HasScope(permissions.BasePermission):
    """For token clients, the view's `required_scopes` (read or write by method) must be granted.

    Browser sessions are not limited by scopes: their roles and data scope decide.
    """

    message = _("该令牌没有访问此接口所需的权限范围。")

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ClientToken):
            return True
        scopes = getattr(view, "required_scopes", None)
        if scopes is None:
            return True
        needed = scopes.get("read" if request.method in permissions.SAFE_METHODS else "write")
        return needed is None or token.has_scope(needed)
