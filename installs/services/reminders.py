"""
催报: reminding the regions that have not fully reported a week.

Automatic reminders go out at settings.REMINDER_OFFSETS around the week's
填报截止时间 (``reminders_send_due``, run by ``manage.py remind_late`` from cron);
bureau staff press 一键催报 (``reminders_send_now``), again after a cool-down.
A Reminder row per week × region × occasion, under a unique constraint, is
what makes a repeated or overlapping run send nothing twice. Each batch is one
text in the districts' WeCom (and DingTalk) group naming the regions with @ of
their liaisons, and an e-mail to each liaison who has an address; all of it
through the outbox (installs.outbox), never sent inside the request.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from installs import areas, deadline_rules, deadlines, outbox
from installs.models import Area, OutboxMessage, Region, RegionContact, Reminder, Week
from installs.permissions import Role, user_role

ROBOT = "districts"
MANUAL = "manual"


class ReminderRefused(Exception):
    """一键催报 that cannot go now; the message says why, in the user's language."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class ReminderBatch:
    week: Week
    occasion: str
    regions: list[Region]
    messages: list[OutboxMessage] = field(default_factory=list)


def regions_to_remind(week: Week, *, now: datetime.datetime | None = None) -> list[Region]:
    """The active regions that have not reported the week (rules.has_reported), in official order."""
    return [row.region for row in deadlines.week_timeliness(week, now=now) if not row.reported]


def reminder_text(
    week: Week,
    regions: list[Region],
    contacts: dict[int, list[RegionContact]] | None = None,
    *,
    now: datetime.datetime | None = None,
) -> str:
    """The 催报 text: the same in the WeCom group, the e-mails and the box to copy."""
    now = now or timezone.now()
    deadline = deadlines.deadline_text(week, now=now)
    contacts = contacts or {}
    names = []
    for region in regions:
        liaisons = "、".join(c.name for c in contacts.get(region.pk, []))
        names.append(f"{region.name}（{liaisons}）" if liaisons else region.name)
    if deadline["passed"]:
        when = _("the deadline %(when)s has passed (overdue by %(overdue)s)") % {
            "when": deadline["when"],
            "overdue": deadline["remaining"],
        }
    else:
        when = _("the deadline is %(when)s (%(left)s left)") % {
            "when": deadline["when"],
            "left": deadline["remaining"],
        }
    return _(
        "[Reminder] Week of %(date)s: %(when)s. Not yet fully reported: %(regions)s. "
        "Please report as soon as possible."
    ) % {
        "date": formats.date_format(week.date, "MONTH_DAY_FORMAT"),
        "when": when,
        "regions": "、".join(names),
    }


def contacts_of(regions: list[Region]) -> dict[int, list[RegionContact]]:
    found: dict[int, list[RegionContact]] = {}
    for contact in RegionContact.objects.filter(region__in=regions).order_by("name", "pk"):
        found.setdefault(contact.region_id, []).append(contact)
    return found


def reminders_send_due(
    *, week: Week, city: Area | None = None, now: datetime.datetime | None = None
) -> ReminderBatch | None:
    """
    The automatic 催报 due now for an open week: the latest occasion whose time
    has come, to the regions (of ``city``; None: all) not yet reminded on it. An
    earlier occasion missed (the server was down) is not sent late on top of it.
    None when nothing is due. A deployment of several cities sends one batch per
    city (``manage.py remind_late``): one text names one city's counties.
    """
    now = now or timezone.now()
    if week.state != Week.State.OPEN:
        return None
    offsets = deadline_rules.parse_offsets(settings.REMINDER_OFFSETS)
    due = deadline_rules.due_occasions(
        deadline=deadlines.week_deadline(week), offsets=offsets, now=now
    )
    if not due:
        return None
    return _send(week=week, occasion=due[-1], actor=None, city=city, now=now)


