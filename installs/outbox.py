"""
The outbox: every message the dashboard sends (催报, 进度通报) is first a row in
the database, then delivered by a worker, retried with backoff, and logged
(催报记录, /outbox/). Nothing is sent inside a web request.

API for other modules (keyword-only; call inside or outside a transaction: the
row is written in the caller's transaction and the worker is woken after the
commit, so a rolled-back caller sends nothing)::

    from installs import outbox

    outbox.enqueue_wecom_text(robot="districts", content="…", mentioned_mobiles=["13800000000"],
                              mentioned_userids=["zhangsan"],
                              summary="催报：…", source="reminder", week=week, actor=user)
    outbox.enqueue_wecom_markdown(robot="leaders", content="**进度通报** …",
                                  summary="进度通报（第3期）", source="notice", week=week)
    outbox.enqueue_wecom_image(robot="leaders", image=png_bytes,
                               summary="进度通报（第3期）图片", source="notice", week=week)
    outbox.enqueue_email(to=["a@example.cn"], subject="…", body="…",
                         attachments=[outbox.Attachment("进度通报.pdf", pdf_bytes, "application/pdf")],
                         summary="进度通报（第3期）PDF", source="notice", week=week)

Each also takes what the message concerns, for the log's scope: ``regions=``
(the counties a 催报 names) and ``area=`` (the area a notice is for); with
neither, the message is the whole deployment's (``log_for``).

Each returns the OutboxMessage. ``robot`` names a robot in settings
(``WECOM_ROBOTS`` / ``DINGTALK_ROBOTS``: name → webhook URL from the environment,
e.g. WECOM_WEBHOOK_DISTRICTS → "districts"); an unknown or unconfigured robot is
refused at enqueue time (``OutboxError``). The webhook URL (its key is a secret)
is read only when posting: it is never stored in the row, the log or an error.
Limits checked at enqueue: WeCom text ≤ 2048 bytes, markdown ≤ 4096 bytes (UTF-8),
image ≤ 2 MB JPG/PNG (base64 and md5 of the raw bytes are computed here).

Delivery: ``deliver_due(now=None)`` sends every message due (the worker's
task ``deliver_outbox`` calls it; so does ``manage.py remind_late`` and
``manage.py deliver_outbox``). Each message is claimed in a short transaction
(two workers never send the same message), sent, and recorded as a
DeliveryAttempt. A non-zero WeCom/DingTalk ``errcode`` is a failure even with
HTTP 200. Failures are retried after OUTBOX_RETRY_BASE_SECONDS × 2^(n-1) (capped
at an hour) up to OUTBOX_MAX_ATTEMPTS, then the message is failed. A robot gets
at most ROBOT_MESSAGES_PER_MINUTE (20) posts in any 60 seconds; what is over
waits for the window. Delivery is at least once: a worker killed between the
post and the record leaves a claim that expires, and the message is sent again.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from installs import areas, chat_robots
from installs.models import (
    Area,
    DeliveryAttempt,
    DeliveryChannel,
    OutboxMessage,
    Region,
    Week,
)

logger = logging.getLogger(__name__)

Channel = OutboxMessage.Channel
Status = OutboxMessage.Status

WECOM_TEXT_MAX_BYTES = 2048
WECOM_MARKDOWN_MAX_BYTES = 4096
IMAGE_MAX_BYTES = 2 * 1024 * 1024
ROBOT_MESSAGES_PER_MINUTE = 20
RATE_WINDOW = datetime.timedelta(seconds=60)
MAX_BACKOFF = datetime.timedelta(hours=1)
# Longer than any post may take (the HTTP timeout) or an SMTP conversation.
CLAIM_DURATION = datetime.timedelta(minutes=5)


class OutboxError(ValueError):
    """A message that cannot be queued (unknown robot, too long, not an image)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


# Enqueueing.


