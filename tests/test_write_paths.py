"""
Every way a figure or a week's state can be written, against one table of rules.

The paths: the entry form, the bureau's grid, the import page (upload, preview,
confirm), the import_table and open_week commands, the week's workflow buttons,
the admin, the API. The rules a write must pass, whichever path it takes:

- closed:       a change to a week that is not open (locked or published) needs a reason;
- stale:        a save based on an old version of a figure is refused (409), never an overwrite;
- other_region: district staff write only their own region;
- no_role:      an account without a role writes nothing;
- control:      a reason with a NUL (or another control character) is refused with a
                message, never stored (on PostgreSQL it was a 500).

For each (path, rule) that applies: refused, nothing changed (figures, versions,
week states) and nothing audited (no new history rows).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from installs.models import Measure, Region, Snapshot, Week
from installs.services.figures import FigureInput, figures_save
from tests.factories import load_seed, make_user
from tests.official_workbooks import official_bytes, seed_table

pytestmark = pytest.mark.django_db

WEEK = "2022-11-21"  # the seed's latest week: every region reported
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# 温县's 自闭阀·管道气 in the seed: households, installed.
WENXIAN_VALVE = (71840, 19860)
NUL_REASON = "更正\x00数据"


@dataclass
class Attempt:
    """Who writes, into which week, what they saw, and the reason they typed."""

    actor: object
    week: Week
    region: Region
    versions: dict[int, int]  # measure id → the Snapshot.version the writer saw
    reason: str = ""


def state() -> tuple:
    """Everything a write could change, and the audit trail's length."""
    return (
        list(
            Snapshot.objects.order_by("pk").values_list(
                "pk", "week_id", "region_id", "measure_id", "households", "installed", "version"
            )
        ),
        list(Week.objects.order_by("pk").values_list("pk", "date", "state", "state_changed_by")),
        Snapshot.history.count(),
        Week.history.count(),
    )


@pytest.fixture
def city():
    load_seed()
    qinyang = Region.objects.get(slug="qinyang")
    return {
        "bureau": make_user("ju", "bureau"),
        "district": make_user("qinyang", "district", region=qinyang),
        "norole": make_user("nobody", None),
    }


def _versions(week: Week, region: Region) -> dict[int, int]:
    return dict(
        Snapshot.objects.filter(week=week, region=region).values_list("measure_id", "version")
    )


def arrange(rule: str, city: dict, state_for_closed: str = Week.State.LOCKED) -> Attempt:
    """Set the week up for the rule and say who tries what; the attempt itself comes later."""
    week = Week.objects.get(date=WEEK)
    wenxian = Region.objects.get(slug="wenxian")
    week.state = state_for_closed if rule == "closed" else Week.State.OPEN
    week.save()
    attempt = Attempt(
        actor=city["bureau"], week=week, region=wenxian, versions=_versions(week, wenxian)
    )
    if rule == "stale":
        # Someone else saves 温县's 自闭阀 after the writer read it.
        snapshot = Snapshot.objects.get(week=week, region=wenxian, measure__slug="valve_pipe")
        figures_save(
            week=week,
            figures=[
                FigureInput(
                    region=wenxian,
                    measure=snapshot.measure,
                    households=snapshot.households,
                    installed=snapshot.installed + 1,
                    version=snapshot.version,
                )
            ],
            actor=city["bureau"],
        )
    elif rule == "other_region":
        attempt.actor = city["district"]
    elif rule == "no_role":
        attempt.actor = city["norole"]
    elif rule == "control":
        attempt.reason = NUL_REASON
    return attempt


def _figures_typed(attempt: Attempt) -> dict[str, tuple[int, int]]:
    """What the writer types: the seed's figures, 温县's 自闭阀 installed + 5."""
    households, installed = WENXIAN_VALVE
    return {"valve_pipe": (households, installed + 5)}


# The paths. Each tries the attempt and returns whether it was refused.


def via_form(client, attempt: Attempt) -> bool:
    client.force_login(attempt.actor)
    data = {"reason": attempt.reason}
    typed = _figures_typed(attempt)
    for snapshot in Snapshot.objects.filter(week=attempt.week, region=attempt.region):
        slug = snapshot.measure.slug
        households, installed = typed.get(slug, (snapshot.households, snapshot.installed))
        data[f"{slug}-households"] = str(households)
        data[f"{slug}-installed"] = str(installed)
        data[f"{slug}-version"] = str(attempt.versions[snapshot.measure_id])
    response = client.post(f"/weeks/{WEEK}/entry/{attempt.region.slug}/", data)
    assert response.status_code in (200, 302, 403, 409), response.status_code
    return response.status_code != 302


