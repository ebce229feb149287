"""
Importing a week's table read from a workbook (installs.xlsx_reader): the preview
and the save.

Both go through ``figures_save`` (source "import", the file's name and the
user's reason in the audit trail), so an import is checked, locked, all or nothing and audited exactly
like typed figures. The preview runs the very same save inside a transaction
that is then rolled back: what it shows (the resulting table, its new installs
and ranks, the service's warnings) is what the save will do, not a second
implementation of it.

Bureau staff may import into any week, whatever its state: the import is how
old tables are brought in (those weeks are published long ago), and the bureau's
corrections of a locked or published week are allowed and audited anyway. Like
any change to a week that is not open, such an import needs a reason typed by
the user (the file's name is not one: figures_save refuses it otherwise). A
week that does not exist is opened (state "open") in the same transaction,
through week_open and its rules (the date's range; the usual weekday unless
``allow_other_weekday``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from installs import areas, xlsx_reader
from installs.models import Area, Measure, Region, Snapshot, Week
from installs.progress import WeekProgress
from installs.selectors import week_progress
from installs.services.figures import (
    ANY_VERSION,
    FigureInput,
    FigureProblem,
    FiguresRejected,
    ReasonRefused,
    figures_save,
    history_reason,
)
from installs.services.weeks import REASON_MAX_LENGTH, WeekWorkflowError, week_open
from installs.xlsx_reader import CellMessage, ParsedTable


@dataclass(frozen=True)
class FigureChange:
    """One (region, measure) of the file against what the week stores."""

    region: Region
    measure: Measure
    old: tuple[int, int] | None  # (households, installed) stored now; None: nothing stored
    new: tuple[int, int]
    version: int | None  # the stored Snapshot.version the preview saw

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        return "unchanged" if self.old == self.new else "changed"


@dataclass
class ImportPreview:
    """What an import would do; ``progress`` is the week's table as it would be afterwards."""

    parsed: ParsedTable
    week_date: datetime.date | None
    week: Week | None  # None: the import opens the week
    reason: str = ""  # typed by the user; needed when the week is not open
    allow_other_weekday: bool = False
    changes: list[FigureChange] = field(default_factory=list)
    errors: list[CellMessage] = field(default_factory=list)
    warnings: list[CellMessage] = field(default_factory=list)
    progress: WeekProgress | None = None

    @property
    def notes(self) -> list[CellMessage]:
        """What the file has and the import leaves out on purpose (carried figures)."""
        return self.parsed.notes

    @property
    def can_save(self) -> bool:
        return not self.errors and self.week_date is not None

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    def payload(self) -> dict:
        """What the confirmation needs, JSON-serialisable: the figures and the versions seen."""
        return {
            "week": self.week_date.isoformat() if self.week_date else None,
            "file_name": self.parsed.file_name,
            "reason": self.reason,
            "allow_other_weekday": self.allow_other_weekday,
            "figures": [
                [c.region.pk, c.measure.pk, c.new[0], c.new[1], c.version] for c in self.changes
            ],
        }


@dataclass(frozen=True)
class ImportResult:
    week: Week
    created: bool
    saved: list[Snapshot]


class _Rollback(Exception):
    """Ends the preview's transaction without keeping anything."""


def import_week_date(
    parsed: ParsedTable, week: datetime.date | None
) -> tuple[datetime.date | None, list[CellMessage], list[CellMessage]]:
    """The week to import into: the given one, else the file's date line; with errors/warnings."""
    if week is not None:
        warnings = []
        if parsed.date is not None and parsed.date != week:
            warnings.append(
                CellMessage(
                    "",
                    _("The file is dated %(file)s; it is imported as the week of %(week)s.")
                    % {"file": formats.date_format(parsed.date), "week": formats.date_format(week)},
                )
            )
        return week, [], warnings
    if parsed.date is None:
        return (
            None,
            [
                CellMessage(
                    "",
                    _(
                        "The file has no date line such as (2022.11.28) above the table: "
                        "choose the week."
                    ),
                )
            ],
            [],
        )
    return parsed.date, [], []


