"""
The one way a reported figure (a Snapshot row) changes: ``figures_save``.

The entry form, the bureau's grid, the import and the tests all call it. It is
all or nothing, checks who may write what, refuses a save based on an old
version (optimistic locking), runs the rules of installs.validation, and records
who changed what and why through django-simple-history.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from installs import areas, free_text, selectors, validation
from installs.models import Measure, Profile, Region, Snapshot, Week
from installs.permissions import user_role

Role = Profile.Role

# FigureInput.version for a writer that did not read the figure first (an
# import of the official workbook): no optimistic check.
ANY_VERSION = -1

# How each caller is named in the audit trail; stored in the history's reason.
SOURCE_LABELS = {
    "form": _("Entry"),
    "grid": _("Bulk entry"),
    "import": _("Import"),
}

FIELD_NAMES = {"households": _("households"), "installed": _("installed"), "": _("figure")}

# One message per problem code; %(measure)s and %(field)s are filled in for every one.
MESSAGES = {
    validation.REQUIRED: _("%(measure)s: %(field)s is required"),
    validation.NOT_WHOLE: _("%(measure)s: %(field)s must be a whole number"),
    validation.NOT_DIGITS: _("%(measure)s: %(field)s must be written with the digits 0-9"),
    validation.GROUPING: _(
        "%(measure)s: %(field)s: thousands separators go between groups of three digits "
        "(1,234), nowhere else"
    ),
    validation.NEGATIVE: _("%(measure)s: %(field)s cannot be negative"),
    validation.TOO_LARGE: _("%(measure)s: %(field)s cannot be larger than %(max)s"),
    validation.INSTALLED_ABOVE_HOUSEHOLDS: _(
        "%(measure)s: installed (%(installed)s) cannot be greater than households (%(households)s)"
    ),
    validation.INSTALLED_DECREASED: _(
        "%(measure)s: installed went down from %(previous)s to %(installed)s; "
        "if this is a correction, confirm it and give a reason"
    ),
    validation.HOUSEHOLDS_CHANGED: _(
        "%(measure)s: households changed from %(previous)s to %(households)s "
        "(more than 10%%); please confirm"
    ),
    validation.PACE_OUTLIER: _(
        "%(measure)s: %(new)s new installs this week is more than %(factor)s times "
        "the largest weekly new installs of the last 4 weeks (%(recent_max)s); please confirm"
    ),
    # The same check when the last 4 weeks had no new installs at all: "3 times 0" says nothing.
    "pace_outlier_after_none": _(
        "%(measure)s: %(new)s new installs this week, while the last 4 weeks had none; "
        "please confirm"
    ),
    validation.REASON_REQUIRED: _(
        "%(measure)s: a lower installed count than last week needs a reason"
    ),
    "week_closed": _("This week is no longer open for entry; the figures were not saved"),
    "reason_needed": _(
        "This week is %(state)s: a change needs a reason, for the audit trail. Nothing was saved."
    ),
    "invalid": _("%(measure)s: %(field)s: %(error)s"),
}


@dataclass(frozen=True)
class FigureInput:
    """What a writer wants one (region, measure) of the week to be."""

    region: Region
    measure: Measure
    households: int
    installed: int
    # The Snapshot.version the editor saw; None: the editor saw no snapshot;
    # ANY_VERSION: no optimistic check (import).
    version: int | None = None


@dataclass(frozen=True)
class FigureProblem:
    """One message for one field of one (region, measure)."""

    region: Region
    measure: Measure
    field: str  # "households" | "installed" | "" (the whole figure)
    code: str
    message: str
    # True: an error; False: saved only when confirmed (and with a reason, where asked).
    blocking: bool


class FiguresRejected(Exception):
    """Nothing was saved: blocking problems, or warnings not (properly) confirmed."""

    def __init__(self, problems: list[FigureProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class FiguresConflict(Exception):
    """Nothing was saved: someone saved some of these figures since the editor read them."""

    def __init__(self, current: dict[tuple[int, int], Snapshot]) -> None:
        super().__init__(f"{len(current)} figure(s) changed meanwhile")
        # The newer snapshots, keyed by (region_id, measure_id): only the conflicting ones.
        self.current = current


class WeekNotOpen(PermissionDenied):
    """A district user saving into a week that is locked or published (a 403 if not caught)."""

    def __init__(self, week: Week) -> None:
        super().__init__(str(MESSAGES["week_closed"]))
        self.week = week


class ReasonRefused(Exception):
    """
    Nothing was saved because of the reason: missing where the week needs one
    (``code`` "required": a change to a week that is not open), or text that
    cannot be stored (``code`` "invalid": a control character).
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def problem_message(code: str, measure: Measure, field: str, params: dict) -> str:
    if code == validation.PACE_OUTLIER and params.get("recent_max") == 0:
        code = "pace_outlier_after_none"
    return str(MESSAGES[code]) % {
        "measure": str(measure),
        "field": FIELD_NAMES.get(field, field),
        "max": validation.MAX_COUNT,
        **params,
    }


