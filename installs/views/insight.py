"""Charts, a region's history, pace and forecast, and the campaign targets: load, check, render."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from decimal import Decimal

import pandas as pd
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from installs import (
    areas,
    chart_tables,
    charts,
    free_text,
    layout,
    pace,
    revision,
    rules,
    selectors,
    summary,
    tables,
)
from installs.models import Measure, Region
from installs.permissions import Role, any_role_required, role_required, user_role
from installs.progress import ProgressHistory
from installs.services.targets import TargetInput, targets_save
from installs.views import city_page, deployment_required, week_or_404


def _latest_week_or_home(request: HttpRequest, view_name: str) -> HttpResponse:
    # As the ranking page's home: leadership start from the latest published week.
    week = selectors.latest_week(published_only=user_role(request.user) == Role.LEADER)
    if week is None:
        return redirect("installs:home")  # it explains that there are no weeks yet
    return redirect(view_name, date=week.date)


@any_role_required
def charts_latest(request: HttpRequest) -> HttpResponse:
    return _latest_week_or_home(request, "installs:week_charts")


@any_role_required
def pace_latest(request: HttpRequest) -> HttpResponse:
    return _latest_week_or_home(request, "installs:week_pace")


@any_role_required
@city_page
def week_charts(request: HttpRequest, date: datetime.date, city) -> HttpResponse:
    week = week_or_404(date)
    progress = selectors.computed_week(week, city)
    measure = _chosen_measure(request, progress.measures)
    history = selectors.progress_history(until=week, city=city)
    key = (
        "charts",
        week.pk,
        week.state,
        None if measure is None else measure.pk,
        selectors.regions_key(progress.regions),
        selectors.regions_key(history.regions),
    )
    sections = _kept_fragment(
        key,
        "installs/partials/charts_sections.html",
        lambda: _chart_sections(progress, history, measure),
    )
    return render(
        request,
        "installs/charts.html",
        {
            "week": week,
            "progress": progress,
            "date_line": layout.date_line(week.date),
            "sections": sections,
        },
    )


def _kept_fragment(key: tuple, template: str, context: Callable[[], dict]) -> SafeString:
    """
    A part of a page drawn from the figures alone (plotly charts, a table of
    every week), rendered once per data revision and language and kept with the
    computed weeks (``installs.revision``): drawing 260 weeks costs far more
    than the page may take. Nothing of the request or the user goes in it.
    """
    language = translation.get_language()
    return mark_safe(  # noqa: S308 - rendered by our own template, autoescaped
        revision.memoised(
            ("fragment", template, language, *key),
            lambda: render_to_string(template, context()),
        )
    )


def _chart_sections(progress, history: ProgressHistory, measure: Measure | None) -> dict:
    # Each chart with its numbers as a table; a chart without numbers is not drawn (暂无数据).
    rate_charts = []
    for m in progress.measures:
        regions, city = charts.week_rate_frame(progress, m)
        numbers = chart_tables.rate_table(regions=regions, city=city, target_rate=m.target_rate)
        chart = (
            charts.figure_html(charts.week_rate_bars(progress, m), div_id=f"rate-{m.slug}")
            if numbers.rows
            else None
        )
        rate_charts.append({"measure": m, "chart": chart, "numbers": numbers})
    new_numbers = chart_tables.new_installs_table(progress)
    trend_numbers = None if measure is None else chart_tables.trend_table(history, measure)
    return {
        "progress": progress,
        "rate_charts": rate_charts,
        "new_chart": charts.figure_html(
            charts.week_new_installs_bars(progress), div_id="new-installs"
        )
        if new_numbers.rows
        else None,
        "new_numbers": new_numbers,
        "measure": measure,
        "trend_chart": charts.figure_html(
            charts.history_rate_trend(history, measure), div_id="rate-trend"
        )
        if trend_numbers is not None and trend_numbers.rows
        else None,
        "trend_numbers": trend_numbers,
    }


def _chosen_measure(request: HttpRequest, measures: list[Measure]) -> Measure | None:
    """The trend's measure from ?measure=<slug>; the first one when none is asked for."""
    slug = request.GET.get("measure")
    if not slug:
        return measures[0] if measures else None
    for measure in measures:
        if measure.slug == slug:
            return measure
    raise Http404


@any_role_required
def region_pick(request: HttpRequest) -> HttpResponse:
    """The region switcher's target: a plain GET form, so it works without JavaScript."""
    slug = request.GET.get("region", "")
    if free_text.text_error(slug):  # no region is called so; PostgreSQL refuses NUL in a query
        raise Http404
    region = _readable_region_or_404(request, slug)
    return redirect("installs:region_detail", slug=region.slug)


def _readable_region_or_404(request: HttpRequest, slug: str) -> Region:
    """A county under what the account reads (installs.areas); any other is as if it did not exist."""
    region = get_object_or_404(Region.objects.select_related("city"), slug=slug)
    if not areas.readable_region(request.user, region):
        raise Http404
    return region


