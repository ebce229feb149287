"""
The weekly notice (进度通报, 第N期): made when a week is published, frozen from then on.

``notice_make`` runs inside ``week_publish``'s transaction: the week turns
published and its notices exist together, or neither does. A notice is one
area's: the deployment's top table (``areas.descend(None)``) has one (a city:
its county notice, as before the tree; a province or the nation: the level
notice, its table of children), and in a deployment of several cities so does
every table below it that people open (each province's with several cities,
each city's). Each is numbered within its area (第N期 counts that area's notices).

A county notice reads the week as the ranking page computes it
(``selectors.week_progress`` and the pace forecast) and words it with the
ranking page's summary (``installs.summary``); a level notice reads the level
table (``level_selectors.level_progress``) and its summary
(``level_tables.level_summary``). ``installs.notice_documents`` lays out the PDF
and the PNG. Withdrawing a publication keeps the notices; publishing again makes
new numbers.

The notices below the top are made in the publishing transaction up to
``NOTICES_IN_PUBLISH`` of them (a province's 17 cities take about 6 s); above
that (a nation's 300 cities and 30 provinces would hold the week row for
minutes) the transaction makes the top's only, and the task
``make_notices_below_top`` (``installs.tasks``, run by the worker after the
commit) makes the others, one short transaction each, only while that
publication stands.

``notice_send`` queues what leadership are sent in the outbox, in the same
transaction as the notice: the WeCom group robot's markdown summary and the
table image of the top notice, and to every leader with an address the PDF of
their own area's notice (``Profile.area``; none: the top).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from installs import (
    areas,
    deadlines,
    level_selectors,
    level_tables,
    notice_documents,
    outbox,
    selectors,
    summary,
)
from installs.models import Area, Notice, OutboxMessage, Profile, Week

# Two weeks published at the same moment may both take the same next number; the
# unique constraint refuses the second, which takes the number after (a few tries).
NUMBER_ATTEMPTS = 5
# The WeCom robot refuses markdown of more than 4096 bytes (UTF-8).
WECOM_MARKDOWN_MAX_BYTES = outbox.WECOM_MARKDOWN_MAX_BYTES
# Up to this many notices below the top are made in the publishing transaction
# (about 0.35 s each); above it, all of them by the background task after the commit.
NOTICES_IN_PUBLISH = 20

Content = notice_documents.NoticeContent | notice_documents.LevelNoticeContent


def notice_areas() -> list[Area | None]:
    """
    Whose notices a publication makes, the deployment's top first: the table each
    area opens on (``areas.descend``), each once. One city: [the city]. A province
    of cities: [the province, its cities…]. The nation: [None, each province with
    several cities, every city].
    """
    top = areas.descend(None)
    found: list[Area | None] = [top]
    if areas.has_many_cities():
        provinces = areas.children(None)
        for area in [*provinces, *areas.cities_in(None)]:
            shown = areas.descend(area)
            if shown not in found:
                found.append(shown)
    return found


def notice_area_for(area: Area | None) -> Area | None:
    """Whose notices an area's pages show: the table it opens on (``areas.descend``)."""
    return areas.descend(area)


def is_level(area: Area | None) -> bool:
    """Whether an area's notice is a level notice (a table of children) or a county one."""
    return not (area is not None and area.is_city) and bool(areas.children(area))


def notice_make(*, week: Week, actor) -> Notice:
    """
    The week's notices, each with its area's next number, stored with its
    summary text and documents, and queued for leadership; returns the top's.
    Call it inside the publishing transaction; the week's figures are read as
    they stand in it.
    """
    top, *below = notice_areas()
    name = _publisher_name(actor)
    published_at = timezone.now()
    made = notice_make_one(week=week, area=top, actor=actor, name=name, at=published_at)
    if len(below) <= NOTICES_IN_PUBLISH:
        for area in below:
            notice_make_one(week=week, area=area, actor=actor, name=name, at=published_at)
    else:
        top_pk, actor_pk = made.pk, getattr(actor, "pk", None)
        transaction.on_commit(lambda: _enqueue_notices_below_top(top_pk, actor_pk))
    return made


def notice_make_one(
    *, week: Week, area: Area | None, actor, name: str, at: datetime.datetime
) -> Notice:
    """One area's notice of the week with the area's next number, queued for its leaders."""
    content = notice_content(week, number=None, area=area)
    numbered_notices = Notice.objects.filter(area=area)  # None: IS NULL, the root's
    for _attempt in range(NUMBER_ATTEMPTS):
        number = (numbered_notices.aggregate(last=Max("number"))["last"] or 0) + 1
        numbered = _numbered(content, number=number, published_at=at, published_by=name)
        with translation.override(settings.LANGUAGE_CODE):
            files = notice_documents.notice_files(numbered)
            text = notice_text(numbered)
        notice = Notice(
            area=area,
            number=number,
            week=week,
            summary_text=text,
            png=files.png,
            pdf=files.pdf,
            published_at=at,
            published_by=actor,
            published_by_name=name,
        )
        try:
            with transaction.atomic():  # a savepoint: a taken number is retried, not fatal
                notice.save()
        except IntegrityError:
            continue
        notice_send(notice, actor=actor)
        return notice
    raise IntegrityError("No free notice number after several attempts.")