def import_preview(
    *,
    parsed: ParsedTable,
    week: datetime.date | None,
    actor,
    reason: str = "",
    allow_other_weekday: bool = False,
    city: Area | None = None,
) -> ImportPreview:
    """
    What importing ``parsed`` into the week ``week`` (else the file's date) would
    change and give, in ``city``'s table (the city whose counties the file was
    read against; None: a deployment's only table). Writes nothing: the save is
    tried and rolled back.
    """
    week_date, date_errors, date_warnings = import_week_date(parsed, week)
    preview = ImportPreview(
        parsed=parsed,
        week_date=week_date,
        week=Week.objects.filter(date=week_date).first() if week_date else None,
        reason=reason,
        allow_other_weekday=allow_other_weekday,
        errors=[*parsed.errors, *date_errors],
        warnings=[*parsed.warnings, *date_warnings],
    )
    stored = {}
    if preview.week is not None:
        stored = {
            (s.region_id, s.measure_id): s for s in Snapshot.objects.filter(week=preview.week)
        }
    for figure in parsed.figures:
        snapshot = stored.get((figure.region.pk, figure.measure.pk))
        preview.changes.append(
            FigureChange(
                region=figure.region,
                measure=figure.measure,
                old=None if snapshot is None else (snapshot.households, snapshot.installed),
                new=(figure.households, figure.installed),
                version=None if snapshot is None else snapshot.version,
            )
        )
    if preview.week is not None and preview.week.state != Week.State.OPEN:
        preview.warnings.append(
            CellMessage(
                "",
                _("The week of %(date)s is %(state)s: the import changes it all the same.")
                % {
                    "date": formats.date_format(week_date),
                    "state": preview.week.get_state_display(),
                },
            )
        )
    if not preview.can_save:
        return preview
    figures = _inputs(preview.changes)
    for confirmed in (False, True):
        try:
            with transaction.atomic():
                result = _save(
                    week_date=week_date,
                    figures=figures,
                    actor=actor,
                    file_name=parsed.file_name,
                    reason=reason,
                    allow_other_weekday=allow_other_weekday,
                    confirmed=confirmed,
                    city=city,
                )
                preview.progress = week_progress(result.week, city=city)
                raise _Rollback
        except _Rollback:
            break
        except _Refused as refused:
            if confirmed or not refused.problems:
                preview.errors += _cell_messages(refused, parsed, blocking=True)
                return preview
            preview.warnings += _cell_messages(refused, parsed, blocking=False)
            preview.errors += _cell_messages(refused, parsed, blocking=True)
            if preview.errors:
                return preview
            # Only warnings (a lower installed count than last week, a jump): an
            # import takes them as confirmed, with the file's name as the reason.
    preview.warnings += xlsx_reader.computed_warnings(parsed, preview.progress)
    return preview


def table_import(
    *,
    week_date: datetime.date,
    figures: list[FigureInput],
    actor,
    file_name: str,
    reason: str = "",
    allow_other_weekday: bool = False,
    city: Area | None = None,
) -> ImportResult:
    """
    Save an import, all or nothing: open the week if it does not exist, then
    ``figures_save`` (source "import", the file name and ``reason`` in the
    audit trail, warnings confirmed). A week that is not open needs ``reason``.
    Every figure must be of a county of ``city`` when one is given, and of the
    actor's area (figures_save). FiguresConflict when a figure changed since its version was read
    (pass ANY_VERSION to import without that check); ImportRefused otherwise.
    """
    try:
        return _save(
            week_date=week_date,
            figures=figures,
            actor=actor,
            file_name=file_name,
            reason=reason,
            allow_other_weekday=allow_other_weekday,
            confirmed=True,
            city=city,
        )
    except _Refused as refused:
        raise ImportRefused(_cell_messages(refused, None, blocking=True)) from None


