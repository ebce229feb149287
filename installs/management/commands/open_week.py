"""Open a new reporting week from the server's command line: manage.py open_week 2022-11-28."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from installs import free_text
from installs.services.weeks import WeekWorkflowError, week_open


class Command(BaseCommand):
    help = (
        "Open a new week for entry, named by its report date (YYYY-MM-DD). The date must "
        "be on the same weekday as the latest week unless --other-weekday is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("date", help="the report date, e.g. 2022-11-28")
        parser.add_argument(
            "--other-weekday",
            action="store_true",
            help="allow a weekday other than the latest week's (a holiday shift)",
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="the bureau account recorded as having opened the week (default: none)",
        )

    def handle(self, *args, date: str, other_weekday: bool, by: str | None, **options):
        try:
            day = datetime.date.fromisoformat(date.strip())
        except ValueError:
            raise CommandError(
                f"{date!r} is not a date: write it as YYYY-MM-DD, e.g. 2022-11-28"
            ) from None
        actor = None
        if by:
            invalid = free_text.text_error(by)  # PostgreSQL refuses a NUL even in a query
            if invalid:
                raise CommandError(f"--by: {invalid}")
            try:
                actor = get_user_model().objects.get(username=by)
            except get_user_model().DoesNotExist:
                raise CommandError(_("There is no user %(name)s.") % {"name": repr(by)}) from None
        try:
            week = week_open(date=day, actor=actor, allow_other_weekday=other_weekday)
        except WeekWorkflowError as error:
            raise CommandError(error.message) from None
        except PermissionDenied:
            raise CommandError(
                f"{by!r} is not bureau staff: only bureau staff open weeks."
            ) from None
        self.stdout.write(
            _("Opened the week of %(date)s for entry.") % {"date": week.date.isoformat()}
        )
