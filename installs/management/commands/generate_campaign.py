"""
A generated campaign for benchmarks and demos:

    manage.py generate_campaign --provinces 31 --cities 10 --counties 10 --weeks 260 --seed 1

Refuses a database that holds real data; see ``installs.services.campaign``.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from installs import campaign
from installs.services.campaign import CampaignRefused, campaign_generate


def _count(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise ValueError(text)
        return value

    parse.__name__ = f"a whole number from {low} to {high}"
    return parse


class Command(BaseCommand):
    help = (
        "Fill an empty database with a generated campaign: P provinces, N cities in each, "
        "M counties in each city, W published weeks of growing figures for the 3 measures. "
        "Refuses a database with real regions, areas, weeks or figures."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--provinces", type=_count(1, campaign.MAX_PROVINCES), required=True, metavar="P"
        )
        parser.add_argument(
            "--cities", type=_count(1, campaign.MAX_CHILDREN), required=True, metavar="N"
        )
        parser.add_argument(
            "--counties", type=_count(1, campaign.MAX_CHILDREN), required=True, metavar="M"
        )
        parser.add_argument("--weeks", type=_count(1, 2_000), required=True, metavar="W")
        parser.add_argument("--seed", type=int, default=1, help="the same seed, the same campaign")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace a campaign generated before (never real data)",
        )

    def handle(self, *args, provinces, cities, counties, weeks, seed, replace, **options):
        started = time.perf_counter()
        quiet = options.get("verbosity", 1) < 1

        def progress(text: str) -> None:
            if not quiet:
                self.stdout.write(f"[{time.perf_counter() - started:6.1f} s] {text}")

        try:
            size = campaign_generate(
                provinces=provinces,
                cities=cities,
                counties=counties,
                weeks=weeks,
                seed=seed,
                replace=replace,
                progress=progress,
            )
        except CampaignRefused as refused:
            raise CommandError(str(refused)) from None
        if not quiet:
            self.stdout.write(
                _(
                    "Generated %(counties)s counties in %(cities)s cities of %(provinces)s "
                    "provinces, %(weeks)s weeks, %(snapshots)s figures in %(seconds).1f s."
                )
                % {
                    "counties": size.counties,
                    "cities": size.cities,
                    "provinces": size.provinces,
                    "weeks": size.weeks,
                    "snapshots": size.snapshots,
                    "seconds": time.perf_counter() - started,
                }
            )
