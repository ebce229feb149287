"""Replace the database by a backup: manage.py restore gasdash-2026-11-30-023000.sqlite3."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from installs.backups import ENGINE_NAMES, BackupError, database_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the database (DATABASE_URL), all "
        "or nothing. Refuses a database that has any table unless --force is given; stop "
        "the app first."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="The backup file (.sqlite3 or .dump).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that is not empty: every table in it is dropped.",
        )

    def handle(self, *args, source: str, force: bool, **options):
        try:
            result = database_restore(source=Path(source), force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        replaced = f", replacing its {result.dropped} tables" if result.dropped else ""
        counts = ", ".join(f"{label} {count}" for label, count in result.summary.items())
        self.stdout.write(
            f"Restored {result.source} into the {ENGINE_NAMES[result.engine]} database "
            f"{result.database}{replaced}: {result.tables} tables, {result.rows} rows "
            f"({counts})."
        )
        if result.unapplied:
            self.stdout.write(
                f"The backup predates {len(result.unapplied)} migrations of this code "
                f"({', '.join(result.unapplied)}): run `manage.py migrate`."
            )
        if result.unknown:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup has {len(result.unknown)} migrations this code does not know "
                    f"({', '.join(result.unknown)}): it was made by newer code; run that code."
                )
            )
