"""
Who may reach what: every URL pattern of ``installs.urls`` × every role × GET and POST.

EXPECTED below has one entry per URL name: the status each kind of visitor
gets for GET and for POST. The test iterates over the URL patterns themselves,
so a view added later fails ``test_it_knows_every_url_pattern`` until it is
added here. To add one:

1. add ``"<url name>": row(get={...}, post={...})`` to EXPECTED, giving for
   each visitor (anonymous, no_role, district, district_other, bureau, leader)
   the status you intend; ``post=None`` for a page that only reads (its POST
   is then expected to behave like GET or to be refused with 405);
2. if its path has arguments other than ``date``, ``slug`` and ``job``, add a sample
   to SAMPLE_KWARGS.

The visitors: ``district`` reports for 沁阳市 (qinyang, the sample slug),
``district_other`` for 温县, so every ``<slug>`` URL is also tried by a
district user of another region. The sample week is the seed's 2022-11-21
(published). Every refused request (401, 403, 405, or 302 to the login) is
checked to change nothing in the database. A bureau user's POST without a
CSRF token is refused with 403 on every form.
"""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from django.urls import URLPattern, reverse

from installs import urls as installs_urls
from installs.models import HistoryExport, Region, RegionContact, Snapshot, Week
from installs.services import history_exports
from tests.factories import default_city, load_seed, make_user

pytestmark = pytest.mark.django_db

VISITORS = ("anonymous", "no_role", "district", "district_other", "bureau", "leader")
SAMPLE_KWARGS = {
    "date": datetime.date(2022, 11, 21),
    "slug": "qinyang",
    "pk": 1,
    "number": 1,
    "extension": "pdf",
    "job": uuid.UUID("00000000-0000-4000-8000-00000000a001"),  # 河南省's history file
}
LOGIN = "login"  # a 302 to the login page
REFUSED = {401, 403, 405, LOGIN}


def row(get: dict[str, int | str], post: dict[str, int | str] | None = None) -> dict:
    return {"GET": get, "POST": post}


def everyone(status: int, **others: int | str) -> dict[str, int | str]:
    """The same status for every signed-in visitor with a role, except ``others``."""
    statuses = dict.fromkeys(VISITORS, status)
    statuses.update(anonymous=LOGIN, no_role=403)
    statuses.update(others)
    return statuses


def only(allowed: dict[str, int | str], refused: int = 403) -> dict[str, int | str]:
    """Refused for everyone but ``allowed``."""
    return {**everyone(refused), **allowed}


# Reading pages: every role; the POST of a reading page is not a write.
READ = row(get=everyone(200), post=None)
# Bureau-only actions that accept only POST.
# (require_POST comes first there: a GET is a 405 whoever asks.)
BUREAU_POST_ONLY = row(get=everyone(405, no_role=405), post=only({"bureau": 302}))
# Lock and publish: a GET shows bureau staff the confirmation (for the published sample
# week there is nothing to confirm: back to the status panel, 302); the POST takes the step.
BUREAU_CONFIRMED = row(get=only({"bureau": 302}), post=only({"bureau": 302}))

