"""The weekly entry form: /weeks/<date>/entry/ and /weeks/<date>/entry/<region>/."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from installs.models import Measure, Region, Snapshot, Week
from installs.services.figures import FigureInput, figures_save
from tests.factories import load_seed, make_user, make_week

pytestmark = pytest.mark.django_db

DATE = "2022-11-28"


@pytest.fixture
def week():
    """The seed and an open week after it."""
    load_seed()
    return make_week(DATE)


@pytest.fixture
def qinyang(week) -> Region:
    return Region.objects.get(slug="qinyang")


@pytest.fixture
def district(client, qinyang):
    user = make_user("qy", "district", qinyang)
    client.force_login(user)
    return user


def url(slug: str | None = "qinyang", date: str = DATE) -> str:
    if slug is None:
        return reverse("installs:entry", kwargs={"date": date})
    return reverse("installs:entry_region", kwargs={"date": date, "slug": slug})


def last_week() -> dict[str, Snapshot]:
    return {
        s.measure.slug: s
        for s in Snapshot.objects.filter(week__date="2022-11-21", region__slug="qinyang")
    }


def post_data(**changes) -> dict[str, str]:
    """Last week's figures of 沁阳市 as typed into the form, with some fields changed."""
    data = {}
    for slug, snapshot in last_week().items():
        data[f"{slug}-households"] = str(snapshot.households)
        data[f"{slug}-installed"] = str(snapshot.installed)
        data[f"{slug}-version"] = ""
    data.update({key.replace("__", "-"): str(value) for key, value in changes.items()})
    return data


def this_week() -> dict[str, Snapshot]:
    return {
        s.measure.slug: s for s in Snapshot.objects.filter(week__date=DATE, region__slug="qinyang")
    }


def field_errors(response, name: str) -> list[str]:
    return list(response.context["form"].errors.get(name, []))


def test_it_sends_district_staff_to_their_own_region(client, district):
    response = client.get(url(None))
    assert response.status_code == 302
    assert response.url == url("qinyang")


def test_it_lets_bureau_staff_choose_a_region(client, week):
    client.force_login(make_user("ju", "bureau"))
    response = client.get(url(None))
    assert response.status_code == 200
    assert url("wenxian") in response.content.decode()


def test_it_prefills_the_form_from_last_week(client, district):
    response = client.get(url())
    assert response.status_code == 200
    form = response.context["form"]
    assert form["valve_pipe-households"].value() == 87326
    assert form["valve_pipe-installed"].value() == 29577
    assert form["valve_pipe-version"].value() is None


def test_it_prefills_from_this_weeks_figures_with_their_version(client, district, week, qinyang):
    figures_save(
        week=week,
        figures=[
            FigureInput(
                region=qinyang,
                measure=Measure.objects.get(slug="valve_pipe"),
                households=87326,
                installed=29600,
            )
        ],
        actor=district,
    )
    form = client.get(url()).context["form"]
    assert form["valve_pipe-installed"].value() == 29600
    assert form["valve_pipe-version"].value() == 1


def test_it_asks_for_numbers_with_a_numeric_keyboard(client, district):
    html = client.get(url()).content.decode()
    assert html.count('inputmode="numeric"') == 6


def test_it_shows_last_weeks_values_new_installs_and_rate(client, district):
    response = client.get(url())
    card = response.context["cards"][0]
    assert (card.previous.installed, card.new, card.rate) == (29577, 0, "33.9%")


