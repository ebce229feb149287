"""figures_save: the one write of figures (permissions, versions, checks, audit)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from installs.models import Measure, Region, Snapshot, Week
from installs.services.figures import (
    ANY_VERSION,
    FigureInput,
    FiguresConflict,
    FiguresRejected,
    ReasonRefused,
    WeekNotOpen,
    figures_save,
)
from tests.factories import load_seed, make_user, make_week

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    """The seed (weeks 11-14 and 11-21, published) and an open week 2022-11-28."""
    load_seed()
    return make_week("2022-11-28")


def region(slug: str) -> Region:
    return Region.objects.get(slug=slug)


def measure(slug: str) -> Measure:
    return Measure.objects.get(slug=slug)


def last_week(region_slug: str, measure_slug: str) -> Snapshot:
    return Snapshot.objects.get(
        week__date="2022-11-21", region__slug=region_slug, measure__slug=measure_slug
    )


def figure(region_slug, measure_slug, households=None, installed=None, version=None, *, add=0):
    """A figure for the region and measure: last week's numbers, installed + add, unless given."""
    before = last_week(region_slug, measure_slug)
    return FigureInput(
        region=region(region_slug),
        measure=measure(measure_slug),
        households=before.households if households is None else households,
        installed=(before.installed + add) if installed is None else installed,
        version=version,
    )


def snapshot_count() -> int:
    return Snapshot.objects.count()


def history_count() -> int:
    return Snapshot.history.count()


def test_it_creates_the_weeks_snapshots_with_version_1_and_the_actor(city):
    user = make_user("qy", "district", region("qinyang"))
    saved = figures_save(week=city, figures=[figure("qinyang", "valve_pipe", add=100)], actor=user)
    snapshot = Snapshot.objects.get(week=city, region__slug="qinyang", measure__slug="valve_pipe")
    assert saved == [snapshot]
    assert (snapshot.installed, snapshot.version, snapshot.updated_by) == (29677, 1, user)


def test_it_records_who_and_why_in_the_history(city):
    user = make_user("qy", "district", region("qinyang"))
    figures_save(
        week=city,
        figures=[figure("qinyang", "valve_pipe", add=100)],
        actor=user,
        reason="周一  补报",
    )
    record = Snapshot.history.filter(week=city).get()
    assert record.history_user == user
    assert record.history_change_reason == "填报: 周一 补报"


def test_it_names_the_source_in_the_history(city):
    bureau = make_user("ju", "bureau")
    figures_save(
        week=city,
        figures=[figure("qinyang", "valve_pipe", add=1)],
        actor=bureau,
        source="import",
        reason="进度表.xlsx",
    )
    assert Snapshot.history.filter(week=city).get().history_change_reason == "导入: 进度表.xlsx"


def test_it_increments_the_version_on_each_change(city):
    user = make_user("qy", "district", region("qinyang"))
    figures_save(week=city, figures=[figure("qinyang", "valve_pipe", add=1)], actor=user)
    figures_save(week=city, figures=[figure("qinyang", "valve_pipe", add=2, version=1)], actor=user)
    snapshot = Snapshot.objects.get(week=city, region__slug="qinyang", measure__slug="valve_pipe")
    assert (snapshot.installed, snapshot.version) == (29579, 2)
    assert snapshot.history.count() == 2


def test_it_does_not_save_unchanged_figures_again(city):
    user = make_user("qy", "district", region("qinyang"))
    figures_save(week=city, figures=[figure("qinyang", "valve_pipe", add=1)], actor=user)
    saved = figures_save(
        week=city,
        figures=[
            figure("qinyang", "valve_pipe", add=1, version=1),
            figure("qinyang", "hose_pipe", add=5),
        ],
        actor=user,
    )
    assert [s.measure.slug for s in saved] == ["hose_pipe"]
    assert Snapshot.history.filter(week=city, measure__slug="valve_pipe").count() == 1


def test_it_refuses_a_save_based_on_an_old_version_and_writes_nothing(city):
    user = make_user("qy", "district", region("qinyang"))
    figures_save(week=city, figures=[figure("qinyang", "valve_pipe", add=1)], actor=user)
    before = (snapshot_count(), history_count())
    with pytest.raises(FiguresConflict) as raised:
        figures_save(
            week=city,
            figures=[
                figure("qinyang", "hose_pipe", add=7),
                figure("qinyang", "valve_pipe", add=9, version=None),
            ],
            actor=user,
        )
    (pair,) = raised.value.current
    assert pair == (region("qinyang").pk, measure("valve_pipe").pk)
    assert raised.value.current[pair].installed == 29578
    assert (snapshot_count(), history_count()) == before


