"""Back up the whole database to one file: manage.py backup --output /var/backups/gasdash/."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from installs.backups import ENGINE_NAMES, BackupError, database_backup


class Command(BaseCommand):
    help = (
        "Back up the whole database (DATABASE_URL) to one file, safely while the app runs: "
        "SQLite through its online backup API, PostgreSQL with pg_dump's custom format. "
        "Restore it with `manage.py restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            required=True,
            help="The file to write, or a directory: then a dated name "
            "(gasdash-YYYY-MM-DD-HHMMSS.sqlite3 or .dump) inside it.",
        )

    def handle(self, *args, output: str, **options):
        # "/var/backups/gasdash/" names a directory: never write a file called "gasdash".
        if output.endswith(("/", os.sep)) and not Path(output).is_dir():
            raise CommandError(f"The directory {output} does not exist.")
        try:
            result = database_backup(output=Path(output))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Backed up the {ENGINE_NAMES[result.engine]} database {result.database} "
            f"({result.tables} tables) to {result.path} ({result.size} bytes)."
        )
