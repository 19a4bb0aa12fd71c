"""The only way out for a SERVICE call: a relay in the app, to allowlisted endpoints only.

A federating query worker lives in a network namespace where nothing is
reachable but sockets the worker opened on its own loopback interface, one
per allowlisted endpoint (``kg.web.sandbox``), and where ``/etc/hosts`` maps
each allowlisted host name to its socket's address. The worker hands those
listening sockets to the app, and the relay here accepts on them. A
connection that arrives on the socket of endpoint E is forwarded to E and to
nothing else, whatever the query said:

* ``http`` endpoints: the request line is read and its path must be the
  endpoint's path (or one of them, if several endpoints share host and port);
  the request is sent on with ``Connection: close``. An answer other than 2xx
  is replaced by a bare ``502`` so no remote error body reaches the client.
* ``https`` endpoints: the bytes are passed through to the endpoint's host
  and port (TLS is end to end between pyoxigraph and the endpoint; a redirect
  to any other host cannot resolve inside the namespace).
* a host *name* must resolve to public addresses: a name that resolves to a
  loopback, private or link-local address is refused (DNS rebinding). An
  allowlisted IP *literal*, and the name ``localhost``, are taken as the
  operator wrote them (a service on this machine).
* every connection has a deadline and a byte limit each way; failures close
  the connection and are logged here, never shown to the client in detail.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

HEAD_LIMIT = 64 * 1024
REQUEST_LIMIT = 2 * 1024 * 1024
BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
FORBIDDEN = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
FIRST_LOCAL = ipaddress.IPv4Address("127.77.0.1")


@dataclass
class Target:
    """One host and port of the allowlist, and where a worker's namespace shows it."""

    scheme: str
    host: str
    port: int
    paths: set[str] = field(default_factory=set)
    local: str = ""           # the worker-side address pyoxigraph connects to
    literal: bool = False     # the allowlist names an IP address, not a host name


def targets(allowlist: list[str]) -> list[Target]:
    """Group the allowlisted endpoint URLs by scheme, host and port; raise ValueError on one we cannot relay."""
    found: dict[tuple[str, str, int], Target] = {}
    names: dict[str, str] = {}
    for url in allowlist:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"SERVICE_ALLOWLIST: {url!r} is not an http(s) URL")
        host = parts.hostname.lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, host, port)
        target = found.get(key)
        if target is None:
            target = Target(parts.scheme, host, port)
            try:
                address = ipaddress.ip_address(host)
            except ValueError:
                address = None
            if address is not None:
                if address.version != 4 or not address.is_loopback:
                    raise ValueError(f"SERVICE_ALLOWLIST: name {url!r} by its host name, not by the "
                                     "IP address (only loopback IPv4 addresses can be relayed)")
                target.local, target.literal = host, True
            else:
                if host not in names:
                    names[host] = str(FIRST_LOCAL + len(names))
                target.local = names[host]
            found[key] = target
        target.paths.add(parts.path or "/")
    seen: dict[tuple[str, int], Target] = {}
    for target in found.values():
        other = seen.setdefault((target.local, target.port), target)
        if other is not target:
            raise ValueError(f"SERVICE_ALLOWLIST: {target.scheme}://{target.host}:{target.port} and "
                             f"{other.scheme}://{other.host}:{other.port} cannot both be relayed")
    return list(found.values())


def hosts_file(found: list[Target]) -> str:
    """The /etc/hosts a federating worker sees: allowlisted names and nothing else."""
    lines = ["# written by pmkg for its query workers"]
    lines += sorted({f"{t.local} {t.host}" for t in found if not t.literal})
    return "\n".join(lines) + "\n"


