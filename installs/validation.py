"""
The validation rules for one reported figure, as pure functions.

No Django and no database here: plain values in, problems out, so every rule
can be read in one place and tested alone. A problem carries a code, the field
it is about and the numbers it needs; the service (installs.services.figures)
turns it into a Chinese message that names the measure and the field.

Two kinds of problem:
- blocking: the figure cannot be saved as typed (not a whole number, installed
  greater than households);
- a warning: plausible but unusual (a decrease, a jump); it is saved only when
  the user confirms, and a decrease of installed only with a reason too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from installs import rules

# Larger than any city's households: a number above it is a typing slip.
MAX_COUNT = 100_000_000

# Households changing by more than this fraction from last week ask for a confirmation.
HOUSEHOLDS_CHANGE_LIMIT = 0.10

# The pace check (see ``pace_problem``): new installs above PACE_FACTOR times the
# largest weekly new installs of the last PACE_WEEKS weeks, and above PACE_MIN_NEW.
PACE_FACTOR = 3
PACE_WEEKS = 4
PACE_MIN_NEW = 500

# Problem codes.
REQUIRED = "required"
NOT_WHOLE = "not_whole"
NOT_DIGITS = "not_digits"
GROUPING = "grouping"
NEGATIVE = "negative"
TOO_LARGE = "too_large"
INSTALLED_ABOVE_HOUSEHOLDS = "installed_above_households"
INSTALLED_DECREASED = "installed_decreased"
HOUSEHOLDS_CHANGED = "households_changed"
PACE_OUTLIER = "pace_outlier"
REASON_REQUIRED = "reason_required"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or unusual) with one field of a figure."""

    field: str  # "households" | "installed" | "" (the whole figure)
    code: str
    blocking: bool
    needs_reason: bool = False  # a warning that is accepted only with a reason
    params: dict[str, int | float] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Earlier:
    """What the region reported for the measure before this week."""

    households: int
    installed: int
    # New installs of the most recent earlier weeks, newest first (up to PACE_WEEKS).
    recent_new: tuple[int, ...] = ()


