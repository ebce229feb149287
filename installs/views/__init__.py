"""The app's views, one module per part of the app; what they all share is here."""

from __future__ import annotations

import datetime

from django.http import Http404

from installs import selectors
from installs.models import Week


def week_or_404(date: datetime.date) -> Week:
    """The week of that report date, or a 404 (a date in an address that names no week)."""
    week = selectors.week_for_date(date)
    if week is None:
        raise Http404
    return week
