"""Lifecycle hooks: what happened to a conversation, for the contexts above it.

Service levels (routing, assignment, SLA clocks, waiting time) must react to every opened
conversation, message and status change in the same transaction that stores it, yet the
conversations context stands below them and cannot import them. Hooks run inside that
transaction with the conversation row locked; they must only write rows and schedule work
with `transaction.on_commit`. System writes they make (conversations.services.routing) fire
no hook, so a hook never re-enters itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from mehvar.conversations.models import Conversation, Message


class Happening(StrEnum):
    OPENED = "opened"                  # message: the first one; by_agent when an agent wrote it
    CUSTOMER_MESSAGE = "customer_message"
    AGENT_REPLY = "agent_reply"        # public replies only; internal notes change no clock
    STATUS_CHANGED = "status_changed"  # before["status"]
    PRIORITY_CHANGED = "priority_changed"
    ASSIGNED = "assigned"              # before["team_id"], before["assignee_id"]


@dataclass(frozen=True)
class ConversationChange:
    happening: Happening
    conversation: Conversation
    at: datetime
    message: Message | None = None
    by_agent: bool = False
    before: dict[str, Any] = field(default_factory=dict)


LifecycleHook = Callable[[ConversationChange], None]
_hooks: list[LifecycleHook] = []


def register_lifecycle_hook(hook: LifecycleHook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def conversation_changed(change: ConversationChange) -> None:
    for hook in _hooks:
        hook(change)
