"""
Chart builders: data in, ``plotly.graph_objects.Figure`` out, and one function
that turns a figure into the HTML a template includes.

The figures show rates as the rules computed them and sort by rate; they never
rank (ranks come from ``rules.rank_by_rate``) and never round a rate for people
themselves (hover texts and bar labels come from ``rules.rate_text``).
plotly.js itself is served from our static files (templates/installs/plotly_scripts.html).

The lower functions (``rate_bars``, ``new_installs_bars``, ``rate_trend``,
``region_rate_trend``, ``region_rank_trend``) take plain DataFrames and are
tested on hand-made data; the ``*_figures`` functions above them assemble
those frames from the selectors' objects.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from installs import layout, rules
from installs.models import Measure, Region
from installs.progress import ProgressHistory, WeekProgress

FONT = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, WenQuanYi Micro Hei, SimSun, sans-serif"
# No "Share chart" button (it uploads to Plotly's cloud), no logo, Chinese menus and dates.
# Only the "download as PNG" button: the zoom tools covered the title on a phone (the
# axes are fixed anyway) and the one button stays clear of it (see _figure's title).
CONFIG = {
    "showSendToCloud": False,
    "displaylogo": False,
    "locale": "zh-CN",
    "responsive": True,
    "modeBarButtons": [["toImage"]],
}
CITY_COLOUR = "#b3261e"
TARGET_COLOUR = "#1e7b34"
BAR_COLOUR = "#1558b0"
# Measures' colours, in display order; repeats after the third.
MEASURE_COLOURS = ["#1558b0", "#e08a00", "#2a9d8f", "#7b3fa0"]
# Twelve distinct line colours: eleven regions and more before plotly's ten repeat.
REGION_COLOURS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
    "#8c6d31", "#843c39", "#7b4173", "#3182bd",
]  # fmt: skip
# Room above a chart's title for plotly's toolbar (one button, about 25 px high).
TITLE_TOP = 30
# Measures drawn over each other on a region's charts (equal ranks, two measures at 100%):
# the first widest and underneath, then narrower, each with its own dash and marker, so a
# measure tied with another still shows around it.
MEASURE_LINES = [
    ({"width": 7, "dash": "solid"}, {"symbol": "circle", "size": 15}),
    ({"width": 4, "dash": "dash"}, {"symbol": "square", "size": 10}),
    ({"width": 2, "dash": "dot"}, {"symbol": "diamond", "size": 6}),
]
DATE_HOVER = "%Y年%-m月%-d日"
# Ticks in Chinese form (glossary: ISO only in addresses, inputs, files): 11月21日 over the year.
DATE_TICKS = "%-m月%-d日\n%Y"


# What must not stand raw in a <script> data block (as Django's json_script escapes):
# "</script>" or "<!--" inside a region's name would end or bend the block. Inside a
# JSON string the \\u escapes read back as the same characters.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def figure_html(figure: go.Figure, *, div_id: str) -> SafeString:
    """
    The figure as data for static/js/plotly-figures.js, which draws it: a box
    of the figure's height (since plotly 6.8 the plot's wrapper is
    ``height:100%``) holding the plot's div and the figure and config as a JSON
    data block. No inline script and no style attribute (plotly's ``to_html``
    writes both), so the Content-Security-Policy needs neither 'unsafe-inline'.
    """
    figure_json = (
        f'{{"figure": {pio.to_json(figure, validate=False)}, "config": {json.dumps(CONFIG)}}}'
    )
    return format_html(
        '<div class="chart" data-chart="{}" data-height="{}">'
        '<div id="{}" class="plotly-graph-div"></div>'
        '<script type="application/json" class="chart-figure">{}</script></div>',
        div_id,
        int(figure.layout.height or 400),
        div_id,
        mark_safe(figure_json.translate(_SCRIPT_ESCAPES)),  # JSON, escaped for a data block
    )


def percent_text(fraction: Decimal | float | str) -> str:
    """A target such as Decimal("0.95") as people read a rate: "95.0%" (through rules.rate_text)."""
    exact = Fraction(str(fraction))
    return rules.rate_text(exact.numerator, exact.denominator)


def _figure(traces: list[dict], *, title: str, height: int, **layout) -> go.Figure:
    """
    One figure built in one go: plotly validates a figure on every update, so
    traces, shapes and annotations are plain dicts handed over once (a chart
    with add_trace/add_vline costs several times as much).
    """
    margin = {"l": 10, "r": 20, "t": 50, "b": 40, "autoexpand": True, **layout.pop("margin", {})}
    # The title sits below the toolbar's row (TITLE_TOP), so the toolbar never covers it.
    margin["t"] += TITLE_TOP
    return go.Figure(
        data=traces,
        layout={
            "template": "none",  # plotly.js's plain defaults: no 8 kB theme in every page
            "title": {
                "text": title,
                "x": 0,
                "xanchor": "left",
                "xref": "container",
                "y": 1,
                "yanchor": "top",
                "yref": "container",
                "pad": {"t": TITLE_TOP, "l": 4},
                "font": {"size": 15},
            },
            "font": {"family": FONT, "size": 13, "color": "#1f2328"},
            "height": height,
            "margin": margin,
            "hoverlabel": {"font": {"family": FONT}},
            "separators": ".,",
            **layout,
        },
    )


def _vertical_line(x: float, label: str, colour: str, dash: str, anchor: str) -> tuple[dict, dict]:
    """A reference line across the plot at ``x``, its label just above the plot."""
    shape = {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": colour, "dash": dash, "width": 2},
    }
    annotation = {
        "text": label,
        "font": {"color": colour},
        "xref": "x",
        "yref": "paper",
        "x": x,
        "y": 1,
        "yanchor": "bottom",
        "xanchor": anchor,
        "showarrow": False,
    }
    return shape, annotation


def _horizontal_line(y: float, label: str, colour: str, dash: str) -> tuple[dict, dict]:
    """A reference line across the plot at ``y``, its label at the left end."""
    shape = {
        "type": "line",
        "xref": "paper",
        "yref": "y",
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": colour, "dash": dash, "width": 2},
    }
    annotation = {
        "text": label,
        "font": {"color": colour},
        "xref": "paper",
        "yref": "y",
        "x": 0,
        "y": y,
        "yanchor": "bottom",
        "xanchor": "left",
        "showarrow": False,
    }
    return shape, annotation


def rate_bars(
    *,
    measure: str,
    regions: pd.DataFrame,
    city: tuple[int, int] | None,
    target_rate: Decimal | float | None,
) -> go.Figure:
    """
    One measure's regions as horizontal bars of their rate, best at the top.

    ``regions``: columns name, installed, households, rate (float, NaN where no
    rate), in official order: ties keep that order. ``city``: the 合计 row's
    (installed, households), drawn as a reference line with the target.
    """
    shown = regions[regions["rate"].notna()]
    # A stable sort: equal rates keep the official order (as equal ranks do in the table).
    shown = shown.sort_values("rate", ascending=False, kind="mergesort")
    texts = [
        rules.rate_text(installed, households)
        for installed, households in zip(shown["installed"], shown["households"], strict=True)
    ]
    bars = {
        "type": "bar",
        "x": shown["rate"].tolist(),
        "y": shown["name"].tolist(),
        "orientation": "h",
        "marker": {"color": BAR_COLOUR},
        "text": texts,
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": list(
            zip(texts, shown["installed"].tolist(), shown["households"].tolist(), strict=True)
        ),
        "hovertemplate": (
            "%{y}<br>"
            + _("Installation rate")
            + " %{customdata[0]}<br>"
            + _("Installed")
            + " %{customdata[1]:,}<br>"
            + _("Households")
            + " %{customdata[2]:,}<extra></extra>"
        ),
        "name": _("Installation rate"),
    }
    top = max([1.0, *shown["rate"].tolist()])
    lines = []  # (x, label, colour, dash) of the reference lines
    city_rate = None if city is None else rules.rate(*city)
    if city_rate is not None:
        city_label = _("City-wide %(rate)s") % {"rate": rules.rate_text(*city)}
        lines.append((city_rate, city_label, CITY_COLOUR, "dash"))
    if target_rate is not None:
        target_label = _("Target %(rate)s") % {"rate": percent_text(target_rate)}
        lines.append((float(target_rate), target_label, TARGET_COLOUR, "dot"))
        top = max(top, float(target_rate))
    lines.sort(key=lambda line: line[0])
    shapes, annotations = [], []
    for position, (x, label, colour, dash) in enumerate(lines):
        # Two labels point away from each other, so close lines stay legible.
        anchor = "center" if len(lines) == 1 else ("right" if position == 0 else "left")
        shape, annotation = _vertical_line(x, label, colour, dash, anchor)
        shapes.append(shape)
        annotations.append(annotation)
    return _figure(
        [bars],
        title=_("%(measure)s: installation rate by region") % {"measure": measure},
        height=200 + 30 * max(len(shown), 1),
        showlegend=False,
        xaxis={"tickformat": ".0%", "range": [0, top * 1.15], "zeroline": True, "fixedrange": True},
        yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True},
        bargap=0.3,
        shapes=shapes,
        annotations=annotations,
        # Room above for the lines' labels, and on the right for a label at 100%.
        margin={"t": 70, "r": 60},
    )


def new_installs_bars(*, new: pd.DataFrame) -> go.Figure:
    """
    New installs this week by region, one bar group per region (official
    order), one bar per measure. ``new``: indexed by region name, one column
    per measure label, Int64 with missing where there is no earlier week.
    """
    traces = [
        {
            "type": "bar",
            "x": new.index.tolist(),
            "y": [None if pd.isna(v) else int(v) for v in new[measure]],
            "name": measure,
            "marker": {"color": MEASURE_COLOURS[position % len(MEASURE_COLOURS)]},
            "hovertemplate": "%{x}<br>" + measure + " %{y:,}<extra></extra>",
        }
        for position, measure in enumerate(new.columns)
    ]
    return _figure(
        traces,
        title=_("New installs this week by region"),
        height=380,
        barmode="group",
        legend={"orientation": "h", "y": -0.2},
        yaxis={"tickformat": ",d", "automargin": True, "rangemode": "tozero"},
        xaxis={"automargin": True, "fixedrange": True},
    )


def _date_axis(dates: list[datetime.date]) -> dict:
    axis = {"type": "date", "tickformat": DATE_TICKS, "hoverformat": DATE_HOVER, "automargin": True}
    if len(dates) <= 12:
        # Few weeks: a tick on each report date, none on the days between.
        axis["tickvals"] = [d.isoformat() for d in dates]
    return axis


def rate_trend(
    *,
    measure: str,
    rates: pd.DataFrame,
    totals: pd.DataFrame,
    target_rate: Decimal | float | None,
) -> go.Figure:
    """
    Every region's rate over the weeks (one line each; the legend toggles
    them), the city-wide rate as a thicker line and the target as a reference.

    ``rates``: columns week (date), name, installed, households, rate, regions
    in official order. ``totals``: columns week, installed, households, rate.
    """
    traces = [_rate_line(rows, name=name) for name, rows in rates.groupby("name", sort=False)]
    if not totals.empty:
        traces.append(
            _rate_line(
                totals,
                name=str(layout.TOTAL_LABEL),
                line={"color": CITY_COLOUR, "width": 4, "dash": "dash"},
            )
        )
    shapes, annotations = [], []
    if target_rate is not None:
        shape, annotation = _horizontal_line(
            float(target_rate),
            _("Target %(rate)s") % {"rate": percent_text(target_rate)},
            TARGET_COLOUR,
            "dot",
        )
        shapes.append(shape)
        annotations.append(annotation)
    return _figure(
        traces,
        title=_("%(measure)s: installation rate by week") % {"measure": measure},
        height=460,
        xaxis=_date_axis(sorted(set(rates["week"]) | set(totals["week"]))),
        yaxis={"tickformat": ".0%", "rangemode": "tozero", "automargin": True},
        legend={"title": {"text": _("Click a region to hide or show it")}},
        hovermode="closest",
        colorway=REGION_COLOURS,
        shapes=shapes,
        annotations=annotations,
    )


def _rate_line(rows: pd.DataFrame, *, name: str, line: dict | None = None) -> dict:
    rows = rows[rows["rate"].notna()].sort_values("week")
    texts = [
        rules.rate_text(i, h) for i, h in zip(rows["installed"], rows["households"], strict=True)
    ]
    return {
        "type": "scatter",
        "x": [d.isoformat() for d in rows["week"]],
        "y": rows["rate"].tolist(),
        "name": name,
        "mode": "lines+markers",
        "line": line or {"width": 2},
        "customdata": texts,
        "hovertemplate": "%{x}<br>" + name + " %{customdata}<extra></extra>",
    }


def region_rate_trend(*, region: str, rates: pd.DataFrame) -> go.Figure:
    """
    One region's rate per measure over the weeks. ``rates``: columns week,
    measure (label), installed, households, rate; measures in display order.
    """
    traces = []
    for position, (measure, rows) in enumerate(rates.groupby("measure", sort=False)):
        line, marker = _measure_style(position)
        trace = _rate_line(rows, name=measure, line=line)
        trace["marker"] = marker
        traces.append(trace)
    return _figure(
        traces,
        title=_("%(region)s: installation rate by week") % {"region": region},
        height=380,
        xaxis=_date_axis(sorted(set(rates["week"]))),
        yaxis={"tickformat": ".0%", "rangemode": "tozero", "automargin": True},
        legend={"orientation": "h", "y": -0.2},
    )


def _measure_style(position: int) -> tuple[dict, dict]:
    """The line and marker of the measure at ``position`` on a region's charts (MEASURE_LINES)."""
    line, marker = MEASURE_LINES[position % len(MEASURE_LINES)]
    colour = MEASURE_COLOURS[position % len(MEASURE_COLOURS)]
    return {**line, "color": colour}, {**marker, "color": colour}


