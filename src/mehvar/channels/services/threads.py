"""Which conversation an inbound message continues (None: it opens a new one).

E-mail: a signed Message-ID of ours in In-Reply-To/References, else a stored message among
them, else the "[#123]" subject token when the sender is that conversation's customer (a
token alone must not let anyone write into another customer's conversation). Messaging
channels continue the customer's latest conversation on the channel unless it was closed or
solved long ago. Web chat continues the session's conversation. A closed conversation is
never continued: the message opens a new one."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.utils import timezone

from mehvar.channels.email.ids import conversation_of
from mehvar.channels.types import Inbound
from mehvar.conversations.models import Conversation, Status
from mehvar.conversations.selectors import (
    conversation_brief,
    conversation_for_message_ids,
    conversation_latest_for_customer,
)

MESSAGING = {"sms", "whatsapp", "telegram"}


class Thread(NamedTuple):
    conversation: Conversation | None  # None: the message opens a new conversation
    locked: bool = False  # the whole row, read FOR UPDATE in the caller's transaction


def thread_for(
    *, channel: str, inbound: Inbound, customer_id: int, session_conversation_id: int | None
) -> Thread:
    if channel == "email":
        return _email_thread(inbound, customer_id)
    if channel in MESSAGING:
        return Thread(_messaging_thread(channel, customer_id))
    if session_conversation_id is not None:
        return Thread(_open(conversation_brief(conversation_id=session_conversation_id)))
    return Thread(None)


def _email_thread(inbound: Inbound, customer_id: int) -> Thread:
    for reference in inbound.references:
        if (conversation_id := conversation_of(reference)) is not None:
            return Thread(_open(conversation_brief(conversation_id=conversation_id)))
    # The usual reply (to a mail of ours or a colleague's): found and locked in one read.
    if conversation := conversation_for_message_ids(
            channel="email", external_ids=inbound.references, for_update=True):
        return Thread(_open(conversation), locked=True)
    if inbound.conversation_token is not None:
        conversation = conversation_brief(conversation_id=inbound.conversation_token)
        if conversation is not None and conversation.customer_id == customer_id:
            return Thread(_open(conversation))
    return Thread(None)


def _messaging_thread(channel: str, customer_id: int) -> Conversation | None:
    conversation = _open(conversation_latest_for_customer(customer_id=customer_id,
                                                          channel=channel))
    if conversation is None or conversation.status != Status.SOLVED:
        return conversation
    cutoff = timezone.now() - timedelta(days=settings.MEHVAR_MESSAGING_REOPEN_DAYS)
    solved_at = conversation.solved_at or conversation.last_message_at
    return conversation if solved_at is not None and solved_at >= cutoff else None


def _open(conversation: Conversation | None) -> Conversation | None:
    if conversation is None or conversation.status == Status.CLOSED:
        return None
    return conversation
