"""Outbound delivery: every public reply on a conversation with a reply route becomes an
OutboundMessage row in the transaction that stores the reply; a task sends it, outside any
transaction; failures are retried with backoff and, when final, shown on the message.

Sending is at-least-once: the row is claimed (attempts + 1, lease) before the channel is
called and marked after. A worker killed in between sends again after the lease; e-mail
keeps the same Message-ID, so mail clients show one message."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mehvar.channels.adapters import sender_for
from mehvar.channels.email.ids import domain_of, message_id_for
from mehvar.channels.errors import ChannelErrorCode as Code
from mehvar.channels.errors import DeliveryError
from mehvar.channels.models import (
    DeliveryStatus,
    Mailbox,
    OutboundKind,
    OutboundMessage,
    ReplyRoute,
)
from mehvar.channels.types import Delivery, Inbound, OutgoingFile
from mehvar.conversations.models import Conversation, Message
from mehvar.conversations.selectors import message_for_delivery
from mehvar.core import rawrow
from mehvar.core.background import backoff, enqueue, enqueue_on_commit
from mehvar.core.errors import Conflict, NotFound
from mehvar.core.permissions import Actor, require

logger = logging.getLogger(__name__)
SEND_TASK = "mehvar.channels.tasks.outbound_send_task"
MAX_REFERENCES = 20
SWEEP_BATCH = 500
# Channels whose replies the customer fetches (web chat) or that have no sender (phone).
_NOT_SENT = {"webchat", "phone", "api"}


# --- routes --------------------------------------------------------------------------------


def route_update(
    *, conversation: Conversation, channel: str, address: str, mailbox: Mailbox | None,
    inbound: Inbound,
) -> None:
    """Replies go back on the channel and to the address the customer last wrote from; for
    e-mail they answer the last message and carry its reference chain."""
    changes: dict[str, Any] = {"channel": channel, "address": address[:320],
                               "updated_at": timezone.now()}
    if mailbox is not None:  # a message handed in without a mailbox keeps the route's one
        changes["mailbox"] = mailbox
    if channel == "email":
        changes["references"] = [*reversed(inbound.references[:MAX_REFERENCES - 1]),
                                 inbound.external_id]
        changes["last_reference"] = inbound.external_id[:500]
    # One statement whether the route exists or not (another worker may have just made
    # it): no read, no savepoint, and nothing to read back, so it may ride on the next
    # statement of an inbound message's transaction (rawrow.deferred_writes).
    rawrow.upsert_later(ReplyRoute(conversation_id=conversation.pk, **changes),
                        conflict="conversation", fields=sorted(changes))


def route_get(*, conversation_id: int) -> ReplyRoute | None:
    return (ReplyRoute.objects.select_related("mailbox")
            .filter(conversation_id=conversation_id).first())


# --- queueing ------------------------------------------------------------------------------


def outbound_queue_reply(conversation: Conversation, message: Message) -> None:
    """The conversations outbox hook: queue a public agent message for delivery."""
    route = route_get(conversation_id=conversation.pk)
    if route is None or route.channel in _NOT_SENT:
        return
    _queue(OutboundMessage(kind=OutboundKind.REPLY, conversation_id=conversation.pk,
                           message=message, channel=route.channel, recipient=route.address,
                           mailbox=route.mailbox))


def outbound_queue_acknowledgement(
    *, conversation: Conversation, mailbox: Mailbox, recipient: str
) -> OutboundMessage:
    """The automatic receipt for a new e-mail conversation, in the customer's language."""
    with translation.override(conversation.language or settings.LANGUAGE_CODE):
        text = _("We have received your message and will answer as soon as we can. "
                 "Your reference is #%(id)s; keep it in the subject when you write about "
                 "this again.") % {"id": conversation.pk}
    return outbound_queue_system(conversation=conversation, kind=OutboundKind.ACKNOWLEDGEMENT,
                                 channel="email", recipient=recipient, text=text,
                                 mailbox=mailbox)