def region_rank_trend(*, region: str, ranks: pd.DataFrame, region_count: int) -> go.Figure:
    """
    One region's rank per measure over the weeks, first place at the top.
    ``ranks``: columns week, measure (label), rank (Int64, missing where none).
    """
    traces = []
    for position, (measure, rows) in enumerate(ranks.groupby("measure", sort=False)):
        rows = rows[rows["rank"].notna()].sort_values("week")
        traces.append(
            {
                "type": "scatter",
                "x": [d.isoformat() for d in rows["week"]],
                "y": [int(r) for r in rows["rank"]],
                "name": measure,
                "mode": "lines+markers",
                "line": _measure_style(position)[0],
                "marker": _measure_style(position)[1],
                "hovertemplate": "%{x}<br>"
                + measure
                + " "
                + _("rank %(rank)s") % {"rank": "%{y}"}
                + "<extra></extra>",
            }
        )
    return _figure(
        traces,
        title=_("%(region)s: rank by week") % {"region": region},
        height=380,
        xaxis=_date_axis(sorted(set(ranks["week"]))),
        yaxis={
            "autorange": False,
            "range": [max(region_count, 1) + 0.5, 0.5],
            "dtick": 1,
            "automargin": True,
        },
        legend={"orientation": "h", "y": -0.2},
    )


