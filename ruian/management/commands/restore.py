from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ruian.backup import restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into the (empty) database DATABASE_URL names."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory, **options):
        try:
            restore(directory)
        except (FileNotFoundError, RuntimeError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored {directory}")