def via_grid(client, attempt: Attempt) -> bool:
    client.force_login(attempt.actor)
    data = {"reason": attempt.reason}
    typed = _figures_typed(attempt)
    for snapshot in Snapshot.objects.filter(week=attempt.week, region=attempt.region):
        slug = snapshot.measure.slug
        prefix = f"{attempt.region.slug}.{slug}"
        households, installed = typed.get(slug, (snapshot.households, snapshot.installed))
        data[f"{prefix}.households"] = str(households)
        data[f"{prefix}.installed"] = str(installed)
        data[f"{prefix}.version"] = str(attempt.versions[snapshot.measure_id])
    response = client.post(f"/weeks/{WEEK}/grid/", data)
    assert response.status_code in (200, 302, 403, 409), response.status_code
    return response.status_code != 302


def _workbook(attempt: Attempt) -> bytes:
    changes = {("温县", measure): figures for measure, figures in _figures_typed(attempt).items()}
    return official_bytes(seed_table(changes=changes), date_line="(2022.11.21)")


def via_import_page(client, attempt: Attempt, *, before_confirm=None) -> bool:
    client.force_login(attempt.actor)
    upload = SimpleUploadedFile("进度表.xlsx", _workbook(attempt), content_type=XLSX)
    response = client.post("/import/", {"file": upload, "week": "", "reason": attempt.reason})
    if response.status_code == 403:
        return True
    assert response.status_code == 200
    token = response.context.get("token", "")
    if before_confirm is not None:
        before_confirm()
    confirm = client.post("/import/confirm/", {"token": token})
    assert confirm.status_code in (302, 400, 409), confirm.status_code
    # Refused: no token was offered (the preview showed why), or the confirmation was refused.
    return not token or confirm.status_code != 302 or "/import/" in confirm["Location"]


def via_import_command(tmp_path, attempt: Attempt) -> bool:
    path = tmp_path / "进度表.xlsx"
    path.write_bytes(_workbook(attempt))
    args = [str(path), "--user", attempt.actor.username]
    if attempt.reason:
        args += ["--reason", attempt.reason]
    try:
        call_command("import_table", *args, stdout=io.StringIO(), stderr=io.StringIO())
    except CommandError:
        return True
    return False


# The table: which rules apply to which path.

RULES = {
    "form": ["closed", "stale", "other_region", "no_role", "control"],
    "grid": ["closed", "stale", "other_region", "no_role", "control"],
    "import_page": ["closed", "other_region", "no_role", "control"],
    # The command reads and saves in one go: no version can go stale between the two.
    "import_command": ["closed", "other_region", "no_role", "control"],
}
CASES = [(path, rule) for path, rules in RULES.items() for rule in rules]


@pytest.mark.parametrize(("path", "rule"), CASES)
def test_every_path_refuses_what_the_rules_refuse(client, tmp_path, city, path, rule):
    attempt = arrange(rule, city)
    before = state()
    if path == "form":
        refused = via_form(client, attempt)
    elif path == "grid":
        refused = via_grid(client, attempt)
    elif path == "import_page":
        refused = via_import_page(client, attempt)
    else:
        refused = via_import_command(tmp_path, attempt)
    assert refused
    assert state() == before


@pytest.mark.parametrize("week_state", [Week.State.LOCKED, Week.State.PUBLISHED])
@pytest.mark.parametrize("path", ["form", "grid", "import_page", "import_command"])
def test_a_closed_week_changes_with_a_reason_through_every_path(
    client, tmp_path, city, path, week_state
):
    """The other side of "closed": the same change with a reason is saved, and audited with it."""
    attempt = arrange("closed", city, state_for_closed=week_state)
    attempt.reason = "区县更正"
    saved = {
        "form": lambda: via_form(client, attempt),
        "grid": lambda: via_grid(client, attempt),
        "import_page": lambda: via_import_page(client, attempt),
        "import_command": lambda: via_import_command(tmp_path, attempt),
    }[path]()
    assert not saved
    snapshot = Snapshot.objects.get(
        week=attempt.week, region=attempt.region, measure__slug="valve_pipe"
    )
    assert snapshot.installed == WENXIAN_VALVE[1] + 5
    assert "区县更正" in snapshot.history.first().history_change_reason
    assert Week.objects.get(pk=attempt.week.pk).state == week_state


