"""What a query worker does to itself right after it is forked: the OS-level limits.

A worker runs queries written by anyone. pyoxigraph sends the HTTP request of
every ``SERVICE`` clause it evaluates, so the rule "a query reaches no address
off the allowlist" is enforced here, by the kernel, not by reading the query:

* ``close_inherited_fds``: the worker keeps only standard input/output/error
  and its pipe to the app, so no download's pipe, listening socket or store
  lock of the app lives on in it.
* ``isolate``: the worker moves into a network namespace of its own
  (``unshare(CLONE_NEWNET)``, with ``CLONE_NEWUSER`` where that needs no
  privilege). A plain worker's namespace has no interface up: every address,
  loopback included, is unreachable.
* ``open_relay_ports``: a federating worker (one that may run allowlisted
  SERVICE calls) also gets a mount namespace in which ``/etc/hosts`` maps each
  allowlisted host name to a loopback address of the namespace, brings its
  loopback interface up and listens there on each allowlisted endpoint's
  port. The app accepts on those sockets (``kg.web.relay``) and forwards only
  to the allowlisted endpoint they stand for. Nothing else is reachable.
* ``limit_memory``: an address-space limit (RLIMIT_AS) on top of what the
  worker maps when it starts, so one query cannot take the machine's memory.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import resource
import socket
import struct

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


class SandboxError(OSError):
    """The kernel refused a step of the sandbox."""


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def close_inherited_fds(keep: list[int]) -> None:
    """Close every file descriptor above 2 except ``keep``."""
    low = 3
    for fd in sorted(set(keep)):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, _max_fd())


def _max_fd() -> int:
    try:
        return max(int(name) for name in os.listdir("/proc/self/fd")) + 1
    except (OSError, ValueError):
        return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def isolate(*, mounts: bool = False) -> None:
    """Enter new, empty network (and, with ``mounts``, mount) namespaces; raise SandboxError if refused."""
    libc = _libc()
    flags = CLONE_NEWNET | (CLONE_NEWNS if mounts else 0)
    if libc.unshare(flags) == 0:
        return
    if libc.unshare(CLONE_NEWUSER | flags) == 0:
        return
    raise SandboxError(ctypes.get_errno(), "the kernel refused a network namespace (unshare)")


def bring_loopback_up() -> None:
    """Set the namespace's ``lo`` interface up (its 127.0.0.0/8 addresses then answer)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH", fcntl.ioctl(sock, SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | IFF_UP, b""))


def replace_hosts_file(path: str) -> None:
    """Bind-mount ``path`` over /etc/hosts in this (new) mount namespace only."""
    libc = _libc()
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise SandboxError(ctypes.get_errno(), "could not make the mount namespace private")
    if libc.mount(os.fsencode(path), b"/etc/hosts", None, MS_BIND, None) != 0:
        raise SandboxError(ctypes.get_errno(), "could not replace /etc/hosts in the worker")


def open_relay_ports(hosts_file: str, addresses: list[tuple[str, int]]) -> list[socket.socket]:
    """In a fresh network and mount namespace: listen on each (address, port) for the relay."""
    replace_hosts_file(hosts_file)
    bring_loopback_up()
    sockets = []
    for address, port in addresses:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(16)
        sockets.append(sock)
    return sockets


def limit_memory(extra_bytes: int) -> None:
    """Cap this process's address space at what it maps now plus ``extra_bytes``."""
    if extra_bytes <= 0:
        return
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    limit = mapped + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
