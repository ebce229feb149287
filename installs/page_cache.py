"""
The table pages' HTML kept under the data revision (installs/revision.py).

A warm table page (a city's counties, a province's cities, the nation's
provinces) used to spend most of its time drawing the same HTML again: the
big table through the template engine, the summary, the rate bars, the week
picker. That HTML depends only on the data (the revision token), the week and
its state, the area, the language, the role (bureau staff see links others do
not), the address and the ordering asked for. It is rendered once for each of
those and kept where the computed weeks are kept (Django's cache: each
process's memory, or one Redis for every process of every server).

What differs from one person or one minute to the next is not in it: the menu,
the user's name and the CSRF token (base.html, rendered per request), the
breadcrumbs (they start at the top the account may read) and an open week's
deadline notice ("还剩 3小时20分"). The kept HTML holds a mark where each of the
last two goes, filled in per request; marks are HTML comments, which nothing
from the data can produce (names are escaped).

Only addresses with nothing but ``sort`` and ``area`` in the query are kept,
and an ordering the table drops (an unknown column) is drawn but not kept: a
made-up address costs its own rendering, never room in the cache.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from installs import revision
from installs.permissions import user_role
from installs.templatetags.deadline_tags import deadline_notice

BREADCRUMBS_MARK = mark_safe("<!--installs:breadcrumbs-->")
DEADLINE_MARK = mark_safe("<!--installs:deadline-->")
# The query parameters a kept page may carry: the table's ordering and the area chosen.
KEPT_PARAMETERS = frozenset({"sort", "area"})


def marks() -> dict[str, SafeString]:
    """The context a kept fragment is rendered with: marks instead of the per-request parts."""
    return {"breadcrumbs_mark": BREADCRUMBS_MARK, "deadline_mark": DEADLINE_MARK}


def fragment(
    request: HttpRequest,
    key: tuple,
    render: Callable[[], tuple[str, bool]],
    *,
    week: datetime.date | None = None,
) -> str:
    """
    The page's request-independent HTML: ``render()`` returns it and whether it may
    be kept (False: an ordering the table did not accept). ``key`` names the data
    (revision-wide memo key of the week, its state and the area); the language, the
    role, the address and its query are added here. ``week``: the page shows the data
    up to that week only (``revision.memoised``).
    """
    query = request.GET
    if not set(query) <= KEPT_PARAMETERS or any(len(query.getlist(k)) > 1 for k in query):
        return render()[0]
    full_key = (
        "page",
        *key,
        translation.get_language(),
        user_role(request.user),
        request.path,
        *(f"{name}={query.get(name)!r}" for name in sorted(KEPT_PARAMETERS)),
    )
    return revision.memoised(full_key, render, keep=lambda value: value[1], week=week)[0]


def filled(html: str, *, breadcrumbs: list[dict], week) -> SafeString:
    """The kept HTML with this request's breadcrumbs and the week's deadline notice in place."""
    crumbs = render_to_string("installs/partials/breadcrumbs.html", {"breadcrumbs": breadcrumbs})
    html = html.replace(BREADCRUMBS_MARK, crumbs, 1)
    if DEADLINE_MARK in html:
        notice = render_to_string("installs/partials/deadline_notice.html", deadline_notice(week))
        html = html.replace(DEADLINE_MARK, notice, 1)
    return mark_safe(html)  # noqa: S308 (rendered by templates, marks replaced by templates' output)
