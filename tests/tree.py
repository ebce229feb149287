"""
A deployment with two provinces, four cities and five counties, two weeks: the
tables at every level, with figures chosen so the sums are easy to write by hand.

河南省 › 焦作市: 解放区 (100 households; 30 → 40 installed), 山阳区 (200; 50, then
         not reported: carried); 焦作市 300, 80 → 90, new 10, 26.7% → 30.0%
       › 新乡市: 红旗区 (100; 20 → 30): 20.0% → 30.0%, new 10 (tied with 焦作市)
       › 洛阳市: 西工区 (100; 10 → 50): 10.0% → 50.0%, new 40
山西省 › 太原市: 小店区 (1000; 100 → 400): 10.0% → 40.0%, new 300
"""

from __future__ import annotations

from dataclasses import dataclass

from installs.models import Area, Measure, Week
from tests.factories import make_area, make_measure, make_region, make_snapshot, make_week


@dataclass
class Tree:
    henan: Area
    jiaozuo: Area
    xinxiang: Area
    luoyang: Area
    shanxi: Area
    taiyuan: Area
    measure: Measure
    last_week: Week
    week: Week


def two_provinces(*, state: str = Week.State.OPEN) -> Tree:
    henan = make_area("河南省", "410000")
    jiaozuo = make_area("焦作市", "410800", henan, order=1)
    xinxiang = make_area("新乡市", "410700", henan, order=2)
    luoyang = make_area("洛阳市", "410300", henan, order=3)
    shanxi = make_area("山西省", "140000", order=1)
    taiyuan = make_area("太原市", "140100", shanxi)
    measure = make_measure("valve_pipe")
    last_week = make_week("2022-11-14", state=state)
    week = make_week("2022-11-21", state=state)
    figures = [
        ("解放区", "jiefang", jiaozuo, 100, 30, 40),
        ("山阳区", "shanyang", jiaozuo, 200, 50, None),
        ("红旗区", "hongqi", xinxiang, 100, 20, 30),
        ("西工区", "xigong", luoyang, 100, 10, 50),
        ("小店区", "xiaodian", taiyuan, 1000, 100, 400),
    ]
    for order, (name, slug, city, households, before, now) in enumerate(figures):
        region = make_region(name, slug, order=order, city=city)
        make_snapshot(last_week, region, measure, households, before)
        if now is not None:
            make_snapshot(week, region, measure, households, now)
    return Tree(henan, jiaozuo, xinxiang, luoyang, shanxi, taiyuan, measure, last_week, week)
