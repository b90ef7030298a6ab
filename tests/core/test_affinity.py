"""`mehvar worker --cpu`: the worker and its PostgreSQL backends on the same CPUs, where the
server runs on this machine; a CPU list that is wrong is refused with a clear error."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from mehvar.core import affinity

pytestmark = pytest.mark.django_db
ALL_CPUS = os.sched_getaffinity(0)
ONE_CPU = max(ALL_CPUS)


@pytest.fixture
def restore_cpus() -> Iterator[None]:
    """Give the test process, and its database backend, back every CPU it had."""
    yield
    affinity.unpin_process()
    os.sched_setaffinity(0, ALL_CPUS)
    pid = affinity.backend_pid(connection)
    if pid is not None:
        os.sched_setaffinity(pid, ALL_CPUS)


@pytest.fixture
def local_postgres() -> None:
    connection.ensure_connection()
    if affinity.backend_pid(connection) is None:
        pytest.skip("needs a PostgreSQL server on this machine (MEHVAR_TEST_DATABASE_URL)")


@contextmanager
def new_connection() -> Iterator[BaseDatabaseWrapper]:
    """A second connection to the test database, as a reconnection makes one."""
    other = connections.create_connection("default")
    other.ensure_connection()
    try:
        yield other
    finally:
        other.close()


@pytest.mark.parametrize(("text", "cpus"), [
    (str(ONE_CPU), {ONE_CPU}), (f" {ONE_CPU} ", {ONE_CPU}),
    (f"0-{ONE_CPU}", set(range(ONE_CPU + 1))), (f"0,{ONE_CPU}", {0, ONE_CPU}),
    (str(ONE_CPU).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")), {ONE_CPU}),
])
def test_cpu_lists_are_read_as_the_kernel_writes_them(text: str, cpus: set[int]) -> None:
    assert affinity.parse_cpu_list(text) == cpus


@pytest.mark.parametrize("text", ["", "a", "1-", "-1", "0;1", "0-", "10000", "0-10000"])
def test_a_cpu_list_that_is_not_one_or_names_a_missing_cpu_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="CPU"):
        affinity.parse_cpu_list(text)


def test_the_worker_refuses_a_wrong_cpu_list_before_doing_anything() -> None:
    with pytest.raises(CommandError, match="not available"):
        call_command("worker", "--burst", "--cpu", "10000")


@pytest.mark.usefixtures("local_postgres", "restore_cpus")
def test_the_backend_found_is_this_connections_own() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [(pid,)] = cursor.fetchall()

    assert affinity.backend_pid(connection) == pid


def test_on_sqlite_there_is_no_backend_to_pin() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite run checks this")
    connection.ensure_connection()

    assert affinity.backend_pid(connection) is None
    assert affinity.pin_backend(connection) is False


@pytest.mark.usefixtures("local_postgres", "restore_cpus")
def test_pinning_moves_the_process_and_its_backend_and_follows_a_reconnection() -> None:
    # When the process is pinned to one CPU
    affinity.pin_process({ONE_CPU})
    # Then its backend runs on that CPU only
    first = affinity.backend_pid(connection)
    assert os.sched_getaffinity(0) == {ONE_CPU}
    assert os.sched_getaffinity(first) == {ONE_CPU}
    # And a new connection's backend (another process) is pinned when it connects
    with new_connection() as other:
        second = affinity.backend_pid(other)
        assert second not in (None, first)
        assert os.sched_getaffinity(second) == {ONE_CPU}


@pytest.mark.usefixtures("local_postgres", "restore_cpus")
def test_after_unpinning_new_backends_are_left_where_the_server_put_them() -> None:
    affinity.pin_process({ONE_CPU})
    affinity.unpin_process()

    with new_connection() as other:
        assert os.sched_getaffinity(affinity.backend_pid(other)) == ALL_CPUS


@pytest.mark.django_db(transaction=True)  # the worker closes its connections as it ends
@pytest.mark.usefixtures("restore_cpus")
def test_the_worker_runs_on_the_cpus_it_was_given() -> None:
    call_command("worker", "--burst", "--interval", "0", "--max-tasks", "0", "--cpu",
                 str(ONE_CPU))

    assert os.sched_getaffinity(0) == {ONE_CPU}


@pytest.mark.usefixtures("local_postgres", "restore_cpus")
def test_a_refused_backend_leaves_the_worker_pinned_and_warns_once(monkeypatch, caplog) -> None:
    # Given an operating system that lets a process pin itself but not another user's
    # process (no CAP_SYS_NICE)
    own_pinning = os.sched_setaffinity

    def refuse_others(pid: int, cpus: set[int]) -> None:
        if pid != 0:
            raise PermissionError(1, "Operation not permitted")
        own_pinning(pid, cpus)

    with monkeypatch.context() as patched:
        patched.setattr(affinity.os, "sched_setaffinity", refuse_others)
        patched.setattr(affinity, "_warned", False)
        # When the worker pins itself, then connects again
        affinity.pin_process({ONE_CPU})
        with new_connection() as other:
            refused_again = affinity.pin_backend(other)
    # Then it runs on its CPU, its backends do not, and one warning says so
    assert os.sched_getaffinity(0) == {ONE_CPU}
    assert refused_again is False
    warnings = [record for record in caplog.records if "Cannot pin" in record.getMessage()]
    assert len(warnings) == 1