def _public(host: str, port: int) -> list[tuple]:
    """The addresses of a host name, all of them public; raise OSError otherwise."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise OSError(f"{host} resolves to a non-public address")
    return infos


def _connect(target: Target, timeout: float) -> socket.socket:
    if target.literal or target.host == "localhost":
        return socket.create_connection((target.host, target.port), timeout=timeout)
    last: OSError | None = None
    for family, kind, proto, _, address in _public(target.host, target.port):
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
            return sock
        except OSError as error:
            sock.close()
            last = error
    raise last or OSError(f"could not connect to {target.host}")


def _read_head(sock: socket.socket, deadline: float) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > HEAD_LIMIT or time.monotonic() > deadline:
            raise OSError("request head too long or too slow")
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(16384)
        if not chunk:
            raise OSError("connection closed before the request head")
        data += chunk
    return data


def _rewrite_head(data: bytes, target: Target) -> bytes | None:
    """The request head with ``Connection: close``; None if it is not for an allowlisted path."""
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or parts[0] not in (b"GET", b"POST"):
        return None
    path = parts[1].decode("latin-1").split("?", 1)[0]
    if path not in target.paths:
        return None
    kept = [line for line in lines[1:] if not line.lower().startswith((b"connection:", b"keep-alive:"))]
    return b"\r\n".join([lines[0], *kept, b"Connection: close"]) + b"\r\n\r\n" + rest


class Relay:
    """Accepts on the listening sockets that workers hand over, forwards each connection to its target."""

    def __init__(self, found: list[Target], *, timeout: float, max_bytes: int, max_connections: int = 32):
        self.targets = {(t.local, t.port): t for t in found}
        self.timeout = float(timeout)
        self.max_bytes = int(max_bytes)
        self._slots = threading.BoundedSemaphore(max_connections)
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._owned: dict[object, list[socket.socket]] = {}
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._thread = threading.Thread(target=self._loop, name="pmkg-relay", daemon=True)
        self._thread.start()

    def addresses(self) -> list[tuple[str, int]]:
        return list(self.targets)

    def attach(self, owner: object, sockets: list[socket.socket]) -> None:
        """Serve ``sockets`` (in the order of ``addresses()``) until ``detach(owner)``."""
        with self._lock:
            self._owned[owner] = sockets
            for sock, key in zip(sockets, self.targets):
                sock.setblocking(False)
                self._selector.register(sock, selectors.EVENT_READ, self.targets[key])
        os.write(self._wake_w, b"x")

    def detach(self, owner: object) -> None:
        with self._lock:
            for sock in self._owned.pop(owner, []):
                try:
                    self._selector.unregister(sock)
                except (KeyError, ValueError):
                    pass
                sock.close()
        os.write(self._wake_w, b"x")

    def _loop(self) -> None:
        while True:
            for key, _ in self._selector.select():
                if key.data is None:
                    try:
                        os.read(self._wake_r, 4096)
                    except BlockingIOError:
                        pass
                    continue
                with self._lock:
                    try:
                        client, _ = key.fileobj.accept()
                    except OSError:
                        continue
                if not self._slots.acquire(blocking=False):
                    client.close()
                    continue
                threading.Thread(target=self._serve, args=(client, key.data), daemon=True).start()

    def _serve(self, client: socket.socket, target: Target) -> None:
        deadline = time.monotonic() + self.timeout
        upstream = None
        try:
            client.setblocking(True)
            first = b""
            if target.scheme == "http":
                first = _rewrite_head(_read_head(client, deadline), target)
                if first is None:
                    client.sendall(FORBIDDEN)
                    return
            upstream = _connect(target, max(0.1, deadline - time.monotonic()))
            if first:
                upstream.sendall(first)
            self._pipe(client, upstream, deadline, check_status=target.scheme == "http")
        except OSError as error:
            log.info("SERVICE relay to %s://%s:%s failed: %s", target.scheme, target.host, target.port, error)
            if target.scheme == "http":
                try:
                    client.sendall(BAD_GATEWAY)
                except OSError:
                    pass
        finally:
            client.close()
            if upstream is not None:
                upstream.close()
            self._slots.release()

    def _pipe(self, client: socket.socket, upstream: socket.socket, deadline: float, *, check_status: bool) -> None:
        """Move bytes both ways until the upstream closes, the deadline, or a byte limit."""
        sent = received = 0
        status_checked = not check_status
        buffered = b""
        with selectors.DefaultSelector() as sel:
            sel.register(client, selectors.EVENT_READ, upstream)
            sel.register(upstream, selectors.EVENT_READ, client)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise OSError("deadline reached")
                for key, _ in sel.select(remaining):
                    data = key.fileobj.recv(65536)
                    if key.fileobj is client:
                        if not data:
                            sel.unregister(client)
                            continue
                        sent += len(data)
                        if sent > REQUEST_LIMIT:
                            raise OSError("request too large")
                        upstream.sendall(data)
                        continue
                    if not data:
                        if not status_checked and buffered:
                            raise OSError("answer ended before its status line")
                        return
                    received += len(data)
                    if received > self.max_bytes:
                        raise OSError("answer larger than the relay's limit")
                    if not status_checked:
                        buffered += data
                        if b"\r\n" not in buffered:
                            continue
                        status = buffered.split(b"\r\n", 1)[0].split(b" ")
                        if len(status) < 2 or not status[1].startswith(b"2"):
                            client.sendall(BAD_GATEWAY)
                            return
                        status_checked, data, buffered = True, buffered, b""
                    client.sendall(data)