def _numbered(content: Content, **fields) -> Content:
    return type(content)(
        **{**{f: getattr(content, f) for f in content.__dataclass_fields__}, **fields}
    )


def _enqueue_notices_below_top(top_pk: int, actor_pk: int | None) -> None:
    from installs.tasks import make_notices_below_top

    make_notices_below_top.enqueue(top_pk, actor_pk)


def notices_below_top_make(*, top_notice_id: int, actor=None) -> list[Notice]:
    """
    The notices below the top of the publication whose top notice is
    ``top_notice_id`` (the background half of ``notice_make``): each area that
    has none of that publication gets one, in a transaction of its own with the
    week row locked, while the week is still published and that publication is
    still its latest. Repeating it makes nothing twice.
    """
    top = Notice.objects.filter(pk=top_notice_id).defer("png", "pdf").first()
    if top is None:
        return []
    made = []
    name = top.published_by_name
    for area in notice_areas()[1:]:
        with transaction.atomic():
            week = Week.objects.select_for_update().get(pk=top.week_id)
            latest = (
                Notice.objects.filter(week=week, area=top.area)
                .order_by("-number")
                .values_list("pk", flat=True)
                .first()
            )
            if week.state != Week.State.PUBLISHED or latest != top.pk:
                return made  # withdrawn, or published again: that publication has its own
            if Notice.objects.filter(week=week, area=area, published_at=top.published_at).exists():
                continue
            made.append(
                notice_make_one(week=week, area=area, actor=actor, name=name, at=top.published_at)
            )
    return made


def notice_content(week: Week, *, number: int | None, area: Area | None | bool = False) -> Content:
    """
    What an area's notice of the week shows (``area`` not given: the deployment's
    top); ``number`` None for a preview (marked not published).
    """
    top = areas.descend(None)
    if area is False:
        area = top
    if is_level(area):
        return _level_content(week, area, number=number)
    city = area if area is not None and area.is_city else None
    progress = selectors.week_progress(week, city)
    forecast = selectors.week_forecast(progress)
    with translation.override(settings.LANGUAGE_CODE):
        paragraphs = [
            notice_documents.Paragraph(label=p.label, text=p.text)
            for p in summary.summary_paragraphs(
                summary.week_summary(
                    progress, forecast, statuses=deadlines.week_statuses(week, city=city)
                )
            )
        ]
    # The deployment's own city keeps PROGRESS_TABLE_TITLE; another city its name's.
    title = None if area == top else level_tables.level_title(area)
    return notice_documents.NoticeContent(
        progress=progress, number=number, paragraphs=paragraphs, title=title
    )


def _level_content(
    week: Week, area: Area | None, *, number: int | None
) -> notice_documents.LevelNoticeContent:
    progress = level_selectors.level_progress(week, area)
    previous = (
        level_selectors.level_progress(progress.previous_week, area)
        if progress.previous_week is not None
        else None
    )
    with translation.override(settings.LANGUAGE_CODE):
        paragraphs = [
            notice_documents.Paragraph(label=line["label"], text=line["text"])
            for line in level_tables.level_summary(progress, previous)
        ]
    return notice_documents.LevelNoticeContent(
        progress=progress, number=number, paragraphs=paragraphs
    )


def notice_preview(week: Week, area: Area | None | bool = False) -> notice_documents.NoticeFiles:
    """The documents an area's notice (default: the top's) would have now, marked not published."""
    content = notice_content(week, number=None, area=area)
    with translation.override(settings.LANGUAGE_CODE):
        return notice_documents.notice_files(content)


def notice_text(content: Content) -> str:
    """
    The summary as plain text to paste into a chat group: the heading, the
    table's title and date, then one line per paragraph (label：sentence).
    """
    week = content.progress.week
    lines = [
        notice_documents.notice_heading(content.number),
        f"{content.shown_title}（{summary.date_text(week.date)}）",
    ]
    lines += [
        _("%(label)s: %(text)s") % {"label": p.label, "text": p.text} for p in content.paragraphs
    ]
    return "\n".join(lines)


def _publisher_name(actor) -> str:
    if actor is None:
        return _("command line")
    return actor.get_full_name() or actor.get_username()


