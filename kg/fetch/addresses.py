"""Which hosts a fetch may reach: the address policy against server-side request forgery.

An address the user gives (``pmkg ingest URL``, a feed to follow) is fetched
wherever it is. But a link found in a feed, and every redirect, is chosen by
someone else: a feed or page on the internet could send pmkg to the machine's
own services (``http://127.0.0.1:...``), the local network, or a cloud
metadata endpoint (``http://169.254.169.254/``), and the archive would then
keep, and the web app serve, what it read there. So such links may only reach
hosts whose every address is public (globally routable), unless the
address the user gave is itself not public (a feed on the local network).
Names are resolved here, before the request; a name that resolves to one
address now and another at connection time (DNS rebinding) is not caught.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def host_addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The IP addresses ``host`` stands for (itself if it is one); empty if it does not resolve."""
    host = host.strip("[]")
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError, ValueError):
        return []
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def is_public(url: str) -> bool:
    """Whether every address of the URL's host is globally routable (and there is one)."""
    host = urlsplit(url).hostname or ""
    addresses = host_addresses(host)
    return bool(addresses) and all(address.is_global for address in addresses)


def private_reason(url: str) -> str | None:
    """None if the URL's host is public, else why not (one phrase)."""
    host = urlsplit(url).hostname or ""
    addresses = host_addresses(host)
    if not addresses:
        return f"host {host or '(none)'} does not resolve"
    for address in addresses:
        if not address.is_global:
            return f"{host} is a private, loopback or link-local address ({address}), not reached from a link"
    return None
