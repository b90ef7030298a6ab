"""`enqueue_on_commit`: a task runs only once the writing transaction has committed, and not
if it rolls back. With the database backend its row is written in that transaction (one
commit, not two); with another backend it is enqueued after the commit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from mehvar.core.background import enqueue_on_commit, task

pytestmark = pytest.mark.django_db(transaction=True)
ADD = "tests.core.test_background.add"
ran: list[int] = []


@task()
def add(left: int, right: int) -> None:
    ran.append(left + right)


@pytest.fixture
def database_backend(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@transaction.atomic
def _enqueue_then_fail(left: int, right: int) -> None:
    enqueue_on_commit(ADD, left, right)
    raise RuntimeError("a later write failed")


def _queued() -> list[dict[str, Any]]:
    return [row.args_kwargs for row in DBTaskResult.objects.filter(task_path=ADD)]


def test_with_the_database_backend_the_task_row_commits_with_the_writing_transaction(
    database_backend: None,
) -> None:
    with transaction.atomic():
        enqueue_on_commit(ADD, 2, 3)
        # Written already, inside the transaction (a worker sees it only after the commit)
        assert _queued() == [{"args": [2, 3], "kwargs": {}}]
    assert _queued() == [{"args": [2, 3], "kwargs": {}}]


def test_with_the_database_backend_a_rolled_back_transaction_leaves_no_task(
    database_backend: None,
) -> None:
    with pytest.raises(RuntimeError):
        _enqueue_then_fail(4, 5)
    assert _queued() == []


def test_with_the_database_backend_outside_a_transaction_the_task_is_queued_at_once(
    database_backend: None,
) -> None:
    enqueue_on_commit(ADD, 6, 7)
    assert _queued() == [{"args": [6, 7], "kwargs": {}}]


def test_another_backend_runs_the_task_after_the_commit_only() -> None:
    ran.clear()
    with transaction.atomic():
        enqueue_on_commit(ADD, 1, 1)
        assert ran == []  # the immediate backend would have run it already
    assert ran == [2]
    with pytest.raises(RuntimeError):
        _enqueue_then_fail(5, 5)
    assert ran == [2]
    assert _queued() == []
