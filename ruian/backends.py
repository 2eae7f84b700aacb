"""Django's ModelBackend, loading a signed-in user with what every request reads about them.

Nearly every page and API call reads `user.staff.organisation` (the data scope, the township in the
header, the stationed unit), the user's roles and, on pages, the unread badge: loaded with the user,
that is one query per request instead of six.
"""

from django.contrib.auth import backends
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, IntegerField, OuterRef, Subquery

USER_RELATED = ("staff__organisation__division",)


def roles_subquery(user_ref: str = "pk") -> ArraySubquery:
    """The names of the user's role groups, as an array column of the query that loads the user."""
    from ruian.staff import Role

    return ArraySubquery(
        Group.objects.filter(user=OuterRef(user_ref), name__in=Role.values).order_by("name").values("name")
    )


def unread_subquery() -> Subquery:
    """How many of the user's notifications are unread: the badge in every page's header."""
    from ruian.notifications import Notification

    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(unread, output_field=IntegerField())


def remember_roles(user, roles) -> None:
    """What `ruian.staff.roles_of` would otherwise query."""
    user._ruian_roles = set(roles)


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        UserModel = backends.UserModel
        try:
            user = (
                UserModel._default_manager.select_related(*USER_RELATED)
                .annotate(role_names=roles_subquery(), unread_notifications=unread_subquery())
                .get(pk=user_id)
            )
        except UserModel.DoesNotExist:
            return None
        remember_roles(user, user.role_names)
        return user if self.user_can_authenticate(user) else None
