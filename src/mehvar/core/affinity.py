"""Keep a process and its PostgreSQL backends on the same CPUs (`mehvar worker --cpu`).

Every statement is a round trip: the process sends, sleeps, and the backend wakes to answer.
On a virtual machine, a wake-up that crosses CPUs is an inter-processor interrupt through
the hypervisor. On the development VM, a one-row SELECT took about 180 µs across CPUs and
100 µs with both on one CPU. An inbound mail took 3.7 ms of worker CPU on one CPU against
4.5 ms across two, and was processed 25 % faster, although the backend's CPU then came out
of the same core.

A backend can be pinned only when the server runs on this machine, in the same process
namespace, and the operating system allows it: the same user, or CAP_SYS_NICE (root, or
`AmbientCapabilities=CAP_SYS_NICE` in a systemd unit). Before pinning, the backend's
process title is checked to name this connection, so a server in a container (whose
process ids mean other processes here) is never touched. Where pinning the backend is not
possible the process is still pinned, and one warning is logged.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)
_pinned: set[int] = set()
_warned = False


def parse_cpu_list(text: str) -> set[int]:
    """CPUs written as the kernel's lists are: `0`, `0,2`, `0-3`, `0-1,4`. Raises ValueError
    for anything else, or for a CPU this machine does not have."""
    cpus: set[int] = set()
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(f"not a CPU list: {text!r}")
        cpus.update(range(int(first), int(last if dash else first) + 1))
    available = os.sched_getaffinity(0)
    if not cpus or not cpus <= available:
        raise ValueError(f"CPUs {sorted(cpus - available) or text!r} are not available here "
                         f"(available: {sorted(available)})")
    return cpus


def pin_process(cpus: set[int]) -> None:
    """Run this process on `cpus`, and every PostgreSQL backend it connects to, now and on
    reconnection, where that backend runs on this machine."""
    global _pinned
    os.sched_setaffinity(0, cpus)
    _pinned = set(cpus)
    connection_created.connect(_on_connection_created, dispatch_uid="mehvar.core.affinity")
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            pin_backend(connection)


def unpin_process() -> None:
    """Stop pinning new backends (the process keeps its CPUs; tests restore them)."""
    global _pinned
    _pinned = set()
    connection_created.disconnect(dispatch_uid="mehvar.core.affinity")


def _on_connection_created(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if _pinned:
        pin_backend(connection)


def pin_backend(connection: BaseDatabaseWrapper) -> bool:
    """Pin `connection`'s server process to this process's pinned CPUs. Returns whether it
    was pinned; False for another database, a remote server or a refusal."""
    global _warned
    pid = backend_pid(connection)
    if not _pinned or pid is None:
        return False
    try:
        os.sched_setaffinity(pid, _pinned)
    except OSError as error:  # PermissionError without CAP_SYS_NICE; the process may be gone
        if not _warned:
            _warned = True
            logger.warning("Cannot pin the database backend %s to CPUs %s (%s); the worker is "
                           "pinned, its database backend is not.", pid, sorted(_pinned), error)
        return False
    return True


def backend_pid(connection: BaseDatabaseWrapper) -> int | None:
    """The process id of `connection`'s PostgreSQL backend when that process runs here and
    its title names this very connection (a TCP client's address and port, or a local
    socket); None otherwise."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return None
    raw = connection.connection
    pid = raw.info.backend_pid
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            title = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return None
    return pid if title.startswith("postgres") and _client_tag(raw) in title else None


def _client_tag(raw: Any) -> str:
    """How PostgreSQL's process title names this client: `host(port)` or `[local]`."""
    # A socket object over a duplicate of the descriptor: closing it leaves psycopg's open.
    with socket.socket(fileno=os.dup(raw.pgconn.socket)) as client:
        if client.family == socket.AF_UNIX:
            return " [local] "
        host, port = client.getsockname()[:2]
    return f" {host}({port}) "
