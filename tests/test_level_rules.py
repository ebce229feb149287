"""
The table at every level (a province's cities, the nation's provinces), without a
database: county rows summed per child, checked against sums written out by hand.
"""

from __future__ import annotations

import pandas as pd

from installs import level_rules, rules

# Three cities of a province: A (counties 11, 12), B (21), C (31, 32).
A, B, C = 1, 2, 3
CHILD_OF = {11: A, 12: A, 21: B, 31: C, 32: C}
CHILDREN = [A, B, C]
LOCK, HOSE = 7, 8  # two measures


def county_table(rows: list[tuple]) -> pd.DataFrame:
    """(region, measure, households, installed, new or None for a carried figure) rows."""
    frame = pd.DataFrame(rows, columns=["region", "measure", "households", "installed", "new"])
    frame["new"] = frame["new"].astype("Int64")
    return frame


# County 31 did not report: its figures are carried (new missing, 未填报); so
# did county 21 for HOSE.
WEEK = county_table(
    [
        (11, LOCK, 100, 40, 5),
        (12, LOCK, 300, 110, 10),
        (21, LOCK, 200, 75, 7),
        (31, LOCK, 100, 20, None),
        (32, LOCK, 100, 30, 3),
        (11, HOSE, 50, 10, 1),
        (12, HOSE, 50, 20, 2),
        (21, HOSE, 10, 5, None),
        (31, HOSE, 20, 2, None),
        (32, HOSE, 20, 6, 1),
    ]
)


def row(sums: pd.DataFrame, child: int, measure: int) -> dict:
    found = sums[(sums["child"] == child) & (sums["measure"] == measure)]
    assert len(found) == 1
    record = found.iloc[0]
    return {
        "households": int(record["households"]),
        "installed": int(record["installed"]),
        "new": None if record["new"] is pd.NA else int(record["new"]),
        "rate": rules.rate_text(record["installed"], record["households"]),
        "rank": None if record["rank"] is pd.NA else int(record["rank"]),
    }


class TestChildSums:
    def test_it_sums_each_city_by_hand(self):
        sums = level_rules.child_sums(WEEK, CHILD_OF, CHILDREN)
        # A: 100+300 = 400 households, 40+110 = 150 installed, 5+10 = 15 new, 150/400 = 37.5%.
        assert row(sums, A, LOCK) == {
            "households": 400,
            "installed": 150,
            "new": 15,
            "rate": "37.5%",
            "rank": 1,
        }
        # B: 75/200 = 37.5%, the same exact rate as A: the same rank.
        assert row(sums, B, LOCK) == {
            "households": 200,
            "installed": 75,
            "new": 7,
            "rate": "37.5%",
            "rank": 1,
        }
        # C: 100+100 = 200, 20+30 = 50 (county 31's carried figure counts), new 3 only
        # (county 31 is 未填报 and adds nothing), 25.0%: rank 3, rank 2 skipped.
        assert row(sums, C, LOCK) == {
            "households": 200,
            "installed": 50,
            "new": 3,
            "rate": "25.0%",
            "rank": 3,
        }

    def test_a_city_whose_counties_are_all_carried_has_no_new_installs(self):
        sums = level_rules.child_sums(WEEK, CHILD_OF, CHILDREN)
        # B's one county is carried for HOSE: 10 households, 5 installed, new unknown, 50.0%.
        assert row(sums, B, HOSE) == {
            "households": 10,
            "installed": 5,
            "new": None,
            "rate": "50.0%",
            "rank": 1,
        }
        assert row(sums, A, HOSE)["rank"] == 2  # 30/100
        assert row(sums, C, HOSE) == {
            "households": 40,
            "installed": 8,
            "new": 1,
            "rate": "20.0%",
            "rank": 3,
        }

    def test_rows_follow_the_childrens_order(self):
        sums = level_rules.child_sums(WEEK, CHILD_OF, [C, A, B])
        assert sums["child"].tolist() == [C, C, A, A, B, B]

    def test_counties_outside_the_children_are_left_out(self):
        outside = pd.concat([WEEK, county_table([(99, LOCK, 1000, 1000, 10)])], ignore_index=True)
        sums = level_rules.child_sums(outside, CHILD_OF, CHILDREN)
        assert set(sums["child"]) == {A, B, C}
        assert row(sums, A, LOCK)["rank"] == 1


class TestTotals:
    def test_the_parent_total_by_hand(self):
        totals = level_rules.level_totals(level_rules.child_sums(WEEK, CHILD_OF, CHILDREN))
        lock = totals.loc[LOCK]
        # 400+200+200 = 800, 150+75+50 = 275, new 15+7+3 = 25, 275/800 = 34.375% → 34.4%.
        assert (int(lock["households"]), int(lock["installed"]), int(lock["new"])) == (800, 275, 25)
        assert rules.rate_text(lock["installed"], lock["households"]) == "34.4%"
        hose = totals.loc[HOSE]
        # 100+10+40 = 150, 30+5+8 = 43, new 3+1 = 4 (B's missing adds nothing), 28.7%.
        assert (int(hose["households"]), int(hose["installed"]), int(hose["new"])) == (150, 43, 4)
        assert rules.rate_text(hose["installed"], hose["households"]) == "28.7%"

    def test_the_total_equals_the_counties_total(self):
        sums = level_rules.child_sums(WEEK, CHILD_OF, CHILDREN)
        by_level = level_rules.level_totals(sums).sort_index()
        by_county = rules.week_totals(WEEK).sort_index()
        pd.testing.assert_frame_equal(by_level, by_county)


class TestMovement:
    def test_places_gained_since_last_week(self):
        # Last week (no new installs): C 60/200 = 30% first, A 100/400 = 25% second,
        # B 40/200 = 20% third.
        last = county_table(
            [
                (11, LOCK, 100, 30, None),
                (12, LOCK, 300, 70, None),
                (21, LOCK, 200, 40, None),
                (31, LOCK, 100, 20, None),
                (32, LOCK, 100, 40, None),
            ]
        )
        current = level_rules.child_sums(WEEK, CHILD_OF, CHILDREN)
        previous = level_rules.child_sums(last, CHILD_OF, CHILDREN)
        movement = level_rules.level_movement(current, previous)
        lock = current["measure"] == LOCK
        by_child = dict(zip(current.loc[lock, "child"], movement[lock], strict=True))
        # A 2 → 1: up 1; B 3 → 1: up 2; C 1 → 3: down 2.
        assert by_child == {A: 1, B: 2, C: -2}
        # HOSE was not ranked last week: no movement.
        assert movement[current["measure"] == HOSE].isna().all()

    def test_a_childs_standing(self):
        current = level_rules.child_sums(WEEK, CHILD_OF, CHILDREN)
        previous = level_rules.child_sums(WEEK.iloc[:5], CHILD_OF, CHILDREN)
        movement = level_rules.level_movement(current, previous)
        standing = level_rules.child_standing(current, movement, C)
        assert standing == [
            level_rules.Standing(measure=LOCK, rank=3, ranked=3, move=0),
            level_rules.Standing(measure=HOSE, rank=3, ranked=3, move=None),
        ]


class TestReported:
    def test_reported_counties_per_child(self):
        # County 31 did not report; 21 reported only LOCK (partly: not reported).
        active = {A: [11, 12], B: [21], C: [31, 32]}
        counts = level_rules.reported_by_child({11, 12, 32}, active)
        assert counts == {A: (2, 2), B: (0, 1), C: (1, 2)}
        assert [level_rules.fully_reported(counts[c]) for c in CHILDREN] == [True, False, False]
