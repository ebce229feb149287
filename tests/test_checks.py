"""The pure validation rules of installs.checks: no database."""

from __future__ import annotations

import pytest

from installs import checks
from installs.checks import CountError, Earlier, Problem, parse_count


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("123", 123),
        ("0", 0),
        (" 42 ", 42),
        # Chinese input methods type full-width digits: accepted on purpose.
        ("１２３", 123),
        ("1,234", 1234),
        ("1，234", 1234),
        ("1 234", 1234),
        ("1,234,567", 1_234_567),
        ("　１２　", 12),
        ("+5", 5),
        (7, 7),
        ("100000000", 100_000_000),
    ],
)
def test_it_parses_counts_people_type(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", checks.REQUIRED),
        ("   ", checks.REQUIRED),
        (None, checks.REQUIRED),
        ("1.5", checks.NOT_WHOLE),
        ("1.0", checks.NOT_WHOLE),
        ("abc", checks.NOT_WHOLE),
        ("1e3", checks.NOT_WHOLE),
        ("٣", checks.NOT_DIGITS),  # Arabic-Indic three: not a digit anyone here types
        # Look-alikes NFKC would read as digits, and separators out of place: slips, not counts.
        ("①", checks.NOT_DIGITS),
        ("²", checks.NOT_DIGITS),
        ("1,2,3", checks.GROUPING),
        ("1 2 3", checks.GROUPING),
        ("12,34", checks.GROUPING),
        ("1234,567", checks.GROUPING),
        ("1, 234", checks.GROUPING),
        ("1,234 567", checks.GROUPING),
        ("-1", checks.NEGATIVE),
        ("－３", checks.NEGATIVE),
        (-1, checks.NEGATIVE),
        ("100000001", checks.TOO_LARGE),
        ("99999999999999999999", checks.TOO_LARGE),
        (True, checks.NOT_WHOLE),
    ],
)
def test_it_refuses_what_is_not_a_count(text, code):
    with pytest.raises(CountError) as raised:
        parse_count(text)
    assert raised.value.code == code


def codes(problems: list[Problem]) -> list[tuple[str, str, bool]]:
    return [(p.field, p.code, p.blocking) for p in problems]


def test_it_accepts_a_plain_week():
    earlier = Earlier(households=1000, installed=400, recent_new=(30, 20))
    assert checks.figure_problems(1000, 450, earlier) == []


def test_it_accepts_a_first_report_without_earlier_weeks():
    assert checks.figure_problems(1000, 0, None) == []


def test_it_blocks_installed_above_households():
    assert codes(checks.figure_problems(10, 11, None)) == [
        ("installed", checks.INSTALLED_ABOVE_HOUSEHOLDS, True)
    ]


def test_it_accepts_installed_equal_to_households():
    assert checks.figure_problems(10, 10, None) == []


def test_it_blocks_negative_and_huge_numbers_per_field():
    assert codes(checks.figure_problems(-1, 100_000_001, None)) == [
        ("households", checks.NEGATIVE, True),
        ("installed", checks.TOO_LARGE, True),
    ]


def test_it_asks_to_confirm_a_decrease_with_a_reason():
    (problem,) = checks.figure_problems(1000, 399, Earlier(1000, 400))
    assert (problem.field, problem.code, problem.blocking, problem.needs_reason) == (
        "installed",
        checks.INSTALLED_DECREASED,
        False,
        True,
    )


def test_it_accepts_households_within_ten_percent():
    assert checks.figure_problems(1100, 400, Earlier(1000, 400)) == []
    assert checks.figure_problems(900, 400, Earlier(1000, 400)) == []


@pytest.mark.parametrize("households", [1101, 899])
def test_it_asks_to_confirm_households_beyond_ten_percent(households):
    assert codes(checks.figure_problems(households, 400, Earlier(1000, 400))) == [
        ("households", checks.HOUSEHOLDS_CHANGED, False)
    ]


def test_it_asks_to_confirm_households_appearing_where_there_were_none():
    assert codes(checks.figure_problems(50, 0, Earlier(0, 0))) == [
        ("households", checks.HOUSEHOLDS_CHANGED, False)
    ]


def test_it_asks_to_confirm_new_installs_far_above_the_recent_pace():
    # Best recent week 200: more than 600 (and more than 500) is out of pace.
    earlier = Earlier(100_000, 10_000, recent_new=(100, 200, 50, 0))
    assert codes(checks.figure_problems(100_000, 10_601, earlier)) == [
        ("installed", checks.PACE_OUTLIER, False)
    ]
    assert checks.figure_problems(100_000, 10_600, earlier) == []


def test_it_does_not_ask_about_pace_below_the_floor_of_500():
    earlier = Earlier(100_000, 10_000, recent_new=(10, 0))
    assert checks.figure_problems(100_000, 10_500, earlier) == []


def test_it_does_not_ask_about_pace_without_earlier_weekly_new_installs():
    assert checks.figure_problems(100_000, 50_000, Earlier(100_000, 10_000)) == []


def test_it_looks_at_the_last_four_weeks_only():
    earlier = Earlier(100_000, 10_000, recent_new=(0, 0, 0, 0, 5000))
    assert codes(checks.figure_problems(100_000, 10_501, earlier)) == [
        ("installed", checks.PACE_OUTLIER, False)
    ]


def test_it_reports_every_problem_of_a_figure_at_once():
    earlier = Earlier(1000, 900, recent_new=(1,))
    assert codes(checks.figure_problems(5000, 800, earlier)) == [
        ("installed", checks.INSTALLED_DECREASED, False),
        ("households", checks.HOUSEHOLDS_CHANGED, False),
    ]


def test_it_computes_weekly_new_installs_newest_first():
    assert checks.recent_new([50, 40, 40, 10]) == (10, 0, 30)
    assert checks.recent_new([50]) == ()
    assert checks.recent_new([9, 8, 7, 6, 5, 4, 3]) == (1, 1, 1, 1)


def test_it_stops_on_unconfirmed_warnings():
    problems = checks.figure_problems(1000, 399, Earlier(1000, 400))
    assert checks.unresolved(problems, confirmed=False, reason="") == problems


def test_it_stops_a_confirmed_decrease_without_a_reason():
    problems = checks.figure_problems(1000, 399, Earlier(1000, 400))
    assert codes(checks.unresolved(problems, confirmed=True, reason=" ")) == [
        ("installed", checks.REASON_REQUIRED, True)
    ]


def test_it_lets_a_confirmed_decrease_with_a_reason_through():
    problems = checks.figure_problems(1000, 399, Earlier(1000, 400))
    assert checks.unresolved(problems, confirmed=True, reason="更正") == []


def test_it_lets_a_confirmed_households_change_through_without_a_reason():
    problems = checks.figure_problems(2000, 400, Earlier(1000, 400))
    assert checks.unresolved(problems, confirmed=True, reason="") == []


def test_it_never_lets_a_blocking_problem_through():
    problems = checks.figure_problems(10, 11, None)
    assert checks.unresolved(problems, confirmed=True, reason="确认") == problems
