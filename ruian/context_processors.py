from ruian.navigation import dashboard_sections
from ruian.staff import Role, roles_of


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": [], "unread_count": 0}
    return {
        "nav_sections": [section for section in dashboard_sections(user) if section["role"]],
        "unread_count": _unread(user),
        "role_labels": [Role(role).label for role in sorted(roles_of(user))],
    }


def _unread(user) -> int:
    loaded = getattr(user, "unread_notifications", None)  # loaded with the user (ruian.backends)
    if loaded is not None or hasattr(user, "unread_notifications"):
        return loaded or 0
    return user.notifications.filter(read_at__isnull=True).count()