class CountError(ValueError):
    """Text that is not a count; ``code`` is one of the problem codes above."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_count(text: str | int | None) -> int:
    """
    A count typed by a person: a whole number from 0 to MAX_COUNT.

    Full-width digits, signs and commas (１２３, 1，234: as Chinese input methods
    type them) are accepted on purpose, and so are surrounding spaces and
    thousands separators (a comma or a space) between groups of three digits
    (1,234 and 1 234). Refused, with CountError(code): empty text, fractions
    (1.5, and 1.0 too: a count has no decimals), words, separators anywhere
    else (1,2,3 and 1 2 3 are slips, not 123: GROUPING), characters that only
    look like digits (①, ², other scripts' digits: NOT_DIGITS), negative
    numbers, numbers above MAX_COUNT.
    """
    if isinstance(text, bool):
        raise CountError(NOT_WHOLE)
    if isinstance(text, int):
        return check_count(text)
    if text is None:
        raise CountError(REQUIRED)
    normal = narrow(str(text)).strip()
    if normal == "":
        raise CountError(REQUIRED)
    sign = normal[:1] if normal[:1] in "+-" else ""
    number = normal[len(sign) :]
    if not number.isascii():
        # A digit of another kind (①, ², ٣): a digit, but not one people here type.
        if any(unicodedata.category(char) in ("Nd", "No") for char in number):
            raise CountError(NOT_DIGITS)
        raise CountError(NOT_WHOLE)
    if not _COUNT.fullmatch(number):
        if _DIGITS_AND_SEPARATORS.fullmatch(number):
            raise CountError(GROUPING)
        raise CountError(NOT_WHOLE)
    digits = number.replace(",", "").replace(" ", "")
    if len(digits) > len(str(MAX_COUNT)):
        raise CountError(NEGATIVE if sign == "-" else TOO_LARGE)
    value = -int(digits) if sign == "-" else int(digits)
    return check_count(value)


def narrow(text: str) -> str:
    """
    Full-width ASCII forms (U+FF01–U+FF5E: １２３，) and the ideographic space to
    ASCII. Only the width changes: not NFKC, which also reads ① and ² as 1 and 2.
    """
    return text.translate(_FULL_WIDTH)


_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Plain digits, or groups of three after a first group of one to three, split by
# one kind of separator (a comma or a space) throughout.
_COUNT = re.compile(r"[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+")
_DIGITS_AND_SEPARATORS = re.compile(r"[0-9]+(?:[, ]+[0-9]+)+")


def check_count(value: int) -> int:
    """The value itself if it is a count in range, else CountError."""
    if value < 0:
        raise CountError(NEGATIVE)
    if value > MAX_COUNT:
        raise CountError(TOO_LARGE)
    return value


def count_problems(households: int, installed: int) -> list[Problem]:
    """Both numbers in range (for callers that did not parse text, e.g. an import)."""
    problems = []
    for name, value in (("households", households), ("installed", installed)):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(Problem(name, NOT_WHOLE, blocking=True))
            continue
        try:
            check_count(value)
        except CountError as error:
            problems.append(Problem(name, error.code, blocking=True, params={"max": MAX_COUNT}))
    return problems


def figure_problems(households: int, installed: int, earlier: Earlier | None) -> list[Problem]:
    """
    Every problem of one figure at once: blocking ones first, then warnings.

    ``earlier`` is the region's most recent earlier report of the measure, or
    None when there is none (then only the blocking rules apply).
    """
    problems = count_problems(households, installed)
    if problems:
        return problems
    if installed > households:
        problems.append(
            Problem(
                "installed",
                INSTALLED_ABOVE_HOUSEHOLDS,
                blocking=True,
                params={"households": households, "installed": installed},
            )
        )
    if earlier is None:
        return problems
    if installed < earlier.installed:
        problems.append(
            Problem(
                "installed",
                INSTALLED_DECREASED,
                blocking=False,
                needs_reason=True,
                params={"previous": earlier.installed, "installed": installed},
            )
        )
    problems.extend(p for p in [households_change_problem(households, earlier)] if p)
    problems.extend(p for p in [pace_problem(installed, earlier)] if p)
    return problems


def households_change_problem(households: int, earlier: Earlier) -> Problem | None:
    """
    Households changing by more than 10 % from the previous report.

    Measured against the previous households; when those were 0 there is no
    percentage, and any households now count as a change to confirm.
    """
    previous = earlier.households
    if previous == households:
        return None
    if previous > 0 and abs(households - previous) <= HOUSEHOLDS_CHANGE_LIMIT * previous:
        return None
    return Problem(
        "households",
        HOUSEHOLDS_CHANGED,
        blocking=False,
        params={"previous": previous, "households": households},
    )


def pace_problem(installed: int, earlier: Earlier) -> Problem | None:
    """
    New installs far above the region's recent weekly pace, in the spirit of
    DHIS2's min-max outlier check: this week's new installs (installed minus the
    previous report's) are an outlier when they are more than PACE_FACTOR (3)
    times the largest weekly new installs of the last PACE_WEEKS (4) weeks AND
    more than PACE_MIN_NEW (500) households. The floor keeps small regions
    (10 new after a week of 2) from asking every week. Without any earlier
    weekly new installs there is no pace to compare with, and nothing is asked.
    """
    if not earlier.recent_new:
        return None
    new = rules.new_installs(installed, earlier.installed)
    recent_max = max(0, *earlier.recent_new[:PACE_WEEKS])
    if new > PACE_MIN_NEW and new > PACE_FACTOR * recent_max:
        return Problem(
            "installed",
            PACE_OUTLIER,
            blocking=False,
            params={"new": new, "recent_max": recent_max, "factor": PACE_FACTOR},
        )
    return None


def recent_new(installed_newest_first: list[int]) -> tuple[int, ...]:
    """Weekly new installs from successive reports' installed counts, newest first."""
    counts = installed_newest_first[: PACE_WEEKS + 1]
    return tuple(
        rules.new_installs(later, earlier)
        for later, earlier in zip(counts, counts[1:], strict=False)
    )


def unresolved(problems: list[Problem], *, confirmed: bool, reason: str) -> list[Problem]:
    """
    The problems that stop a save: every blocking one; every warning unless
    confirmed; and when confirmed, one REASON_REQUIRED per warning that needs a
    reason while none was given. An empty list means the save may go ahead.
    """
    stopping = [p for p in problems if p.blocking or not confirmed]
    if confirmed and not reason.strip():
        stopping += [
            Problem(p.field, REASON_REQUIRED, blocking=True, params=p.params)
            for p in problems
            if p.needs_reason and not p.blocking
        ]
    return stopping
