"""Background work of the intelligence context."""

from __future__ import annotations

from django.utils import timezone

from mehvar.conversations.learning_selectors import message_texts
from mehvar.core.background import task
from mehvar.intelligence.enrichment import messages_enrich, sweep
from mehvar.intelligence.retraining import retrain_due


@task()
def enrich_message_task(message_id: int) -> int:
    """Enrich one new message (and refresh its conversation's insight)."""
    return messages_enrich(message_texts(ids=[message_id]), now=timezone.now())


@task()
def enrich_sweep_task() -> int:
    """Enrich what the per-message tasks missed (periodic, every minute)."""
    return sweep(now=timezone.now())


@task()
def retrain_task() -> list[str]:
    """Train new versions where new training data arrived (periodic, nightly)."""
    return retrain_due()
