"""Reads of the channels context for agents and admins: deliveries and calls beside the
messages of a conversation, where its replies go, inbound envelopes, mailboxes.

Every selector checks the role first. Query budget (asserted in the tests):
- deliveries_for_messages, calls_for_messages: 1 (0 for no ids).
- deliveries_for_conversation: 1, plus 1 to tell an empty page from an unknown conversation.
- envelope_list: 1 (the raw payload is never loaded for a list). envelope_get: 1.
- mailbox_list: 1. mailbox_get: 1. route_for_conversation: 1. chat_visitor_typing: 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.channels.errors import ChannelErrorCode as Code
from mehvar.channels.models import (
    ChatSession,
    EnvelopeStatus,
    InboundEnvelope,
    Mailbox,
    OutboundMessage,
    PhoneCall,
    ReplyRoute,
)
from mehvar.conversations.selectors import conversation_brief, conversation_not_found
from mehvar.core.errors import Invalid, NotFound
from mehvar.core.pagination import Page, keyset_page
from mehvar.core.permissions import Actor, require

# How much of a raw payload the API and the admin page show.
RAW_PREVIEW_BYTES = 65_536
# Mailboxes are a handful of support addresses; the list is capped rather than paged.
MAX_MAILBOXES = 500
_DELIVERY_FIELDS = ("id", "kind", "conversation_id", "message_id", "subject", "channel",
                    "recipient", "status", "attempts", "next_attempt_at", "last_error",
                    "created_at", "sent_at")


def _ids(values: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(values))


# --- deliveries ----------------------------------------------------------------------------


def deliveries_for_messages(*, actor: Actor, message_ids: Iterable[int]
                            ) -> dict[int, OutboundMessage]:
    """The latest delivery of each of these messages, by message id (one query; messages
    never sent, such as notes or replies on a channel without a sender, are absent)."""
    require(actor, "conversation.view")
    ids = _ids(message_ids)
    if not ids:
        return {}
    rows = (OutboundMessage.objects.filter(message_id__in=ids).only(*_DELIVERY_FIELDS)
            .order_by("message_id", "-created_at", "-id"))
    latest: dict[int, OutboundMessage] = {}
    for row in rows:
        assert row.message_id is not None  # filtered on it
        latest.setdefault(row.message_id, row)
    return latest


def deliveries_for_conversation(
    *, actor: Actor, conversation_id: int, cursor: str | None = None, limit: int = 50
) -> Page[OutboundMessage]:
    """Every delivery of a conversation, newest first: replies, acknowledgements and chat
    transcripts. NotFound when the conversation does not exist."""
    require(actor, "conversation.view")
    queryset = OutboundMessage.objects.filter(conversation_id=conversation_id).only(
        *_DELIVERY_FIELDS)
    page: Page[OutboundMessage] = keyset_page(queryset, field="created_at", cursor=cursor,
                                              limit=limit)
    if not page.items and conversation_brief(conversation_id=conversation_id) is None:
        raise conversation_not_found()
    return page


def delivery_get(*, actor: Actor, outbound_id: int,
                 conversation_id: int | None = None) -> OutboundMessage:
    """One delivery (of that conversation, when one is named)."""
    require(actor, "conversation.view")
    queryset = OutboundMessage.objects.filter(pk=outbound_id).only(*_DELIVERY_FIELDS)
    if conversation_id is not None:
        queryset = queryset.filter(conversation_id=conversation_id)
    outbound = queryset.first()
    if outbound is None:
        raise NotFound(Code.OUTBOUND_NOT_FOUND, _("No delivery has this id."))
    return outbound


def route_for_conversation(*, actor: Actor, conversation_id: int) -> ReplyRoute | None:
    """Where the conversation's replies go (channel, address, mailbox); None when nothing
    sends them (the customer never wrote in on a channel Mehvar answers on)."""
    require(actor, "conversation.view")
    return (ReplyRoute.objects.select_related("mailbox")
            .only("id", "conversation_id", "channel", "address", "mailbox__id",
                  "mailbox__name", "mailbox__address")
            .filter(conversation_id=conversation_id).first())


# --- phone calls ---------------------------------------------------------------------------


def calls_for_messages(*, actor: Actor, message_ids: Iterable[int]) -> dict[int, PhoneCall]:
    """The logged call each of these messages records, by message id (one query)."""
    require(actor, "conversation.view")
    ids = _ids(message_ids)
    if not ids:
        return {}
    return {call.message_id: call for call in PhoneCall.objects.filter(message_id__in=ids)}


def call_get(*, actor: Actor, call_id: int) -> PhoneCall:
    require(actor, "conversation.view")
    call = PhoneCall.objects.filter(pk=call_id).first()
    if call is None:
        raise NotFound(Code.CALL_NOT_FOUND, _("No call has this id."))
    return call


# --- inbound envelopes (admins) ------------------------------------------------------------


def _envelopes() -> QuerySet[InboundEnvelope]:
    # The raw payload can be megabytes: only the detail page loads it.
    return InboundEnvelope.objects.defer("raw", "meta")


def envelope_list(
    *, actor: Actor, status: str | None = None, cursor: str | None = None, limit: int = 50
) -> Page[InboundEnvelope]:
    """Envelopes newest first, of one status (index `envelope_status`) or of all."""
    require(actor, "channel.manage")
    queryset = _envelopes()
    if status:
        if status not in EnvelopeStatus.values:
            raise Invalid(Code.FILTER_INVALID,
                          _("That status is not one of the choices."), field="status")
        queryset = queryset.filter(status=status)
    return keyset_page(queryset, field="received_at", cursor=cursor, limit=limit)


def envelope_get(*, actor: Actor, envelope_id: int) -> InboundEnvelope:
    """One envelope with its raw payload and its mailbox."""
    require(actor, "channel.manage")
    envelope = (InboundEnvelope.objects.select_related("mailbox")
                .filter(pk=envelope_id).first())
    if envelope is None:
        raise NotFound(Code.ENVELOPE_NOT_FOUND, _("No inbound message has this id."))
    return envelope


def envelope_raw_preview(envelope: InboundEnvelope) -> tuple[str, bool]:
    """The payload's first 64 KiB as text (bad UTF-8 replaced), and whether there is more."""
    raw = memoryview(envelope.raw)  # bytes or memoryview by backend; copy only the preview
    return (bytes(raw[:RAW_PREVIEW_BYTES]).decode("utf-8", errors="replace"),
            len(raw) > RAW_PREVIEW_BYTES)


# --- mailboxes (admins) --------------------------------------------------------------------


def mailbox_list(*, actor: Actor) -> list[Mailbox]:
    """Every mailbox by name, with its team (at most MAX_MAILBOXES)."""
    require(actor, "channel.manage")
    return list(Mailbox.objects.select_related("team").order_by("name", "id")[:MAX_MAILBOXES])


def mailbox_get(*, actor: Actor, mailbox_id: int) -> Mailbox:
    require(actor, "channel.manage")
    mailbox = Mailbox.objects.select_related("team").filter(pk=mailbox_id).first()
    if mailbox is None:
        raise NotFound(Code.MAILBOX_NOT_FOUND, _("No mailbox has this id."))
    return mailbox


# A visitor's typing is shown this long after their widget last said so (it says so at most
# every few seconds while they type, and a sent message clears it).
TYPING_SHOWN = timedelta(seconds=6)


def chat_visitor_typing(*, actor: Actor, conversation_id: int) -> bool:
    """Whether a web-chat visitor is typing in this conversation now (one indexed query)."""
    require(actor, "conversation.view")
    return ChatSession.objects.filter(
        conversation_id=conversation_id,
        visitor_typing_at__gte=timezone.now() - TYPING_SHOWN).exists()
