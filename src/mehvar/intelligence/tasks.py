"""Background work of the intelligence context."""

from __future__ import annotations

from django.utils import timezone

from mehvar.core.background import task
from mehvar.intelligence.enrichment import enrich_new, sweep
from mehvar.intelligence.retraining import retrain_due


@task()
def enrich_new_task() -> int:
    """Enrich every message newer than the newest enriched one (queued by new messages at
    most once a second per process, and every five seconds)."""
    return enrich_new(now=timezone.now())


@task()
def enrich_sweep_task() -> int:
    """Enrich what was missed further back; refresh risks (periodic, every minute)."""
    return sweep(now=timezone.now())


@task()
def retrain_task() -> list[str]:
    """Train new versions where new training data arrived (periodic, nightly)."""
    return retrain_due()
