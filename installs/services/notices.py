"""
The weekly notice (进度通报, 第N期): made when a week is published, frozen from then on.

``notice_make`` runs inside ``week_publish``'s transaction: the week turns
published and its notice exists together, or neither does. It reads the week
as the ranking page computes it (``selectors.week_progress`` and the pace
forecast), words it with the ranking page's summary (``installs.summary``),
lays out the PDF and the PNG (``installs.notice_documents``) and stores all of
it with the next number of the campaign. Withdrawing a publication keeps the
notice; publishing again makes a new number.

``notice_messages`` builds what leadership are sent (data, one message per
channel): the WeCom group robot's markdown summary and the table image, and
an e-mail with the PDF to every leader with an address.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from installs import layout, notice_documents, selectors, summary
from installs.models import Notice, Profile, Week

# Two weeks published at the same moment may both take the same next number; the
# unique constraint refuses the second, which takes the number after (a few tries).
NUMBER_ATTEMPTS = 5
# The WeCom robot refuses markdown of more than 4096 bytes (UTF-8).
WECOM_MARKDOWN_MAX_BYTES = 4096


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
            for p in summary.summary_paragraphs(summary.week_summary(progress, forecast))
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


@dataclass(frozen=True)
class NoticeMessage:
    """
    One message of a notice on one channel: ``wecom`` (a JSON body for the group
    robot named by ``target``, a setting holding its webhook address) or
    ``email`` (``target`` the addresses; subject, body and attachments).
    """

    channel: str
    target: str | list[str]
    payload: dict = field(default_factory=dict)
    subject: str = ""
    body: str = ""
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def notice_messages(notice: Notice) -> list[NoticeMessage]:
    """
    The notice for leadership: to their WeCom group the markdown summary, then
    the table image; by e-mail the PDF, to every active leader with an address.
    Nothing for a channel with nowhere to go (no webhook set, no addresses).
    """
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        heading = notice_documents.notice_heading(notice.number)
        subject = f"{heading} {summary.date_text(notice.week.date)}"
        if settings.WECOM_WEBHOOK_LEADERS:
            png = bytes(notice.png)
            messages.append(
                NoticeMessage(
                    channel="wecom",
                    target="WECOM_WEBHOOK_LEADERS",
                    payload={
                        "msgtype": "markdown",
                        "markdown": {"content": wecom_markdown(notice.summary_text)},
                    },
                )
            )
            messages.append(
                NoticeMessage(
                    channel="wecom",
                    target="WECOM_WEBHOOK_LEADERS",
                    payload={
                        "msgtype": "image",
                        "image": {
                            "base64": base64.b64encode(png).decode("ascii"),
                            "md5": hashlib.md5(png).hexdigest(),  # noqa: S324 (WeCom's checksum)
                        },
                    },
                )
            )
        addresses = leader_addresses()
        if addresses:
            messages.append(
                NoticeMessage(
                    channel="email",
                    target=addresses,
                    subject=subject,
                    body=notice.summary_text,
                    attachments=[
                        (notice_filename(notice, "pdf"), bytes(notice.pdf), "application/pdf")
                    ],
                )
            )
    return messages


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