def test_it_saves_and_shows_the_district_what_it_reported(client, district):
    response = client.post(url(), post_data(valve_pipe__installed=29700))
    assert response.status_code == 302
    assert response.url == reverse("installs:entry_saved", kwargs={"date": DATE, "slug": "qinyang"})
    saved = this_week()
    assert (saved["valve_pipe"].installed, saved["hose_pipe"].installed) == (29700, 87899)
    assert saved["valve_pipe"].updated_by == district
    page = client.get(response.url)
    html = page.content.decode()
    assert "已填报 ✓" in html.replace('<span aria-hidden="true">✓</span>', "✓")
    card = html[html.index('data-measure="valve_pipe"') :]
    card = card[: card.index("</section>")]
    # 29700 / 87326 = 34.01% → 34.0%; the other ten are ranked on their carried 11-21
    # figures, so it stays behind 解放区 (37.4%) … 孟州市 (36.7%): sixth of eleven.
    assert "29700" in card and "87326" in card and "34.0%" in card
    assert "第6名（共11个区县）" in card  # as on the region page
    assert "名次可能还会变化" in html
    assert reverse("installs:week_detail", kwargs={"date": DATE}) in html


def test_it_sends_bureau_staff_back_to_the_ranking_page(client, week):
    client.force_login(make_user("shiju", "bureau"))
    response = client.post(url(), post_data(valve_pipe__installed=29700))
    assert response.url == reverse("installs:week_detail", kwargs={"date": DATE})
    assert "已保存" in [str(m) for m in get_messages(response.wsgi_request)][0]


def test_it_accepts_full_width_digits(client, district):
    client.post(url(), post_data(valve_pipe__installed="２９７００"))
    assert this_week()["valve_pipe"].installed == 29700


@pytest.mark.parametrize(
    ("typed", "says"),
    [("1.5", "必须是整数"), ("abc", "必须是整数"), ("-3", "不能为负数"), ("", "不能为空")],
)
def test_it_refuses_what_is_not_a_count_next_to_the_field(client, district, typed, says):
    response = client.post(url(), post_data(hose_pipe__installed=typed))
    assert response.status_code == 200
    (error,) = field_errors(response, "hose_pipe-installed")
    assert says in error and "金属软管·管道气" in error and "已安装数" in error
    assert this_week() == {}


def test_it_refuses_installed_above_households_in_chinese(client, district):
    response = client.post(url(), post_data(valve_pipe__installed=90000))
    (error,) = field_errors(response, "valve_pipe-installed")
    assert error == "自闭阀·管道气 的已安装数（90000）不能大于户数（87326）"
    assert error in response.content.decode()
    assert this_week() == {}


def test_it_recomputes_new_installs_and_rate_from_what_was_typed(client, district):
    response = client.post(url(), post_data(valve_pipe__installed=90000))
    card = response.context["cards"][0]
    assert (card.new, card.rate) == (90000 - 29577, "103.1%")


def test_it_asks_to_confirm_a_decrease_and_offers_a_confirmation(client, district):
    response = client.post(url(), post_data(hose_lpg__installed=700))
    html = response.content.decode()
    assert "已安装数从 771 减少到 700" in html
    assert 'name="confirmed"' in html
    assert this_week() == {}


def test_it_refuses_a_confirmed_decrease_without_a_reason(client, district):
    response = client.post(url(), {**post_data(hose_lpg__installed=700), "confirmed": "on"})
    assert "请填写原因" in field_errors(response, "hose_lpg-installed")[0]
    assert this_week() == {}


def test_it_saves_a_confirmed_decrease_with_its_reason_in_the_history(client, district):
    data = {**post_data(hose_lpg__installed=700), "confirmed": "on", "reason": "上周重复统计"}
    assert client.post(url(), data).status_code == 302
    record = this_week()["hose_lpg"].history.get()
    assert (record.installed, record.history_change_reason) == (700, "填报: 上周重复统计")
    assert record.history_user == district


