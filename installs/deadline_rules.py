"""
The rules of the 填报截止时间 (reporting deadline) and of 催报, as plain
functions of dates and times: no ORM, no request, no settings.

- A week's default deadline is written "<days> <HH:MM>": that many days after
  the report date, at that time in Asia/Shanghai ("0 12:00": noon of the report
  date; "-1 17:00": 17:00 the day before).
- A region's report time is the moment it became reported (whether it has is
  the one rule rules.has_reported; the intent is "a figure for every active
  measure"): the latest of the first saves of its figures. A correction made
  after that does not make a region late.
- Reported by the deadline (report time ≤ deadline): 按时; after it: 逾期填报;
  not reported and the deadline passed: 逾期未填报; not yet, and still time:
  未填报. Reported with no known report time (figures loaded from a fixture or
  a backup, never saved through the app): 时间不详, counted neither on time
  nor late.
- A region's on-time rate over the campaign is DHIS2's "reporting rate on
  time": weeks it reported on time / weeks that had a deadline that has passed.
- Reminder offsets are written "-2h,+0h,+24h" (h hours, m minutes) relative to
  the deadline; an occasion is due once its time has come, and is sent once.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

ON_TIME = "on_time"
LATE = "late"
OVERDUE = "overdue"  # not fully reported, deadline passed
PENDING = "pending"  # not fully reported, deadline still ahead
UNKNOWN = "unknown"  # reported, but when is not known (loaded, not saved through the app)

_DEFAULT_SPEC = re.compile(r"^\s*([+-]?\d{1,2})\s+([01]?\d|2[0-3]):([0-5]\d)\s*$")
_OFFSET = re.compile(r"^([+-])(\d{1,3})([hm])$")


@dataclass(frozen=True)
class DeadlineDefault:
    days: int
    time: datetime.time


def parse_deadline_default(spec: str) -> DeadlineDefault:
    """'0 12:00' → 0 days after the report date at 12:00; ValueError on anything else."""
    match = _DEFAULT_SPEC.match(spec or "")
    if not match:
        raise ValueError(f"{spec!r} is not '<days after the report date> <HH:MM>', e.g. '0 12:00'")
    days, hour, minute = int(match[1]), int(match[2]), int(match[3])
    return DeadlineDefault(days=days, time=datetime.time(hour, minute))


def default_text(spec: str) -> str:
    """The default for people: '报表日期当天 12:00', '报表日期后1天 12:00', '报表日期前1天 17:00'."""
    default = parse_deadline_default(spec)
    time = f"{default.time:%H:%M}"
    if default.days == 0:
        return f"报表日期当天 {time}"
    if default.days > 0:
        return f"报表日期后{default.days}天 {time}"
    return f"报表日期前{-default.days}天 {time}"


def default_deadline(report_date: datetime.date, spec: str) -> datetime.datetime:
    """The default deadline of the week of ``report_date``, an aware time in Asia/Shanghai."""
    default = parse_deadline_default(spec)
    day = report_date + datetime.timedelta(days=default.days)
    return datetime.datetime.combine(day, default.time, tzinfo=SHANGHAI)


def report_time(first_saves: Iterable[datetime.datetime]) -> datetime.datetime | None:
    """
    When a fully reported region became so: the latest of the first saves of
    its figures (None when it has none).
    """
    return max(first_saves, default=None)


def timeliness(
    *,
    reported: bool,
    reported_at: datetime.datetime | None,
    deadline: datetime.datetime,
    now: datetime.datetime,
) -> str:
    """ON_TIME, LATE, OVERDUE, PENDING or UNKNOWN (see the module's docstring)."""
    if reported:
        if reported_at is None:
            return UNKNOWN
        return ON_TIME if reported_at <= deadline else LATE
    return OVERDUE if now > deadline else PENDING


def on_time_rate(statuses: list[str]) -> tuple[int, int]:
    """
    (weeks on time, weeks counted): weeks whose deadline has passed count (on
    time, late or overdue); a week still before its deadline does not, unless the
    region already reported it on time; nor does a week of unknown report time.
    """
    counted = [s for s in statuses if s not in (PENDING, UNKNOWN)]
    return sum(1 for s in counted if s == ON_TIME), len(counted)


def parse_offsets(spec: str) -> list[tuple[str, datetime.timedelta]]:
    """'-2h,+0h,+24h' → [('-2h', -2 h), ('+0h', 0), ('+24h', 24 h)], in time order."""
    offsets = []
    for item in (spec or "").split(","):
        item = item.strip()
        if not item:
            continue
        match = _OFFSET.match(item)
        if not match:
            raise ValueError(f"{item!r} is not an offset like -2h, +0h, +24h or +30m")
        sign = -1 if match[1] == "-" else 1
        unit = datetime.timedelta(hours=1) if match[3] == "h" else datetime.timedelta(minutes=1)
        offsets.append((item, sign * int(match[2]) * unit))
    return sorted(offsets, key=lambda pair: pair[1])


def due_occasions(
    *,
    deadline: datetime.datetime,
    offsets: list[tuple[str, datetime.timedelta]],
    now: datetime.datetime,
) -> list[str]:
    """The occasions whose time (deadline + offset) has come by ``now``."""
    return [name for name, offset in offsets if deadline + offset <= now]


def duration_text(delta: datetime.timedelta) -> str:
    """A duration for people in Chinese: '3天2小时', '3小时20分', '5分', '不到1分'."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"
    return f"{minutes}分" if minutes else "不到1分"