def outbound_queue_system(
    *, conversation: Conversation, kind: str, channel: str, recipient: str, text: str,
    subject: str = "", mailbox: Mailbox | None = None,
) -> OutboundMessage:
    """A delivery that is not an agent's message (acknowledgement, chat transcript); without
    a mailbox it is sent from the conversation's route's mailbox, if any."""
    if mailbox is None and (route := route_get(conversation_id=conversation.pk)) is not None:
        mailbox = route.mailbox
    outbound = OutboundMessage(kind=kind, conversation_id=conversation.pk, channel=channel,
                               recipient=recipient[:320], subject=subject[:300], text=text,
                               mailbox=mailbox)
    return _queue(outbound)


def _queue(outbound: OutboundMessage) -> OutboundMessage:
    now = timezone.now()
    outbound.status, outbound.created_at = DeliveryStatus.QUEUED, now
    outbound.next_attempt_at = now + timedelta(seconds=settings.MEHVAR_OUTBOUND_RETRY_SECONDS)
    if outbound.channel == "email":
        sender = outbound.mailbox.address if outbound.mailbox else settings.MEHVAR_EMAIL_FROM
        outbound.provider_id = message_id_for(outbound.conversation_id, domain_of(sender))
    outbound.save(force_insert=True)
    enqueue_on_commit(SEND_TASK, outbound.pk)
    return outbound


# --- sending -------------------------------------------------------------------------------


def outbound_send(*, outbound_id: int) -> OutboundMessage | None:
    """Send one due delivery (the task). None when it is not due (sent, or taken)."""
    base = settings.MEHVAR_OUTBOUND_RETRY_SECONDS
    now = timezone.now()
    with transaction.atomic():
        # A claimed row's lease (5 × base) lies beyond the 2 × base window, so a second task
        # for the same row (the sweep's, while the first still sends) finds nothing to do.
        outbound = (OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("mailbox")
                    .filter(pk=outbound_id,
                            status__in=[DeliveryStatus.QUEUED, DeliveryStatus.RETRYING],
                            next_attempt_at__lte=now + timedelta(seconds=base * 2))
                    .first())
        if outbound is None:
            return None
        outbound.attempts += 1
        outbound.next_attempt_at = now + timedelta(seconds=base * 5)
        outbound.save(update_fields=["attempts", "next_attempt_at"])
    try:
        delivery = _delivery(outbound)
        provider_id = sender_for(outbound.channel)(delivery)
    except DeliveryError as error:
        _send_failed(outbound, error.detail, permanent=error.permanent)
    except Exception as error:  # a bug or an outage: recorded and retried, never lost
        logger.exception("Delivery %s failed", outbound.pk)
        _send_failed(outbound, f"{type(error).__name__}: {error}", permanent=False)
    else:
        outbound.status, outbound.sent_at, outbound.last_error = (
            DeliveryStatus.SENT, timezone.now(), "")
        outbound.provider_id = (provider_id or outbound.provider_id)[:500]
        outbound.next_attempt_at = None
        outbound.save(update_fields=["status", "sent_at", "last_error", "provider_id",
                                     "next_attempt_at"])
    return outbound


def _send_failed(outbound: OutboundMessage, detail: str, *, permanent: bool) -> None:
    outbound.last_error = detail[:2000]
    if permanent or outbound.attempts >= settings.MEHVAR_OUTBOUND_MAX_ATTEMPTS:
        outbound.status, outbound.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        outbound.status = DeliveryStatus.RETRYING
        outbound.next_attempt_at = timezone.now() + backoff(
            outbound.attempts, base_seconds=settings.MEHVAR_OUTBOUND_RETRY_SECONDS)
    outbound.save(update_fields=["status", "last_error", "next_attempt_at"])