def test_it_refuses_a_version_that_is_ahead(city):
    user = make_user("qy", "district", region("qinyang"))
    with pytest.raises(FiguresConflict):
        figures_save(
            week=city, figures=[figure("qinyang", "valve_pipe", add=1, version=3)], actor=user
        )


def test_it_skips_the_version_check_for_any_version(city):
    bureau = make_user("ju", "bureau")
    figures_save(week=city, figures=[figure("qinyang", "valve_pipe", add=1)], actor=bureau)
    figures_save(
        week=city,
        figures=[figure("qinyang", "valve_pipe", add=2, version=ANY_VERSION)],
        actor=bureau,
        source="import",
    )
    assert (
        Snapshot.objects.get(week=city, region__slug="qinyang", measure__slug="valve_pipe").version
        == 2
    )


def test_it_refuses_installed_above_households_naming_the_measure(city):
    user = make_user("qy", "district", region("qinyang"))
    with pytest.raises(FiguresRejected) as raised:
        figures_save(
            week=city,
            figures=[figure("qinyang", "valve_pipe", households=100, installed=101)],
            actor=user,
            confirmed=True,
            reason="x",
        )
    (problem,) = [p for p in raised.value.problems if p.blocking]
    assert problem.field == "installed"
    assert "自闭阀·管道气" in problem.message
    assert "不能大于户数" in problem.message
    assert snapshot_count() == 66


def test_it_reports_every_problem_of_every_figure_at_once(city):
    user = make_user("qy", "district", region("qinyang"))
    with pytest.raises(FiguresRejected) as raised:
        figures_save(
            week=city,
            figures=[
                figure("qinyang", "valve_pipe", households=10, installed=11),
                figure("qinyang", "hose_pipe", installed=10),  # a decrease
                figure("qinyang", "hose_lpg", households=-1, installed=0),
            ],
            actor=user,
        )
    found = {(p.measure.slug, p.field, p.code) for p in raised.value.problems}
    assert {
        ("valve_pipe", "installed", "installed_above_households"),
        ("hose_pipe", "installed", "installed_decreased"),
        ("hose_lpg", "households", "negative"),
    } <= found
    assert snapshot_count() == 66


def test_it_asks_to_confirm_a_decrease(city):
    user = make_user("qy", "district", region("qinyang"))
    with pytest.raises(FiguresRejected) as raised:
        figures_save(week=city, figures=[figure("qinyang", "valve_pipe", add=-10)], actor=user)
    (problem,) = raised.value.problems
    assert (problem.code, problem.blocking) == ("installed_decreased", False)
    assert "已安装数" in problem.message


def test_it_refuses_a_confirmed_decrease_without_a_reason(city):
    user = make_user("qy", "district", region("qinyang"))
    with pytest.raises(FiguresRejected) as raised:
        figures_save(
            week=city,
            figures=[figure("qinyang", "valve_pipe", add=-10)],
            actor=user,
            confirmed=True,
            reason="  ",
        )
    assert [p.code for p in raised.value.problems] == ["reason_required"]
    assert snapshot_count() == 66


def test_it_saves_a_confirmed_decrease_with_a_reason(city):
    user = make_user("qy", "district", region("qinyang"))
    figures_save(
        week=city,
        figures=[figure("qinyang", "valve_pipe", add=-10)],
        actor=user,
        confirmed=True,
        reason="上周多报",
    )
    record = Snapshot.history.filter(week=city).get()
    assert (record.installed, record.history_change_reason) == (29567, "填报: 上周多报")


def test_it_asks_to_confirm_a_households_jump(city):
    user = make_user("qy", "district", region("qinyang"))
    with pytest.raises(FiguresRejected) as raised:
        figures_save(
            week=city,
            figures=[figure("qinyang", "valve_pipe", households=100_000)],
            actor=user,
        )
    assert [(p.field, p.code) for p in raised.value.problems] == [
        ("households", "households_changed")
    ]


def test_it_saves_a_confirmed_households_jump_without_a_reason(city):
    user = make_user("qy", "district", region("qinyang"))
    figures_save(
        week=city,
        figures=[figure("qinyang", "valve_pipe", households=100_000)],
        actor=user,
        confirmed=True,
    )
    assert Snapshot.objects.filter(week=city).get().households == 100_000


