"""The week's workflow: open → locked → published and back, by bureau staff only, each step audited."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from installs.models import Week
from installs.services.weeks import (
    WeekWorkflowError,
    next_week_date,
    week_lock,
    week_open,
    week_publish,
    week_unlock,
    week_unpublish,
)
from tests.factories import make_region, make_user, make_week

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2022, 11, 28)


@pytest.fixture
def bureau():
    return make_user("bureau", "bureau")


@pytest.fixture
def leader():
    return make_user("leader", "leader")


@pytest.fixture
def district():
    return make_user("qinyang", "district", make_region("沁阳市", "qinyang"))


def last_history(week: Week):
    return week.history.order_by("-history_date", "-history_id").first()


# The service.


def test_it_opens_a_week_and_records_who(bureau):
    week = week_open(date=MONDAY, actor=bureau)
    assert (week.state, week.state_changed_by) == (Week.State.OPEN, bureau)
    assert last_history(week).history_user == bureau


def test_it_refuses_a_week_that_exists(bureau):
    make_week(MONDAY)
    with pytest.raises(WeekWorkflowError) as error:
        week_open(date=MONDAY, actor=bureau)
    assert error.value.code == "exists"


def test_it_refuses_another_weekday_unless_allowed(bureau):
    make_week(MONDAY)
    tuesday = MONDAY + datetime.timedelta(days=8)
    with pytest.raises(WeekWorkflowError) as error:
        week_open(date=tuesday, actor=bureau)
    assert error.value.code == "other_weekday"
    assert not Week.objects.filter(date=tuesday).exists()
    assert week_open(date=tuesday, actor=bureau, allow_other_weekday=True).date == tuesday


def test_it_refuses_a_date_far_ahead(bureau):
    far = timezone.localdate() + datetime.timedelta(days=30)
    with pytest.raises(WeekWorkflowError) as error:
        week_open(date=far, actor=bureau)
    assert error.value.code == "too_far_ahead"


def test_it_proposes_the_latest_week_plus_seven_days():
    assert next_week_date(make_week(MONDAY)) == MONDAY + datetime.timedelta(days=7)


def test_it_locks_then_publishes(bureau):
    week = make_week(MONDAY)
    week = week_lock(week=week, actor=bureau)
    assert week.state == Week.State.LOCKED
    week = week_publish(week=week, actor=bureau, reason="周例会通过")
    week.refresh_from_db()
    assert (week.state, week.state_changed_by) == (Week.State.PUBLISHED, bureau)
    assert last_history(week).history_change_reason == "周例会通过"


def test_it_refuses_to_publish_an_open_week(bureau):
    week = make_week(MONDAY)
    with pytest.raises(WeekWorkflowError) as error:
        week_publish(week=week, actor=bureau)
    assert error.value.code == "wrong_state"
    week.refresh_from_db()
    assert week.state == Week.State.OPEN


def test_it_reads_the_state_under_the_lock_not_from_the_caller(bureau):
    week = make_week(MONDAY)
    stale = Week.objects.get(pk=week.pk)
    week_lock(week=week, actor=bureau)
    with pytest.raises(WeekWorkflowError):
        week_lock(week=stale, actor=bureau)  # the caller's copy still says open
    assert week.history.count() == 2  # created, locked: the second lock left nothing


def test_it_refuses_a_date_before_2000(bureau):
    with pytest.raises(WeekWorkflowError) as error:
        week_open(date=datetime.date(1999, 12, 27), actor=bureau)
    assert error.value.code == "too_early"
    assert not Week.objects.exists()


def test_it_refuses_a_reason_with_a_control_character_in_the_service(bureau):
    week = make_week(MONDAY, state=Week.State.LOCKED)
    with pytest.raises(WeekWorkflowError) as error:
        week_unlock(week=week, actor=bureau, reason="更正\x00")
    assert error.value.code == "reason_invalid"
    week.refresh_from_db()
    assert (week.state, week.history.count()) == (Week.State.LOCKED, 1)  # the creation only


def test_it_needs_a_reason_to_unlock(bureau):
    week = make_week(MONDAY, state=Week.State.LOCKED)
    with pytest.raises(WeekWorkflowError) as error:
        week_unlock(week=week, actor=bureau, reason="  ")
    assert error.value.code == "reason_required"
    week.refresh_from_db()
    assert week.state == Week.State.LOCKED


def test_it_unlocks_and_unpublishes_with_a_reason(bureau):
    week = make_week(MONDAY, state=Week.State.PUBLISHED)
    week = week_unpublish(week=week, actor=bureau, reason="温县数据有误")
    assert week.state == Week.State.LOCKED
    week = week_unlock(week=week, actor=bureau, reason="温县重新填报")
    assert week.state == Week.State.OPEN
    assert last_history(week).history_change_reason == "温县重新填报"


def test_it_refuses_a_too_long_reason(bureau):
    week = make_week(MONDAY, state=Week.State.LOCKED)
    with pytest.raises(WeekWorkflowError) as error:
        week_unlock(week=week, actor=bureau, reason="长" * 101)
    assert error.value.code == "reason_too_long"


@pytest.mark.parametrize("who", ["leader", "district"])
def test_it_refuses_other_roles_in_the_service(who, request):
    user = request.getfixturevalue(who)
    week = make_week(MONDAY)
    with pytest.raises(PermissionDenied):
        week_lock(week=week, actor=user)
    with pytest.raises(PermissionDenied):
        week_open(date=MONDAY + datetime.timedelta(days=7), actor=user)
    week.refresh_from_db()
    assert week.state == Week.State.OPEN
    assert Week.objects.count() == 1


# The views: POST only, bureau only, nothing changes after a refusal.

STEPS = [
    ("installs:week_lock", Week.State.OPEN, Week.State.LOCKED),
    ("installs:week_publish", Week.State.LOCKED, Week.State.PUBLISHED),
    ("installs:week_unlock", Week.State.LOCKED, Week.State.OPEN),
    ("installs:week_unpublish", Week.State.PUBLISHED, Week.State.LOCKED),
]


@pytest.mark.parametrize(("name", "before", "after"), STEPS)
def test_it_takes_each_step_for_bureau_staff(client, bureau, name, before, after):
    week = make_week(MONDAY, state=before)
    client.force_login(bureau)
    response = client.post(reverse(name, args=[MONDAY]), {"reason": "复核"})
    assert response.status_code == 302
    week.refresh_from_db()
    assert (week.state, week.state_changed_by) == (after, bureau)
    assert last_history(week).history_user == bureau


@pytest.mark.parametrize(("name", "before", "after"), STEPS)
@pytest.mark.parametrize("who", ["leader", "district"])
def test_it_refuses_each_step_to_other_roles(client, request, who, name, before, after):
    week = make_week(MONDAY, state=before)
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse(name, args=[MONDAY]), {"reason": "复核"})
    assert response.status_code == 403
    week.refresh_from_db()
    assert week.state == before
    assert week.history.count() == 1


@pytest.mark.parametrize(("name", "before", "after"), STEPS)
def test_it_sends_anonymous_users_to_login(client, name, before, after):
    week = make_week(MONDAY, state=before)
    response = client.post(reverse(name, args=[MONDAY]), {"reason": "复核"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    week.refresh_from_db()
    assert week.state == before


def test_it_refuses_a_step_by_get(client, bureau):
    week = make_week(MONDAY, state=Week.State.LOCKED)
    client.force_login(bureau)
    assert client.get(reverse("installs:week_unlock", args=[MONDAY])).status_code == 405
    week.refresh_from_db()
    assert week.state == Week.State.LOCKED


def test_a_get_of_lock_only_shows_the_confirmation(client, bureau):
    week = make_week(MONDAY)
    client.force_login(bureau)
    response = client.get(reverse("installs:week_lock", args=[MONDAY]))
    assert response.status_code == 200
    assert response.templates[0].name == "installs/week_confirm.html"
    week.refresh_from_db()
    assert week.state == Week.State.OPEN


def test_it_refuses_a_step_without_the_csrf_token(bureau):
    from django.test import Client

    week = make_week(MONDAY)
    client = Client(enforce_csrf_checks=True)
    client.force_login(bureau)
    response = client.post(reverse("installs:week_lock", args=[MONDAY]))
    assert response.status_code == 403
    week.refresh_from_db()
    assert week.state == Week.State.OPEN


def test_it_explains_a_step_that_does_not_apply(client, bureau):
    make_week(MONDAY)
    client.force_login(bureau)
    response = client.post(reverse("installs:week_publish", args=[MONDAY]), follow=True)
    assert "现在是" in response.content.decode()
    assert Week.objects.get().state == Week.State.OPEN


def test_it_opens_a_week_from_the_page(client, bureau):
    make_week(MONDAY)
    client.force_login(bureau)
    new = MONDAY + datetime.timedelta(days=7)
    response = client.post(reverse("installs:week_open"), {"date": new.isoformat()})
    assert response.status_code == 302
    assert Week.objects.get(date=new).state_changed_by == bureau


def test_it_shows_why_a_week_was_not_opened(client, bureau):
    make_week(MONDAY)
    client.force_login(bureau)
    response = client.post(reverse("installs:week_open"), {"date": MONDAY.isoformat()})
    assert response.status_code == 200
    assert "已存在" in response.content.decode()
    assert Week.objects.count() == 1


@pytest.mark.parametrize("who", ["leader", "district"])
def test_it_refuses_opening_to_other_roles(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("installs:week_open"), {"date": MONDAY.isoformat()})
    assert response.status_code == 403
    assert not Week.objects.exists()


def test_it_proposes_the_next_date_on_the_manage_page(client, bureau):
    make_week(MONDAY)
    client.force_login(bureau)
    response = client.get(reverse("installs:week_manage"))
    assert 'value="2022-12-05"' in response.content.decode()


# The 填报情况 panel.


@pytest.fixture
def city_week(db):
    """The seed city and a new open week in which three regions reported, one of them partly."""
    from installs.models import Measure, Region
    from installs.services.figures import FigureInput, figures_save
    from tests.factories import load_seed

    load_seed()
    week = make_week(MONDAY)
    reporters = {}
    for slug, measures in (("qinyang", 3), ("mengzhou", 3), ("wenxian", 2)):
        region = Region.objects.get(slug=slug)
        user = make_user(slug, "district", region, first_name=f"{region.name}填报员")
        reporters[slug] = user
        figures = []
        for measure in Measure.objects.order_by("order")[:measures]:
            before = region.snapshot_set.get(
                week__date=datetime.date(2022, 11, 21), measure=measure
            )
            figures.append(FigureInput(region, measure, before.households, before.installed + 1))
        figures_save(week=week, figures=figures, actor=user)
    return week


def status_html(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("installs:week_status", args=[MONDAY])).content.decode()


def region_row(html: str, slug: str) -> str:
    start = html.rindex("<tr", 0, html.index(f'data-region="{slug}"'))
    return html[start : html.index("</tr>", start)]


def test_it_counts_the_regions_that_reported(client, bureau, city_week):
    # 温县 gave 2 of 3 measures: 部分填报, not counted as reported.
    html = status_html(client, bureau)
    assert "已填报 2/11" in html
    assert "部分填报： 温县" in html


def test_it_names_the_regions_that_did_not_report(client, bureau, city_week):
    html = status_html(client, bureau)
    assert "未填报：" in html
    assert "博爱县" in html[html.index("未填报：") : html.index("</p>", html.index("未填报："))]
    assert "is-missing" in region_row(html, "boai")


def test_it_shows_who_reported_and_how_completely(client, bureau, city_week):
    html = status_html(client, bureau)
    assert "沁阳市填报员" in region_row(html, "qinyang")
    assert "3/3" in region_row(html, "qinyang")
    assert "部分填报" in region_row(html, "wenxian") and "2/3" in region_row(html, "wenxian")


def test_it_shows_leadership_the_panel_without_buttons(client, leader, city_week):
    html = status_html(client, leader)
    assert "已填报 2/11" in html
    assert reverse("installs:week_lock", args=[MONDAY]) not in html


def state_history(html: str) -> str:
    start = html.index('class="state-history"')
    return html[start : html.index("</section>", start)]


def test_it_says_no_data_when_a_week_has_no_state_change(client, bureau):
    # The seed's weeks were loaded from the fixture: no recorded change of state.
    from tests.factories import load_seed

    load_seed()
    client.force_login(bureau)
    html = client.get(reverse("installs:week_status", args=["2022-11-21"])).content.decode()
    section = state_history(html)
    assert '<p class="empty-state">暂无数据</p>' in section
    assert "<ol" not in section


def test_it_lists_the_state_changes_without_the_empty_state(client, bureau, city_week):
    week_lock(week=city_week, actor=bureau)
    section = state_history(status_html(client, bureau))
    assert "已锁定" in section
    assert "暂无数据" not in section


def test_it_refuses_the_panel_to_district_staff(client, city_week):
    client.force_login(make_user("boai", "district", make_region("外县", "waixian")))
    assert client.get(reverse("installs:week_status", args=[MONDAY])).status_code == 403


# Which week each role sees first, and how an unpublished week is marked.


def test_it_sends_leadership_to_the_latest_published_week(client, leader):
    make_week("2022-11-21", state=Week.State.PUBLISHED)
    make_week(MONDAY, state=Week.State.LOCKED)
    client.force_login(leader)
    response = client.get(reverse("installs:home"))
    assert response["Location"] == reverse("installs:week_detail", args=["2022-11-21"])


def test_it_sends_bureau_staff_to_the_latest_week(client, bureau):
    make_week("2022-11-21", state=Week.State.PUBLISHED)
    make_week(MONDAY, state=Week.State.OPEN)
    client.force_login(bureau)
    response = client.get(reverse("installs:home"))
    assert response["Location"] == reverse("installs:week_detail", args=[MONDAY])


def test_it_tells_leadership_when_nothing_is_published(client, leader):
    make_week(MONDAY, state=Week.State.LOCKED)
    client.force_login(leader)
    assert "还没有发布" in client.get(reverse("installs:home")).content.decode()


def test_it_marks_an_unpublished_week_on_its_page(client, leader):
    make_week(MONDAY, state=Week.State.LOCKED)
    client.force_login(leader)
    html = client.get(reverse("installs:week_detail", args=[MONDAY])).content.decode()
    assert "本周数据尚未发布，仅供内部核对" in html


def test_it_does_not_mark_a_published_week(client, leader):
    make_week(MONDAY, state=Week.State.PUBLISHED)
    client.force_login(leader)
    html = client.get(reverse("installs:week_detail", args=[MONDAY])).content.decode()
    assert "尚未发布" not in html


@pytest.mark.parametrize(
    ("state", "marked"), [(Week.State.OPEN, True), (Week.State.PUBLISHED, False)]
)
def test_it_marks_an_unpublished_week_in_its_workbook(client, bureau, state, marked):
    from io import BytesIO

    from openpyxl import load_workbook

    from installs.sheets import DATE_ROW

    make_week(MONDAY, state=state)
    client.force_login(bureau)
    response = client.get(reverse("installs:week_export", args=[MONDAY]))
    sheet = load_workbook(BytesIO(response.content)).active
    date_cell = sheet.cell(row=DATE_ROW, column=1).value
    assert date_cell.startswith("(2022.11.28)")
    assert ("未发布" in date_cell) is marked
