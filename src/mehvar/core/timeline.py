"""The timeline writer. Services call these inside their transaction; nothing updates a row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from mehvar.core import rawrow
from mehvar.core.models import TimelineEvent


def timeline_event(
    *,
    verb: str,
    actor_id: int | None,
    customer_id: int | None = None,
    conversation_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> TimelineEvent:
    """Build (unsaved) so callers can bulk-insert several events in one statement."""
    return TimelineEvent(
        at=timezone.now(),
        verb=verb,
        actor_id=actor_id,
        customer_id=customer_id,
        conversation_id=conversation_id,
        before=dict(before or {}),
        after=dict(after or {}),
    )


def timeline_record(**kwargs: Any) -> TimelineEvent:
    """Insert one event (no SQL compiled per event: every write records one). Nothing reads
    an event in the transaction that writes it, so inside rawrow.deferred_writes it rides
    on the next statement, and its id stays None."""
    event = timeline_event(**kwargs)
    rawrow.insert_later(event)
    return event


def timeline_record_many(events: list[TimelineEvent]) -> None:
    rawrow.insert_many_later(events)
