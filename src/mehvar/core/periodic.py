"""Periodic jobs: mail polling, retry sweeps. Contexts register them in AppConfig.ready;
`mehvar worker` calls `periodic_enqueue_due` every few seconds (and once before a burst).

A job is due when its interval has passed since its last run; the claim is one conditional
UPDATE on its PeriodicRun row, so with several workers exactly one enqueues it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from mehvar.core.background import enqueue
from mehvar.core.models import PeriodicRun


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task_path: str
    every: timedelta


_jobs: dict[str, PeriodicJob] = {}


def register_periodic(name: str, *, task_path: str, every_seconds: float) -> None:
    _jobs[name] = PeriodicJob(name, task_path, timedelta(seconds=every_seconds))


def periodic_jobs() -> list[PeriodicJob]:
    return list(_jobs.values())


def periodic_enqueue_due(*, force: bool = False) -> list[str]:
    """Enqueue every due job (every job with `force`: a burst run catches up on everything);
    returns the names enqueued."""
    now = timezone.now()
    enqueued = []
    for job in _jobs.values():
        if _claim(job, now, force=force):
            enqueue(job.task_path)
            enqueued.append(job.name)
    return enqueued


def _claim(job: PeriodicJob, now: datetime, *, force: bool) -> bool:
    rows = PeriodicRun.objects.filter(name=job.name)
    if not force:
        rows = rows.filter(last_run_at__lte=now - job.every)
    claimed = rows.update(last_run_at=now)
    if claimed:
        return True
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(name=job.name, last_run_at=now)
    except IntegrityError:
        return False  # the row exists and the job is not due, or another worker claimed it
    return True
