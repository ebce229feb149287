"""Writes the official workbook of one week to a file, as the page's Excel download does."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from installs import selectors, sheets
from installs.management.area_option import add_area_argument, city_option


class Command(BaseCommand):
    help = "Write the official progress table of one week to an .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("--week", required=True, help="The week's report date, YYYY-MM-DD.")
        parser.add_argument(
            "--output",
            required=True,
            help="The file to write; an existing directory gets the download's file name.",
        )
        add_area_argument(
            parser, "The city's code (GB/T 2260); needed when the deployment has several cities."
        )

    def handle(self, *args, week: str, output: str, area: str | None = None, **options):
        city = city_option(area)
        try:
            date = datetime.date.fromisoformat(week)
        except ValueError:
            raise CommandError(f"--week {week!r} is not a date like 2022-11-21.") from None
        found = selectors.week_for_date(date)
        if found is None:
            raise CommandError(f"There is no week {date.isoformat()} in the database.")
        path = Path(output)
        if path.is_dir():
            path = path / sheets.export_filename(date)
        # The workbook's texts (header, 合计, note) in the bureau's language, as on the page.
        with translation.override(settings.LANGUAGE_CODE):
            workbook = sheets.week_workbook(selectors.week_progress(found, city))
            data = sheets.workbook_bytes(workbook)
        try:
            path.write_bytes(data)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror or error}.") from None
        self.stdout.write(f"Wrote {path} ({len(data)} bytes).")
