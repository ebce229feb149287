"""
Issue 9 on every path that shows or fixes a week: the grid (a touched row is
whole or refused), the workbook and the API (carried figures marked), and the
lock and publish steps (what they fix is shown; publishing with regions missing
needs a reason, kept in the audit trail). The 2022-11-28 scenario.
"""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from installs import audit
from installs.models import Snapshot, Week
from installs.services.weeks import WeekWorkflowError, week_publish
from tests.complete_week import WEEK, open_scenario
from tests.factories import make_user

pytestmark = pytest.mark.django_db

GRID = reverse("installs:week_grid", args=[WEEK])
API = f"/api/weeks/{WEEK.isoformat()}/"
EXPORT = reverse("installs:week_export", args=[WEEK])
LOCK = reverse("installs:week_lock", args=[WEEK])
PUBLISH = reverse("installs:week_publish", args=[WEEK])


@pytest.fixture
def bureau(client):
    user = make_user("shiju", "bureau")
    client.force_login(user)
    return user


def inputs(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', html))


def wenxian_figures() -> dict[str, tuple[int, int]]:
    rows = Snapshot.objects.filter(week__date=WEEK, region__name="温县")
    return {s.measure.slug: (s.households, s.installed) for s in rows.select_related("measure")}


# The grid: touching one cell of 温县 saves its whole row, or refuses.


@pytest.fixture
def wenxian_late(db):
    week = open_scenario()
    Snapshot.objects.filter(week=week, region__name="温县").delete()
    return week


def test_touching_one_cell_saves_the_whole_row(client, bureau, wenxian_late):
    data = inputs(client.get(GRID).content.decode())
    data["wenxian.valve_pipe.installed"] = "19960"
    assert client.post(GRID, data).status_code == 302
    # The two measures left as proposed are saved as "no change": their 11-21 figures.
    assert wenxian_figures() == {
        "valve_pipe": (71840, 19960),
        "hose_pipe": (71840, 63625),
        "hose_lpg": (4150, 2166),
    }
    # And 温县 counts as reported, with every measure.
    client.force_login(make_user("lingdao", "leader"))
    wenxian = next(r for r in client.get(API).json()["regions"] if r["name"] == "温县")
    assert (wenxian["reported"], wenxian["partial"]) == (True, False)


def test_a_touched_row_with_a_measure_left_empty_is_refused_by_name(client, bureau, wenxian_late):
    data = inputs(client.get(GRID).content.decode())
    data["wenxian.valve_pipe.installed"] = "19960"
    data["wenxian.hose_lpg.households"] = data["wenxian.hose_lpg.installed"] = ""
    response = client.post(GRID, data)
    assert response.status_code == 200
    assert "温县：还缺金属软管·液化气的数据" in response.content.decode()
    assert wenxian_figures() == {}


def test_untouched_late_regions_stay_unreported(client, bureau, wenxian_late):
    data = inputs(client.get(GRID).content.decode())
    data["wenxian.valve_pipe.installed"] = "19960"
    client.post(GRID, data)
    late = Snapshot.objects.filter(week__date=WEEK, region__name__in=["山阳区", "马村区", "中站区"])
    assert not late.exists()


# The workbook, read back.


def test_the_workbook_marks_carried_figures_and_says_so_under_the_table(client, bureau):
    open_scenario()
    sheet = load_workbook(io.BytesIO(client.get(EXPORT).content)).active
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row[0]}
    # 县(市、区), then per measure 户数 已安装数 环比新增安装数 安装率 名次.
    assert rows["山阳区"][1:6] == (129327, 9874, "未填报※", pytest.approx(9874 / 129327), 11)
    assert rows["沁阳市"][1:6] == (87326, 29677, 100, pytest.approx(29677 / 87326), 6)
    assert rows["合计"][1:4] == (721470, 240338, 800)
    notes = [row[0] for row in sheet.iter_rows(values_only=True) if row[0]]
    assert notes[-1] == "※注：山阳区、马村区、中站区沿用11月21日数据。"


def test_the_workbook_names_a_partly_carried_region_with_its_measure(client, bureau):
    open_scenario(skip=(("温县", "hose_lpg"),))
    sheet = load_workbook(io.BytesIO(client.get(EXPORT).content)).active
    notes = [row[0] for row in sheet.iter_rows(values_only=True) if row[0]]
    assert notes[-1] == "※注：温县金属软管·液化气、山阳区、马村区、中站区沿用11月21日数据。"


# The API.