@any_role_required
def region_detail(request: HttpRequest, slug: str) -> HttpResponse:
    region = _readable_region_or_404(request, slug)
    # Ranked among its city's counties; the switcher offers them.
    history = selectors.progress_history(city=region.city)
    # Where it stands now: in the week the role sees first (leadership: the latest published).
    week = selectors.latest_week(published_only=user_role(request.user) == Role.LEADER)
    standing = None if week is None else selectors.region_standing(region, week)
    weeks = _kept_fragment(
        ("region", region.pk, selectors.regions_key(history.regions)),
        "installs/partials/region_weeks.html",
        lambda: _region_weeks(history, region),
    )
    return render(
        request,
        "installs/region_detail.html",
        {
            "region": region,
            "regions": selectors.region_list(region.city),
            "standing": standing,
            "standing_rows": [] if standing is None else _standing_rows(standing),
            "weeks": weeks,
        },
    )


def _region_weeks(history: ProgressHistory, region: Region) -> dict:
    """The region's charts and its table of every week."""
    figures = charts.region_figures(history, region)
    header = layout.header_rows(history.measures)
    # The region's table has a date where the ranking page has the region.
    header[0][0] = dataclasses.replace(header[0][0], text=str(_("Report date")))
    return {
        "header_rows": header,
        "rows": _region_week_rows(history, region),
        "rate_chart": charts.figure_html(figures["rate"], div_id="region-rate"),
        "rank_chart": charts.figure_html(figures["rank"], div_id="region-rank"),
    }


def _standing_rows(standing: selectors.RegionStanding) -> list[dict]:
    """Each measure's standing with its sentences worded for the page."""
    rows = []
    for item in standing.measures:
        rows.append(
            {
                "item": item,
                "band_text": "" if item.band is None else tables.BAND_LABELS[item.band],
                "band_glyph": tables.BAND_GLYPHS.get(item.band, ""),
                "pace": None if item.pace is None else Decimal(str(item.pace)),
                # As on the pace page: no progress and none this week reads 停滞, not "0 a week".
                "pace_stalled": item.stalled and (item.pace is None or item.pace <= 0),
                "deadline_text": ""
                if item.measure.target_date is None
                else summary.date_text(item.measure.target_date),
                "target": charts.percent_text(item.measure.target_rate),
            }
        )
    return rows


def _region_week_rows(history: ProgressHistory, region: Region) -> list[dict]:
    """One row per week, newest first: the week's date and five cells per measure (None: not reported)."""
    records = {
        (row["week"], row["measure"]): row for row in history.region_rows(region).to_dict("records")
    }
    rows = []
    for date in reversed(history.dates):
        cells = []
        for measure in history.measures:
            record = records.get((date, measure.pk))
            cells.append(_cells(record))
        rows.append(
            {
                "date": date,
                "measures": cells,
                "reported": any(c is not None for c in cells),
            }
        )
    return rows


def _cells(record: dict | None) -> dict | None:
    if record is None:
        return None
    return {
        "households": record["households"],
        "installed": record["installed"],
        "new": None if pd.isna(record["new"]) else int(record["new"]),
        "rate": rules.rate_text(record["installed"], record["households"]),
        "rank": None if pd.isna(record["rank"]) else int(record["rank"]),
    }


@any_role_required
@city_page
def week_pace(request: HttpRequest, date: datetime.date, city) -> HttpResponse:
    week = week_or_404(date)
    progress = selectors.computed_week(week, city)
    forecast = selectors.week_forecast(progress)
    regions = {r.pk: r for r in progress.regions}
    order = {r.pk: position for position, r in enumerate(progress.regions)}
    sections = []
    for measure in progress.measures:
        rows = forecast[forecast["measure"] == measure.pk].to_dict("records")
        rows = sorted((r for r in rows if r["region"] in order), key=lambda r: order[r["region"]])
        windows = {r["window_weeks"] for r in rows if not pd.isna(r["window_weeks"])}
        sections.append(
            {
                "measure": measure,
                "target": charts.percent_text(measure.target_rate),
                "deadline_text": ""
                if measure.target_date is None
                else summary.date_text(measure.target_date),
                "deadline_past": measure.target_date is not None
                and measure.target_date < week.date,
                "rows": [_pace_row(row, regions[row["region"]]) for row in rows],
                "missed": sum(1 for r in rows if r["missed"]),
                "stalled": sum(1 for r in rows if r["stalled"]),
                # The pace's window, said once per section: the longest any row has.
                "window_weeks": max(windows) if windows else None,
            }
        )
    return render(
        request,
        "installs/pace.html",
        {
            "week": week,
            "date_line": layout.date_line(week.date),
            "sections": sections,
            "can_set_targets": areas.covers_deployment(request.user),
        },
    )