def _delivery(outbound: OutboundMessage) -> Delivery:
    route = route_get(conversation_id=outbound.conversation_id)
    message = (message_for_delivery(message_id=outbound.message_id)
               if outbound.message_id else None)
    conversation = (message.conversation if message is not None
                    else Conversation.objects.only("id", "subject", "language")
                    .get(pk=outbound.conversation_id))
    files = []
    if message is not None:
        for attachment in message.attachments.all():
            with attachment.file.open("rb") as handle:
                files.append(OutgoingFile(attachment.filename, attachment.content_type,
                                          handle.read()))
    mailbox = outbound.mailbox
    agent = message.author_agent if message is not None else None
    return Delivery(
        outbound_id=outbound.pk, kind=outbound.kind, channel=outbound.channel,
        recipient=outbound.recipient, conversation_id=outbound.conversation_id,
        subject=outbound.subject or conversation.subject,
        text=message.text if message is not None else outbound.text,
        html=message.html if message is not None else "",
        language=conversation.language,
        sender_address=mailbox.address if mailbox else settings.MEHVAR_EMAIL_FROM,
        sender_name=(agent.get_full_name() if agent else "") or (mailbox.name if mailbox
                                                                 else ""),
        message_id=outbound.provider_id if outbound.channel == "email" else "",
        in_reply_to=route.last_reference if route and route.channel == "email" else "",
        references=list(route.references) if route and route.channel == "email" else [],
        files=files,
    )


# --- provider feedback ---------------------------------------------------------------------


def outbound_record_bounce(*, provider_id: str, detail: str) -> int:
    """A bounce reports our Message-ID: that delivery failed (returns rows changed)."""
    return OutboundMessage.objects.filter(channel="email", provider_id=provider_id).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None,
        last_error=(_("Bounced: %(detail)s") % {"detail": detail or "-"})[:2000])


_PROVIDER_STATUS = {"sent": DeliveryStatus.SENT, "delivered": DeliveryStatus.DELIVERED,
                    "read": DeliveryStatus.DELIVERED, "failed": DeliveryStatus.FAILED,
                    "undelivered": DeliveryStatus.FAILED}


def outbound_record_status(*, channel: str, provider_id: str, status: str) -> int:
    """A messaging provider's receipt (sent → delivered → read, or failed)."""
    new = _PROVIDER_STATUS.get(status)
    if new is None or not provider_id:
        return 0
    rows = OutboundMessage.objects.filter(channel=channel, provider_id=provider_id)
    if new == DeliveryStatus.SENT:  # never step back from delivered or failed
        rows = rows.filter(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.RETRYING])
    return rows.update(status=new)


# --- retries -------------------------------------------------------------------------------


@transaction.atomic
def outbound_retry(*, actor: Actor, outbound_id: int) -> OutboundMessage:
    """An agent sends a failed delivery again."""
    require(actor, "delivery.retry")
    outbound = OutboundMessage.objects.select_for_update().filter(pk=outbound_id).first()
    if outbound is None:
        raise NotFound(Code.OUTBOUND_NOT_FOUND, _("No delivery has this id."))
    if outbound.status != DeliveryStatus.FAILED:
        raise Conflict(Code.OUTBOUND_NOT_FAILED, _("Only a failed delivery can be sent again."))
    outbound.status, outbound.attempts, outbound.last_error = DeliveryStatus.QUEUED, 0, ""
    outbound.next_attempt_at = timezone.now()
    outbound.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    enqueue_on_commit(SEND_TASK, outbound.pk)
    return outbound


def outbound_sweep() -> int:
    """Enqueue deliveries whose retry time (or a dead worker's lease) has come."""
    now = timezone.now()
    with transaction.atomic():
        due = list(OutboundMessage.objects.select_for_update(skip_locked=True)
                   .filter(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.RETRYING],
                           next_attempt_at__lte=now)
                   .order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    for outbound_id in due:
        enqueue(SEND_TASK, outbound_id)
    return len(due)