def history_reason(source: str, reason: str, detail: str = "") -> str:
    """
    The audit trail's reason, e.g. "填报: 上周漏报", "导入: 进度表.xlsx" or
    "导入: 进度表.xlsx: 补录旧表" (``detail`` names what the source read, e.g. the file).
    """
    # The audit trail is stored once for everyone: in the site's language, not the user's.
    with translation.override(settings.LANGUAGE_CODE):
        label = str(SOURCE_LABELS[source])
    # The detail is not typed by the user (an upload's file name): drop what cannot be stored.
    detail = "".join(
        char for char in detail if free_text.forbidden_character(char) is None or char.isspace()
    )
    parts = [label, " ".join(detail.split()), " ".join(reason.split())]
    text = ": ".join(part for part in parts if part)
    return text[:100]  # simple-history's history_change_reason is a 100-character field


class OutsideArea(PermissionDenied):
    """A figure of a region outside the account's subtree: nothing was saved (a 403 if not caught)."""

    def __init__(self, region: Region) -> None:
        super().__init__(
            str(_("%(region)s is outside your area: nothing was saved.") % {"region": region.name})
        )
        self.message = str(self.args[0])
        self.region = region


def _check_actor(actor, figures: list[FigureInput]) -> None:
    """
    Leadership and accounts without a role never write; district staff only their
    own region; bureau staff the regions under their area (installs.areas), in any
    state: the bureau's corrections are audited like any change.
    """
    role = user_role(actor)
    if role not in (Role.BUREAU, Role.DISTRICT):
        raise PermissionDenied("only district and bureau staff may change figures")
    for figure in figures:
        if not areas.writable_region(actor, figure.region):
            raise OutsideArea(figure.region)


def _check_week_open(actor, week: Week) -> None:
    """District staff write only into an open week (read from the locked row, not the caller's copy)."""
    if user_role(actor) == Role.DISTRICT and week.state != Week.State.OPEN:
        raise WeekNotOpen(week)


def _check_reason_for_week(week: Week, *, changed: bool, reason: str) -> None:
    """
    A change to a week that is no longer open (bureau staff correcting a locked
    or published week) needs a typed reason: districts or leadership may have
    read the figures already, and the audit trail must say why they moved.
    Read from the locked row, like the open-week check.
    """
    if changed and week.state != Week.State.OPEN and not reason.strip():
        raise ReasonRefused(
            str(MESSAGES["reason_needed"]) % {"state": week.get_state_display()},
            code="required",
        )


