"""`mehvar worker` claims each task in one statement: the same task the library would pick
(ready, due, its backend; highest priority first, then run_after, then enqueued_at), marked
running by this worker, never handed out twice. The crash test (channels) runs it as a real
process; these run its loop in the test's own database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from mehvar.core.background import task
from mehvar.core.worker import TaskWorker, task_claim

pytestmark = pytest.mark.django_db


@task()
def add(left: int, right: int) -> int:
    return left + right


@task()
def refuse(reason: str) -> None:
    raise ValueError(reason)


def queued(*args: object, path: str = "tests.core.test_worker.add", priority: int = 0,
           run_after_seconds: float | None = None, backend: str = "default",
           status: str = "READY") -> DBTaskResult:
    """A queue row as django_tasks_db writes it on enqueue (its own model)."""
    run_after = (get_date_max() if run_after_seconds is None
                 else timezone.now() + timedelta(seconds=run_after_seconds))
    return DBTaskResult.objects.create(
        status=status, task_path=path, args_kwargs={"args": list(args), "kwargs": {}},
        priority=priority, backend_name=backend, run_after=run_after, return_value=None,
        exception_class_path="", traceback="")


def burst_worker() -> TaskWorker:
    return TaskWorker(queue_names=["*"], interval=0, batch=True, backend_name="default",
                      startup_delay=False, max_tasks=None, worker_id="w-test",
                      excluded_queue_names=[])


def test_claims_follow_priority_then_due_time_and_skip_what_is_not_ready() -> None:
    # Given ready rows of two priorities, one due a minute ago, and rows that are not ready
    low = queued(1, 1, priority=-5)
    high_later = queued(2, 2, priority=10)
    high_due = queued(3, 3, priority=10, run_after_seconds=-60)
    queued(4, 4, priority=50, run_after_seconds=3600)   # not due yet
    queued(5, 5, priority=50, backend="elsewhere")       # another backend's
    queued(6, 6, priority=50, status="RUNNING")           # taken already
    # When a worker claims until nothing is left
    claimed = []
    while (row := task_claim(backend_name="default", worker_id="w-1")) is not None:
        claimed.append(row)
    # Then it took the three ready ones, highest priority first, the due one before the
    # undated one, each once
    assert [row.pk for row in claimed] == [high_due.pk, high_later.pk, low.pk]
    for row in claimed:
        row.refresh_from_db()
        assert row.status == "RUNNING"
        assert row.worker_ids == ["w-1"]
        assert row.started_at is not None
    assert claimed[0].args_kwargs == {"args": [3, 3], "kwargs": {}}


def test_a_second_claim_adds_its_worker_to_the_history() -> None:
    # Given a task an earlier worker gave back to the queue
    row = queued(1, 2)
    DBTaskResult.objects.filter(pk=row.pk).update(worker_ids=["w-old"])
    # When another worker claims it
    claimed = task_claim(backend_name="default", worker_id="w-new")
    # Then both workers are in its history, in order
    assert claimed is not None
    assert claimed.worker_ids == ["w-old", "w-new"]


@pytest.mark.django_db(transaction=True)  # the loop closes connections found in a transaction
def test_a_burst_runs_every_ready_task_records_its_result_and_exits() -> None:
    # Given two tasks that succeed, one that raises, and one due tomorrow
    sums = [queued(2, 3), queued(-1, 1)]
    failing = queued("نه، این کار انجام نمی‌شود", path="tests.core.test_worker.refuse")
    tomorrow = queued(1, 1, run_after_seconds=86_400)
    # When a burst worker runs
    burst_worker().run()
    # Then the ready ones ran once each and the later one still waits
    assert [DBTaskResult.objects.get(pk=row.pk).return_value for row in sums] == [5, 0]
    assert {DBTaskResult.objects.get(pk=row.pk).status for row in sums} == {"SUCCESSFUL"}
    failed = DBTaskResult.objects.get(pk=failing.pk)
    assert failed.status == "FAILED"
    assert failed.exception_class_path == "builtins.ValueError"
    assert "نه، این کار انجام نمی‌شود" in failed.traceback
    assert DBTaskResult.objects.get(pk=tomorrow.pk).status == "READY"
