"""
The weekly notice (进度通报): made by publishing a week, numbered across the
campaign, frozen; its documents read back with Pillow and PDFium; its page for
each role; the command; the messages for leadership.

Each publication lays out a real PDF (about half a second): the tests publish
as few times as they need.
"""

from __future__ import annotations

import base64
import ctypes
import gc
import hashlib
import io
import threading
from pathlib import Path

import pypdfium2
import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client
from PIL import Image

from installs import outbox, signals
from installs.models import Notice, OutboxMessage, Profile, Week
from installs.services import notices
from installs.services.weeks import week_lock, week_open, week_publish, week_unpublish
from tests.complete_week import open_scenario
from tests.factories import load_seed, make_region, make_user
from tests.robot_receiver import RobotReceiver
from tests.seed import seed_rows

pytestmark = pytest.mark.django_db

DATE = "2022-11-21"
PAGE = f"/weeks/{DATE}/notice/"
A4_LANDSCAPE_PT = (841.89, 595.28)


@pytest.fixture
def bureau():
    return make_user("bureau", Profile.Role.BUREAU, first_name="王局")


@pytest.fixture
def seed_week(bureau) -> Week:
    """The seed week, locked again (the fixture has it published from before notices existed)."""
    load_seed()
    return week_unpublish(week=Week.objects.get(date=DATE), actor=bureau, reason="纠正数据")


@pytest.fixture
def published(seed_week, bureau) -> Notice:
    week_publish(week=seed_week, actor=bureau)
    return Notice.objects.get(week=seed_week)


def pdf_pages(data: bytes) -> list[tuple[tuple[float, float], str]]:
    """Each page's size in points and its text, as PDFium reads them."""
    document = pypdfium2.PdfDocument(data)
    try:
        return [(page.get_size(), page.get_textpage().get_text_range()) for page in document]
    finally:
        document.close()


def fold(text: str) -> str:
    # PDFium puts line breaks where the layout wrapped; a figure is never split.
    return "".join(text.split())


# The documents, read back.


def test_it_makes_a_png_legible_on_a_phone_and_within_the_robots_limit(published):
    image = Image.open(io.BytesIO(bytes(published.png)))
    assert image.format == "PNG"
    assert 1600 <= image.width <= 2000
    assert image.height < image.width  # the table part of the page, not the whole page
    assert len(bytes(published.png)) <= 2 * 1024 * 1024


def test_it_makes_one_a4_landscape_page_with_every_region_and_the_totals(published):
    pages = pdf_pages(bytes(published.pdf))
    assert len(pages) == 1
    (width, height), text = pages[0]
    assert (round(width), round(height)) == (842, 595)
    text = fold(text)
    rows = seed_rows()
    for row in rows[:-1]:
        # The region's row of the table: its name, then its first measure's counts.
        counts = [row[f"valve_pipe_{field}"] for field in ("households", "installed", "new")]
        assert row["region"] + "".join(counts) in text
    total = rows[-1]
    assert total["region"] == "合计"
    for measure in ("valve_pipe", "hose_pipe", "hose_lpg"):
        # 合计 as printed: households, installed and new in a row, then the rate.
        cells = [total[f"{measure}_{field}"] for field in ("households", "installed", "new")]
        assert "".join(cells) + total[f"{measure}_rate"] in text
    assert "进度通报（第1期）" in text


def pdf_fonts(data: bytes) -> set[str]:
    """The fonts the PDF's text is drawn with (subset prefixes dropped), as PDFium reads them."""
    document = pypdfium2.PdfDocument(data)
    fonts = set()
    try:
        for page in document:
            for obj in page.get_objects(max_depth=5):
                if pypdfium2.raw.FPDFPageObj_GetType(obj.raw) == pypdfium2.raw.FPDF_PAGEOBJ_TEXT:
                    font = pypdfium2.raw.FPDFTextObj_GetFont(obj.raw)
                    name = ctypes.create_string_buffer(256)
                    pypdfium2.raw.FPDFFont_GetBaseFontName(font, name, 256)
                    fonts.add(name.value.decode().split("+")[-1])
    finally:
        document.close()
    return fonts