EXPECTED: dict[str, dict] = {
    # The ranking page and its exports: every role reads every week.
    "home": row(get=everyone(302)),
    "week_pick": row(get=everyone(302)),
    "week_detail": READ,
    "week_export": READ,
    # The weekly notice: every role reads it. The seed week was published before notices
    # existed, so it has no notice No. 1 (404); the preview is bureau staff's.
    "week_notice": READ,
    "notice_download": row(get=everyone(404)),
    "notice_preview": row(get=only({"bureau": 200})),
    # Weekly entry: district staff (own region only) and bureau staff; never leadership.
    "entry_current": row(
        get=only({"district": 302, "district_other": 302, "bureau": 302}),
        post=only({"district": 302, "district_other": 302, "bureau": 302}),
    ),
    "entry": row(
        get=only({"district": 302, "district_other": 302, "bureau": 200}),
        post=only({"district": 302, "district_other": 302, "bureau": 200}),
    ),
    "entry_region": row(
        # The sample week is published: the district sees it read-only and cannot save.
        get=only({"district": 200, "bureau": 200}),
        post=only({"bureau": 302}),
    ),
    # What a region reported (after saving): its own staff and bureau staff.
    "entry_saved": row(get=only({"district": 200, "bureau": 200}), post=None),
    # The week's workflow: bureau staff act; leadership watch the 填报情况 panel.
    "week_manage": row(get=only({"bureau": 200}), post=only({"bureau": 200})),
    "week_open": row(get=everyone(405, no_role=405), post=only({"bureau": 302})),
    "status_latest": row(get=only({"bureau": 302, "leader": 302}), post=None),
    "week_status": row(get=only({"bureau": 200, "leader": 200}), post=None),
    "week_lock": BUREAU_CONFIRMED,
    "week_publish": BUREAU_CONFIRMED,
    "week_unlock": BUREAU_POST_ONLY,
    "week_unpublish": BUREAU_POST_ONLY,
    "week_grid": row(get=only({"bureau": 200}), post=only({"bureau": 200})),
    # A region-week's changes: district staff see only their own region's.
    "audit_region_week": row(get=everyone(200, district_other=403), post=None),
    "audit_list": READ,
    # Charts, pace and targets.
    # 催报: the deadline, 一键催报, the liaisons (pk 1: 沁阳市's) and the delivery log.
    "week_deadline": BUREAU_POST_ONLY,
    "week_remind": BUREAU_POST_ONLY,
    "contact_list": row(get=only({"bureau": 200}), post=None),
    "contact_add": row(get=only({"bureau": 302}), post=only({"bureau": 400})),
    "contact_edit": row(get=only({"bureau": 200}), post=only({"bureau": 400})),
    "contact_delete": BUREAU_POST_ONLY,
    "outbox_log": row(get=only({"bureau": 200}), post=None),
    "charts_latest": row(get=everyone(302)),
    "week_charts": READ,
    "pace_latest": row(get=everyone(302)),
    "week_pace": READ,
    "region_detail": READ,
    # The region switcher's target: no region chosen is a 404 (a chosen one redirects).
    "region_pick": row(get=everyone(404)),
    "targets": row(get=only({"bureau": 200}), post=only({"bureau": 200})),
    # Import (bureau), history downloads (every role).
    # (A POST without a file shows the form again with its message: 200.)
    "import_upload": row(get=only({"bureau": 200}), post=only({"bureau": 200})),
    "import_confirm": row(get=only({"bureau": 405}), post=only({"bureau": 302})),
    "history_xlsx": READ,
    "history_csv": READ,
    # A province's history file: whoever's subtree holds 河南省 (district staff read their
    # city only: 404, as for a file that does not exist).
    "history_job": row(get=everyone(200, district=404, district_other=404)),
    "history_job_status": row(get=everyone(200, district=404, district_other=404)),
    "history_job_download": row(get=everyone(200, district=404, district_other=404)),
    # The JSON API is never redirected to a login: 401 without a session or token.
    "api_weeks": row(
        get=everyone(200, anonymous=401), post=everyone(405, anonymous=405, no_role=405)
    ),
    "api_week": row(
        get=everyone(200, anonymous=401), post=everyone(405, anonymous=405, no_role=405)
    ),
}

# What a form POST carries: a change to 沁阳市's figures, a reason, a week to open.
POST_DATA = {
    "valve_pipe-households": "87326",
    "valve_pipe-installed": "29600",
    "valve_pipe-version": "1",
    "hose_pipe-households": "87988",
    "hose_pipe-installed": "87899",
    "hose_pipe-version": "1",
    "hose_lpg-households": "1815",
    "hose_lpg-installed": "771",
    "hose_lpg-version": "1",
    "reason": "access matrix",
    "date": "2022-11-28",
}


def patterns() -> list[URLPattern]:
    return [p for p in installs_urls.urlpatterns if isinstance(p, URLPattern)]


