"""{% deadline_notice week %}: the 填报截止时间 and the time left (or overdue), for an open week."""

from __future__ import annotations

from django import template

from installs import deadlines

register = template.Library()


@register.inclusion_tag("installs/partials/deadline_notice.html")
def deadline_notice(week) -> dict:
    if week is None or week.state != week.State.OPEN:
        return {"show": False}
    return {"show": True, **deadlines.deadline_text(week)}