def test_it_draws_every_text_with_the_simplified_chinese_font(published):
    # The chart's SVG text too: with a bare sans-serif it took the Japanese face for Han and
    # DejaVu for digits, two more fonts to subset and embed (about 90 KB and some 30 ms).
    assert pdf_fonts(bytes(published.pdf)) == {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}


@pytest.mark.parametrize("enabled", [True, False])
def test_it_leaves_the_cycle_collector_as_it_found_it(seed_week, enabled):
    # The layout runs with the collector off (notice_documents._young_garbage_only).
    (gc.enable if enabled else gc.disable)()
    try:
        notices.notice_preview(seed_week)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_it_writes_the_summary_of_the_ranking_page_into_text_and_pdf(published):
    text = published.summary_text
    assert text.splitlines()[0] == "进度通报（第1期）"
    assert "2022年11月21日" in text.splitlines()[1]
    # 全市, its change and the new installs; top and bottom three; the stalled regions.
    assert "全市安装率33.2%，较上周提高0.1个百分点，本周新增安装499户" in text
    assert "前三名：修武县（72.0%）、中站区（70.6%）、武陟县（54.1%）" in text
    assert "停滞（本周无新增）：温县、博爱县、山阳区、马村区、中站区。" in text
    assert "前三名：修武县（72.0%）" in fold(pdf_pages(bytes(published.pdf))[0][1])


# Numbering and freezing.


def test_it_numbers_notices_across_publish_withdraw_publish_and_keeps_the_earlier(
    published, bureau
):
    week = published.week
    assert published.number == 1
    assert (published.published_by, published.published_by_name) == (bureau, "王局")
    first_pdf = bytes(published.pdf)

    week = week_unpublish(week=Week.objects.get(pk=week.pk), actor=bureau, reason="更正沁阳市")
    assert Notice.objects.count() == 1  # withdrawing keeps the notice that was sent
    week_publish(week=week, actor=bureau)
    assert list(week.notices.order_by("number").values_list("number", flat=True)) == [1, 2]
    assert bytes(Notice.objects.get(number=1).pdf) == first_pdf  # frozen


def test_numbers_count_the_campaign_not_the_week(published, bureau):
    week = week_open(date=published.week.date.replace(day=28), actor=bureau)
    week = week_lock(week=week, actor=bureau)
    # No region has reported the new week: publishing it anyway needs a reason.
    week_publish(week=week, actor=bureau, reason="各区县沿用上周数据")
    assert Notice.objects.get(week=week).number == 2


def test_a_week_is_published_only_with_its_notice(seed_week, bureau, monkeypatch):
    def fail(content):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(notices.notice_documents, "notice_files", fail)
    with pytest.raises(RuntimeError):
        week_publish(week=seed_week, actor=bureau)
    assert Week.objects.get(pk=seed_week.pk).state == Week.State.LOCKED
    assert not Notice.objects.exists()


# The page and the downloads, for each role.


