"""{% site_user %}: the menu's user line (base.html); a kept table page fills it in itself."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from installs import page_cache

register = template.Library()


@register.simple_tag(takes_context=True)
def site_user(context) -> SafeString:
    return page_cache.site_user(context["user"])