class ImportRefused(Exception):
    """Nothing was saved; ``errors`` say why."""

    def __init__(self, errors: list[CellMessage]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


class _Refused(Exception):
    """The save was refused: by the figures service (``problems``) or otherwise (``message``)."""

    def __init__(self, *, problems: list[FigureProblem] = (), message: str = "") -> None:
        super().__init__(message or "; ".join(p.message for p in problems))
        self.problems = list(problems)
        self.message = message


def _cell_messages(refused: _Refused, parsed: ParsedTable | None, *, blocking: bool):
    """The refusal as messages, each at the cell of the figure it is about where known."""
    if not refused.problems:
        return [CellMessage("", refused.message)] if blocking else []
    messages = []
    for problem in refused.problems:
        if problem.blocking != blocking:
            continue
        cell = ""
        if parsed is not None:
            cell = parsed.figure_cell(problem.region.pk, problem.measure.pk, problem.field)
        messages.append(CellMessage(cell, f"{problem.region.name} {problem.message}"))
    return messages


def _save(
    *,
    week_date: datetime.date,
    figures: list[FigureInput],
    actor,
    file_name: str,
    reason: str,
    allow_other_weekday: bool,
    confirmed: bool,
    city: Area | None = None,
) -> ImportResult:
    for figure in figures:
        if city is not None and figure.region.city_id != city.pk:
            raise _Refused(
                message=_("%(region)s is not a county of %(city)s: nothing was imported.")
                % {"region": figure.region.name, "city": city.name}
            )
        if actor is not None and not areas.writable_region(actor, figure.region):
            raise _Refused(
                message=_("%(region)s is outside your area: nothing was imported.")
                % {"region": figure.region.name}
            )
    with transaction.atomic():
        week = Week.objects.filter(date=week_date).first()
        created = week is None
        if created:
            if actor is not None and not areas.covers_deployment(actor):
                raise _Refused(
                    message=_(
                        "There is no week of %(date)s yet, and only bureau staff of the whole "
                        "deployment open a week: nothing was imported."
                    )
                    % {"date": formats.date_format(week_date)}
                )
            try:
                week = week_open(
                    date=week_date,
                    actor=actor,
                    reason=history_reason("import", reason, file_name)[:REASON_MAX_LENGTH],
                    allow_other_weekday=allow_other_weekday,
                )
            except WeekWorkflowError as error:
                raise _Refused(message=error.message) from None
        try:
            saved = figures_save(
                week=week,
                figures=figures,
                actor=actor,
                reason=reason,
                source="import",
                source_detail=file_name,
                confirmed=confirmed,
            )
        except ReasonRefused as refused:
            raise _Refused(message=refused.message) from None
        except FiguresRejected as rejected:
            raise _Refused(problems=rejected.problems) from None
        return ImportResult(week=week, created=created, saved=saved)


def _inputs(changes: list[FigureChange]) -> list[FigureInput]:
    # The preview compares nothing: it reads and saves in one transaction.
    return [
        FigureInput(
            region=c.region,
            measure=c.measure,
            households=c.new[0],
            installed=c.new[1],
            version=ANY_VERSION,
        )
        for c in changes
    ]


def payload_figures(payload: dict) -> tuple[datetime.date, str, list[FigureInput]]:
    """
    The figures a preview's payload carries, with the versions the preview saw
    (so a figure changed since then is a FiguresConflict, never overwritten).
    ValueError when the payload does not fit the database any more.
    """
    week_date = datetime.date.fromisoformat(payload["week"])
    rows = payload["figures"]
    regions = Region.objects.in_bulk({row[0] for row in rows})
    measures = Measure.objects.in_bulk({row[1] for row in rows})
    figures = []
    for region_id, measure_id, households, installed, version in rows:
        if region_id not in regions or measure_id not in measures:
            raise ValueError("a region or measure of the preview no longer exists")
        figures.append(
            FigureInput(
                region=regions[region_id],
                measure=measures[measure_id],
                households=int(households),
                installed=int(installed),
                version=None if version is None else int(version),
            )
        )
    return week_date, str(payload["file_name"]), figures
