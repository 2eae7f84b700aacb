from pathlib import Path

from django.core.management.base import BaseCommand

from ruian.backup import backup


class Command(BaseCommand):
    help = "Dump the database and the attachments into DIR (database.dump, attachments.tar.gz)."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory, **options):
        sizes = backup(directory)
        self.stdout.write(
            f"backup written to {directory}: database {sizes['database']:,} bytes, "
            f"attachments {sizes['attachments']:,} bytes"
        )
