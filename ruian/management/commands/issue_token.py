"""`manage.py issue_token <username>`: issue or re-issue a REST client's token and print it once."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ruian.apiclients import ClientToken, Scope, issue_token
from ruian.staff import Role, has_role


class Command(BaseCommand):
    help = "Issue (or re-issue, revoking the old one) the token of a user with the api_client role."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--scopes",
            nargs="+",
            metavar="SCOPE",
            help=f"Scopes to grant (default: the old token's, else all): {', '.join(Scope.values)}.",
        )
        parser.add_argument("--name", help="Client name shown in the admin (default: the old token's or the user's).")

    def handle(self, *args, username, scopes=None, name=None, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is deactivated.")
        # A token acts with the user's data scope and no scope limits of a session: keep it for clients.
        if not has_role(user, Role.API_CLIENT):
            raise CommandError(f"User {username!r} does not have the {Role.API_CLIENT} role; assign it first.")
        old = ClientToken.objects.filter(user=user).first()
        scopes = scopes or (old.scopes if old else list(Scope.values))
        name = name or (old.name if old else user.get_full_name() or user.username)
        try:
            key = issue_token(user=user, name=name, scopes=scopes)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if old is not None:
            self.stdout.write(f"The previous token of {username} ({old.prefix}…) no longer works.")
        self.stdout.write(f"Token for {username} ({name}; scopes: {', '.join(sorted(scopes))}).")
        self.stdout.write("It is shown only now; only its hash is kept:")
        self.stdout.write(f"  Authorization: Token {key}")