# Assembly from the selectors' objects -------------------------------------------------


def _names(regions: list[Region]) -> dict[int, str]:
    return {r.pk: r.name for r in regions}


def week_rate_frame(
    progress: WeekProgress, measure: Measure
) -> tuple[pd.DataFrame, tuple[int, int] | None]:
    """
    One measure's regions of the week (name, installed, households, rate) in
    official order, and the 合计 row's (installed, households): what the rate
    bars draw, on the chart page (plotly) and on the ranking page (installs.rate_bars).
    """
    # Read as plain rows and made into one small frame: filtering, mapping and sorting
    # the week's table in pandas took most of the ranking page's bars after a change.
    table = progress.table
    columns = ("installed", "households", "rate")
    found = {
        region: values
        for region, kept, *values in zip(
            table["region"],
            table["measure"] == measure.pk,
            *(table[c] for c in columns),
            strict=True,
        )
        if kept
    }
    names = _names(progress.regions)
    shown = [r.pk for r in progress.regions if r.pk in found]
    regions = pd.DataFrame(
        {
            "name": [names[pk] for pk in shown],
            **{
                column: pd.array([found[pk][i] for pk in shown], dtype=table[column].dtype)
                for i, column in enumerate(columns)
            },
        }
    )
    total = progress.total(measure)
    city = None if total is None else (int(total["installed"]), int(total["households"]))
    return regions, city


