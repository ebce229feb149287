"""Open a new reporting week from the server's command line: manage.py open_week 2022-11-28."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
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
            "--deadline",
            metavar="'YYYY-MM-DD HH:MM'",
            help="the reporting deadline (填报截止时间) in Asia/Shanghai "
            "(default: settings.DEADLINE_DEFAULT, e.g. the report date at 12:00)",
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="the bureau account recorded as having opened the week (default: none)",
        )

    def handle(
        self,
        *args,
        date: str,
        other_weekday: bool,
        by: str | None,
        deadline: str | None = None,
        **options,
    ):
        try:
            day = datetime.date.fromisoformat(date.strip())
        except ValueError:
            raise CommandError(
                f"{date!r} is not a date: write it as YYYY-MM-DD, e.g. 2022-11-28"
            ) from None
        deadline_at = None
        if deadline:
            try:
                deadline_at = timezone.make_aware(
                    datetime.datetime.strptime(deadline.strip(), "%Y-%m-%d %H:%M")
                )
            except ValueError:
                raise CommandError(
                    f"--deadline {deadline!r} is not a time: write it as 'YYYY-MM-DD HH:MM', "
                    "e.g. '2022-11-28 12:00' (Asia/Shanghai)"
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
            week = week_open(
                date=day, actor=actor, allow_other_weekday=other_weekday, deadline=deadline_at
            )
        except WeekWorkflowError as error:
            raise CommandError(error.message) from None
        except PermissionDenied:
            raise CommandError(
                f"{by!r} is not bureau staff: only bureau staff open weeks."
            ) from None
        self.stdout.write(
            _("Opened the week of %(date)s for entry.") % {"date": week.date.isoformat()}
        )
        self.stdout.write(
            _("Reporting deadline: %(deadline)s")
            % {"deadline": f"{timezone.localtime(week.deadline):%Y-%m-%d %H:%M}"}
        )