def enqueue_wecom_text(
    *,
    robot: str,
    content: str,
    mentioned_mobiles: Sequence[str] = (),
    mentioned_userids: Sequence[str] = (),
    summary: str,
    source: str = "",
    week: Week | None = None,
    actor=None,
    regions: Sequence[Region] = (),
    area: Area | None = None,
) -> OutboxMessage:
    if len(content.encode()) > WECOM_TEXT_MAX_BYTES:
        raise OutboxError(f"WeCom text is over {WECOM_TEXT_MAX_BYTES} bytes")
    payload = {"msgtype": "text", "text": {"content": content}}
    if mentioned_userids:
        payload["text"]["mentioned_list"] = list(mentioned_userids)
    if mentioned_mobiles:
        payload["text"]["mentioned_mobile_list"] = list(mentioned_mobiles)
    return _enqueue(
        Channel.WECOM, robot, "text", payload, summary, source, week, actor, regions, area
    )


def enqueue_wecom_markdown(
    *,
    robot: str,
    content: str,
    summary: str,
    source: str = "",
    week: Week | None = None,
    actor=None,
    regions: Sequence[Region] = (),
    area: Area | None = None,
) -> OutboxMessage:
    if len(content.encode()) > WECOM_MARKDOWN_MAX_BYTES:
        raise OutboxError(f"WeCom markdown is over {WECOM_MARKDOWN_MAX_BYTES} bytes")
    payload = {"msgtype": "markdown", "markdown": {"content": content}}
    return _enqueue(
        Channel.WECOM, robot, "markdown", payload, summary, source, week, actor, regions, area
    )


def enqueue_wecom_image(
    *,
    robot: str,
    image: bytes,
    summary: str,
    source: str = "",
    week: Week | None = None,
    actor=None,
    regions: Sequence[Region] = (),
    area: Area | None = None,
) -> OutboxMessage:
    if len(image) > IMAGE_MAX_BYTES:
        raise OutboxError("a WeCom image is at most 2 MB")
    if not (image.startswith(b"\x89PNG\r\n\x1a\n") or image.startswith(b"\xff\xd8\xff")):
        raise OutboxError("a WeCom image is a PNG or a JPG")
    payload = {
        "msgtype": "image",
        "image": {
            "base64": base64.b64encode(image).decode("ascii"),
            "md5": hashlib.md5(image).hexdigest(),  # WeCom asks for the md5 of the raw bytes
        },
    }
    return _enqueue(
        Channel.WECOM, robot, "image", payload, summary, source, week, actor, regions, area
    )


def enqueue_dingtalk_text(
    *,
    robot: str,
    content: str,
    mentioned_mobiles: Sequence[str] = (),
    summary: str,
    source: str = "",
    week: Week | None = None,
    actor=None,
    regions: Sequence[Region] = (),
    area: Area | None = None,
) -> OutboxMessage:
    payload = {
        "msgtype": "text",
        "text": {"content": content},
        "at": {"atMobiles": list(mentioned_mobiles), "isAtAll": False},
    }
    return _enqueue(
        Channel.DINGTALK, robot, "text", payload, summary, source, week, actor, regions, area
    )


def enqueue_email(
    *,
    to: Iterable[str],
    subject: str,
    body: str,
    attachments: Sequence[Attachment] = (),
    summary: str,
    source: str = "",
    week: Week | None = None,
    actor=None,
    regions: Sequence[Region] = (),
    area: Area | None = None,
) -> OutboxMessage:
    recipients = [address for address in to if address]
    if not recipients:
        raise OutboxError("an e-mail needs at least one recipient")
    payload = {
        "to": recipients,
        "subject": subject,
        "body": body,
        "attachments": [
            {
                "filename": a.filename,
                "content": base64.b64encode(a.content).decode("ascii"),
                "mimetype": a.mimetype,
            }
            for a in attachments
        ],
    }
    return _enqueue(
        Channel.EMAIL, "", "email", payload, summary, source, week, actor, regions, area
    )