def test_it_asks_to_confirm_new_installs_far_above_the_pace(city):
    user = make_user("qy", "district", region("qinyang"))
    # 沁阳 valve_pipe added 0 in the week to 11-21: any jump above 500 is out of pace.
    with pytest.raises(FiguresRejected) as raised:
        figures_save(week=city, figures=[figure("qinyang", "valve_pipe", add=501)], actor=user)
    assert [p.code for p in raised.value.problems] == ["pace_outlier"]
    # Not "more than 3 times the best week (0)": there was no earlier new install at all.
    assert raised.value.problems[0].message == (
        "自闭阀·管道气 本周新增安装 501 户，而近 4 周没有新增，请确认"
    )


def test_it_names_the_best_recent_week_when_there_was_one(city):
    user = make_user("jf", "district", region("jiefang"))
    # 解放区 valve_pipe added 230 in the week to 11-21: 691 is more than 3 times that.
    with pytest.raises(FiguresRejected) as raised:
        figures_save(week=city, figures=[figure("jiefang", "valve_pipe", add=691)], actor=user)
    assert [p.message for p in raised.value.problems] == [
        "自闭阀·管道气 本周新增安装 691 户，超过近 4 周单周最高新增（230 户）的 3 倍，请确认"
    ]


def test_it_refuses_leadership(city):
    leader = make_user("ld", "leader")
    with pytest.raises(PermissionDenied):
        figures_save(week=city, figures=[figure("qinyang", "valve_pipe", add=1)], actor=leader)
    assert snapshot_count() == 66


def test_it_refuses_an_account_without_a_role(city):
    nobody = make_user("x", None)
    with pytest.raises(PermissionDenied):
        figures_save(week=city, figures=[figure("qinyang", "valve_pipe", add=1)], actor=nobody)


def test_it_refuses_district_staff_another_region_even_among_their_own(city):
    user = make_user("qy", "district", region("qinyang"))
    with pytest.raises(PermissionDenied):
        figures_save(
            week=city,
            figures=[
                figure("qinyang", "valve_pipe", add=1),
                figure("wenxian", "valve_pipe", add=1),
            ],
            actor=user,
        )
    assert snapshot_count() == 66


@pytest.mark.parametrize("state", [Week.State.LOCKED, Week.State.PUBLISHED])
def test_it_refuses_district_staff_a_week_that_is_not_open(city, state):
    Week.objects.filter(pk=city.pk).update(state=state)
    user = make_user("qy", "district", region("qinyang"))
    with pytest.raises(WeekNotOpen):
        figures_save(week=city, figures=[figure("qinyang", "valve_pipe", add=1)], actor=user)
    assert snapshot_count() == 66


def test_it_reads_the_weeks_state_from_the_database_not_the_callers_copy(city):
    user = make_user("qy", "district", region("qinyang"))
    Week.objects.filter(pk=city.pk).update(state=Week.State.LOCKED)
    assert city.state == Week.State.OPEN  # the caller's copy is stale
    with pytest.raises(WeekNotOpen):
        figures_save(week=city, figures=[figure("qinyang", "valve_pipe", add=1)], actor=user)


def test_it_lets_bureau_staff_correct_a_published_week_with_history(city):
    bureau = make_user("ju", "bureau")
    week = Week.objects.get(date="2022-11-21")
    before = last_week("qinyang", "valve_pipe")
    figures_save(
        week=week,
        figures=[
            FigureInput(
                region=before.region,
                measure=before.measure,
                households=before.households,
                installed=before.installed + 3,
                version=before.version,
            )
        ],
        actor=bureau,
        reason="电话更正",
    )
    after = last_week("qinyang", "valve_pipe")
    assert after.installed == before.installed + 3
    assert after.history.first().history_change_reason == "填报: 电话更正"


def test_it_lets_a_superuser_save_as_bureau_staff(city):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password="x-long-password-1")
    figures_save(week=city, figures=[figure("wenxian", "valve_pipe", add=1)], actor=admin)
    assert Snapshot.objects.filter(week=city).count() == 1


def test_it_saves_all_or_nothing(city):
    user = make_user("qy", "district", region("qinyang"))
    with pytest.raises(FiguresRejected):
        figures_save(
            week=city,
            figures=[
                figure("qinyang", "valve_pipe", add=1),
                figure("qinyang", "hose_pipe", households=1, installed=2),
            ],
            actor=user,
        )
    assert not Snapshot.objects.filter(week=city).exists()