# What leadership are sent.

LEADERS_ROBOT = "leaders"  # settings.WECOM_ROBOTS: the webhook of WECOM_WEBHOOK_LEADERS
OUTBOX_SOURCE = "notice"


def notice_send(notice: Notice, *, actor=None) -> list[OutboxMessage]:
    """
    Queue the notice for leadership in the outbox (delivered by its worker after
    the commit; nothing is sent if the publication rolls back): to their WeCom
    group the markdown summary, then the table image; by e-mail the PDF, to
    every active leader with an address. A channel with nowhere to go (no
    webhook set, no address) is left out.
    """
    queued = []
    top = areas.descend(None)
    with translation.override(settings.LANGUAGE_CODE):
        heading = notice_documents.notice_heading(notice.number)
        named = f"{_area_prefix(notice.area)}{heading}"
        common = {
            "source": OUTBOX_SOURCE,
            "week": notice.week,
            "actor": actor,
            "area": notice.area,
        }
        # The leadership group's robot: the deployment's top notice, as before the tree.
        if notice.area == top and outbox.robot_configured(
            OutboxMessage.Channel.WECOM, LEADERS_ROBOT
        ):
            queued.append(
                outbox.enqueue_wecom_markdown(
                    robot=LEADERS_ROBOT,
                    content=wecom_markdown(notice.summary_text),
                    summary=heading,
                    **common,
                )
            )
            queued.append(
                outbox.enqueue_wecom_image(
                    robot=LEADERS_ROBOT,
                    image=bytes(notice.png),
                    summary=_("%(heading)s: table image") % {"heading": heading},
                    **common,
                )
            )
        addresses = leader_addresses(notice.area)
        if addresses:
            queued.append(
                outbox.enqueue_email(
                    to=addresses,
                    subject=f"{named} {summary.date_text(notice.week.date)}",
                    body=notice.summary_text,
                    attachments=[
                        outbox.Attachment(
                            notice_filename(notice, "pdf"), bytes(notice.pdf), "application/pdf"
                        )
                    ],
                    summary=_("%(heading)s: PDF by e-mail") % {"heading": named},
                    **common,
                )
            )
    return queued


def wecom_markdown(text: str) -> str:
    """
    The summary as WeCom markdown: the heading bold, a line per paragraph, and
    cut at whole lines to the robot's 4096 bytes.
    """
    first, *rest = text.split("\n")
    lines = [f"**{first}**", *rest]
    kept: list[str] = []
    for line in lines:
        candidate = "\n".join([*kept, line])
        if len(candidate.encode("utf-8")) > WECOM_MARKDOWN_MAX_BYTES:
            break
        kept.append(line)
    return "\n".join(kept)


def leader_addresses(area: Area | None | bool = False) -> list[str]:
    """
    The e-mail addresses of active leadership accounts whose own area's notice
    is ``area``'s (not given: the top's), each once, in a stable order. A leader
    bound to no area reads the top notice; one bound to an area, the notice of the
    table that area opens on (``areas.descend``).
    """
    if area is False:
        area = areas.descend(None)
    users = (
        get_user_model()
        .objects.filter(is_active=True, profile__role=Profile.Role.LEADER)
        .exclude(email="")
        .select_related("profile__area")
    )
    shown: dict[int | None, Area | None] = {}
    addresses = set()
    for user in users:
        bound = user.profile.area
        key = bound.pk if bound is not None else None
        if key not in shown:
            shown[key] = areas.descend(bound)
        if shown[key] == area:
            addresses.add(user.email)
    return sorted(addresses)


def area_name(area: Area | None) -> str:
    """Whose notice: the area's name, 全国 for the root."""
    return level_tables.area_name(area)


def _area_prefix(area: Area | None) -> str:
    """The area's name before a notice's name, in a deployment of several cities only."""
    if not areas.has_many_cities():
        return ""
    return f"{area_name(area)}_"


def notice_filename(notice: Notice, extension: str) -> str:
    """
    进度通报第3期_2022-11-21.pdf: the number and the week, as a download's name;
    in a deployment of several cities the area's name first (焦作市_进度通报（第3期）_…).
    """
    return _area_prefix(notice.area) + _notice_filename(notice.number, notice.week.date, extension)


def preview_filename(date: datetime.date, extension: str, area: Area | None | bool = False) -> str:
    """进度通报（未发布）_2022-11-21.pdf: a preview is never taken for a published notice."""
    prefix = "" if area is False else _area_prefix(area)
    return prefix + _notice_filename(None, date, extension)


def _notice_filename(number: int | None, date: datetime.date, extension: str) -> str:
    name = notice_documents.notice_heading(number)
    return f"{name}_{date.isoformat()}.{extension}".replace(" ", "_")
