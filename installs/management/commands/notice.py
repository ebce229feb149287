"""
Writes a week's progress notice (进度通报) to files: its PDF and its table image.
Without --area the deployment's top notice (a city's county notice, a province's
or the nation's level notice); --area CODE that area's (the table it opens on).
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from installs import selectors
from installs.management.area_option import add_area_argument, area_by_code
from installs.models import Notice
from installs.services import notices


class Command(BaseCommand):
    help = (
        "Write the progress notice of one week: the latest published notice of the week, "
        "or, for a week not published now, the notice as it would be published, marked "
        "not published (nothing is stored)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--week", required=True, help="The week's report date, YYYY-MM-DD.")
        parser.add_argument("--pdf", help="Where to write the PDF (A4 landscape).")
        parser.add_argument("--png", help="Where to write the table image (PNG).")
        add_area_argument(
            parser,
            "Whose notice: the GB/T 2260 code of a province or city (default: the "
            "deployment's top table, as sent to the leadership group).",
        )

    def handle(
        self,
        *args,
        week: str,
        pdf: str | None,
        png: str | None,
        area: str | None = None,
        **options,
    ):
        if not pdf and not png:
            raise CommandError("Give --pdf PATH, --png PATH or both.")
        try:
            date = datetime.date.fromisoformat(week)
        except ValueError:
            raise CommandError(f"--week {week!r} is not a date like 2022-11-21.") from None
        found = selectors.week_for_date(date)
        if found is None:
            raise CommandError(f"There is no week {date.isoformat()} in the database.")
        whose = notices.notice_area_for(area_by_code(area) if area else None)
        # A withdrawn week's last notice is no longer what it would say: render it afresh.
        latest = Notice.objects.filter(week=found, area=whose).order_by("-number").first()
        if found.is_published and latest is not None:
            files = {"pdf": bytes(latest.pdf), "png": bytes(latest.png)}
            what = f"notice No. {latest.number}"
        else:
            preview = notices.notice_preview(found, whose)
            files = {"pdf": preview.pdf, "png": preview.png}
            what = "a preview marked not published"
        for extension, path in (("pdf", pdf), ("png", png)):
            if not path:
                continue
            try:
                Path(path).write_bytes(files[extension])
            except OSError as error:
                raise CommandError(f"Cannot write {path}: {error.strerror or error}.") from None
            self.stdout.write(f"Wrote {path} ({what}, {len(files[extension])} bytes).")
