"""The client's address, for rate limits: whom a request came from.

Behind a reverse proxy REMOTE_ADDR is the proxy. X-Forwarded-For is believed
only as far as the proxies in TRUSTED_PROXIES wrote it: walking it from the
right, the first address that is not a trusted proxy is the client. A client
can put anything at the left of that header; nothing to the left of what a
trusted proxy appended is read.
"""

import ipaddress

from django.conf import settings


def _trusted(address, networks):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _networks():
    return [ipaddress.ip_network(item, strict=False) for item in settings.TRUSTED_PROXIES]


def client_address(request):
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    networks = _networks()
    if not networks or not _trusted(remote, networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        hop = _without_port(hop)
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote
    return remote


def _without_port(hop):
    """1.2.3.4:5678 → 1.2.3.4, [2001:db8::1]:443 → 2001:db8::1; some proxies add ports."""
    if hop.startswith("["):
        return hop[1:].split("]", 1)[0]
    if hop.count(":") == 1:
        return hop.split(":", 1)[0]
    return hop