def test_the_api_gives_carried_from_and_no_new_installs(client, bureau):
    open_scenario(skip=(("温县", "hose_lpg"),))
    data = client.get(API).json()
    regions = {r["name"]: r for r in data["regions"]}
    shanyang = regions["山阳区"]
    assert (shanyang["reported"], shanyang["partial"]) == (False, False)
    assert shanyang["figures"]["valve_pipe"] == {
        "households": 129327,
        "installed": 9874,
        "new": None,
        "rate": 9874 / 129327,
        "rate_text": "7.6%",
        "rank": 11,
        "carried_from": "2022-11-21",
    }
    wenxian = regions["温县"]
    assert (wenxian["reported"], wenxian["partial"]) == (False, True)
    assert wenxian["figures"]["valve_pipe"]["carried_from"] is None
    assert wenxian["figures"]["valve_pipe"]["new"] == 100
    assert wenxian["figures"]["hose_lpg"]["carried_from"] == "2022-11-21"
    assert wenxian["figures"]["hose_lpg"]["new"] is None
    assert data["totals"]["valve_pipe"]["households"] == 721470
    assert data["totals"]["valve_pipe"]["installed"] == 240338
    assert data["totals"]["hose_lpg"]["new"] == 60
    assert data["reporting"]["reported"] == 7
    assert [r["name"] for r in data["reporting"]["not_reported"]] == ["山阳区", "马村区", "中站区"]
    assert [r["name"] for r in data["reporting"]["partial"]] == ["温县"]


# Publishing with regions missing: a reason, in the audit trail, on every path.


def test_publishing_with_regions_missing_is_refused_without_a_reason(bureau):
    week = open_scenario(state=Week.State.LOCKED)
    with pytest.raises(WeekWorkflowError) as refused:
        week_publish(week=week, actor=bureau)
    assert refused.value.code == "reason_required_incomplete"
    assert "山阳区、马村区、中站区" in refused.value.message
    week.refresh_from_db()
    assert week.state == Week.State.LOCKED


def test_the_command_line_obeys_the_same_rule(db):
    week = open_scenario(state=Week.State.LOCKED)
    with pytest.raises(WeekWorkflowError):
        week_publish(week=week, actor=None)


def test_a_partly_reported_region_needs_the_reason_too(bureau):
    week = open_scenario(state=Week.State.LOCKED)
    for name in ("山阳区", "马村区", "中站区"):
        previous = Snapshot.objects.filter(week__date="2022-11-21", region__name=name)
        Snapshot.objects.bulk_create(
            Snapshot(
                week=week,
                region_id=s.region_id,
                measure_id=s.measure_id,
                households=s.households,
                installed=s.installed,
            )
            for s in previous
        )
    Snapshot.objects.filter(week=week, region__name="温县", measure__slug="hose_lpg").delete()
    with pytest.raises(WeekWorkflowError) as refused:
        week_publish(week=week, actor=bureau)
    assert "温县" in refused.value.message


def test_publishing_with_a_reason_is_allowed_and_audited(bureau):
    week = open_scenario(state=Week.State.LOCKED)
    reason = "三区系统故障，经分管领导同意先行发布"
    week_publish(week=week, actor=bureau, reason=reason)
    week.refresh_from_db()
    assert week.state == Week.State.PUBLISHED
    entries = audit.audit_entries(audit.audit_queryset(week=week, include_figures=False))
    assert (entries[0].user, entries[0].note) == (bureau, reason)


def test_a_complete_week_publishes_without_a_reason(bureau):
    week = open_scenario(state=Week.State.LOCKED)
    for name in ("山阳区", "马村区", "中站区"):
        for s in Snapshot.objects.filter(week__date="2022-11-21", region__name=name):
            Snapshot.objects.create(
                week=week,
                region_id=s.region_id,
                measure_id=s.measure_id,
                households=s.households,
                installed=s.installed,
            )
    week_publish(week=week, actor=bureau)
    week.refresh_from_db()
    assert week.state == Week.State.PUBLISHED


# The confirmation pages.


def test_the_lock_confirmation_lists_the_missing_and_what_is_carried(client, bureau):
    open_scenario()
    html = client.get(LOCK).content.decode()
    assert "未填报：</strong> 山阳区、马村区、中站区" in html
    assert html.count("沿用11月21日数据") >= 9  # 3 regions × 3 measures, in the list
    assert 'class="progress-table"' in html  # the preview of the table
    assert "※注：" not in html and "注：山阳区、马村区、中站区沿用11月21日数据。" in html


def test_the_publish_confirmation_asks_the_reason_and_refusal_returns_to_it(client, bureau):
    week = open_scenario(state=Week.State.LOCKED)
    html = client.get(PUBLISH).content.decode()
    assert 'name="reason" maxlength="100" required' in html
    response = client.post(PUBLISH, {"reason": ""})
    assert response["Location"] == PUBLISH
    week.refresh_from_db()
    assert week.state == Week.State.LOCKED
    response = client.post(PUBLISH, {"reason": "三区系统故障"})
    assert response["Location"] == reverse("installs:week_status", args=[WEEK])
    week.refresh_from_db()
    assert week.state == Week.State.PUBLISHED


@pytest.mark.parametrize("role", ["district", "leader"])
def test_only_bureau_staff_see_the_confirmation(client, role):
    week = open_scenario()
    region = None if role != "district" else week.snapshot_set.first().region
    client.force_login(make_user("someone", role, region))
    assert client.get(LOCK).status_code == 403
