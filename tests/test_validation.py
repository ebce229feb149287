"""The pure validation rules of installs.validation: no database."""

from __future__ import annotations

import pytest

from installs import validation
from installs.validation import CountError, Earlier, Problem, parse_count


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
        ("", validation.REQUIRED),
        ("   ", validation.REQUIRED),
        (None, validation.REQUIRED),
        ("1.5", validation.NOT_WHOLE),
        ("1.0", validation.NOT_WHOLE),
        ("abc", validation.NOT_WHOLE),
        ("1e3", validation.NOT_WHOLE),
        ("٣", validation.NOT_DIGITS),  # Arabic-Indic three: not a digit anyone here types
        # Look-alikes NFKC would read as digits, and separators out of place: slips, not counts.
        ("①", validation.NOT_DIGITS),
        ("²", validation.NOT_DIGITS),
        ("1,2,3", validation.GROUPING),
        ("1 2 3", validation.GROUPING),
        ("12,34", validation.GROUPING),
        ("1234,567", validation.GROUPING),
        ("1, 234", validation.GROUPING),
        ("1,234 567", validation.GROUPING),
        ("-1", validation.NEGATIVE),
        ("－３", validation.NEGATIVE),
        (-1, validation.NEGATIVE),
        ("100000001", validation.TOO_LARGE),
        ("99999999999999999999", validation.TOO_LARGE),
        (True, validation.NOT_WHOLE),
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
    assert validation.figure_problems(1000, 450, earlier) == []


def test_it_accepts_a_first_report_without_earlier_weeks():
    assert validation.figure_problems(1000, 0, None) == []


def test_it_blocks_installed_above_households():
    assert codes(validation.figure_problems(10, 11, None)) == [
        ("installed", validation.INSTALLED_ABOVE_HOUSEHOLDS, True)
    ]


def test_it_accepts_installed_equal_to_households():
    assert validation.figure_problems(10, 10, None) == []


def test_it_blocks_negative_and_huge_numbers_per_field():
    assert codes(validation.figure_problems(-1, 100_000_001, None)) == [
        ("households", validation.NEGATIVE, True),
        ("installed", validation.TOO_LARGE, True),
    ]


def test_it_asks_to_confirm_a_decrease_with_a_reason():
    (problem,) = validation.figure_problems(1000, 399, Earlier(1000, 400))
    assert (problem.field, problem.code, problem.blocking, problem.needs_reason) == (
        "installed",
        validation.INSTALLED_DECREASED,
        False,
        True,
    )


def test_it_accepts_households_within_ten_percent():
    assert validation.figure_problems(1100, 400, Earlier(1000, 400)) == []
    assert validation.figure_problems(900, 400, Earlier(1000, 400)) == []


@pytest.mark.parametrize("households", [1101, 899])
def test_it_asks_to_confirm_households_beyond_ten_percent(households):
    assert codes(validation.figure_problems(households, 400, Earlier(1000, 400))) == [
        ("households", validation.HOUSEHOLDS_CHANGED, False)
    ]


def test_it_asks_to_confirm_households_appearing_where_there_were_none():
    assert codes(validation.figure_problems(50, 0, Earlier(0, 0))) == [
        ("households", validation.HOUSEHOLDS_CHANGED, False)
    ]


def test_it_asks_to_confirm_new_installs_far_above_the_recent_pace():
    # Best recent week 200: more than 600 (and more than 500) is out of pace.
    earlier = Earlier(100_000, 10_000, recent_new=(100, 200, 50, 0))
    assert codes(validation.figure_problems(100_000, 10_601, earlier)) == [
        ("installed", validation.PACE_OUTLIER, False)
    ]
    assert validation.figure_problems(100_000, 10_600, earlier) == []


def test_it_does_not_ask_about_pace_below_the_floor_of_500():
    earlier = Earlier(100_000, 10_000, recent_new=(10, 0))
    assert validation.figure_problems(100_000, 10_500, earlier) == []


def test_it_does_not_ask_about_pace_without_earlier_weekly_new_installs():
    assert validation.figure_problems(100_000, 50_000, Earlier(100_000, 10_000)) == []


def test_it_looks_at_the_last_four_weeks_only():
    earlier = Earlier(100_000, 10_000, recent_new=(0, 0, 0, 0, 5000))
    assert codes(validation.figure_problems(100_000, 10_501, earlier)) == [
        ("installed", validation.PACE_OUTLIER, False)
    ]


def test_it_reports_every_problem_of_a_figure_at_once():
    earlier = Earlier(1000, 900, recent_new=(1,))
    assert codes(validation.figure_problems(5000, 800, earlier)) == [
        ("installed", validation.INSTALLED_DECREASED, False),
        ("households", validation.HOUSEHOLDS_CHANGED, False),
    ]


def test_it_computes_weekly_new_installs_newest_first():
    assert validation.recent_new([50, 40, 40, 10]) == (10, 0, 30)
    assert validation.recent_new([50]) == ()
    assert validation.recent_new([9, 8, 7, 6, 5, 4, 3]) == (1, 1, 1, 1)


def test_it_stops_on_unconfirmed_warnings():
    problems = validation.figure_problems(1000, 399, Earlier(1000, 400))
    assert validation.unresolved(problems, confirmed=False, reason="") == problems


def test_it_stops_a_confirmed_decrease_without_a_reason():
    problems = validation.figure_problems(1000, 399, Earlier(1000, 400))
    assert codes(validation.unresolved(problems, confirmed=True, reason=" ")) == [
        ("installed", validation.REASON_REQUIRED, True)
    ]


def test_it_lets_a_confirmed_decrease_with_a_reason_through():
    problems = validation.figure_problems(1000, 399, Earlier(1000, 400))
    assert validation.unresolved(problems, confirmed=True, reason="更正") == []


def test_it_lets_a_confirmed_households_change_through_without_a_reason():
    problems = validation.figure_problems(2000, 400, Earlier(1000, 400))
    assert validation.unresolved(problems, confirmed=True, reason="") == []


def test_it_never_lets_a_blocking_problem_through():
    problems = validation.figure_problems(10, 11, None)
    assert validation.unresolved(problems, confirmed=True, reason="确认") == problems
