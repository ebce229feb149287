"""
Writing a generated campaign (``installs.campaign``) for benchmarks and demos.

The one write path that does not go through ``figures_save``, on purpose: a
generated campaign is not a record. Nobody reported these figures, so there is
nobody to audit and no history to keep; and the per-save path (a locked week
row, a version check, a history row per snapshot) would take hours for the
nation's 2.4 million snapshots. The rows are bulk-inserted instead, which sends
no signals, so the data revision (``installs.revision``) is replaced once at
the end, inside the same transaction: every computed week kept before is then
stale, as after any other write.

It never touches real figures: it refuses a database that holds any region,
area, week or figure not made by the generator (generated counties carry the
slug prefix ``gen-``; see ``generated_database``).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from installs import campaign
from installs.models import Area, Measure, Region, Snapshot, Week
from installs.revision import revision_bump

BATCH_SIZE = 2_000  # rows per INSERT: well under SQLite's 32,766 parameters (7 per row)

# The seed's three measures (fixtures/seed_2022-11-21.json), with a deadline after the last week.
MEASURES = [
    {"slug": "valve_pipe", "device": "自闭阀", "gas_type": "管道气", "order": 1},
    {"slug": "hose_pipe", "device": "金属软管", "gas_type": "管道气", "order": 2},
    {"slug": "hose_lpg", "device": "金属软管", "gas_type": "液化气", "order": 3},
]
TARGET_DATE = datetime.date(2027, 6, 30)


class CampaignRefused(Exception):
    """The database holds real data (or generated data and no --replace): nothing was written."""


@dataclass(frozen=True)
class CampaignSize:
    provinces: int
    cities: int
    counties: int
    weeks: int
    snapshots: int


def _generated_regions() -> Q:
    return Q(slug__startswith=campaign.SLUG_PREFIX)


def generated_database() -> bool | None:
    """
    None when the database holds no region, area, week or figure; True when all
    it holds was generated; False when anything in it is real.

    Generated means: every region has the generator's slug prefix, every city has
    only such regions and at least one, every province has only such cities. An
    area without regions, or weeks with no region at all, count as real (someone
    set them up by hand).
    """
    has_anything = (
        Region.objects.exists()
        or Area.objects.exists()
        or Week.objects.exists()
        or Snapshot.objects.exists()
    )
    if not has_anything:
        return None
    if Region.objects.exclude(_generated_regions()).exists():
        return False
    if not Region.objects.exists():
        return False  # areas or weeks set up by hand
    cities = Area.objects.filter(level=Area.Level.CITY)
    if cities.exclude(regions__isnull=False).exists():
        return False  # a city without counties
    provinces = Area.objects.filter(level=Area.Level.PROVINCE)
    # A province without cities is real too.
    return not provinces.exclude(children__isnull=False).exists()


def _clear_generated() -> None:
    """Remove a generated campaign: its figures (and their history), weeks, counties and areas."""
    # Raw deletes: millions of rows; Django's delete() would load each to send signals.
    snapshots = Snapshot.objects.all()
    snapshots._raw_delete(snapshots.db)
    history = Snapshot.history.all()
    history._raw_delete(history.db)
    # Weeks, regions and areas are few: the ORM deletes them and what hangs on them.
    Week.objects.all().delete()
    Region.objects.all().delete()
    Area.objects.filter(level=Area.Level.CITY).delete()
    Area.objects.all().delete()


def campaign_generate(
    *,
    provinces: int,
    cities: int,
    counties: int,
    weeks: int,
    seed: int = 1,
    replace: bool = False,
    progress: Callable[[str], None] | None = None,
) -> CampaignSize:
    """
    Write a generated campaign: the areas and counties, the seed's 3 measures,
    ``weeks`` published weeks and every county's figures for every week,
    all or nothing. Refuses (``CampaignRefused``) a database with real data,
    and one with a generated campaign unless ``replace``.
    """
    say = progress or (lambda text: None)
    rng = random.Random(seed)
    tree = campaign.area_tree(rng, provinces=provinces, cities=cities, counties=counties)
    dates = campaign.report_dates(weeks)
    with transaction.atomic():
        state = generated_database()
        if state is False:
            raise CampaignRefused(
                _(
                    "The database holds regions, areas or weeks that were not generated: "
                    "a generated campaign would mix with real figures. Use an empty database."
                )
            )
        if state is True and not replace:
            raise CampaignRefused(
                _(
                    "The database already holds a generated campaign. "
                    "Give --replace to replace it, or use an empty database."
                )
            )
        if state is True:
            _clear_generated()
            say("removed the generated campaign that was there")
        measures = _measures()
        regions = _areas_and_regions(tree)
        say(f"{len(regions)} counties in {provinces * cities} cities of {provinces} provinces")
        week_rows = Week.objects.bulk_create(
            Week(date=date, state=Week.State.PUBLISHED) for date in dates
        )
        pairs = [(region, measure) for region in regions for measure in measures]
        piped = [measure.gas_type == "管道气" for _, measure in pairs]
        figures = campaign.weekly_figures(rng, pairs=len(pairs), piped=piped, weeks=weeks)
        count = 0
        for n, (week, values) in enumerate(zip(week_rows, figures, strict=True), start=1):
            # One week at a time, as districts report: memory stays at one week's rows.
            Snapshot.objects.bulk_create(
                (
                    Snapshot(
                        week=week,
                        region=region,
                        measure=measure,
                        households=households,
                        installed=installed,
                    )
                    for (region, measure), (households, installed) in zip(
                        pairs, values, strict=True
                    )
                ),
                batch_size=BATCH_SIZE,
            )
            count += len(values)
            if n % 26 == 0 or n == weeks:
                say(f"week {n}/{weeks} ({week.date}): {count} figures")
        revision_bump()  # once: bulk inserts send no signals
    return CampaignSize(
        provinces=provinces,
        cities=provinces * cities,
        counties=len(regions),
        weeks=weeks,
        snapshots=count,
    )


def _measures() -> list[Measure]:
    """The seed's three measures, made when missing (kept as they are when present)."""
    made = []
    for fields in MEASURES:
        measure, _created = Measure.objects.get_or_create(
            slug=fields["slug"],
            defaults={**fields, "target_rate": 1, "target_date": TARGET_DATE},
        )
        made.append(measure)
    return made


def _areas_and_regions(tree: list[campaign.Province]) -> list[Region]:
    provinces = Area.objects.bulk_create(
        Area(name=p.name, code=p.code, level=Area.Level.PROVINCE, order=p.order) for p in tree
    )
    cities = Area.objects.bulk_create(
        Area(name=c.name, code=c.code, level=Area.Level.CITY, parent=province, order=c.order)
        for province, p in zip(provinces, tree, strict=True)
        for c in p.cities
    )
    city_areas = iter(cities)
    regions = []
    for p in tree:
        for c in p.cities:
            city = next(city_areas)
            regions.extend(
                Region(name=d.name, slug=d.slug, code=d.code, order=d.order, city=city)
                for d in c.counties
            )
    return Region.objects.bulk_create(regions, batch_size=BATCH_SIZE)