# The log (催报记录).


def log_for(user) -> QuerySet[OutboxMessage]:
    """
    The messages an account's log shows, newest first. Staff who cover the
    deployment see every one. Others see those of their subtree: a notice of
    their area or of an area under it, a 催报 whose counties all lie under it
    (a message naming a county of another city is not theirs to read), and,
    of the messages that concern nothing recorded (queued before the link was
    kept), the ones they queued themselves.
    """
    rows = OutboxMessage.objects.select_related("week", "created_by").order_by("-created_at", "-pk")
    if areas.covers_deployment(user):
        return rows
    top = areas.bound_area(user)
    if top is None:  # not bureau staff: the view refuses them before this
        return rows.none()
    named = OutboxMessage.regions.through.objects
    under_top = Q(region__city=top) | Q(region__city__parent=top)
    named_inside = named.filter(under_top).values("outboxmessage_id")
    named_outside = named.exclude(under_top).values("outboxmessage_id")
    area_inside = Q(area=top) | Q(area__parent=top)
    unlinked_own = Q(area=None, created_by=user) & ~Q(pk__in=named.values("outboxmessage_id"))
    return rows.filter(area_inside | Q(pk__in=named_inside) | unlinked_own).exclude(
        pk__in=named_outside
    )


def robot_configured(channel: str, robot: str) -> bool:
    return bool(_robots(channel).get(robot))


def _robots(channel: str) -> dict[str, str]:
    if channel == Channel.WECOM:
        return settings.WECOM_ROBOTS
    if channel == Channel.DINGTALK:
        return settings.DINGTALK_ROBOTS
    return {}


def _enqueue(
    channel, robot, kind, payload, summary, source, week, actor, regions, area
) -> OutboxMessage:
    if channel != Channel.EMAIL and not robot_configured(channel, robot):
        raise OutboxError(f"no webhook is configured for the {channel} robot {robot!r}")
    message = OutboxMessage.objects.create(
        channel=channel,
        robot=robot,
        kind=kind,
        payload=payload,
        summary=summary[:200],
        source=source,
        week=week,
        created_by=actor,
        area=area,
        next_attempt_at=timezone.now(),
    )
    if regions:
        message.regions.set(regions)
    transaction.on_commit(wake_worker)
    return message


def wake_worker(run_after: datetime.datetime | None = None) -> None:
    """Ask the task framework to run a delivery pass (now, or at ``run_after`` for a retry)."""
    from installs.tasks import deliver_outbox

    try:
        task = deliver_outbox
        if run_after is not None:
            task = task.using(run_after=run_after)
        task.enqueue()
    except Exception:
        # The row is the durable record: the next pass (worker or cron) sends it anyway.
        logger.warning("could not enqueue the outbox task; the next pass will send", exc_info=True)


# Delivery.


@dataclass(frozen=True)
class DeliveryResult:
    message: OutboxMessage
    ok: bool
    error: str


def deliver_due(*, now: datetime.datetime | None = None, limit: int = 100) -> list[DeliveryResult]:
    """
    Send what is due now, oldest first; returns what was tried. Messages over a
    robot's rate limit are left for the next pass (and the worker is asked to
    come back when the window has room).
    """
    results: list[DeliveryResult] = []
    skipped: set[int] = set()
    woken: set[str] = set()
    while len(results) + len(skipped) < limit:
        current = now or timezone.now()
        claimed = _claim_next(current, exclude=skipped)
        if claimed is None:
            break
        message, attempt, wait_until = claimed
        if attempt is None:
            skipped.add(message.pk)
            if _channel_key(message) not in woken:  # one wake-up per robot, not per message
                woken.add(_channel_key(message))
                wake_worker(run_after=wait_until)
            continue
        results.append(_send(message, attempt, now=now))
    return results


def _channel_key(message: OutboxMessage) -> str:
    return (
        message.channel
        if message.channel == Channel.EMAIL
        else f"{message.channel}:{message.robot}"
    )


