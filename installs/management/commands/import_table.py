"""Import a weekly table in the official layout from an .xlsx file (a thin wrapper over the service)."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from installs import areas, free_text, xlsx_reader
from installs.management.area_option import add_area_argument, city_option
from installs.permissions import Role, user_role
from installs.services.figures import FiguresConflict
from installs.services.imports import ImportRefused, import_preview, payload_figures, table_import


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--week must be a date like 2022-11-28, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Import a weekly progress table (.xlsx, official layout). The week comes from "
        "--week or from the date line above the table, and is opened if it does not exist. "
        "Any error: nothing is written. Warnings are printed and do not stop the import. "
        "A week that is locked or published changes only with --reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .xlsx file")
        parser.add_argument("--week", type=_date, help="the week's report date, YYYY-MM-DD")
        parser.add_argument(
            "--dry-run", action="store_true", help="read and check only; write nothing"
        )
        parser.add_argument(
            "--reason",
            default="",
            help="why (for the audit trail); needed when the week is locked or published",
        )
        parser.add_argument(
            "--other-weekday",
            action="store_true",
            help="if the import opens a new week: allow a weekday other than the latest week's",
        )
        parser.add_argument(
            "--user",
            help="the bureau account the audit trail names (default: the first superuser)",
        )
        add_area_argument(
            parser,
            "the city whose counties the table lists (GB/T 2260 code); needed when the "
            "deployment has several cities",
        )

    def handle(
        self,
        *args,
        path: str,
        week,
        dry_run: bool,
        user: str | None,
        reason: str,
        other_weekday: bool,
        area: str | None = None,
        **options,
    ):
        city = city_option(area)
        actor = self._actor(user)
        reason_error = free_text.text_error(reason)
        if reason_error:
            raise CommandError(f"--reason: {reason_error}")
        file = Path(path)
        data = self._read(file)
        try:
            parsed = xlsx_reader.read_week_table(
                data,
                file_name=file.name,
                # Names repeat across cities: the table is read as the chosen city's.
                regions=None if city is None else areas.city_regions(city, active_only=False),
            )
        except xlsx_reader.UploadRejected as rejected:
            raise CommandError(rejected.message) from None
        preview = import_preview(
            parsed=parsed,
            week=week,
            actor=actor,
            reason=reason,
            allow_other_weekday=other_weekday,
            city=city,
        )
        self.stdout.write(
            f"{file.name} · {parsed.sheet} → {preview.week_date or '?'}"
            f"{'' if preview.week else ' (new week)'}: "
            f"{preview.count('added')} new, {preview.count('changed')} changed, "
            f"{preview.count('unchanged')} unchanged"
        )
        for change in preview.changes:
            if change.kind == "changed":
                self.stdout.write(
                    f"  {change.region.name} {change.measure}: "
                    f"{change.old[0]}/{change.old[1]} → {change.new[0]}/{change.new[1]}"
                )
        for warning in preview.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        for note in preview.notes:
            self.stdout.write(f"note: {note}")
        if preview.errors:
            for error in preview.errors:
                self.stderr.write(self.style.ERROR(str(error)))
            raise CommandError(f"{len(preview.errors)} error(s): nothing was written")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        week_date, file_name, figures = payload_figures(preview.payload())
        try:
            result = table_import(
                week_date=week_date,
                figures=figures,
                actor=actor,
                file_name=file_name,
                reason=reason,
                allow_other_weekday=other_weekday,
                city=city,
            )
        except FiguresConflict:
            raise CommandError(
                "figures changed while importing: nothing was written; run it again"
            ) from None
        except ImportRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported into {result.week.date}: {len(result.saved)} figure(s) written"
                f"{' (week opened)' if result.created else ''}."
            )
        )

    def _read(self, file: Path) -> bytes:
        """The file's bytes, once its name and size are those of a progress table."""
        if not xlsx_reader.has_xlsx_name(file.name):
            raise CommandError(xlsx_reader.not_xlsx_message())
        try:
            with file.open("rb") as handle:
                if os.fstat(handle.fileno()).st_size > settings.UPLOAD_MAX_BYTES:
                    raise CommandError(xlsx_reader.file_too_large_message())
                # Never more than one byte past the limit, whatever the size said.
                data = handle.read(settings.UPLOAD_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        if len(data) > settings.UPLOAD_MAX_BYTES:
            raise CommandError(xlsx_reader.file_too_large_message())
        return data

    def _actor(self, username: str | None):
        User = get_user_model()
        if username:
            invalid = free_text.text_error(username)  # PostgreSQL refuses a NUL even in a query
            if invalid:
                raise CommandError(f"--user: {invalid}")
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {username!r}")
        else:
            actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
            if actor is None:
                raise CommandError("no superuser: name a bureau account with --user")
        if user_role(actor) != Role.BUREAU:
            raise CommandError(f"{actor.username} is not bureau staff: only the bureau imports")
        return actor