def test_it_shows_a_conflict_with_the_newer_values_and_keeps_the_input(client, district, week):
    other = make_user("qy2", "district", Region.objects.get(slug="qinyang"), first_name="李四")
    base = post_data()
    figures_save(
        week=week,
        figures=[
            FigureInput(
                region=Region.objects.get(slug="qinyang"),
                measure=Measure.objects.get(slug="valve_pipe"),
                households=87326,
                installed=29650,
            )
        ],
        actor=other,
    )
    response = client.post(url(), {**base, "valve_pipe-installed": "29700"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "29650" in html and "李四" in html
    form = response.context["form"]
    assert form["valve_pipe-installed"].value() == "29700"
    assert form["valve_pipe-version"].value() == "1"
    assert this_week()["valve_pipe"].installed == 29650


def test_it_saves_after_the_user_has_seen_the_conflict(client, district, week):
    other = make_user("qy2", "district", Region.objects.get(slug="qinyang"))
    figures_save(
        week=week,
        figures=[
            FigureInput(
                region=Region.objects.get(slug="qinyang"),
                measure=Measure.objects.get(slug="valve_pipe"),
                households=87326,
                installed=29650,
            )
        ],
        actor=other,
    )
    response = client.post(url(), post_data(valve_pipe__installed=29700))
    resubmitted = {name: response.context["form"][name].value() or "" for name in post_data()}
    assert client.post(url(), resubmitted).status_code == 302
    assert this_week()["valve_pipe"].installed == 29700


def test_it_shows_a_locked_week_read_only_to_district_staff(client, district, week):
    Week.objects.filter(pk=week.pk).update(state=Week.State.LOCKED)
    response = client.get(url())
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("disabled") >= 6
    assert "entry-save" not in html


def test_it_refuses_a_post_into_a_locked_week_from_district_staff(client, district, week):
    Week.objects.filter(pk=week.pk).update(state=Week.State.LOCKED)
    response = client.post(url(), post_data(valve_pipe__installed=29700))
    assert response.status_code == 403
    assert this_week() == {}


def test_it_lets_bureau_staff_correct_a_locked_week(client, week):
    Week.objects.filter(pk=week.pk).update(state=Week.State.LOCKED)
    bureau = make_user("ju", "bureau")
    client.force_login(bureau)
    data = {**post_data(valve_pipe__installed=29700), "reason": "电话核实"}
    assert client.post(url(), data).status_code == 302
    record = this_week()["valve_pipe"].history.get()
    assert (record.history_user, record.history_change_reason) == (bureau, "填报: 电话核实")


def test_it_refuses_another_regions_form_to_district_staff(client, district):
    assert client.get(url("wenxian")).status_code == 403


def test_it_refuses_a_post_to_another_regions_form_and_changes_nothing(client, district):
    count = Snapshot.objects.count()
    response = client.post(url("wenxian"), post_data())
    assert response.status_code == 403
    assert Snapshot.objects.count() == count


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_refuses_leadership(client, week, method):
    client.force_login(make_user("ld", "leader"))
    assert getattr(client, method)(url(), post_data()).status_code == 403
    assert getattr(client, method)(url(None)).status_code == 403
    assert this_week() == {}


def test_it_refuses_an_account_without_a_role(client, week):
    client.force_login(make_user("x", None))
    assert client.get(url()).status_code == 403


def test_it_sends_anonymous_visitors_to_the_login(client, week):
    response = client.get(url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_answers_404_for_a_week_that_does_not_exist(client, district):
    assert client.get(url(date="2022-12-05")).status_code == 404


def test_it_answers_404_for_a_region_that_does_not_exist(client, week):
    client.force_login(make_user("ju", "bureau"))
    assert client.get(url("atlantis")).status_code == 404


def test_it_sends_the_nav_link_to_the_newest_open_week(client, district):
    response = client.get(reverse("installs:entry_current"))
    assert response.url == url(None)


def test_it_says_nothing_changed_when_nothing_did(client, district):
    client.post(url(), post_data())
    response = client.post(
        url(),
        {**post_data(), **{f"{s}-version": "1" for s in ("valve_pipe", "hose_pipe", "hose_lpg")}},
    )
    assert response.status_code == 302
    assert Snapshot.history.filter(week__date=DATE).count() == 3
