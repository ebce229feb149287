"""
Send the 催报 due now and deliver the outbox: ``manage.py remind_late [--week YYYY-MM-DD]``.

Cron-safe: run every 10 minutes; a second run (or an overlapping one) sends
nothing new, because each week × region × occasion is reminded once.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from installs import areas, outbox
from installs.management.area_option import add_area_argument, area_by_code
from installs.models import Week
from installs.services.reminders import reminders_send_due


class Command(BaseCommand):
    help = (
        "Send the reminders (催报) due now to the regions that have not fully reported "
        "(default: the newest open week), then deliver the outbox. Safe to run repeatedly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--week", metavar="YYYY-MM-DD", help="the week's report date")
        parser.add_argument(
            "--no-deliver",
            action="store_true",
            help="only queue the reminders; leave the delivery to the worker (db_worker)",
        )
        add_area_argument(
            parser,
            "only this province's or city's counties (GB/T 2260 code); default: every city, "
            "one reminder per city",
        )

    def handle(self, *args, week: str | None, no_deliver: bool, area: str | None = None, **options):
        # One batch per city: a reminder names one city's counties (names repeat across cities).
        cities = areas.cities_in(area_by_code(area) if area else None) or [None]
        if week:
            try:
                day = datetime.date.fromisoformat(week.strip())
            except ValueError:
                raise CommandError(f"{week!r} is not a date: write it as YYYY-MM-DD") from None
            chosen = Week.objects.filter(date=day).first()
            if chosen is None:
                raise CommandError(_("There is no week of %(date)s.") % {"date": day.isoformat()})
        else:
            chosen = Week.objects.filter(state=Week.State.OPEN).order_by("-date").first()
            if chosen is None:
                self.stdout.write(_("No week is open for entry: no reminders."))
                return
        for city in cities:
            self._remind(chosen, city)
        if not no_deliver:
            for result in outbox.deliver_due():
                status = (
                    _("sent") if result.ok else _("failed: %(error)s") % {"error": result.error}
                )
                self.stdout.write(f"  #{result.message.pk} {result.message.summary}: {status}")

    def _remind(self, chosen: Week, city) -> None:
        batch = reminders_send_due(week=chosen, city=city)
        if batch is None or not batch.regions:
            self.stdout.write(
                _("Week of %(date)s: no reminder due now.") % {"date": chosen.date.isoformat()}
            )
        else:
            self.stdout.write(
                _(
                    "Week of %(date)s, occasion %(occasion)s: reminded %(regions)s (%(count)d message(s) queued)."
                )
                % {
                    "date": chosen.date.isoformat(),
                    "occasion": batch.occasion,
                    "regions": "、".join(r.name for r in batch.regions),
                    "count": len(batch.messages),
                }
            )
