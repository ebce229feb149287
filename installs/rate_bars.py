"""
The ranking page's small rate bars, drawn by the server as HTML and SVG
(templates/installs/partials/rate_bars.html): no plotly.js on the page people
open most, often on a phone. The chart page keeps plotly for the full charts.

Pure computation: a measure's regions (a DataFrame) in, the bars' texts and
positions out. Ordering and labels follow ``charts.rate_bars``: best first,
equal rates in official order; every rate shown through ``rules.rate_text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from installs import rules


@dataclass(frozen=True)
class Bar:
    name: str
    rate_text: str  # as people read it: "33.9%"
    width: str  # the bar's length in percent of the track, for drawing only: "33.87"


@dataclass(frozen=True)
class Line:
    """A reference line across the bars (the city-wide rate, the target)."""

    label: str  # "33.2%"
    x: str  # its place in percent of the track


@dataclass(frozen=True)
class RateBars:
    bars: list[Bar]
    city: Line | None
    target: Line | None


def _position(value: float, top: float) -> str:
    # Drawing coordinates, not a rate for people: two decimals of a percent are plenty.
    return f"{min(max(value / top, 0.0), 1.0) * 100:.2f}"


def rate_bars(
    *,
    regions: pd.DataFrame,
    city: tuple[int, int] | None,
    target_rate: Decimal | float | None,
) -> RateBars:
    """
    ``regions``: columns name, installed, households, rate (float, NaN where
    no rate), in official order. ``city``: the 合计 row's (installed,
    households). The track runs from 0 to 100% (or to the target, if above).
    """
    shown = regions[regions["rate"].notna()]
    shown = shown.sort_values("rate", ascending=False, kind="mergesort")
    top = max([1.0, *shown["rate"].tolist(), float(target_rate or 0)])
    bars = [
        Bar(name=name, rate_text=rules.rate_text(installed, households), width=_position(rate, top))
        for name, installed, households, rate in zip(
            shown["name"], shown["installed"], shown["households"], shown["rate"], strict=True
        )
    ]
    city_line = None
    city_rate = None if city is None else rules.rate(*city)
    if bars and city_rate is not None:
        city_line = Line(label=rules.rate_text(*city), x=_position(city_rate, top))
    target_line = None
    if bars and target_rate is not None:
        exact = Fraction(str(target_rate))
        target_line = Line(
            label=rules.rate_text(exact.numerator, exact.denominator),
            x=_position(float(target_rate), top),
        )
    return RateBars(bars=bars, city=city_line, target=target_line)