# How each forecast reads, in the bureau's words (glossary: 按当前进度…).
STATUS_TEXT = {
    pace.COMPLETE: _("Target reached"),
    pace.NO_HOUSEHOLDS: _("No households to equip"),
    pace.DEADLINE_PAST: _("Deadline passed, target not reached"),
    pace.NO_HISTORY: _("Only one week reported: no pace yet"),
    pace.ZERO_PACE: _("No new installs lately: no projected date"),
    pace.WILL_MISS: _("Will miss the deadline at this pace"),
    pace.ON_TRACK: _("On track"),
}


def _pace_row(row: dict, region: Region) -> dict:
    status = row["status"]
    shortfall = None if pd.isna(row["shortfall"]) else int(row["shortfall"])
    has_deadline = row["target_date"] is not None
    if status == pace.ZERO_PACE and has_deadline:
        # No progress against a deadline is missing it, by every household still to go.
        text = STATUS_TEXT[pace.WILL_MISS]
    elif status == pace.ON_TRACK and row["projected_date"] is not None:
        text = _("Projected completion at this pace: %(date)s") % {
            "date": summary.date_text(row["projected_date"])
        }
    else:
        text = STATUS_TEXT[status]
    short = status in (pace.ZERO_PACE, pace.WILL_MISS, pace.DEADLINE_PAST) and bool(shortfall)
    band = row["band"]
    pace_value = None if pd.isna(row["pace"]) else Decimal(str(row["pace"]))
    return {
        "region": region,
        "households": row["households"],
        "installed": row["installed"],
        "rate": rules.rate_text(row["installed"], row["households"]),
        "new": None if pd.isna(row["new"]) else int(row["new"]),
        "remaining": max(row["remaining"], 0),
        "gained": None if pd.isna(row["gained"]) else int(row["gained"]),
        "window_weeks": None if pd.isna(row["window_weeks"]) else row["window_weeks"],
        # A complete region has no pace to speak of.
        "pace": None if status in (pace.COMPLETE, pace.NO_HOUSEHOLDS) else pace_value,
        # No progress over the window and none this week: say so, not "0.0 a week".
        "pace_stalled": row["stalled"] and (pace_value is None or pace_value <= 0),
        "needed_pace": None if pd.isna(row["needed_pace"]) else int(row["needed_pace"]),
        "weeks_left": None if pd.isna(row["weeks_left"]) else int(row["weeks_left"]),
        "projected_date": row["projected_date"],
        "status": status,
        "status_text": STATUS_TEXT[status],
        "forecast_text": text,
        "shortfall": shortfall if short else None,
        "band": band,
        "band_glyph": tables.BAND_GLYPHS.get(band, ""),
        "band_text": "" if band is None else tables.BAND_LABELS[band],
        "stalled": row["stalled"],
        "missed": row["missed"],
    }


class TargetForm(forms.Form):
    """One measure's campaign target: a rate in percent and a deadline."""

    target_percent = forms.DecimalField(
        label=_("Target rate (%)"),
        max_digits=5,
        decimal_places=2,
        error_messages={
            "required": _("Enter the target rate."),
            "invalid": _("The target rate must be a number, e.g. 100 or 95.5."),
            "max_decimal_places": _("The target rate may have at most 2 decimal places."),
            "max_digits": _("The target rate must be more than 0 and at most 100."),
            "max_whole_digits": _("The target rate must be more than 0 and at most 100."),
        },
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "max": "100"}),
    )
    target_date = forms.DateField(
        label=_("Deadline"),
        error_messages={
            "required": _("Enter the deadline."),
            "invalid": _("The deadline must be a date, e.g. 2022-12-31."),
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"],
    )

    def clean_target_percent(self) -> Decimal:
        value = self.cleaned_data["target_percent"]
        if not Decimal(0) < value <= Decimal(100):
            raise ValidationError(
                _("The target rate must be more than 0 and at most 100."), code="range"
            )
        return value


@role_required(Role.BUREAU)
@deployment_required
def targets(request: HttpRequest) -> HttpResponse:
    measures = selectors.active_measures()
    if request.method == "POST":
        pairs = [(m, TargetForm(request.POST, prefix=m.slug)) for m in measures]
        if all(form.is_valid() for _measure, form in pairs):
            targets_save(
                targets=[
                    TargetInput(
                        measure=measure,
                        target_percent=form.cleaned_data["target_percent"],
                        target_date=form.cleaned_data["target_date"],
                    )
                    for measure, form in pairs
                ],
                actor=request.user,
            )
            messages.success(request, _("The targets were saved."))
            return redirect("installs:targets")
    else:
        pairs = [
            (
                m,
                TargetForm(
                    prefix=m.slug,
                    initial={
                        "target_percent": (m.target_rate * 100).quantize(Decimal("0.01")),
                        "target_date": m.target_date,
                    },
                ),
            )
            for m in measures
        ]
    return render(request, "installs/targets.html", {"pairs": pairs})