def week_rate_bars(progress: WeekProgress, measure: Measure) -> go.Figure:
    regions, city = week_rate_frame(progress, measure)
    return rate_bars(
        measure=str(measure), regions=regions, city=city, target_rate=measure.target_rate
    )


def week_new_installs_bars(progress: WeekProgress) -> go.Figure:
    new = pd.DataFrame(index=pd.Index([r.name for r in progress.regions], name="region"))
    for measure in progress.measures:
        new[str(measure)] = pd.array(
            [
                progress.records.get((r.pk, measure.pk), {}).get("new", pd.NA)
                for r in progress.regions
            ],
            dtype="Int64",
        )
    return new_installs_bars(new=new)


def history_rate_trend(history: ProgressHistory, measure: Measure) -> go.Figure:
    names = _names(history.regions)
    order = {r.pk: position for position, r in enumerate(history.regions)}
    rows = history.table[
        (history.table["measure"] == measure.pk) & history.table["region"].isin(order)
    ].copy()
    rows["order"] = rows["region"].map(order)
    rows = rows.sort_values(["order", "week"], kind="mergesort")
    rows["name"] = rows["region"].map(names)
    totals = history.totals.reset_index()
    totals = totals[totals["measure"] == measure.pk]
    return rate_trend(
        measure=str(measure),
        rates=rows.loc[:, ["week", "name", "installed", "households", "rate"]],
        totals=totals.loc[:, ["week", "installed", "households", "rate"]],
        target_rate=measure.target_rate,
    )


def _region_rows(history: ProgressHistory, region: Region) -> pd.DataFrame:
    labels = {m.pk: str(m) for m in history.measures}
    order = {m.pk: position for position, m in enumerate(history.measures)}
    rows = history.region_rows(region)
    rows = rows[rows["measure"].isin(order)].copy()
    rows["order"] = rows["measure"].map(order)
    rows = rows.sort_values(["order", "week"], kind="mergesort")
    rows["measure"] = rows["measure"].map(labels)
    return rows


def region_figures(history: ProgressHistory, region: Region) -> dict[str, go.Figure]:
    rows = _region_rows(history, region)
    return {
        "rate": region_rate_trend(
            region=region.name,
            rates=rows.loc[:, ["week", "measure", "installed", "households", "rate"]],
        ),
        "rank": region_rank_trend(
            region=region.name,
            ranks=rows.loc[:, ["week", "measure", "rank"]],
            region_count=len(history.regions),
        ),
    }