def test_it_refuses_an_unknown_source(city):
    bureau = make_user("ju", "bureau")
    with pytest.raises(ValueError):
        figures_save(
            week=city, figures=[figure("qinyang", "valve_pipe")], actor=bureau, source="sms"
        )


def test_it_refuses_the_same_figure_twice(city):
    bureau = make_user("ju", "bureau")
    with pytest.raises(ValueError):
        figures_save(
            week=city,
            figures=[figure("qinyang", "valve_pipe"), figure("qinyang", "valve_pipe", add=1)],
            actor=bureau,
        )


def test_it_lets_district_staff_save_when_the_callers_copy_says_locked_but_the_week_reopened(city):
    user = make_user("qy", "district", region("qinyang"))
    stale = Week.objects.get(pk=city.pk)
    stale.state = Week.State.LOCKED  # the caller read it before the bureau reopened the week
    figures_save(week=stale, figures=[figure("qinyang", "valve_pipe", add=1)], actor=user)
    assert Snapshot.objects.filter(week=city).count() == 1


@pytest.mark.parametrize("state", [Week.State.LOCKED, Week.State.PUBLISHED])
def test_it_needs_a_reason_for_a_change_to_a_week_that_is_not_open(city, state):
    """Whoever calls it (a command, a script): the rule is in the service, not in a view."""
    bureau = make_user("ju", "bureau")
    week = Week.objects.get(date="2022-11-21")
    week.state = state
    week.save()
    stored = last_week("wenxian", "valve_pipe")
    change = figure("wenxian", "valve_pipe", version=stored.version, add=5)
    with pytest.raises(ReasonRefused) as refused:
        figures_save(week=week, figures=[change], actor=bureau, reason="  ")
    assert refused.value.code == "required"
    assert (last_week("wenxian", "valve_pipe").installed, history_count()) == (stored.installed, 0)

    figures_save(week=week, figures=[change], actor=bureau, reason="区县电话更正")
    snapshot = last_week("wenxian", "valve_pipe")
    assert snapshot.installed == stored.installed + 5
    assert snapshot.history.first().history_change_reason == "填报: 区县电话更正"


def test_it_needs_no_reason_when_nothing_in_a_closed_week_changes(city):
    bureau = make_user("ju", "bureau")
    week = Week.objects.get(date="2022-11-21")
    stored = last_week("wenxian", "valve_pipe")
    same = figure("wenxian", "valve_pipe", version=stored.version)
    assert figures_save(week=week, figures=[same], actor=bureau) == []


def test_it_refuses_a_reason_with_a_control_character(city):
    bureau = make_user("ju", "bureau")
    change = figure("qinyang", "valve_pipe", add=5)
    with pytest.raises(ReasonRefused) as refused:
        figures_save(week=city, figures=[change], actor=bureau, reason="更正\x00")
    assert refused.value.code == "invalid"
    assert (snapshot_count(), history_count()) == (66, 0)


def test_an_imports_file_name_is_not_a_reason_for_a_closed_week(city):
    bureau = make_user("ju", "bureau")
    week = Week.objects.get(date="2022-11-21")
    stored = last_week("wenxian", "valve_pipe")
    change = figure("wenxian", "valve_pipe", version=stored.version, add=5)
    with pytest.raises(ReasonRefused):
        figures_save(
            week=week, figures=[change], actor=bureau, source="import", source_detail="表.xlsx"
        )
    figures_save(
        week=week,
        figures=[change],
        actor=bureau,
        source="import",
        source_detail="表.xlsx",
        reason="补录",
    )
    reason = last_week("wenxian", "valve_pipe").history.first().history_change_reason
    assert reason == "导入: 表.xlsx: 补录"


def test_a_save_asks_the_database_a_fixed_few_queries_a_figure(city, django_assert_max_num_queries):
    """
    A district's save of three figures: the week locked, the figures read, earlier
    figures for the checks, then per figure its insert, its history row and the two
    revision tokens. full_clean asking the database again what the transaction holds
    already (the week, county, measure and actor exist, the pair is unique, the counts'
    rules) cost 14 queries more a figure, a third of a district's save under load.
    """
    actor = make_user("qy", "district", region("qinyang"))
    figures = [figure("qinyang", m, add=5) for m in ("valve_pipe", "hose_pipe", "hose_lpg")]
    week = Week.objects.get(date="2022-11-28")
    with django_assert_max_num_queries(20):
        saved = figures_save(week=week, figures=figures, actor=actor)
    assert [s.version for s in saved] == [1, 1, 1]
