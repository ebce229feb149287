"""The ranking page's server-drawn rate bars: the city-wide line through rules.rate."""

from __future__ import annotations

import pandas as pd

from installs import rate_bars


def regions(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["name", "installed", "households"])
    frame["rate"] = frame["installed"] / frame["households"]
    return frame


def test_it_places_the_city_line_at_the_city_rate():
    drawn = rate_bars.rate_bars(
        regions=regions([("甲", 1, 2), ("乙", 1, 4)]), city=(7, 18), target_rate=None
    )
    assert (drawn.city.label, drawn.city.x) == ("38.9%", "38.89")  # 7 / 18 of the 0-100% track


def test_it_draws_no_city_line_without_households():
    drawn = rate_bars.rate_bars(regions=regions([("甲", 1, 2)]), city=(0, 0), target_rate=None)
    assert drawn.city is None
