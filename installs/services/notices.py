"""
The weekly notice (进度通报, 第N期): made when a week is published, frozen from then on.

``notice_make`` runs inside ``week_publish``'s transaction: the week turns
published and its notice exists together, or neither does. It reads the week
as the ranking page computes it (``selectors.week_progress`` and the pace
forecast), words it with the ranking page's summary (``installs.summary``),
lays out the PDF and the PNG (``installs.notice_documents``) and stores all of
it with the next number of the campaign. Withdrawing a publication keeps the
notice; publishing again makes a new number.

``notice_send`` queues what leadership are sent in the outbox, in the same
transaction: the WeCom group robot's markdown summary and the table image,
and an e-mail with the PDF to every leader with an address.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from installs import deadlines, layout, notice_documents, outbox, selectors, summary
from installs.models import Notice, OutboxMessage, Profile, Week

# Two weeks published at the same moment may both take the same next number; the
# unique constraint refuses the second, which takes the number after (a few tries).
NUMBER_ATTEMPTS = 5
# The WeCom robot refuses markdown of more than 4096 bytes (UTF-8).
WECOM_MARKDOWN_MAX_BYTES = outbox.WECOM_MARKDOWN_MAX_BYTES


def notice_make(*, week: Week, actor) -> Notice:
    """
    The week's notice with the campaign's next number, stored with its summary
    text and documents. Call it inside the publishing transaction; the week's
    figures are read as they stand in it.
    """
    content = notice_content(week, number=None)
    name = _publisher_name(actor)
    published_at = timezone.now()
    for _attempt in range(NUMBER_ATTEMPTS):
        number = (Notice.objects.aggregate(last=Max("number"))["last"] or 0) + 1
        numbered = notice_documents.NoticeContent(
            progress=content.progress,
            number=number,
            paragraphs=content.paragraphs,
            published_at=published_at,
            published_by=name,
        )
        with translation.override(settings.LANGUAGE_CODE):
            files = notice_documents.notice_files(numbered)
            text = notice_text(numbered)
        notice = Notice(
            number=number,
            week=week,
            summary_text=text,
            png=files.png,
            pdf=files.pdf,
            published_at=published_at,
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


def notice_content(week: Week, *, number: int | None) -> notice_documents.NoticeContent:
    """
    What the week's notice shows, from the week as the ranking page computes it;
    ``number`` None for a preview (marked not published).
    """
    progress = selectors.week_progress(week)
    forecast = selectors.week_forecast(progress)
    with translation.override(settings.LANGUAGE_CODE):
        paragraphs = [
            notice_documents.Paragraph(label=p.label, text=p.text)
            for p in summary.summary_paragraphs(
                summary.week_summary(progress, forecast, statuses=deadlines.week_statuses(week))
            )
        ]
    return notice_documents.NoticeContent(progress=progress, number=number, paragraphs=paragraphs)


def notice_preview(week: Week) -> notice_documents.NoticeFiles:
    """The documents a week would be published with now, marked not published; nothing stored."""
    content = notice_content(week, number=None)
    with translation.override(settings.LANGUAGE_CODE):
        return notice_documents.notice_files(content)


def notice_text(content: notice_documents.NoticeContent) -> str:
    """
    The summary as plain text to paste into a chat group: the heading, the
    table's title and date, then one line per paragraph (label：sentence).
    """
    week = content.progress.week
    lines = [
        notice_documents.notice_heading(content.number),
        f"{layout.table_title()}（{summary.date_text(week.date)}）",
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
    with translation.override(settings.LANGUAGE_CODE):
        heading = notice_documents.notice_heading(notice.number)
        common = {"source": OUTBOX_SOURCE, "week": notice.week, "actor": actor}
        if outbox.robot_configured(OutboxMessage.Channel.WECOM, LEADERS_ROBOT):
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
        addresses = leader_addresses()
        if addresses:
            queued.append(
                outbox.enqueue_email(
                    to=addresses,
                    subject=f"{heading} {summary.date_text(notice.week.date)}",
                    body=notice.summary_text,
                    attachments=[
                        outbox.Attachment(
                            notice_filename(notice, "pdf"), bytes(notice.pdf), "application/pdf"
                        )
                    ],
                    summary=_("%(heading)s: PDF by e-mail") % {"heading": heading},
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


def leader_addresses() -> list[str]:
    """The e-mail addresses of active leadership accounts, each once, in a stable order."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, profile__role=Profile.Role.LEADER)
        .exclude(email="")
    )
    return sorted({user.email for user in users})


def notice_filename(notice: Notice, extension: str) -> str:
    """进度通报第3期_2022-11-21.pdf: the number and the week, as a download's name."""
    return _notice_filename(notice.number, notice.week.date, extension)


def preview_filename(date: datetime.date, extension: str) -> str:
    """进度通报（未发布）_2022-11-21.pdf: a preview is never taken for a published notice."""
    return _notice_filename(None, date, extension)


def _notice_filename(number: int | None, date: datetime.date, extension: str) -> str:
    name = notice_documents.notice_heading(number)
    return f"{name}_{date.isoformat()}.{extension}".replace(" ", "_")
