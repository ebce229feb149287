"""
The outbox delivers over real HTTP to a WeCom-compatible robot on 127.0.0.1:
errcode 0 is sent, a non-zero errcode or a timeout is retried with backoff,
nothing is sent twice, and a robot gets at most 20 posts a minute.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from installs import outbox
from installs.models import DeliveryAttempt, OutboxMessage
from tests.robot_receiver import RobotReceiver

ROOT = Path(__file__).resolve().parents[1]
# The passes' clock: a little after the messages are queued (now), then moved by hand.
T0 = datetime.datetime.now(datetime.UTC).replace(microsecond=0) + datetime.timedelta(minutes=5)
Status = OutboxMessage.Status


@pytest.fixture
def robot(settings):
    with RobotReceiver() as receiver:
        settings.WECOM_ROBOTS = {"districts": receiver.url}
        settings.OUTBOX_RETRY_BASE_SECONDS = 60
        settings.OUTBOX_MAX_ATTEMPTS = 3
        # Long enough that a loaded CI machine still answers in time; the timeout test's
        # receiver never answers, so only that test waits this long.
        settings.ROBOT_TIMEOUT_SECONDS = 2
        yield receiver


def queue_text(content="催报测试", **kwargs) -> OutboxMessage:
    return outbox.enqueue_wecom_text(
        robot="districts", content=content, summary="催报测试", source="test", **kwargs
    )


@pytest.mark.django_db
def test_it_delivers_a_text_with_errcode_0(robot):
    message = queue_text(mentioned_mobiles=["13800000001"], mentioned_userids=["zhangsan"])

    results = outbox.deliver_due(now=T0)

    assert [r.ok for r in results] == [True]
    assert robot.posts[0]["body"] == {
        "msgtype": "text",
        "text": {
            "content": "催报测试",
            "mentioned_list": ["zhangsan"],
            "mentioned_mobile_list": ["13800000001"],
        },
    }
    assert robot.posts[0]["query"]["key"] == ["SECRET-KEY-do-not-show"]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == (Status.SENT, 1, T0)


@pytest.mark.django_db
def test_a_nonzero_errcode_is_a_failure_retried_with_backoff(robot, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    message = queue_text()
    robot.answers = ["errcode", "errcode", "errcode", "ok"]

    assert [r.ok for r in outbox.deliver_due(now=T0)] == [False]
    message.refresh_from_db()
    assert message.status == Status.RETRYING
    assert "errcode 93000" in message.last_error
    assert message.next_attempt_at == T0 + datetime.timedelta(seconds=60)

    # Not before its time; then each failure waits twice as long as the one before.
    now = T0
    for delay in (60, 120, 240):
        now += datetime.timedelta(seconds=delay)
        assert outbox.deliver_due(now=now - datetime.timedelta(seconds=1)) == []
        assert len(outbox.deliver_due(now=now)) == 1
        message.refresh_from_db()
        if delay < 240:
            assert message.next_attempt_at == now + datetime.timedelta(seconds=delay * 2)

    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 4, "")
    assert len(robot.posts) == 4
    assert [a.ok for a in message.delivery_attempts.order_by("started_at")] == [
        False,
        False,
        False,
        True,
    ]


@pytest.mark.django_db
def test_it_gives_up_after_the_last_attempt(robot):
    message = queue_text()
    robot.answers = ["errcode"] * 3
    now = T0
    for _ in range(3):
        outbox.deliver_due(now=now)
        now += datetime.timedelta(hours=1)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert outbox.deliver_due(now=now + datetime.timedelta(days=1)) == []
    assert len(robot.posts) == 3


@pytest.mark.django_db
def test_a_receiver_that_does_not_answer_in_time_is_a_failure(robot):
    message = queue_text()
    robot.answers = ["hang"]

    results = outbox.deliver_due(now=T0)

    assert [r.ok for r in results] == [False]
    message.refresh_from_db()
    assert message.status == Status.RETRYING
    assert "no answer from 127.0.0.1" in message.last_error
    assert "SECRET-KEY" not in message.last_error


@pytest.mark.django_db
def test_an_http_error_is_a_failure(robot):
    message = queue_text()
    robot.answers = ["http500"]
    outbox.deliver_due(now=T0)
    message.refresh_from_db()
    assert (message.status, message.last_error.startswith("HTTP 500")) == (Status.RETRYING, True)


@pytest.mark.django_db
def test_the_webhook_key_is_never_stored_or_logged(robot, caplog):
    caplog.set_level(logging.DEBUG)
    queue_text()
    robot.answers = ["errcode"]
    outbox.deliver_due(now=T0)
    stored = [str(row) for row in OutboxMessage.objects.values_list()]
    stored += [str(row) for row in DeliveryAttempt.objects.values_list()]
    assert stored and not any("SECRET-KEY" in row for row in stored)
    assert "SECRET-KEY" not in caplog.text
    assert "errcode 93000" in caplog.text  # the failure itself is logged


@pytest.mark.django_db
def test_a_sent_message_is_not_sent_again(robot):
    queue_text()
    outbox.deliver_due(now=T0)
    assert outbox.deliver_due(now=T0) == []
    assert outbox.deliver_due(now=T0 + datetime.timedelta(days=1)) == []
    assert len(robot.posts) == 1


@pytest.mark.django_db
def test_a_claim_left_by_a_crashed_worker_expires(robot):
    message = queue_text()
    # A worker took it and died before recording anything.
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, claimed_until=T0 + outbox.CLAIM_DURATION, attempts=1
    )
    assert outbox.deliver_due(now=T0) == []  # still held
    results = outbox.deliver_due(now=T0 + outbox.CLAIM_DURATION + datetime.timedelta(seconds=1))
    assert [r.ok for r in results] == [True]
    assert len(robot.posts) == 1


@pytest.mark.django_db
def test_a_robot_gets_at_most_20_posts_a_minute(robot):
    for n in range(25):
        queue_text(f"第{n}条")

    assert len(outbox.deliver_due(now=T0)) == 20
    assert len(robot.posts) == 20
    assert OutboxMessage.objects.filter(status=Status.PENDING).count() == 5
    assert outbox.deliver_due(now=T0 + datetime.timedelta(seconds=59)) == []
    assert len(outbox.deliver_due(now=T0 + datetime.timedelta(seconds=60, microseconds=1))) == 5
    assert [p["body"]["text"]["content"] for p in robot.posts] == [f"第{n}条" for n in range(25)]


@pytest.mark.django_db
def test_an_image_carries_base64_and_md5_of_the_bytes(robot):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    outbox.enqueue_wecom_image(robot="districts", image=png, summary="进度通报图片")
    outbox.deliver_due(now=T0)
    image = robot.posts[0]["body"]["image"]
    assert base64.b64decode(image["base64"]) == png
    assert image["md5"] == hashlib.md5(png).hexdigest()


@pytest.mark.django_db
def test_it_refuses_what_wecom_would_refuse(robot):
    with pytest.raises(outbox.OutboxError):
        queue_text("字" * 700)  # 2100 bytes
    with pytest.raises(outbox.OutboxError):
        outbox.enqueue_wecom_image(robot="districts", image=b"GIF89a", summary="x")
    with pytest.raises(outbox.OutboxError):
        outbox.enqueue_wecom_text(robot="leaders", content="x", summary="x")  # not configured
    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
def test_an_email_with_a_pdf_goes_through_djangos_mail():
    outbox.enqueue_email(
        to=["liaison@example.cn"],
        subject="进度通报",
        body="见附件。",
        attachments=[outbox.Attachment("进度通报.pdf", b"%PDF-1.7 test", "application/pdf")],
        summary="进度通报 PDF",
    )
    results = outbox.deliver_due(now=T0)
    assert [r.ok for r in results] == [True]
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert (sent.to, sent.subject, sent.body) == (["liaison@example.cn"], "进度通报", "见附件。")
    assert sent.attachments[0][0] == "进度通报.pdf"
    assert sent.attachments[0][1] == b"%PDF-1.7 test"


def _database_url() -> str:
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def _manage(*args: str, robot_url: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "WECOM_WEBHOOK_DISTRICTS": robot_url,
        "DJANGO_DEBUG": "false",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_delivers_and_a_second_worker_sends_nothing_again(robot):
    """The real framework: the enqueue wakes django-tasks; db_worker (a process) delivers."""
    from django_tasks_db.models import DBTaskResult

    queue_text("由工作进程发送")
    assert DBTaskResult.objects.count() == 1  # woken after the commit

    _manage("db_worker", "--batch", "--no-startup-delay", robot_url=robot.url)
    assert [p["body"]["text"]["content"] for p in robot.posts] == ["由工作进程发送"]
    assert OutboxMessage.objects.get().status == Status.SENT

    # A restarted worker, and a cron pass, find nothing left to send.
    _manage("db_worker", "--batch", "--no-startup-delay", robot_url=robot.url)
    second = _manage("deliver_outbox", robot_url=robot.url)
    assert "SECRET-KEY" not in second.stdout + second.stderr
    assert len(robot.posts) == 1
    assert timezone.now() >= OutboxMessage.objects.get().sent_at


def test_dingtalk_signing_matches_an_independent_hmac():
    from installs.chat_robots import dingtalk_signed_url

    # Computed with: printf '1700000000000\nSECtest123' | openssl dgst -sha256 -hmac SECtest123 -binary | base64
    url = dingtalk_signed_url(
        "https://oapi.dingtalk.com/robot/send?access_token=T", "SECtest123", now_ms=1700000000000
    )
    assert url == (
        "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1700000000000"
        "&sign=w3RMHXzixTMdzr8OHJUmVLS4IoPJVdu%2BUt1LE48MePE%3D"
    )


@pytest.mark.django_db
def test_a_dingtalk_robot_gets_the_signed_text(settings):
    with RobotReceiver() as receiver:
        settings.DINGTALK_ROBOTS = {"districts": receiver.url}
        settings.DINGTALK_SECRETS = {"districts": "SECtest123"}
        outbox.enqueue_dingtalk_text(
            robot="districts", content="催报", mentioned_mobiles=["13800000001"], summary="催报"
        )
        assert [r.ok for r in outbox.deliver_due(now=T0)] == [True]
    (post,) = receiver.posts
    assert post["body"]["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}
    assert set(post["query"]) == {"key", "timestamp", "sign"}
