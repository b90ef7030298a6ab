"""The task worker's loop: django_tasks_db's Worker, claiming each task in one statement.

The library claims a task in a transaction of four round trips (BEGIN, an ORM
`SELECT … FOR UPDATE SKIP LOCKED` compiled anew on every loop, an UPDATE, COMMIT). An inbound
message is one task, so that claim cost a third of the worker's time per message. Here one
`UPDATE … WHERE id = (SELECT … LIMIT 1 [FOR UPDATE SKIP LOCKED]) RETURNING …`, built once,
picks the same task (same filter, same order: priority, run_after, enqueued_at) and marks it
running; on SQLite the statement holds the write lock, so two workers never take one task.
Running the task stays the library's; its success is recorded by core.queue's statement
(ClaimedTask.set_successful)."""

from __future__ import annotations

import logging
import time
from functools import cache

from django.db import DatabaseError, OperationalError, close_old_connections, connections
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import is_locked_database_exception

from mehvar.core import rawrow
from mehvar.core.models import ClaimedTask

logger = logging.getLogger(__name__)
ANALYZE_EVERY_CLAIMS = 2_000


class TaskWorker(Worker):
    """Runs every queue of one database backend (`mehvar worker`)."""

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s", self.worker_id)
        queue_analyze()
        claims = 0
        while self.running:
            close_old_connections()
            try:
                claimed = task_claim(backend_name=self.backend_name, worker_id=self.worker_id)
                looked = True
            except OperationalError as error:
                if not is_locked_database_exception(error):
                    raise
                claimed, looked = None, False  # SQLite busy: try again
            if claimed is not None:
                self.run_task(claimed)
                claims += 1
                if claims % ANALYZE_EVERY_CLAIMS == 0:
                    queue_analyze()
            elif self.batch and looked:
                logger.info("No more tasks for worker_id=%s; exiting.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("Ran %d tasks on worker_id=%s; exiting.", self._run_tasks,
                            self.worker_id)
                return
            if self.running and claimed is None:
                time.sleep(self.interval)


def queue_analyze(using: str = "default") -> None:
    """Refresh PostgreSQL's statistics of the queue table. A backlog that built up while no
    worker ran (or faster than autovacuum looks) is invisible to stale statistics, and the
    planner then sorts every waiting task on each claim instead of reading the first one
    from the queue's index: a claim took 1.2 ms with 2,000 mails waiting, 0.06 ms after."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {DBTaskResult._meta.db_table}")
    except DatabaseError:  # not the table's owner: autovacuum's statistics will do
        logger.info("Could not ANALYZE the task queue table", exc_info=True)


def task_claim(*, backend_name: str, worker_id: str, using: str = "default"
               ) -> ClaimedTask | None:
    """The next ready task of the backend, marked running by this worker (None: none ready).
    Runs in autocommit: the claim is committed when it returns."""
    connection = connections[using]
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now()
    rows = rawrow.fetch_rows(_claim_sql(connection.vendor), [
        TaskResultStatus.RUNNING.value, adapt(now), worker_id,
        TaskResultStatus.READY.value, backend_name, adapt(now), adapt(get_date_max())],
        using=using)
    if not rows:
        return None
    return rawrow.build(ClaimedTask, rows[0][:rawrow.row_width(DBTaskResult)], using=using)


@cache
def _claim_sql(vendor: str) -> str:
    """Mark the next ready task of a backend running; its row comes back (on PostgreSQL with
    one more column at the end, the commit setting's: a lost claim only runs the task again)."""
    table = DBTaskResult._meta.db_table
    columns = ", ".join(str(field.column) for field in DBTaskResult._meta.concrete_fields)
    if vendor == "postgresql":
        append, lock = "worker_ids || jsonb_build_array(%s::text)", " FOR UPDATE SKIP LOCKED"
        columns += f", {rawrow.ASYNC_COMMIT}"
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
