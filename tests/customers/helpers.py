"""Test helpers for the customers context."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from mehvar.accounts.models import Agent, Team
from mehvar.conversations.models import Conversation, Message
from mehvar.customers.models import Customer


def insert_conversation(
    *,
    customer: Customer,
    subject: str = "سفارش من هنوز نرسیده",
    status: str = "open",
    channel: str = "email",
    assignee: Agent | None = None,
    team: Team | None = None,
    at: datetime | None = None,
    with_message: bool = True,
) -> Conversation:
    """A conversation row (another context's table) with a chosen status, channel and time,
    for volume and ordering tests (query counts at two sizes, 360 pages and stats), which
    conversation_create cannot set up: it always starts a conversation now, as new/pending.
    Tests of behaviour use conversations.services.conversation_create."""
    at = at or timezone.now()
    conversation = Conversation.objects.create(
        subject=subject, status=status, channel=channel, language="fa", customer=customer,
        assignee=assignee, team=team, created_at=at, updated_at=at, last_message_at=at,
        message_count=1 if with_message else 0,
    )
    if with_message:
        Message.objects.create(conversation=conversation, author_kind="customer",
                               author_customer=customer, text=subject, channel=channel,
                               created_at=at + timedelta(seconds=1))
    return conversation


def insert_messages(conversation: Conversation, *, agent: Agent, replies: int = 0,
                    notes: int = 0, at: datetime | None = None) -> None:
    """Agent replies and internal notes in one statement, for volume tests of the value
    recompute (message_add would also send each reply out on its channel)."""
    at = at or timezone.now()
    Message.objects.bulk_create([
        Message(conversation=conversation, author_kind="agent", author_agent=agent,
                is_internal=number >= replies, text="Σας ευχαριστούμε, το εξετάζουμε.",
                channel=conversation.channel, created_at=at + timedelta(seconds=number))
        for number in range(replies + notes)])


def csv_file(*lines: str, bom: bool = False) -> bytes:
    """A CSV file in UTF-8 (with a byte-order mark, as Excel writes it, when `bom`)."""
    return ("\ufeff" if bom else "").encode() + "\r\n".join(lines).encode() + b"\r\n"
