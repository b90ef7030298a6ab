"""Finished task results are pruned after MEHVAR_TASK_RESULTS_KEEP_DAYS, hourly, in batches;
results still waiting or running are never touched."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mehvar.core import tasks as core_tasks
from mehvar.core.periodic import periodic_jobs
from mehvar.core.tasks import task_results_prune

pytestmark = pytest.mark.django_db


def result(status: str, *, finished_days_ago: float | None) -> DBTaskResult:
    """A task-queue row as django_tasks_db writes it (its own model; Mehvar has no service
    for the queue's rows)."""
    now = timezone.now()
    finished = None if finished_days_ago is None else now - timedelta(days=finished_days_ago)
    return DBTaskResult.objects.create(
        status=status, task_path="mehvar.channels.tasks.envelope_process_task",
        args_kwargs={"args": [1], "kwargs": {}}, backend_name="default", run_after=now,
        finished_at=finished, return_value="processed", exception_class_path="",
        traceback="")


def test_old_finished_results_go_and_everything_else_stays(settings: Any) -> None:
    settings.MEHVAR_TASK_RESULTS_KEEP_DAYS = 7
    old_ok = result("SUCCESSFUL", finished_days_ago=8)
    old_failed = result("FAILED", finished_days_ago=30)
    recent = result("SUCCESSFUL", finished_days_ago=6)
    waiting = result("READY", finished_days_ago=None)
    running = result("RUNNING", finished_days_ago=None)
    assert task_results_prune() == 2
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {recent.pk, waiting.pk, running.pk}
    assert not left & {old_ok.pk, old_failed.pk}
    assert task_results_prune() == 0  # nothing more to do


def test_batches_take_everything_due_in_one_run(settings: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    settings.MEHVAR_TASK_RESULTS_KEEP_DAYS = 1
    monkeypatch.setattr(core_tasks, "PRUNE_BATCH", 2)
    for _ in range(5):
        result("SUCCESSFUL", finished_days_ago=2)
    assert task_results_prune() == 5
    assert not DBTaskResult.objects.exists()


def test_zero_days_keeps_every_result(settings: Any) -> None:
    settings.MEHVAR_TASK_RESULTS_KEEP_DAYS = 0
    result("SUCCESSFUL", finished_days_ago=400)
    assert task_results_prune() == 0
    assert DBTaskResult.objects.count() == 1


def test_the_prune_is_an_hourly_periodic_job() -> None:
    jobs = {job.name: job for job in periodic_jobs()}
    job = jobs["core.prune_task_results"]
    assert job.task_path == "mehvar.core.tasks.task_results_prune_task"
    assert job.every == timedelta(hours=1)
