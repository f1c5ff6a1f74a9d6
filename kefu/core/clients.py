"""Who a request comes from: the client's address, through the reverse proxies a center
names in ``KEFU_TRUSTED_PROXIES`` (the sign-in lockout, the portal's limits, the chat widget and
the SMS gateway's calls all count the same address)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, unless that is one of ``KEFU_TRUSTED_PROXIES``; then
    the right-most X-Forwarded-For address that is not a trusted proxy (each proxy appends the
    address it saw; what stands left of that came from the client and proves nothing)."""
    remote = str(request.META.get("REMOTE_ADDR") or "") or None
    if not settings.TRUSTED_PROXIES or remote is None or not _trusted(remote):
        return remote
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    for entry in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        try:
            address = str(ipaddress.ip_address(entry))
        except ValueError:
            return remote  # a proxy that writes no address: the proxy is all we know
        if not _trusted(address):
            return address
    return remote


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in settings.TRUSTED_PROXIES)
