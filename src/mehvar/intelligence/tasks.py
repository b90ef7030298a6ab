"""Background work of the intelligence context.

The task bodies import the models' code themselves: a web or channel process enqueues these
tasks on every new message, and importing scikit-learn and SciPy there (seconds on a busy
2-core machine) would stall the first request that adds a message."""

from __future__ import annotations

from django.utils import timezone

from mehvar.core.background import task


@task()
def enrich_new_task() -> int:
    """Enrich every message newer than the newest enriched one (queued by new messages at
    most once a second per process, and every five seconds)."""
    from mehvar.intelligence.enrichment import enrich_new

    return enrich_new(now=timezone.now())


@task()
def enrich_sweep_task() -> int:
    """Enrich what was missed further back; refresh risks (periodic, every minute)."""
    from mehvar.intelligence.enrichment import sweep

    return sweep(now=timezone.now())


@task()
def retrain_task() -> list[str]:
    """Train new versions where new training data arrived (periodic, nightly)."""
    from mehvar.intelligence.retraining import retrain_due

    return retrain_due()
