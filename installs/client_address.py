"""
The client's address as django-axes records it (``AXES_CLIENT_IP_CALLABLE``).

Behind a reverse proxy every request comes from the proxy's address, and the
client's is in X-Forwarded-For. That header is whatever the sender wrote, so it
is believed only when the request comes from a proxy listed in
``TRUSTED_PROXIES`` (addresses or networks), and then read from the right: the
proxy appended the address it saw (nginx's ``$proxy_add_x_forwarded_for``), and
entries left of that came from the client and may be anything.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(
        address in ipaddress.ip_network(proxy, strict=False) for proxy in settings.TRUSTED_PROXIES
    )


def client_address(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    try:
        if remote is None or not _trusted(ipaddress.ip_address(remote)):
            return remote
        # From the right: the first address that is not one of our proxies is the client's.
        for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
            address = ipaddress.ip_address(entry.strip())
            if not _trusted(address):
                return str(address)
    except ValueError:
        # Not an address where one must be: lock on the proxy's address, never on free text.
        pass
    return remote
