"""Background tasks of core: keeping the task queue's own table small.

Every inbound message and every delivery leaves a finished task result behind (its arguments,
return value or traceback); without pruning the table grows by one row per message forever."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mehvar.core.background import task

PRUNE_BATCH = 5_000  # rows per DELETE, so no statement holds its locks for long
PRUNE_MAX_BATCHES = 40  # per run; the next hourly run takes the rest


def task_results_prune() -> int:
    """Delete finished (successful or failed) task results older than
    MEHVAR_TASK_RESULTS_KEEP_DAYS; `0` keeps them all. Returns how many were deleted."""
    keep_days = settings.MEHVAR_TASK_RESULTS_KEEP_DAYS
    if keep_days <= 0:
        return 0
    cutoff = timezone.now() - timedelta(days=keep_days)
    old = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).order_by()
    deleted = 0
    for _batch in range(PRUNE_MAX_BATCHES):
        ids = list(old.values_list("pk", flat=True)[:PRUNE_BATCH])
        if not ids:
            break
        deleted += DBTaskResult.objects.filter(pk__in=ids).delete()[0]
    return deleted


@task()
def task_results_prune_task() -> int:
    """Periodic (hourly): finished task results past their keeping time."""
    return task_results_prune()
