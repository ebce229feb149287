"""manage.py open_week YYYY-MM-DD: opens a week, with a clear error for each refusal."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from installs.models import Week
from tests.factories import make_region, make_user, make_week

pytestmark = pytest.mark.django_db


def open_week(*args) -> str:
    out = StringIO()
    call_command("open_week", *args, stdout=out)
    return out.getvalue()


def test_it_opens_the_week():
    make_week("2022-11-21", state=Week.State.PUBLISHED)
    assert "2022-11-28" in open_week("2022-11-28")
    week = Week.objects.get(date=datetime.date(2022, 11, 28))
    assert (week.state, week.state_changed_by) == (Week.State.OPEN, None)


def test_it_records_the_bureau_account_given():
    bureau = make_user("bureau", "bureau")
    open_week("2022-11-28", "--by", "bureau")
    assert Week.objects.get().state_changed_by == bureau
    assert Week.objects.get().history.get().history_user == bureau


def test_it_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        open_week("2022-13-01")
    assert not Week.objects.exists()


def test_it_refuses_a_week_that_exists():
    make_week("2022-11-28")
    with pytest.raises(CommandError, match="2022年11月28日"):
        open_week("2022-11-28")
    assert Week.objects.count() == 1


def test_it_refuses_another_weekday_without_the_flag():
    make_week("2022-11-21")
    with pytest.raises(CommandError, match="2022年11月21日"):
        open_week("2022-11-29")
    assert Week.objects.count() == 1


def test_it_opens_another_weekday_with_the_flag():
    make_week("2022-11-21")
    open_week("2022-11-29", "--other-weekday")
    assert Week.objects.filter(date=datetime.date(2022, 11, 29)).exists()


def test_it_refuses_a_date_far_ahead():
    far = timezone.localdate() + datetime.timedelta(days=60)
    with pytest.raises(CommandError):
        open_week(far.isoformat())
    assert not Week.objects.exists()


def test_it_refuses_an_account_that_is_not_bureau_staff():
    make_user("qinyang", "district", make_region("沁阳市", "qinyang"))
    with pytest.raises(CommandError, match="qinyang"):
        open_week("2022-11-28", "--by", "qinyang")
    assert not Week.objects.exists()


def test_it_refuses_an_unknown_account():
    with pytest.raises(CommandError, match="nobody"):
        open_week("2022-11-28", "--by", "nobody")
    assert not Week.objects.exists()
