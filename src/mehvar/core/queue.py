"""The success write on django_tasks_db's queue table that `mehvar worker` runs for every task
(the claim is core.worker's), built once (the ORM compiled it anew) and, like the claim,
committed without waiting for the disk on PostgreSQL.

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


def task_succeeded(result: DBTaskResult[Any, Any], return_value: Any, *,
                   using: str = "default") -> None:
    """Record a task's success (what DBTaskResult.set_successful writes)."""
    connection = connections[using]
    result.status = TaskResultStatus.SUCCESSFUL
    result.finished_at = timezone.now()
    result.return_value = return_value
    result.exception_class_path = result.traceback = ""
    field = DBTaskResult._meta.get_field("return_value")
    with rawrow.statement_cursor(connection) as cursor:
        cursor.execute(_success_sql(connection.vendor), [
            result.status.value, connection.ops.adapt_datetimefield_value(result.finished_at),
            field.get_db_prep_save(return_value, connection),
            DBTaskResult._meta.pk.get_db_prep_value(result.pk, connection)])


@cache
def _success_sql(vendor: str) -> str:
    sql = (f"UPDATE {DBTaskResult._meta.db_table} SET status = %s, finished_at = %s, "
           "return_value = %s, exception_class_path = '', traceback = '' WHERE id = %s")
    return sql + (f" RETURNING {rawrow.ASYNC_COMMIT}" if vendor == "postgresql" else "")