def _claim_next(now: datetime.datetime, *, exclude: set[int]):
    """
    In one short transaction: take the oldest due message nobody holds, and a
    slot in its channel's rate limit. Returns (message, attempt, None), or
    (message, None, time the window has room) when the robot is at its limit,
    or None when nothing is due.
    """
    due = Q(status__in=[Status.PENDING, Status.RETRYING], next_attempt_at__lte=now) | Q(
        status=Status.SENDING, claimed_until__lt=now
    )
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(due)
            .exclude(pk__in=exclude)
            .order_by("next_attempt_at", "pk")
            .first()
        )
        if message is None:
            return None
        key = _channel_key(message)
        if message.channel != Channel.EMAIL:
            DeliveryChannel.objects.get_or_create(key=key)
            DeliveryChannel.objects.select_for_update().get(key=key)
            recent = list(
                DeliveryAttempt.objects.filter(channel_key=key, started_at__gt=now - RATE_WINDOW)
                .values_list("started_at", flat=True)
                .order_by("started_at")
            )
            if len(recent) >= ROBOT_MESSAGES_PER_MINUTE:
                return message, None, recent[-ROBOT_MESSAGES_PER_MINUTE] + RATE_WINDOW
        message.status = Status.SENDING
        message.claimed_until = now + CLAIM_DURATION
        message.attempts += 1
        message.save(update_fields=["status", "claimed_until", "attempts"])
        attempt = DeliveryAttempt.objects.create(message=message, channel_key=key, started_at=now)
    return message, attempt, None


def _send(message: OutboxMessage, attempt: DeliveryAttempt, *, now) -> DeliveryResult:
    error = ""
    try:
        if message.channel == Channel.EMAIL:
            _send_email(message.payload)
        else:
            url = _robots(message.channel).get(message.robot)
            if not url:
                raise chat_robots.DeliveryError("the robot's webhook is no longer configured")
            if message.channel == Channel.DINGTALK:
                url = chat_robots.dingtalk_signed_url(
                    url, settings.DINGTALK_SECRETS.get(message.robot, "")
                )
            chat_robots.post_json(url, message.payload, timeout=settings.ROBOT_TIMEOUT_SECONDS)
    except chat_robots.DeliveryError as failure:
        error = str(failure)
    except Exception as failure:  # SMTP and the like: recorded, retried, never a crash
        error = chat_robots.redact(f"{type(failure).__name__}: {failure}")
    finished = now or timezone.now()
    with transaction.atomic():
        attempt.finished_at = finished
        attempt.ok = not error
        attempt.error = error
        attempt.save(update_fields=["finished_at", "ok", "error"])
        message.claimed_until = None
        message.last_error = error
        if not error:
            message.status = Status.SENT
            message.sent_at = finished
        elif message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            message.status = Status.FAILED
        else:
            message.status = Status.RETRYING
            message.next_attempt_at = finished + retry_delay(message.attempts)
        message.save(
            update_fields=["status", "sent_at", "claimed_until", "last_error", "next_attempt_at"]
        )
    if error:
        logger.warning("delivery of outbox message %s failed: %s", message.pk, error)
        if message.status == Status.RETRYING:
            transaction.on_commit(lambda: wake_worker(run_after=message.next_attempt_at))
    return DeliveryResult(message=message, ok=not error, error=error)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff: base, 2×base, 4×base, … after the 1st, 2nd, 3rd failure; at most an hour."""
    delay = datetime.timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    return min(delay, MAX_BACKOFF)


def _send_email(payload: dict) -> None:
    email = EmailMessage(subject=payload["subject"], body=payload["body"], to=payload["to"])
    for attachment in payload.get("attachments", []):
        email.attach(
            attachment["filename"],
            base64.b64decode(attachment["content"]),
            attachment["mimetype"],
        )
    email.send(fail_silently=False)
