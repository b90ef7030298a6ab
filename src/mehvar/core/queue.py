"""Statements on django_tasks_db's queue table that `mehvar worker` runs for every task, built
once (the ORM compiled each anew) and committed without waiting for the disk on PostgreSQL.

Losing the last fraction of a second of these writes in a database crash is harmless: a lost
claim leaves the task ready, so it runs again; a lost result leaves it claimed, as a worker
that died would (the contexts' sweeps redo such work from their own durable rows, e.g. the
inbound envelopes). What the task itself writes commits as its own code says."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connections
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mehvar.core import rawrow

ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true)"


def task_succeeded(result: DBTaskResult[Any, Any], return_value: Any, *,
                   using: str = "default") -> None:
    """Record a task's success (what DBTaskResult.set_successful writes)."""
    connection = connections[using]
    result.status = TaskResultStatus.SUCCESSFUL
    result.finished_at = timezone.now()
    result.return_value = return_value
    result.exception_class_path = result.traceback = ""
    field = DBTaskResult._meta.get_field("return_value")
    with connection.cursor() as cursor:
        cursor.execute(_success_sql(connection.vendor), [
            result.status.value, connection.ops.adapt_datetimefield_value(result.finished_at),
            field.get_db_prep_save(return_value, connection),
            DBTaskResult._meta.pk.get_db_prep_value(result.pk, connection)])


@cache
def _success_sql(vendor: str) -> str:
    sql = (f"UPDATE {DBTaskResult._meta.db_table} SET status = %s, finished_at = %s, "
           "return_value = %s, exception_class_path = '', traceback = '' WHERE id = %s")
    return sql + (f" RETURNING {ASYNC_COMMIT}" if vendor == "postgresql" else "")


@cache
def claim_sql(vendor: str) -> str:
    """Mark the next ready task of a backend running; its row comes back (on PostgreSQL with
    one more column at the end, the commit setting's)."""
    table = DBTaskResult._meta.db_table
    columns = ", ".join(str(field.column) for field in DBTaskResult._meta.concrete_fields)
    if vendor == "postgresql":
        append, lock = "worker_ids || jsonb_build_array(%s::text)", " FOR UPDATE SKIP LOCKED"
        columns += f", {ASYNC_COMMIT}"
    else:
        append, lock = "json_insert(worker_ids, '$[#]', %s)", ""
    # "Not due later" rather than the library's "undated or due": with an OR on run_after
    # PostgreSQL sorted every waiting task on each claim instead of reading the index.
    return (
        f"UPDATE {table} SET status = %s, started_at = %s, worker_ids = {append} "
        f"WHERE id = (SELECT id FROM {table} WHERE status = %s AND backend_name = %s "
        "AND NOT (run_after > %s AND run_after < %s) "
        f"ORDER BY priority DESC, run_after ASC, enqueued_at ASC LIMIT 1{lock}) "
        f"RETURNING {columns}"
    )


def claim_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The queue row's own columns of what claim_sql returned."""
    return row[:rawrow.row_width(DBTaskResult)]
