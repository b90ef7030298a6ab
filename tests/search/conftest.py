"""Fixtures for the search tests: conversations opened and written through the real services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mehvar.accounts.models import Agent
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.conversations import conversation_create


@pytest.fixture
def open_conversation(agent: Agent) -> Callable[..., Conversation]:
    """open_conversation(subject, text, **overrides): a conversation a customer opened by
    e-mail, through conversation_create with `agent` as the actor."""
    counter = iter(range(1, 100_000))

    def make(subject: str, text: str, **overrides: Any) -> Conversation:
        values: dict[str, Any] = {
            "subject": subject, "text": text, "channel": "email", "identity_kind": "email",
            "identity_value": f"customer{next(counter)}@example.com",
        }
        values.update(overrides)
        return conversation_create(actor=agent, **values)

    return make
