"""The one seam to the Tasks framework: django_tasks today, django.tasks on Django 6.

Services name tasks by dotted path (`enqueue_on_commit("mehvar.channels.tasks.x", 1)`), so a
service never imports the task module that calls it; the task runs only once the writing
transaction has committed (with the database backend its row is written in that
transaction). Periodic jobs are registered by the contexts' AppConfig.ready and
enqueued by `mehvar worker` when due (core.periodic)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string
from django_tasks import TaskResult, TaskResultStatus, default_task_backend, task
from django_tasks_db import DatabaseBackend

__all__ = ["TaskResult", "TaskResultStatus", "default_task_backend", "enqueue",
           "enqueue_on_commit", "task"]

logger = logging.getLogger(__name__)


def enqueue(task_path: str, *args: Any) -> None:
    """Enqueue now. A failure to enqueue is logged, never raised: the rows a task works from
    stay due, and the periodic sweep of its context hands them to a worker later."""
    try:
        import_string(task_path).enqueue(*args)
    except Exception:
        logger.exception("Could not enqueue %s%r; the periodic sweep will pick it up",
                         task_path, args)


def backoff(attempts: int, *, base_seconds: int) -> timedelta:
    """How long a failed attempt waits before the next: base, 2×base, 4×base … capped at an
    hour (inbound envelopes and outbound deliveries alike)."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), 3600))


def enqueue_on_commit(task_path: str, *args: Any) -> None:
    """Enqueue so that the task runs only once the writing transaction has committed, and
    not at all if it rolls back.

    With the database task backend the task row is written inside that transaction: workers
    cannot see it before the commit, it rolls back with the transaction, and the write costs
    no second commit (nor its wait for the disk). A failure to write it then fails the
    transaction, which cannot go on once a statement failed. Any other backend enqueues
    after the commit."""
    queued = import_string(task_path)
    if (isinstance(queued.get_backend(), DatabaseBackend)
            and transaction.get_connection().in_atomic_block):
        queued.enqueue(*args)
        return
    transaction.on_commit(lambda: enqueue(task_path, *args))