@pytest.mark.parametrize("role", ["district", "bureau", "leader"])
def test_every_role_reads_the_notice_and_downloads_both_files(published, role):
    region = make_region("沁阳", "qinyang-other") if role == "district" else None
    client = Client()
    client.force_login(make_user(f"reader-{role}", role, region))
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "进度通报（第1期）" in html
    assert "复制通报文本" in html
    assert 'id="notice-text"' in html and "前三名：修武县（72.0%）" in html
    pdf = client.get(f"{PAGE}1.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(published.pdf)
    png = client.get(f"{PAGE}1.png")
    assert png["Content-Type"] == "image/png"
    assert (
        Image.open(io.BytesIO(png.content)).width
        == Image.open(io.BytesIO(bytes(published.png))).width
    )


def test_the_page_lists_earlier_notices_still_downloadable(published, bureau):
    week = week_unpublish(week=published.week, actor=bureau, reason="更正")
    client = Client()
    client.force_login(make_user("leader", Profile.Role.LEADER))
    withdrawn = client.get(PAGE).content.decode()
    assert "本周的发布已撤回" in withdrawn
    week_publish(week=week, actor=bureau)
    html = client.get(PAGE).content.decode()
    assert "进度通报（第2期）" in html
    assert 'data-number="1"' in html and f"{PAGE}1.pdf" in html
    assert client.get(f"{PAGE}1.pdf").content == bytes(published.pdf)


def test_a_week_published_without_the_dashboard_says_so_not_that_it_is_unpublished(bureau):
    """The seed's weeks come published from before notices existed: no notice, but published."""
    load_seed()
    client = Client()
    client.force_login(make_user("leader", Profile.Role.LEADER))
    html = client.get(PAGE).content.decode()
    assert Week.objects.get(date=DATE).is_published and not Notice.objects.exists()
    assert "本周已发布，但没有进度通报" in html
    assert "尚未发布" not in html


def test_an_unpublished_week_has_no_notice_and_bureau_staff_may_preview_it(seed_week, bureau):
    client = Client()
    client.force_login(bureau)
    assert "本周尚未发布" in client.get(PAGE).content.decode()
    preview = client.get(f"{PAGE}preview.pdf")
    assert preview.status_code == 200
    assert "进度通报（未发布）" in fold(pdf_pages(preview.content)[0][1])
    assert not Notice.objects.exists()
    assert client.get(f"{PAGE}1.pdf").status_code == 404
    assert client.get(f"{PAGE}preview.doc").status_code == 404
    # Leadership read notices, not previews.
    client.force_login(make_user("leader", Profile.Role.LEADER))
    assert "preview.pdf" not in client.get(PAGE).content.decode()
    assert client.get(f"{PAGE}preview.pdf").status_code == 403


# The command.


def test_the_command_writes_the_published_notice(published, tmp_path: Path):
    pdf, png = tmp_path / "n.pdf", tmp_path / "n.png"
    call_command("notice", "--week", DATE, "--pdf", str(pdf), "--png", str(png))
    assert pdf.read_bytes() == bytes(published.pdf)
    assert png.read_bytes() == bytes(published.png)


def test_the_command_renders_a_withdrawn_week_afresh_marked_so(published, bureau, tmp_path):
    week_unpublish(week=published.week, actor=bureau, reason="更正")
    pdf = tmp_path / "n.pdf"
    call_command("notice", "--week", DATE, "--pdf", str(pdf))
    (size, text), *more = pdf_pages(pdf.read_bytes())
    assert not more
    assert "进度通报（未发布）" in fold(text)
    assert Notice.objects.count() == 1  # the preview is not stored
    with pytest.raises(CommandError, match="no week 2022-11-22"):
        call_command("notice", "--week", "2022-11-22", "--pdf", str(pdf))


# What leadership are sent: through the outbox, to a robot on 127.0.0.1 and by e-mail.


@pytest.fixture
def leaders_robot(settings):
    with RobotReceiver() as receiver:
        settings.WECOM_ROBOTS = {**settings.WECOM_ROBOTS, "leaders": receiver.url}
        settings.ROBOT_TIMEOUT_SECONDS = 5
        yield receiver


def test_publishing_sends_leadership_the_summary_the_image_and_the_pdf(
    seed_week, bureau, leaders_robot
):
    make_user("leader-a", Profile.Role.LEADER, email="a@example.gov.cn")
    make_user("leader-b", Profile.Role.LEADER)  # no address
    make_user("gone", Profile.Role.LEADER, email="gone@example.gov.cn", is_active=False)
    make_user("district", Profile.Role.DISTRICT, make_region("温", "wen-x"), email="d@x.cn")
    # The new region has no figures: publishing anyway needs a reason.
    week_publish(week=seed_week, actor=bureau, reason="温沿用上周数据")
    notice = Notice.objects.get()

    results = outbox.deliver_due()
    assert [r.ok for r in results] == [True, True, True]
    markdown, image = (post["body"] for post in leaders_robot.posts)
    assert markdown["msgtype"] == "markdown"
    content = markdown["markdown"]["content"]
    assert content.startswith("**进度通报（第1期）**\n")
    assert "全市安装率33.2%" in content
    assert image["msgtype"] == "image"
    raw = base64.b64decode(image["image"]["base64"])
    assert raw == bytes(notice.png)
    assert image["image"]["md5"] == hashlib.md5(raw).hexdigest()

    [sent] = mail.outbox
    assert sent.to == ["a@example.gov.cn"]
    assert sent.subject == "进度通报（第1期） 2022年11月21日"
    assert sent.body == notice.summary_text
    [(name, data, mimetype)] = sent.attachments
    assert (name, mimetype) == ("进度通报（第1期）_2022-11-21.pdf", "application/pdf")
    assert data == bytes(notice.pdf)


def test_nothing_is_queued_without_a_webhook_or_an_address(seed_week, bureau, settings):
    settings.WECOM_ROBOTS = {**settings.WECOM_ROBOTS, "leaders": ""}
    make_user("leader-b", Profile.Role.LEADER)  # no address
    week_publish(week=seed_week, actor=bureau)
    assert not OutboxMessage.objects.exists()


def test_a_publication_rolled_back_queues_nothing(seed_week, bureau, leaders_robot, monkeypatch):
    make_user("leader-a", Profile.Role.LEADER, email="a@example.gov.cn")

    def fail(*args, **kwargs):
        raise RuntimeError("the e-mail could not be queued")

    monkeypatch.setattr(notices.outbox, "enqueue_email", fail)
    with pytest.raises(RuntimeError):
        week_publish(week=seed_week, actor=bureau)
    assert not OutboxMessage.objects.exists()  # the robot's two messages went with it
    assert not Notice.objects.exists()
    assert Week.objects.get(pk=seed_week.pk).state == Week.State.LOCKED


def test_wecom_markdown_is_cut_at_whole_lines_to_4096_bytes():
    text = "进度通报（第9期）\n" + "\n".join("县" * 300 for _ in range(10))
    cut = notices.wecom_markdown(text)
    assert len(cut.encode("utf-8")) <= 4096
    assert cut.split("\n")[-1] == "县" * 300  # no line cut in half
    assert cut.startswith("**进度通报（第9期）**\n")


@pytest.fixture
def without_revision_lock():
    """
    Saving a week bumps the one DataRevision row, which happens to queue two
    publications behind each other; without it they really run at once, so the
    numbering is tested on its own guarantee.
    """
    post_save.disconnect(sender=Week, dispatch_uid="revision-save-Week")
    yield
    signals.connect()


@pytest.mark.django_db(transaction=True)
def test_weeks_published_at_the_same_moment_get_different_numbers(without_revision_lock):
    """Both take the same next number at first; the unique constraint sends one to the next."""
    weeks = [
        Week.objects.create(date=f"2022-11-{day}", state=Week.State.LOCKED) for day in (21, 28)
    ]
    barrier = threading.Barrier(len(weeks))
    outcomes: list[object] = [None] * len(weeks)

    def publish(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i] = week_publish(week=weeks[i], actor=None)
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            outcomes[i] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(len(weeks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(isinstance(outcome, Week) for outcome in outcomes), outcomes
    numbers = sorted(Notice.objects.values_list("number", flat=True))
    assert numbers == [1, 2]
    assert {n.week_id for n in Notice.objects.all()} == {w.pk for w in weeks}


# The deployment check.


def test_the_deploy_check_finds_what_the_notice_needs_here():
    from django.core import checks

    from installs.notice_checks import notice_documents_check

    assert notice_documents_check in checks.registry.registry.get_checks(
        include_deployment_checks=True
    )
    assert notice_documents_check not in checks.registry.registry.get_checks()  # deploy only
    assert notice_documents_check() == []


def test_the_deploy_check_names_the_missing_chinese_font(monkeypatch, tmp_path):
    from installs.notice_checks import notice_documents_check

    monkeypatch.setenv("PATH", str(tmp_path))  # no fc-list: no font found
    [error] = notice_documents_check()
    assert error.id == "installs.E102"
    assert "fonts-noto-cjk" in error.hint


def test_a_late_region_is_carried_in_the_notice_as_on_the_page(bureau):
    """2022-11-28 with 山阳区, 马村区 and 中站区 late: their rows carry 11月21日's figures, marked."""
    week = open_scenario(state=Week.State.LOCKED)
    week_publish(week=week, actor=bureau, reason="三个区县逾期，沿用上周数据")
    ((_size, text),) = pdf_pages(bytes(Notice.objects.get(week=week).pdf))
    text = fold(text)
    # 山阳区 as printed on 11-21 (自闭阀·管道气 129327 households, 9874 installed), new: 未填报※.
    assert "山阳区129327" + "9874" + "未填报※" in text
    assert "※注：山阳区、马村区、中站区沿用11月21日数据。" in text
