"""The bureau's bulk grid: paste parsing, all-or-nothing saves through figures_save, conflicts, roles."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from installs.grid import parse_paste
from installs.models import Measure, Region, Snapshot, Week
from tests.factories import load_seed, make_user, make_week

# Pure parsing: unsaved regions, no database.

QINYANG = Region(pk=1, name="沁阳市", slug="qinyang")
MENGZHOU = Region(pk=2, name="孟州市", slug="mengzhou", aliases="孟州")
REGIONS = [QINYANG, MENGZHOU]


def parse(text: str, measure_count: int = 3):
    return parse_paste(text, regions=REGIONS, measure_count=measure_count)


def test_it_reads_households_and_installed_pairs():
    pasted = parse("沁阳市\t100\t50\t200\t150\t30\t10")
    assert pasted.errors == []
    assert [(row.region, row.cells) for row in pasted.rows] == [
        (QINYANG, (("100", "50"), ("200", "150"), ("30", "10")))
    ]


def test_it_reads_the_official_five_columns_and_ignores_new_rate_and_rank():
    line = (
        "孟州市\t80147\t29440\t60\t36.7%\t5\t80147\t48055\t60\t60.0%\t8\t6112\t5066\t41\t82.9%\t3"
    )
    pasted = parse(line)
    assert pasted.rows[0].cells == (("80147", "29440"), ("80147", "48055"), ("6112", "5066"))


def test_it_accepts_an_empty_last_rank_trimmed_by_excel():
    line = "孟州市\t10\t5\t\t50.0%\t1\t10\t5\t\t50.0%\t1\t0\t0\t\t\t"
    assert parse(line).rows[0].cells == (("10", "5"), ("10", "5"), ("0", "0"))


def test_it_turns_full_width_digits_into_plain_ones_but_not_look_alikes():
    pasted = parse("沁阳市\t１２３\t①\t1\t1\t1\t1")
    # ① is not turned into a 1 on the way: parse_count refuses it with a message.
    assert pasted.rows[0].cells[0] == ("123", "①")


def test_it_finds_a_region_by_alias_and_slug():
    pasted = parse("孟州\t1\t1\t1\t1\t1\t1\nQINYANG\t2\t2\t2\t2\t2\t2")
    assert [row.region for row in pasted.rows] == [MENGZHOU, QINYANG]


def test_it_skips_header_and_total_lines():
    text = "县(市、区)\t户数\t已安装数\n沁阳市\t1\t1\t1\t1\t1\t1\n合计\t9\t9\t9\t9\t9\t9\n\n"
    pasted = parse(text)
    assert (len(pasted.rows), pasted.errors, pasted.skipped) == (1, [], 2)


def test_it_splits_a_line_without_tabs_on_spaces():
    assert parse("沁阳市 1 2 3 4 5 6").rows[0].cells == (("1", "2"), ("3", "4"), ("5", "6"))


def test_it_names_the_line_of_an_unknown_region():
    pasted = parse("沁阳市\t1\t1\t1\t1\t1\t1\n焦作县\t1\t1\t1\t1\t1\t1")
    assert [(e.line, "焦作县" in e.message) for e in pasted.errors] == [(2, True)]


def test_it_names_the_line_with_the_wrong_number_of_columns():
    pasted = parse("沁阳市\t1\t1\t1\t1")
    assert pasted.rows == []
    assert pasted.errors[0].line == 1
    assert "沁阳市" in pasted.errors[0].message


def test_it_refuses_a_region_given_twice():
    pasted = parse("沁阳市\t1\t1\t1\t1\t1\t1\n沁阳市\t2\t2\t2\t2\t2\t2")
    assert [e.line for e in pasted.errors] == [2]


def test_it_leaves_bad_numbers_to_the_cell_checks():
    # A cell that is not a count is not a paste error: it is shown next to its input.
    assert parse("沁阳市\tabc\t1\t1\t1\t1\t1").rows[0].cells[0] == ("abc", "1")


# The page.

DATE = datetime.date(2022, 11, 28)
SEED_WEEK = datetime.date(2022, 11, 21)
URL = reverse("installs:week_grid", args=[DATE])


@pytest.fixture
def seeded(db):
    load_seed()
    return make_week(DATE)


@pytest.fixture
def bureau(db):
    return make_user("bureau", "bureau")


@pytest.fixture
def bureau_client(client, bureau):
    client.force_login(bureau)
    return client


def snapshot_count(date=DATE) -> int:
    return Snapshot.objects.filter(week__date=date).count()


def pasted_line(region: Region, date=SEED_WEEK, add: int = 0) -> str:
    """The region's seed figures, ``add`` more installed each, as one tab-separated line."""
    cells = []
    for measure in Measure.objects.order_by("order", "pk"):
        s = Snapshot.objects.get(week__date=date, region=region, measure=measure)
        cells += [str(s.households), str(s.installed + add)]
    return "\t".join([region.name, *cells])