def figures_save(
    *,
    week: Week,
    figures: list[FigureInput],
    actor,
    reason: str = "",
    source: str = "form",
    source_detail: str = "",
    confirmed: bool = False,
) -> list[Snapshot]:
    """
    Save the figures of one week, all or nothing.

    ``reason`` is what the user typed; ``source_detail`` what the source read
    (an import's file name): both go into the audit trail, but only a typed
    reason counts where one is needed.

    Raises PermissionDenied (leadership, no role, a district user's other
    region; WeekNotOpen for a district user once the week is locked),
    FiguresConflict (a figure changed since the version the editor saw),
    ReasonRefused (a change to a week that is not open, without a reason; a
    reason with a control character) or FiguresRejected (every problem of
    every figure at once). Figures equal to what is stored are not saved again
    (no empty history rows) and need no reason. Returns the snapshots written
    (created or changed), in input order.
    """
    if source not in SOURCE_LABELS:
        raise ValueError(f"unknown source {source!r}")
    pairs = [(f.region.pk, f.measure.pk) for f in figures]
    if len(set(pairs)) != len(pairs):
        raise ValueError("a (region, measure) appears twice in one save")
    # Refuse before taking any lock.
    _check_actor(actor, figures)
    # Again here, not only in the forms: commands and every other caller pass through.
    invalid = free_text.text_error(reason)
    if invalid:
        raise ReasonRefused(invalid, code="invalid")
    if free_text.is_blank(reason):  # e.g. a zero-width space: no reason at all
        reason = ""

    with transaction.atomic():
        # Every writer locks the week row first: saves of one week queue up here,
        # and a lock of the week cannot slip in between our check and our write.
        week = Week.objects.select_for_update().get(pk=week.pk)
        _check_week_open(actor, week)
        existing = {
            (s.region_id, s.measure_id): s
            for s in Snapshot.objects.select_for_update().filter(
                week=week,
                region_id__in={r for r, _ in pairs},
                measure_id__in={m for _, m in pairs},
            )
        }

        conflicts: dict[tuple[int, int], Snapshot] = {}
        changed: list[tuple[FigureInput, Snapshot | None]] = []
        for figure, pair in zip(figures, pairs, strict=True):
            current = existing.get(pair)
            same = (
                current is not None
                and current.households == figure.households
                and current.installed == figure.installed
            )
            if same:
                # Nothing would change, so nothing can be lost: no conflict, no save.
                continue
            seen = None if current is None else current.version
            if figure.version != ANY_VERSION and figure.version != seen:
                conflicts[pair] = current
                continue
            changed.append((figure, current))
        if conflicts:
            raise FiguresConflict(conflicts)
        _check_reason_for_week(week, changed=bool(changed), reason=reason)

        earlier = selectors.earlier_figures(
            week=week, pairs=[(f.region.pk, f.measure.pk) for f, _ in changed]
        )
        problems: list[FigureProblem] = []
        for figure, _current in changed:
            found = validation.figure_problems(
                figure.households,
                figure.installed,
                earlier.get((figure.region.pk, figure.measure.pk)),
            )
            problems += [
                FigureProblem(
                    region=figure.region,
                    measure=figure.measure,
                    field=p.field,
                    code=p.code,
                    message=problem_message(p.code, figure.measure, p.field, p.params),
                    blocking=p.blocking,
                )
                # A lower installed count is explained by a typed reason, or by what
                # the source read (an import: the official table says so).
                for p in validation.unresolved(
                    found, confirmed=confirmed, reason=reason or source_detail
                )
            ]
        if problems:
            raise FiguresRejected(problems)

        change_reason = history_reason(source, reason, source_detail)
        saved = []
        for figure, current in changed:
            snapshot = current or Snapshot(
                week=week, region=figure.region, measure=figure.measure, version=0
            )
            # The signals read the week's date and the county's city: no query for them.
            snapshot.week, snapshot.region = week, figure.region
            snapshot.households = figure.households
            snapshot.installed = figure.installed
            snapshot.version += 1
            snapshot.updated_by = actor
            try:
                # The fields' own checks only (no query). What full_clean would also ask the
                # database, per figure, is settled above: the week (locked), its county and
                # measure were read in this transaction, the actor is signed in; the week's
                # lock makes the (week, county, measure) pair unique among writers; and the
                # figure's rules (no negative count, installed <= households) were checked by
                # validation.figure_problems, with the database's constraints as the last guard.
                # Asking them again cost 14 queries a figure: 42 of a district's 66 a save.
                snapshot.full_clean(
                    exclude=["week", "region", "measure", "updated_by"],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as error:
                raise FiguresRejected(_validation_problems(figure, error)) from error
            snapshot._change_reason = change_reason
            snapshot._history_user = actor
            snapshot.save()
            saved.append(snapshot)
        return saved


def _validation_problems(figure: FigureInput, error: ValidationError) -> list[FigureProblem]:
    """Model validation that the checks did not foresee, as problems (it should not happen)."""
    problems = []
    for field, messages in error.message_dict.items():
        field = field if field in ("households", "installed") else ""
        for message in messages:
            problems.append(
                FigureProblem(
                    region=figure.region,
                    measure=figure.measure,
                    field=field,
                    code="invalid",
                    message=problem_message("invalid", figure.measure, field, {"error": message}),
                    blocking=True,
                )
            )
    return problems