def reminders_send_now(
    *, week: Week, actor, city: Area | None = None, now: datetime.datetime | None = None
) -> ReminderBatch:
    """
    一键催报 by bureau staff: every region of ``city`` not fully reported, now;
    again after the cool-down (counted per city). None: every region under the
    actor's area. A city outside the actor's area is refused.
    """
    if user_role(actor) != Role.BUREAU:
        raise PermissionDenied
    top = areas.bound_area(actor)
    if city is None:
        city = top  # a province's bureau without a city: every city of its province
    elif not areas.contains(top, city):
        raise PermissionDenied
    now = now or timezone.now()
    cooldown = datetime.timedelta(minutes=settings.REMINDER_MANUAL_COOLDOWN_MINUTES)
    with transaction.atomic():
        # The week row serialises two clicks: the second sees the first's reminders.
        week = Week.objects.select_for_update().get(pk=week.pk)
        if week.state != Week.State.OPEN:
            raise ReminderRefused(
                _("The week is %(state)s: districts cannot report, so there is nobody to remind.")
                % {"state": week.get_state_display()},
                code="not_open",
            )
        sent = Reminder.objects.filter(week=week, occasion__startswith=f"{MANUAL}-")
        if city is not None:
            sent = sent.filter(region__city__in=areas.cities_in(city))
        last = sent.order_by("-created_at").first()
        if last is not None and last.created_at > now - cooldown:
            again = timezone.localtime(last.created_at + cooldown)
            raise ReminderRefused(
                _(
                    "A reminder went out at %(last)s; the next one-click reminder is possible at %(again)s."
                )
                % {
                    "last": f"{timezone.localtime(last.created_at):%H:%M}",
                    "again": f"{again:%H:%M}",
                },
                code="cooldown",
            )
        batch = _send(
            week=week, occasion=f"{MANUAL}-{now:%Y%m%dT%H%M%S}", actor=actor, city=city, now=now
        )
        if not batch.regions:
            raise ReminderRefused(
                _("Every region has fully reported: nobody to remind."), code="nobody"
            )
    return batch


def _send(
    *, week: Week, occasion: str, actor, city: Area | None, now: datetime.datetime
) -> ReminderBatch:
    """``city`` may be a province (a province's bureau): then its cities' regions."""
    regions = regions_to_remind(week, now=now)
    if city is not None:
        cities = {c.pk for c in areas.cities_in(city)}
        regions = [r for r in regions if r.city_id in cities]
    batch = ReminderBatch(week=week, occasion=occasion, regions=[])
    with transaction.atomic():
        for region in regions:
            try:
                with transaction.atomic():  # a savepoint: a duplicate is skipped, not fatal
                    Reminder.objects.create(
                        week=week,
                        region=region,
                        occasion=occasion,
                        created_by=actor,
                        created_at=now,
                    )
            except IntegrityError:
                continue  # this region was reminded on this occasion already
            batch.regions.append(region)
        if batch.regions:
            batch.messages = _enqueue(week, batch.regions, occasion, actor, now)
    return batch


def _enqueue(week, regions, occasion, actor, now) -> list[OutboxMessage]:
    contacts = contacts_of(regions)
    text = reminder_text(week, regions, contacts, now=now)
    summary = _("Reminder of the week of %(date)s: %(regions)s") % {
        "date": formats.date_format(week.date, "MONTH_DAY_FORMAT"),
        "regions": "、".join(r.name for r in regions),
    }
    everyone = [c for region in regions for c in contacts.get(region.pk, [])]
    mobiles = [c.mobile for c in everyone if c.mobile]
    userids = [c.wecom_userid for c in everyone if c.wecom_userid]
    common = {
        "summary": summary,
        "source": "reminder",
        "week": week,
        "actor": actor,
        "regions": regions,
    }
    messages = []
    if outbox.robot_configured(OutboxMessage.Channel.WECOM, ROBOT):
        messages.append(
            outbox.enqueue_wecom_text(
                robot=ROBOT,
                content=_fit(text, outbox.WECOM_TEXT_MAX_BYTES),
                mentioned_mobiles=mobiles,
                mentioned_userids=userids,
                **common,
            )
        )
    if outbox.robot_configured(OutboxMessage.Channel.DINGTALK, ROBOT):
        messages.append(
            outbox.enqueue_dingtalk_text(
                robot=ROBOT, content=text, mentioned_mobiles=mobiles, **common
            )
        )
    for region in regions:
        addresses = [c.email for c in contacts.get(region.pk, []) if c.email]
        if addresses:
            messages.append(
                outbox.enqueue_email(
                    to=addresses,
                    subject=_("[Reminder] %(region)s: please report the week of %(date)s")
                    % {
                        "region": region.name,
                        "date": formats.date_format(week.date, "MONTH_DAY_FORMAT"),
                    },
                    body=reminder_text(week, [region], contacts, now=now),
                    **{**common, "summary": f"{summary}（{region.name}）", "regions": [region]},
                )
            )
    return messages


def _fit(text: str, max_bytes: int) -> str:
    """Cut a text to the robot's byte limit (eleven region names never reach it)."""
    encoded = text.encode()
    if len(encoded) <= max_bytes:
        return text
    return encoded[: max_bytes - 3].decode(errors="ignore") + "…"
