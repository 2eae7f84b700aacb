"""`manage.py load_demo`: Rudong county demo data, then each app's demo data; safe to run again."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from ruian import demo
from ruian.apiclients import ClientToken
from ruian.divisions import Division
from ruian.organisations import Organisation
from ruian.staff import Role, StaffProfile, roles_of
from ruian.workdays import CalendarDay


class Command(BaseCommand):
    help = "Load the Rudong county demo: divisions, organisations, one user per role, the API client's token."

    def add_arguments(self, parser):
        parser.add_argument(
            "--new-token",
            action="store_true",
            help="Issue a new token for api_client even if one exists (the old one stops working).",
        )

    def handle(self, *args, new_token=False, **options):
        # One transaction: a failure in any app's demo leaves the database as it was, token included.
        with transaction.atomic():
            built = demo.load(self.stdout, new_token=new_token)
            apps = demo.load_apps(self.stdout)
        self._summary(apps)
        self._logins(built)
        self._token(built)

    def _summary(self, apps):
        divisions, townships = Division.objects.count(), Division.objects.townships().count()
        organisations, users = Organisation.objects.count(), get_user_model().objects.count()
        self.stdout.write(
            f"Loaded: {divisions} divisions ({townships} townships), {organisations} organisations, {users} users, "
            f"{CalendarDay.objects.count()} calendar days."
        )
        self.stdout.write("App demo data: " + (", ".join(apps) if apps else "none yet."))

    def _logins(self, built):
        profiles = {
            profile.user_id: profile
            for profile in StaffProfile.objects.select_related("organisation__division__parent").filter(
                user__in=built.users
            )
        }
        rows = [("user", "role", "organisation", "township")]
        for user in built.users:
            profile = profiles.get(user.pk)
            organisation = profile.organisation if profile else None
            township = organisation.division.township if organisation else None
            role = ", ".join(f"{name} {Role(name).label}" for name in sorted(roles_of(user)))
            if user.is_superuser:
                role = "superuser"
            rows.append(
                (user.username, role, organisation.name if organisation else "-", township.name if township else "-")
            )
        self.stdout.write(self.style.MIGRATE_HEADING("\nDemo logins (password: the DEMO_PASSWORD setting):"))
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            cells = [cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))

    def _token(self, built):
        if built.token:
            self.stdout.write(
                self.style.MIGRATE_HEADING("\nAPI token for api_client (shown once, only its hash is kept):")
            )
            self.stdout.write(f"  Authorization: Token {built.token}")
        elif built.token_existed:
            token = ClientToken.objects.get(user__username="api_client")
            issued = timezone.localtime(token.created_at)
            self.stdout.write(
                f"\nThe API token for api_client was issued before ({token.prefix}…, {issued:%Y-%m-%d %H:%M})"
                " and only its hash is kept. For a new one: `manage.py load_demo --new-token` or "
                "`manage.py issue_token api_client`."
            )


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters are two wide."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
