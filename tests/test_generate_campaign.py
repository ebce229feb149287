"""generate_campaign: a generated campaign's shape, its figures, its seed, and what it refuses."""

from __future__ import annotations

import datetime
import io
import random

import pytest
from django.core.management import CommandError, call_command

from installs import campaign
from installs.models import Area, Region, Snapshot, Week
from installs.revision import revision_token
from installs.services.campaign import MEASURES
from tests.factories import load_seed, make_area, make_measure, make_region

pytestmark = pytest.mark.django_db


def generate(*extra: str, provinces=2, cities=3, counties=4, weeks=6) -> None:
    call_command(
        "generate_campaign",
        f"--provinces={provinces}",
        f"--cities={cities}",
        f"--counties={counties}",
        f"--weeks={weeks}",
        *extra,
        stdout=io.StringIO(),
    )


def figures() -> list[tuple]:
    return list(
        Snapshot.objects.order_by("week__date", "region__code", "measure__order").values_list(
            "week__date", "region__code", "region__name", "measure__slug", "households", "installed"
        )
    )


def test_it_makes_the_tree_with_gbt2260_codes_and_names_unique_among_siblings():
    generate()
    provinces = list(Area.objects.filter(level=Area.Level.PROVINCE).order_by("code"))
    assert [(p.code, p.name) for p in provinces] == [("110000", "北京市"), ("120000", "天津市")]
    cities = Area.objects.filter(parent=provinces[1]).order_by("code")
    assert [c.code for c in cities] == ["120100", "120200", "120300"]
    counties = Region.objects.filter(city=cities[2]).order_by("code")
    assert [r.code for r in counties] == ["120301", "120302", "120303", "120304"]
    assert [r.slug for r in counties] == ["gen-120301", "gen-120302", "gen-120303", "gen-120304"]
    assert Region.objects.count() == 2 * 3 * 4
    for city in Area.objects.filter(level=Area.Level.CITY):
        names = list(city.regions.values_list("name", flat=True))
        assert len(set(names)) == len(names) == 4
        assert all(name[-1] in "县区市" for name in names)


def test_it_makes_published_monday_weeks_and_every_figure():
    generate()
    dates = list(Week.objects.order_by("date").values_list("date", flat=True))
    assert dates[-1] == campaign.LAST_DATE
    assert [b - a for a, b in zip(dates, dates[1:], strict=False)] == [datetime.timedelta(7)] * 5
    assert all(d.weekday() == 0 for d in dates)
    assert set(Week.objects.values_list("state", flat=True)) == {Week.State.PUBLISHED}
    assert Snapshot.objects.count() == 24 * 3 * 6


def test_the_figures_are_cumulative_and_plausible():
    generate(weeks=30)
    by_pair: dict[tuple, list[tuple[int, int]]] = {}
    for _date, code, _name, slug, households, installed in figures():
        by_pair.setdefault((code, slug), []).append((households, installed))
    assert len(by_pair) == 24 * 3
    stalled = 0
    for (_code, slug), series in by_pair.items():
        assert all(installed <= households for households, installed in series)
        for (h0, i0), (h1, i1) in zip(series, series[1:], strict=False):
            assert h1 >= h0 and i1 >= i0
            stalled += i1 == i0
        if slug == "hose_lpg":
            assert series[0][0] < 10_000
        else:
            assert series[0][0] >= 8_000
    assert stalled > 0  # some weeks with no new installs


def test_the_same_seed_makes_the_same_campaign_and_another_seed_another():
    generate("--seed=7")
    first = figures()
    generate("--seed=7", "--replace")
    assert figures() == first
    generate("--seed=8", "--replace")
    assert figures() != first


def test_it_gives_the_revision_a_new_token_once_done():
    # The measures made first: making them would give a new token by itself (a saved row).
    for fields in MEASURES:
        make_measure(**fields)
    before = revision_token()
    generate()
    assert revision_token() != before


def test_it_refuses_a_database_with_real_regions_and_writes_nothing():
    load_seed()
    before = Snapshot.objects.count()
    for extra in ((), ("--replace",)):
        with pytest.raises(CommandError, match="非生成"):
            generate(*extra)
    assert Snapshot.objects.count() == before
    assert not Region.objects.filter(slug__startswith="gen-").exists()


def test_it_refuses_a_real_region_beside_generated_ones():
    generate()
    make_region("城区", slug="chengqu")
    with pytest.raises(CommandError, match="非生成"):
        generate("--replace")
    assert Region.objects.filter(slug="chengqu").exists()


def test_it_refuses_areas_set_up_by_hand_without_regions():
    make_area("河南省", "410000")
    with pytest.raises(CommandError, match="非生成"):
        generate()
    assert Area.objects.count() == 1


def test_it_refuses_a_generated_campaign_unless_told_to_replace_it():
    generate()
    before = figures()
    with pytest.raises(CommandError, match="--replace 可替换"):
        generate("--seed=2")
    assert figures() == before
    generate("--seed=2", "--replace", provinces=1, cities=1, counties=2, weeks=3)
    assert Region.objects.count() == 2 and Area.objects.count() == 2
    assert Snapshot.objects.count() == 2 * 3 * 3


@pytest.mark.parametrize("option", ["--provinces=0", "--provinces=32", "--cities=100", "--weeks=x"])
def test_it_refuses_sizes_out_of_range(option):
    args = {"--provinces=1", "--cities=1", "--counties=1", "--weeks=1"}
    args = [a for a in args if a.split("=")[0] != option.split("=")[0]] + [option]
    with pytest.raises(CommandError):
        call_command("generate_campaign", *args, stdout=io.StringIO())
    assert not Region.objects.exists()


def test_weekly_figures_never_fall_and_stay_within_households():
    rng = random.Random(1)
    weeks = list(campaign.weekly_figures(rng, pairs=50, piped=[True, False] * 25, weeks=100))
    for before, after in zip(weeks, weeks[1:], strict=False):
        for (h0, i0), (h1, i1) in zip(before, after, strict=True):
            assert h0 <= h1 and i0 <= i1 <= h1
