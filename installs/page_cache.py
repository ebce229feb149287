"""
The table pages' HTML kept under the data revision (installs/revision.py).

A warm table page (a city's counties, a province's cities, the nation's
provinces) used to spend most of its time drawing the same HTML again: the
big table through the template engine, the summary, the rate bars, the week
picker, and then the menu around it. That HTML depends only on the data (the
revision token), the week and its state, the area, the language, the role
(bureau staff see links others do not; the menu's links are by role), whether
the account may use the admin (the menu's link to it), the address and the
ordering asked for. The whole page, base.html's menu included, is rendered once
for each of those and kept where the computed weeks are kept (Django's cache:
each process's memory, or one Redis for every process of every server).

What differs from one person, one request or one minute to the next is not in
it: the user's name (and a district user's region) in the menu, the CSRF token
of the menu's "log out" form (Django masks it anew on every request), the
messages left for the user, the breadcrumbs (they start at the top the account
may read) and an open week's deadline notice ("还剩 3小时20分"). The kept HTML
holds a mark where each goes, filled in per request (``page``); marks are HTML
comments, which nothing from the data can produce (names are escaped).

Only addresses with nothing but ``sort`` and ``area`` in the query are kept,
and an ordering the table drops (an unknown column) is drawn but not kept: a
made-up address costs its own rendering, never room in the cache.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from installs import revision
from installs.permissions import user_can_use_admin, user_region, user_role
from installs.templatetags.deadline_tags import deadline_notice

BREADCRUMBS_MARK = mark_safe("<!--installs:breadcrumbs-->")
DEADLINE_MARK = mark_safe("<!--installs:deadline-->")
# base.html's per-request parts (``page_marks`` in its context).
USER_MARK = mark_safe("<!--installs:user-->")
CSRF_MARK = mark_safe("<!--installs:csrf-->")
MESSAGES_MARK = mark_safe("<!--installs:messages-->")
# The query parameters a kept page may carry: the table's ordering and the area chosen.
KEPT_PARAMETERS = frozenset({"sort", "area"})


def marks() -> dict[str, SafeString]:
    """The context a kept sheet is rendered with: marks instead of the per-request parts."""
    return {"breadcrumbs_mark": BREADCRUMBS_MARK, "deadline_mark": DEADLINE_MARK}


def site_user(user) -> SafeString:
    """The menu's 张三 · 沁阳市: the user's name, and a district user's region."""
    name = user.get_full_name() or user.username
    region = user_region(user)
    return format_html("{} · {}", name, region.name) if region else format_html("{}", name)


def page(
    request: HttpRequest,
    key: tuple,
    render_sheet: Callable[[], tuple[str, bool]],
    *,
    template: str,
    context: dict,
    breadcrumbs: list[dict],
    week,
) -> HttpResponse:
    """
    A table page: ``template`` (extending base.html) with the sheet ``render_sheet()``
    draws (rendered with ``marks()``; and whether it may be kept), kept whole as
    ``fragment`` keeps it, the per-request parts filled in. ``key`` and ``week`` as for
    ``fragment``.
    """

    def render() -> tuple[str, bool]:
        sheet, keep = render_sheet()
        page_marks = {"user": USER_MARK, "csrf": CSRF_MARK, "messages": MESSAGES_MARK}
        html = render_to_string(
            template, {**context, "sheet": mark_safe(sheet), "page_marks": page_marks}, request
        )
        return html, keep

    html = fragment(request, key, render, week=week.date)
    return HttpResponse(filled(html, request, breadcrumbs=breadcrumbs, week=week))


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
    role, whether the account may use the admin, the address and its query are added
    here. ``week``: the page shows the data
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
        user_can_use_admin(request.user),
        request.path,
        *(f"{name}={query.get(name)!r}" for name in sorted(KEPT_PARAMETERS)),
    )
    return revision.memoised(full_key, render, keep=lambda value: value[1], week=week)[0]


def filled(html: str, request: HttpRequest, *, breadcrumbs: list[dict], week) -> SafeString:
    """The kept HTML with this request's parts in place (see the module's docstring)."""
    crumbs = (
        render_to_string("installs/partials/breadcrumbs.html", {"breadcrumbs": breadcrumbs})
        if breadcrumbs
        else ""
    )
    html = html.replace(BREADCRUMBS_MARK, crumbs, 1)
    if DEADLINE_MARK in html:
        notice = render_to_string("installs/partials/deadline_notice.html", deadline_notice(week))
        html = html.replace(DEADLINE_MARK, notice, 1)
    html = html.replace(USER_MARK, site_user(request.user), 1)
    # A token of this request (masked anew each time), and Django's CSRF cookie with it.
    html = html.replace(CSRF_MARK, csrf_input(request), 1)
    messages = get_messages(request)
    shown = render_to_string("partials/messages.html", {"messages": messages}) if messages else ""
    html = html.replace(MESSAGES_MARK, shown, 1)
    return mark_safe(html)  # noqa: S308 (rendered by templates, marks replaced by templates' output)