def test_it_prefills_with_each_regions_latest_earlier_figures(bureau_client, seeded):
    response = bureau_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="qinyang.valve_pipe.households" value="87326"' in html
    assert 'name="qinyang.valve_pipe.version" value=""' in html


def test_it_prefills_this_weeks_figures_and_their_versions(bureau_client, db):
    load_seed()
    response = bureau_client.get(reverse("installs:week_grid", args=[SEED_WEEK]))
    version = Snapshot.objects.get(
        week__date=SEED_WEEK, region__slug="qinyang", measure__slug="valve_pipe"
    ).version
    assert f'name="qinyang.valve_pipe.version" value="{version}"' in response.content.decode()


def test_it_saves_a_pasted_block_without_javascript(bureau_client, seeded, bureau):
    qinyang, mengzhou = Region.objects.get(slug="qinyang"), Region.objects.get(slug="mengzhou")
    paste = pasted_line(qinyang, add=10) + "\n" + pasted_line(mengzhou, add=5)
    response = bureau_client.post(URL, {"paste": paste})
    assert response.status_code == 302
    saved = Snapshot.objects.filter(week__date=DATE)
    assert saved.count() == 6
    assert saved.get(region=qinyang, measure__slug="valve_pipe").installed == 29577 + 10
    assert {s.updated_by for s in saved} == {bureau}


def test_it_records_the_grid_as_the_source(bureau_client, seeded):
    qinyang = Region.objects.get(slug="qinyang")
    bureau_client.post(URL, {"paste": pasted_line(qinyang, add=1), "reason": "电话报送"})
    record = Snapshot.history.filter(week__date=DATE).first()
    assert record.history_change_reason == "批量填报: 电话报送"


def test_it_saves_nothing_when_the_last_row_has_an_error(bureau_client, seeded):
    regions = list(Region.objects.order_by("order")[:3])
    lines = [pasted_line(r, add=1) for r in regions]
    # The last region: installed above households in its first measure.
    cells = lines[-1].split("\t")
    cells[2] = str(int(cells[1]) + 1)
    lines[-1] = "\t".join(cells)
    response = bureau_client.post(URL, {"paste": "\n".join(lines)})
    assert response.status_code == 200
    assert snapshot_count() == 0
    html = response.content.decode()
    assert regions[-1].name in html and "不能大于" in html


def page_inputs(client, url=None) -> dict[str, str]:
    """What the grid page submits as it stands: every input, pre-filled with the latest figures."""
    return _inputs(client.get(url or URL).content.decode())


def test_it_names_the_cell_that_is_not_a_number(bureau_client, seeded):
    data = {**page_inputs(bureau_client), "qinyang.valve_pipe.installed": "十"}
    response = bureau_client.post(URL, data)
    assert snapshot_count() == 0
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert "沁阳市 · 自闭阀·管道气" in html


def test_it_does_not_report_an_untouched_region(bureau_client, seeded):
    """A region shown with last week's figures and left alone is not saved as reported."""
    data = {**page_inputs(bureau_client), "qinyang.valve_pipe.installed": "29600"}
    bureau_client.post(URL, data)
    assert set(Snapshot.objects.filter(week__date=DATE).values_list("region__slug", flat=True)) == {
        "qinyang"
    }