def sample_url(pattern: URLPattern) -> str:
    names = pattern.pattern.converters.keys()
    missing = [n for n in names if n not in SAMPLE_KWARGS]
    assert not missing, f"add a sample for {missing} to SAMPLE_KWARGS"
    kwargs = {n: SAMPLE_KWARGS[n] for n in names}
    return reverse(f"installs:{pattern.name}", kwargs=kwargs)


def fingerprint() -> tuple:
    """Everything a write could change: row counts of every model, figures, week states."""
    counts = tuple(
        (model._meta.label, model._default_manager.count())
        for model in apps.get_models()
        if model._meta.app_label in {"installs", "auth"}
    )
    sums = Snapshot.objects.aggregate(h=Sum("households"), i=Sum("installed"), v=Sum("version"))
    states = tuple(Week.objects.order_by("date").values_list("date", "state"))
    return counts, tuple(sums.values()), states


@pytest.fixture
def clients(settings) -> dict[str, Client]:
    # Hashing five real passwords per test would cost seconds; these tests are about access.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_seed()
    RegionContact.objects.create(pk=1, region=Region.objects.get(slug="qinyang"), name="联络员")
    users = {
        "no_role": make_user("norole", None),
        "district": make_user("qinyang", "district", Region.objects.get(slug="qinyang")),
        "district_other": make_user("wenxian", "district", Region.objects.get(slug="wenxian")),
        "bureau": make_user("bureau", "bureau"),
        "leader": make_user("leader", "leader"),
    }
    job = HistoryExport.objects.create(
        id=SAMPLE_KWARGS["job"],
        requested_by=users["bureau"],
        area=default_city().parent,
        format="csv",
    )
    history_exports.history_export_run(job_id=job.pk)
    clients = {"anonymous": Client()}
    for visitor, user in users.items():
        clients[visitor] = Client()
        clients[visitor].force_login(user)
    return clients


def outcome(response) -> int | str:
    if response.status_code == 302 and response.url.startswith(reverse("login")):
        return LOGIN
    return response.status_code


def request(client: Client, method: str, url: str):
    """One request whose writes are rolled back, with whether it changed anything."""
    with transaction.atomic():
        before = fingerprint()
        response = client.get(url) if method == "GET" else client.post(url, POST_DATA)
        changed = fingerprint() != before
        transaction.set_rollback(True)
    return response, changed


def test_it_knows_every_url_pattern():
    names = [p.name for p in patterns()]
    assert None not in names, "every URL pattern of installs.urls needs a name"
    missing = sorted(set(names) - set(EXPECTED))
    assert not missing, f"add these URL names to EXPECTED in {__name__}: {missing}"
    stale = sorted(set(EXPECTED) - set(names))
    assert not stale, f"remove these names from EXPECTED: {stale}"


@pytest.mark.parametrize("pattern", patterns(), ids=lambda p: p.name)
def test_it_gives_each_visitor_the_expected_status(pattern, clients):
    expected = EXPECTED.get(pattern.name)
    assert expected is not None, f"add {pattern.name!r} to EXPECTED"
    url = sample_url(pattern)
    wrong = []
    for method in ("GET", "POST"):
        statuses = expected[method]
        for visitor in VISITORS:
            response, changed = request(clients[visitor], method, url)
            got = outcome(response)
            # A reading page (None): its POST reads like GET, or is refused.
            want = {expected["GET"][visitor], 405} if statuses is None else {statuses[visitor]}
            if got not in want:
                wrong.append(
                    f"{method} {url} as {visitor}: {got}, expected {sorted(map(str, want))}"
                )
            if got in REFUSED and changed:
                wrong.append(
                    f"{method} {url} as {visitor} was refused ({got}) but changed the database"
                )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("pattern", patterns(), ids=lambda p: p.name)
def test_it_refuses_a_post_without_the_csrf_token(pattern, clients):
    url = sample_url(pattern)
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(get_user_model().objects.get(username="bureau"))
    response, changed = request(guarded, "POST", url)
    if pattern.name in ("api_weeks", "api_week"):
        # The read-only API is csrf-exempt (tokens, no cookies needed): POST is a 405 there.
        assert response.status_code == 405
    else:
        assert response.status_code == 403
    assert not changed
