"""
A made-up campaign for benchmarks and demos: the tree of areas and counties
with GB/T 2260-shaped codes and plausible names, the report dates, and each
(county, measure)'s cumulative figures week after week.

No Django here: ``services.campaign`` writes what this module draws. Everything
comes from one ``random.Random(seed)``, drawn in a fixed order, so a seed gives
the same campaign on any machine and database.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

# The 31 provincial-level divisions of the mainland with their GB/T 2260 codes, in code order.
PROVINCES: list[tuple[str, str]] = [
    ("11", "北京市"),
    ("12", "天津市"),
    ("13", "河北省"),
    ("14", "山西省"),
    ("15", "内蒙古自治区"),
    ("21", "辽宁省"),
    ("22", "吉林省"),
    ("23", "黑龙江省"),
    ("31", "上海市"),
    ("32", "江苏省"),
    ("33", "浙江省"),
    ("34", "安徽省"),
    ("35", "福建省"),
    ("36", "江西省"),
    ("37", "山东省"),
    ("41", "河南省"),
    ("42", "湖北省"),
    ("43", "湖南省"),
    ("44", "广东省"),
    ("45", "广西壮族自治区"),
    ("46", "海南省"),
    ("50", "重庆市"),
    ("51", "四川省"),
    ("52", "贵州省"),
    ("53", "云南省"),
    ("54", "西藏自治区"),
    ("61", "陕西省"),
    ("62", "甘肃省"),
    ("63", "青海省"),
    ("64", "宁夏回族自治区"),
    ("65", "新疆维吾尔自治区"),
]
MAX_PROVINCES = len(PROVINCES)
# Two digits each in the code: 01..99.
MAX_CHILDREN = 99
# The campaign's last report date: a fixed Monday, so a seed gives the same dates whenever it runs.
LAST_DATE = datetime.date(2026, 11, 23)
# Region slugs of generated counties start so: how a generated database is recognised.
SLUG_PREFIX = "gen-"

# Characters place names are made of (common in real county and city names).
_FIRST = "安宝长城大德东丰福富广海和河华怀嘉建江金京开康乐临隆茂明南宁平青庆瑞山上双顺泰通武西祥新兴阳永裕云章镇中"
_SECOND = "安川丰阜关汉和湖华化口乐林陵门宁平浦桥清泉沙山水台塘田亭溪乡阳原远州庄"
CITY_SUFFIX = "市"
COUNTY_SUFFIXES = ("县", "区", "县", "市", "县", "区")


@dataclass(frozen=True)
class County:
    code: str
    name: str
    order: int

    @property
    def slug(self) -> str:
        return f"{SLUG_PREFIX}{self.code}"


@dataclass(frozen=True)
class City:
    code: str
    name: str
    order: int
    counties: list[County] = field(default_factory=list)


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    order: int
    cities: list[City] = field(default_factory=list)


def report_dates(weeks: int, last: datetime.date = LAST_DATE) -> list[datetime.date]:
    """``weeks`` Mondays ending at ``last``, oldest first."""
    return [last - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _unique_name(rng: random.Random, taken: set[str], suffix: str) -> str:
    """Two characters and a suffix, not among ``taken`` (siblings' names)."""
    while True:
        name = rng.choice(_FIRST) + rng.choice(_SECOND) + suffix
        if name not in taken:
            taken.add(name)
            return name


def area_tree(rng: random.Random, *, provinces: int, cities: int, counties: int) -> list[Province]:
    """
    ``provinces`` real provinces (by code order), ``cities`` cities in each and
    ``counties`` counties in each city, coded as GB/T 2260 does: the province's
    two digits + 0000, a city + 01.. + 00, a county + 01..; names unique among siblings.
    """
    if not 1 <= provinces <= MAX_PROVINCES:
        raise ValueError(f"provinces must be 1..{MAX_PROVINCES}")
    if not 1 <= cities <= MAX_CHILDREN or not 1 <= counties <= MAX_CHILDREN:
        raise ValueError(f"cities and counties must be 1..{MAX_CHILDREN}")
    tree = []
    for p, (prefix, province_name) in enumerate(PROVINCES[:provinces], start=1):
        province = Province(code=f"{prefix}0000", name=province_name, order=p)
        city_names: set[str] = set()
        for c in range(1, cities + 1):
            city = City(
                code=f"{prefix}{c:02d}00",
                name=_unique_name(rng, city_names, CITY_SUFFIX),
                order=c,
            )
            county_names: set[str] = set()
            for d in range(1, counties + 1):
                suffix = COUNTY_SUFFIXES[rng.randrange(len(COUNTY_SUFFIXES))]
                city.counties.append(
                    County(
                        code=f"{prefix}{c:02d}{d:02d}",
                        name=_unique_name(rng, county_names, suffix),
                        order=d,
                    )
                )
            province.cities.append(city)
        tree.append(province)
    return tree


@dataclass
class Course:
    """One (county, measure)'s figures so far and how it moves."""

    households: int
    installed: int
    pace: float  # mean weekly new installs while it moves
    stall: float  # the chance of a week with no new installs
    growth: float  # the chance of a week in which households grow a little


def start_course(rng: random.Random, *, piped: bool, weeks: int) -> Course:
    """
    A county's start: piped gas has tens of thousands of households, bottled gas
    (液化气) hundreds to a few thousand. Some start with a tenth done, some from
    nothing; paces vary from reaching half the households in the campaign to
    finishing early; some counties stall often.
    """
    households = rng.randint(8_000, 160_000) if piped else rng.randint(40, 9_000)
    return Course(
        households=households,
        installed=int(households * rng.uniform(0.0, 0.12)),
        pace=households * rng.uniform(0.4, 1.6) / weeks,
        stall=rng.choice((0.05, 0.15, 0.25, 0.5)),
        growth=rng.uniform(0.0, 0.05),
    )


def advance(rng: random.Random, course: Course) -> tuple[int, int]:
    """
    The next week's cumulative (households, installed): households steady or
    slowly growing, installed never falling and never above households.
    """
    if rng.random() < course.growth:
        course.households += rng.randint(0, course.households // 200 + 1)
    if rng.random() >= course.stall and course.pace > 0:
        course.installed += int(rng.expovariate(1 / course.pace))
    course.installed = min(course.installed, course.households)
    return course.households, course.installed


def weekly_figures(
    rng: random.Random, *, pairs: int, piped: list[bool], weeks: int
) -> Iterator[list[tuple[int, int]]]:
    """
    Week after week (oldest first), each pair's cumulative (households,
    installed), pairs in the order given; ``piped[i]`` says pair i's gas supply.
    One week's list at a time: memory stays flat however many weeks.
    """
    courses = [start_course(rng, piped=piped[i], weeks=weeks) for i in range(pairs)]
    for _ in range(weeks):
        yield [advance(rng, course) for course in courses]