def test_the_import_page_refuses_a_preview_gone_stale(client, city):
    """The stale rule on the import page: the preview's versions, then someone saves."""
    attempt = arrange("closed", city, state_for_closed=Week.State.OPEN)
    attempt.reason = ""
    wenxian_hose = Snapshot.objects.get(
        week=attempt.week, region=attempt.region, measure__slug="valve_pipe"
    )
    snapshots: dict = {}

    def someone_saves():
        figures_save(
            week=attempt.week,
            figures=[
                FigureInput(
                    region=attempt.region,
                    measure=wenxian_hose.measure,
                    households=wenxian_hose.households,
                    installed=wenxian_hose.installed + 1,
                    version=wenxian_hose.version,
                )
            ],
            actor=city["bureau"],
        )
        snapshots["before"] = state()

    assert via_import_page(client, attempt, before_confirm=someone_saves)
    assert state() == snapshots["before"]


# The form shows the closed-week rule where it belongs: on the reason, in Chinese.


def test_the_form_names_the_missing_reason_on_its_field(client, city):
    attempt = arrange("closed", city)
    client.force_login(attempt.actor)
    response = client.post(
        f"/weeks/{WEEK}/entry/wenxian/",
        {
            **{
                f"{s.measure.slug}-{name}": str(getattr(s, name))
                for s in Snapshot.objects.filter(week=attempt.week, region=attempt.region)
                for name in ("households", "installed", "version")
            },
            "valve_pipe-installed": str(WENXIAN_VALVE[1] + 5),
            "reason": "",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [
        "本周已处于“已锁定”状态：修改数据须填写原因，记入修改记录。数据未保存。"
    ]
    assert 'name="reason"' in response.content.decode()


def test_the_form_asks_for_no_reason_when_nothing_changes(client, city):
    attempt = arrange("closed", city)
    before = state()
    client.force_login(attempt.actor)
    response = client.post(
        f"/weeks/{WEEK}/entry/wenxian/",
        {
            f"{s.measure.slug}-{name}": str(getattr(s, name))
            for s in Snapshot.objects.filter(week=attempt.week, region=attempt.region)
            for name in ("households", "installed", "version")
        },
    )
    assert response.status_code == 302
    assert state() == before


# The week's workflow buttons and the open_week command.


@pytest.mark.parametrize("step", ["lock", "unlock", "publish", "unpublish"])
@pytest.mark.parametrize("who", ["district", "norole"])
def test_the_workflow_buttons_refuse_other_roles(client, city, step, who):
    week = Week.objects.get(date=WEEK)
    week.state = {
        "lock": Week.State.OPEN,
        "unlock": Week.State.LOCKED,
        "publish": Week.State.LOCKED,
        "unpublish": Week.State.PUBLISHED,
    }[step]
    week.save()
    before = state()
    client.force_login(city[who])
    response = client.post(f"/weeks/{WEEK}/{step}/", {"reason": "原因"})
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize(
    ("step", "week_state"), [("unlock", Week.State.LOCKED), ("unpublish", Week.State.PUBLISHED)]
)
@pytest.mark.parametrize("reason", [NUL_REASON, "原因\x07", "第一行\n第二行", "\x00"])
def test_the_workflow_refuses_a_reason_with_a_control_character(
    client, city, step, week_state, reason
):
    week = Week.objects.get(date=WEEK)
    week.state = week_state
    week.save()
    before = state()
    client.force_login(city["bureau"])
    response = client.post(f"/weeks/{WEEK}/{step}/", {"reason": reason}, follow=True)
    assert response.status_code == 200
    assert state() == before
    text = " ".join(str(m) for m in response.context["messages"])
    assert "原因：" in text and ("控制字符" in text or "一行" in text)


@pytest.mark.parametrize(
    ("by", "date"),
    [("qinyang", "2022-11-28"), ("nobody", "2022-11-28"), ("ju", "1022-11-28")],
)
def test_open_week_refuses_other_roles_and_implausible_dates(city, by, date):
    before = state()
    with pytest.raises(CommandError):
        call_command("open_week", date, "--by", by, "--other-weekday", stdout=io.StringIO())
    assert state() == before


# The admin: read-only for figures and weeks.


@pytest.fixture
def root(client, city):
    user = get_user_model().objects.create_superuser("root", password="a-long-root-passphrase")
    # One audited save, so that the figure has a history entry the admin could revert to.
    snapshot = _snapshot()
    figures_save(
        week=snapshot.week,
        figures=[
            FigureInput(
                region=snapshot.region,
                measure=snapshot.measure,
                households=snapshot.households,
                installed=snapshot.installed + 1,
                version=snapshot.version,
            )
        ],
        actor=city["bureau"],
        reason="更正",
    )
    client.force_login(user)
    return user


def _snapshot() -> Snapshot:
    return Snapshot.objects.get(week__date=WEEK, region__slug="wenxian", measure__slug="valve_pipe")


ADMIN_WRITES = {
    "change snapshot": lambda s: (
        f"/admin/installs/snapshot/{s.pk}/change/",
        {
            "week": s.week_id,
            "region": s.region_id,
            "measure": s.measure_id,
            "households": s.households,
            "installed": s.installed + 5,
        },
    ),
    "add snapshot": lambda s: (
        "/admin/installs/snapshot/add/",
        {"week": s.week_id, "region": s.region_id, "measure": s.measure_id},
    ),
    "delete snapshot": lambda s: (f"/admin/installs/snapshot/{s.pk}/delete/", {"post": "yes"}),
    "revert snapshot": lambda s: (
        f"/admin/installs/snapshot/{s.pk}/history/{s.history.first().history_id}/",
        {
            "week": s.week_id,
            "region": s.region_id,
            "measure": s.measure_id,
            "households": s.households,
            "installed": s.installed + 5,
        },
    ),
    "bulk delete snapshots": lambda s: (
        "/admin/installs/snapshot/",
        {"action": "delete_selected", "_selected_action": [s.pk], "post": "yes"},
    ),
    "change week": lambda s: (
        f"/admin/installs/week/{s.week_id}/change/",
        {"date": WEEK, "state": Week.State.OPEN},
    ),
    "add week": lambda s: ("/admin/installs/week/add/", {"date": "2022-11-28", "state": "open"}),
    "delete week": lambda s: (f"/admin/installs/week/{s.week_id}/delete/", {"post": "yes"}),
    "bulk delete weeks": lambda s: (
        "/admin/installs/week/",
        {"action": "delete_selected", "_selected_action": [s.week_id], "post": "yes"},
    ),
    "delete region": lambda s: (f"/admin/installs/region/{s.region_id}/delete/", {"post": "yes"}),
    "bulk delete regions": lambda s: (
        "/admin/installs/region/",
        {"action": "delete_selected", "_selected_action": [s.region_id], "post": "yes"},
    ),
    "delete measure": lambda s: (
        f"/admin/installs/measure/{s.measure_id}/delete/",
        {"post": "yes"},
    ),
}


@pytest.mark.parametrize("write", list(ADMIN_WRITES))
def test_the_admin_writes_no_figures_and_no_week_states(client, root, write):
    url, data = ADMIN_WRITES[write](_snapshot())
    before = state()
    regions, measures = Region.objects.count(), Measure.objects.count()
    response = client.post(url, data)
    assert response.status_code in (200, 302, 403)
    assert state() == before
    assert (Region.objects.count(), Measure.objects.count()) == (regions, measures)


def test_the_admin_says_why_a_region_with_figures_is_not_deleted(client, root):
    region = Region.objects.get(slug="wenxian")
    response = client.post(f"/admin/installs/region/{region.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "温县 已有填报数据，不能删除；请改为停用。" in page.content.decode()
    assert Region.objects.filter(pk=region.pk).exists()


def test_the_admin_shows_a_measure_s_target_but_does_not_change_it(client, root):
    """Targets change on 目标设置 (targets_save, role checked, history kept), not in the admin."""
    measure = Measure.objects.order_by("order").first()
    before = (measure.target_rate, measure.target_date)
    form = {
        "device": measure.device,
        "gas_type": measure.gas_type,
        "slug": measure.slug,
        "order": measure.order,
        "active": "on",
        "target_rate": "0.10",
        "target_date": "2030-01-01",
    }
    response = client.post(f"/admin/installs/measure/{measure.pk}/change/", form)
    assert response.status_code == 302
    measure.refresh_from_db()
    assert (measure.target_rate, measure.target_date) == before


def test_after_a_refused_admin_edit_a_stale_form_still_conflicts_only_with_real_saves(
    client, root, city
):
    """The reproduction: an admin edit kept version 1, so a stale form overwrote it (302)."""
    snapshot = _snapshot()
    url, data = ADMIN_WRITES["change snapshot"](snapshot)
    client.post(url, data)
    assert (_snapshot().installed, _snapshot().version) == (snapshot.installed, snapshot.version)


# The API is read-only.


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ["/api/weeks/", f"/api/weeks/{WEEK}/"])
def test_the_api_refuses_every_write_method(client, city, method, url):
    client.force_login(city["bureau"])
    before = state()
    response = getattr(client, method)(url, data="{}", content_type="application/json")
    assert response.status_code == 405
    assert state() == before