def test_it_reports_a_ticked_region_with_unchanged_figures(bureau_client, seeded):
    response = bureau_client.get(URL)
    data = {
        name: value
        for name, value in _inputs(response.content.decode()).items()
        if name.startswith("xiuwu.")
    }
    data["xiuwu.include"] = "on"
    assert bureau_client.post(URL, data).status_code == 302
    assert Snapshot.objects.filter(week__date=DATE, region__slug="xiuwu").count() == 3


def test_it_asks_to_confirm_a_decrease_with_a_reason(bureau_client, seeded):
    data = {**page_inputs(bureau_client), "qinyang.valve_pipe.installed": "29000"}
    response = bureau_client.post(URL, data)
    assert snapshot_count() == 0
    assert 'name="confirmed"' in response.content.decode()
    response = bureau_client.post(URL, {**data, "confirmed": "on", "reason": "上周多报"})
    assert response.status_code == 302
    assert snapshot_count() == 3  # the whole row: a region reports every measure


def test_it_shows_the_newer_values_on_a_conflict_and_keeps_the_typed_ones(bureau_client, db):
    load_seed()
    url = reverse("installs:week_grid", args=[SEED_WEEK])
    snapshot = Snapshot.objects.get(
        week__date=SEED_WEEK, region__slug="qinyang", measure__slug="valve_pipe"
    )
    page = page_inputs(bureau_client, url)
    # Someone else saves after the page was opened.
    snapshot.installed = 29600
    snapshot.version += 1
    snapshot.save()
    data = {**page, "qinyang.valve_pipe.installed": "29700", "reason": "电话更正"}
    response = bureau_client.post(url, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'value="29700"' in html and "29600" in html
    snapshot.refresh_from_db()
    assert snapshot.installed == 29600
    # The page now carries the newer version: saving again is a knowing overwrite.
    assert f'name="qinyang.valve_pipe.version" value="{snapshot.version}"' in html


def test_it_shows_paste_errors_and_saves_nothing(bureau_client, seeded):
    response = bureau_client.post(URL, {"paste": "焦作县\t1\t1\t1\t1\t1\t1"})
    assert response.status_code == 200
    assert "焦作县" in response.content.decode()
    assert snapshot_count() == 0


def test_it_needs_a_reason_to_correct_a_locked_week(bureau_client, db):
    load_seed()
    Week.objects.filter(date=SEED_WEEK).update(state=Week.State.LOCKED)
    url = reverse("installs:week_grid", args=[SEED_WEEK])
    page = _inputs(bureau_client.get(url).content.decode())
    line = pasted_line(Region.objects.get(slug="qinyang"), add=1)
    assert bureau_client.post(url, {**page, "paste": line}).status_code == 200
    assert not Snapshot.history.filter(history_change_reason__startswith="批量填报").exists()
    data = {**page, "paste": line, "reason": "区县电话更正"}
    assert bureau_client.post(url, data).status_code == 302
    assert Snapshot.history.filter(history_change_reason="批量填报: 区县电话更正").count() == 3


@pytest.mark.parametrize("role", ["leader", "district"])
def test_it_refuses_other_roles(client, seeded, role):
    region = Region.objects.get(slug="qinyang") if role == "district" else None
    client.force_login(make_user(role, role, region))
    assert client.get(URL).status_code == 403
    line = pasted_line(Region.objects.get(slug="qinyang"), add=1)
    assert client.post(URL, {"paste": line}).status_code == 403
    assert snapshot_count() == 0


def test_it_sends_anonymous_users_to_login(client, seeded):
    response = client.post(URL, {"paste": "沁阳市\t1\t1\t1\t1\t1\t1"})
    assert response.status_code == 302
    assert snapshot_count() == 0


def _inputs(html: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', html))


def test_it_shows_every_blocking_error_at_once(bureau_client, seeded):
    data = {
        "qinyang.valve_pipe.households": "87326",
        "qinyang.valve_pipe.installed": "十",
        "mengzhou.valve_pipe.households": "80147",
        "mengzhou.valve_pipe.installed": "90000",
    }
    html = bureau_client.post(URL, data).content.decode()
    assert "沁阳市 · " in html and "孟州市 · " in html
    assert snapshot_count() == 0
