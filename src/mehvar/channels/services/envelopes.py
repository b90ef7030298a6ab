"""The inbound pipeline: receive (commit the raw envelope), process (customer, thread,
message) as a task, retry with backoff, park what keeps failing, sweep what a dead worker
left behind.

Processing an envelope is one transaction: the message, its conversation changes and the
envelope's "processed" mark commit together, so a crash at any point leaves the envelope
pending and the message unwritten; the retry does it again. A repeat delivery of the same
(channel, external id) finds the stored envelope and changes nothing."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.channels.adapters import parser_for
from mehvar.channels.errors import ChannelErrorCode as Code
from mehvar.channels.models import EnvelopeStatus, InboundEnvelope, Mailbox
from mehvar.channels.services.outbound import (
    outbound_queue_acknowledgement,
    outbound_record_bounce,
    outbound_record_status,
    route_update,
)
from mehvar.channels.services.threads import thread_for
from mehvar.channels.types import Inbound
from mehvar.conversations.errors import ConversationErrorCode
from mehvar.conversations.models import Message
from mehvar.conversations.services.conversations import conversation_open_inbound
from mehvar.conversations.services.messages import message_add_from_customer
from mehvar.conversations.services.validation import MAX_EXTERNAL_ID_LENGTH
from mehvar.core import rawrow
from mehvar.core.background import backoff, enqueue, enqueue_on_commit
from mehvar.core.errors import Conflict, DomainError, NotFound
from mehvar.core.permissions import Actor, require
from mehvar.core.text import script_language
from mehvar.customers.services import customer_resolve

logger = logging.getLogger(__name__)
PROCESS_TASK = "mehvar.channels.tasks.envelope_process_task"
SWEEP_BATCH = 500


def envelope_receive(
    *, channel: str, external_id: str, raw: bytes, meta: dict[str, Any] | None = None,
    mailbox: Mailbox | None = None, sender: str = "",
) -> tuple[InboundEnvelope, bool]:
    """Commit the raw payload (the adapter's first act) and schedule its processing.
    `sender`: the sender's identity value where the adapter reads it cheaply (e-mail), so
    processing checks the sender's rate limit in the same read that locks the envelope.

    Returns (envelope, created); a repeat (same channel and external id) returns the stored
    envelope, unchanged, with created False."""
    now = timezone.now()
    envelope = InboundEnvelope(
        channel=channel, external_id=external_id[:MAX_EXTERNAL_ID_LENGTH], raw=raw, meta=meta or {},
        mailbox=mailbox, received_at=now, next_attempt_at=now + _lease(), sender=sender[:320],
    )
    try:
        with transaction.atomic():
            envelope.save(force_insert=True)
            enqueue_on_commit(PROCESS_TASK, envelope.pk)
    except IntegrityError:
        existing = InboundEnvelope.objects.filter(channel=channel,
                                                  external_id=envelope.external_id).first()
        if existing is None:
            raise
        return existing, False
    return envelope, True


def envelope_process(*, envelope_id: int) -> InboundEnvelope | None:
    """Process one pending envelope (the task). Returns it, or None when it was not pending
    (already processed by another run: nothing to do)."""
    # The happy path is one transaction; a failure rolls all of it back, and a second
    # transaction records the attempt (no savepoint round trips on every envelope).
    # Writes nobody reads back in it (timeline events, counters, clocks) ride on the
    # transaction's next statement (rawrow.deferred_writes): fewer round trips per message.
    try:
        with transaction.atomic(), rawrow.deferred_writes():
            envelope, recent = _lock_pending(envelope_id)
            if envelope is None:
                return None
            envelope.attempts += 1
            _process(envelope, recent)
            _save_state(envelope)
        return envelope
    except Exception as error:  # any failure is recorded on the envelope and retried
        failure = error
    with transaction.atomic():
        envelope, _recent = _lock_pending(envelope_id)
        if envelope is None:
            return None
        envelope.attempts += 1
        logger.warning("Inbound envelope %s failed (attempt %s): %r", envelope.pk,
                       envelope.attempts, failure)
        _failed(envelope, failure)
        _save_state(envelope)
    return envelope


def _lock_pending(envelope_id: int) -> tuple[InboundEnvelope | None, int | None]:
    """The pending envelope with its mailbox, locked (the envelope row only: PostgreSQL
    cannot lock the nullable side of the outer join), and on PostgreSQL how many messages
    its sender (as received) sent in the hour before it, for the rate limit. Hand-written
    SQL, as in customers.customer_resolve: compiling the ORM's select_related query cost
    more than the database spent answering it, on every inbound message."""
    postgres = connection.vendor == "postgresql"
    params: list[Any] = [envelope_id, EnvelopeStatus.PENDING]
    if postgres:
        params[:0] = [EnvelopeStatus.PROCESSED, EnvelopeStatus.IGNORED,
                      settings.MEHVAR_INBOUND_RATE_LIMIT_PER_HOUR]
    rows = rawrow.fetch_rows(lock_pending_sql(connection.vendor), params)
    if not rows:
        return None, None
    recent, row = (rows[0][1], rows[0][2:]) if postgres else (None, rows[0])
    width = rawrow.row_width(InboundEnvelope)
    envelope = rawrow.build(InboundEnvelope, row[:width])
    envelope.mailbox = (rawrow.build(Mailbox, row[width:])
                        if envelope.mailbox_id is not None else None)
    return envelope, recent


@cache
def lock_pending_sql(vendor: str) -> str:
    """The statement `_lock_pending` runs on the database `vendor` (its parameters: on
    PostgreSQL the two counted statuses and the limit, then the envelope id and status)."""
    if vendor != "postgresql":
        return _LOCK_PENDING_SQL
    # Processing commits without waiting for the disk (about a millisecond of every inbound
    # message): what it writes is derived from the envelope, whose receipt was committed
    # durably. A database crash can lose only the last fraction of a second of processing;
    # those envelopes are still pending and the sweep processes them again. The setting is
    # local to this transaction and rides on the lock query, as does the sender's count:
    # no extra round trip for either.
    return (_LOCK_PENDING_SQL.replace(
        "SELECT ", f"SELECT {rawrow.ASYNC_COMMIT}, "
        f"({_recent_from_sender_sql(*_ENVELOPE_COLUMNS)}), ", 1) + " FOR UPDATE OF envelope")


_ENVELOPE_COLUMNS = ("envelope.channel", "envelope.sender",
                     "envelope.received_at - interval '1 hour'", "envelope.received_at",
                     "envelope.id")


def _recent_from_sender_sql(channel: str, sender: str, since: str, until: str, own_id: str
                            ) -> str:
    """How many processed or ignored envelopes (at most the limit, the last parameter) the
    sender sent on the channel between `since` and `until`, the envelope itself apart. Each
    argument is a parameter or an expression on the locked envelope (a correlated count)."""
    return (f"SELECT COUNT(*) FROM (SELECT 1 FROM {InboundEnvelope._meta.db_table} AS recent "
            f"WHERE recent.channel = {channel} AND recent.sender = {sender} "
            f"AND recent.received_at >= {since} AND recent.received_at <= {until} "
            f"AND recent.status IN (%s, %s) AND recent.id <> {own_id} LIMIT %s) AS recent_rows")


_LOCK_PENDING_SQL = (
    f"SELECT {rawrow.columns_sql(InboundEnvelope, 'envelope')}, "
    f"{rawrow.columns_sql(Mailbox, 'mailbox')} "
    f"FROM {InboundEnvelope._meta.db_table} AS envelope "
    f"LEFT JOIN {Mailbox._meta.db_table} AS mailbox ON mailbox.id = envelope.mailbox_id "
    "WHERE envelope.id = %s AND envelope.status = %s"
)


def _save_state(envelope: InboundEnvelope) -> None:
    rawrow.update(envelope, [
        "status", "outcome", "attempts", "next_attempt_at", "last_error", "processed_at",
        "message", "conversation", "sender"])


def _process(envelope: InboundEnvelope, recent: int | None) -> None:
    """`recent`: the rate-limit count for the sender stored at receipt (None: not read)."""
    items = parser_for(envelope.channel)(envelope)
    messages: list[Message] = []
    outcomes: list[str] = []
    received_sender = envelope.sender
    for index, inbound in enumerate(items):
        if index == 0:  # the envelope's sender is its first message's, as parsed
            envelope.sender = inbound.identity_value[:320]
        for provider_id, status in inbound.status_updates:
            outbound_record_status(channel=envelope.channel, provider_id=provider_id,
                                   status=status)
        if inbound.ignore_reason:
            if inbound.bounce_of:
                outbound_record_bounce(provider_id=inbound.bounce_of,
                                       detail=inbound.bounce_detail)
            outcomes.append(inbound.ignore_reason)
            continue
        counted = recent if received_sender == inbound.identity_value[:320] else None
        if _over_rate_limit(envelope, inbound, counted):
            envelope.status, envelope.outcome = EnvelopeStatus.PARKED, "rate_limited"
            envelope.last_error = _("More messages from this sender in the last hour than "
                                    "the limit allows; retry to accept it.")
            envelope.next_attempt_at = None
            return
        messages.append(_store(envelope, inbound))
        outcomes.append("message")
    now = timezone.now()
    envelope.processed_at, envelope.next_attempt_at, envelope.last_error = now, None, ""
    if messages:
        envelope.status, envelope.outcome = EnvelopeStatus.PROCESSED, "message"
        envelope.message, envelope.conversation = messages[0], messages[0].conversation
    else:
        envelope.status = EnvelopeStatus.IGNORED
        envelope.outcome = (outcomes[0] if outcomes else "empty")[:32]


def _store(envelope: InboundEnvelope, inbound: Inbound) -> Message:
    """Customer by identity, thread, message; the reply route follows the latest sender."""
    if not inbound.language:
        inbound.language = script_language(f"{inbound.subject}\n{inbound.text}")
    customer, _created = customer_resolve(
        actor=None, identity_kind=inbound.identity_kind, identity_value=inbound.identity_value,
        name=inbound.sender_name, language=inbound.language)
    conversation, locked = thread_for(
        channel=envelope.channel, inbound=inbound, customer_id=customer.pk,
        session_conversation_id=envelope.meta.get("conversation_id"))
    message: Message | None = None
    if conversation is not None:
        try:
            message = message_add_from_customer(
                conversation=conversation, text=inbound.text, html=inbound.html,
                quoted_text=inbound.quoted_text, flags=inbound.flags,
                language=inbound.language, external_id=inbound.external_id,
                attachments=inbound.attachments, author_customer_id=customer.pk,
                locked=locked)
        except Conflict as error:  # closed since it was looked up: a new conversation
            if error.code != ConversationErrorCode.CONVERSATION_CLOSED:
                raise
    opened = message is None
    if message is None:
        conversation = conversation_open_inbound(
            channel=envelope.channel, subject=inbound.subject, text=inbound.text,
            html=inbound.html, quoted_text=inbound.quoted_text, flags=inbound.flags,
            customer=customer, language=inbound.language,
            team_id=envelope.mailbox.team_id if envelope.mailbox else None,
            external_id=inbound.external_id, attachments=inbound.attachments)
        message = conversation.messages.all()[0]
    assert conversation is not None
    route_update(conversation=conversation, channel=envelope.channel,
                 address=inbound.reply_address or inbound.identity_value,
                 mailbox=envelope.mailbox, inbound=inbound)
    if opened and envelope.mailbox is not None and envelope.mailbox.send_acknowledgement \
            and "auto_reply" not in inbound.flags:
        outbound_queue_acknowledgement(conversation=conversation, mailbox=envelope.mailbox,
                                       recipient=inbound.reply_address or inbound.identity_value)
    return message


def _over_rate_limit(envelope: InboundEnvelope, inbound: Inbound, counted: int | None) -> bool:
    """`counted`: the sender's count read with the envelope, when it was this sender's."""
    if envelope.meta.get("rate_limit_override"):
        return False
    limit = settings.MEHVAR_INBOUND_RATE_LIMIT_PER_HOUR
    if counted is not None:
        return counted >= limit
    adapt = connection.ops.adapt_datetimefield_value
    [(recent,)] = rawrow.fetch_rows(RECENT_FROM_SENDER_SQL, [
        envelope.channel, inbound.identity_value[:320],
        adapt(envelope.received_at - timedelta(hours=1)), adapt(envelope.received_at),
        EnvelopeStatus.PROCESSED, EnvelopeStatus.IGNORED, envelope.pk, limit])
    return bool(recent >= limit)


# Hand-written: run for every inbound message, where compiling the ORM query cost more than
# the indexed count (envelope_sender index) itself. Parameters: channel, sender, since,
# until, the two counted statuses, the envelope's own id and the limit.
RECENT_FROM_SENDER_SQL = _recent_from_sender_sql("%s", "%s", "%s", "%s", "%s")


def _failed(envelope: InboundEnvelope, error: Exception) -> None:
    detail = error.detail if isinstance(error, DomainError) else repr(error)
    envelope.last_error = f"{type(error).__name__}: {detail}"[:2000]
    if envelope.attempts >= settings.MEHVAR_INBOUND_MAX_ATTEMPTS:
        envelope.status, envelope.outcome, envelope.next_attempt_at = (
            EnvelopeStatus.PARKED, "failed", None)
        return
    envelope.next_attempt_at = timezone.now() + backoff(
        envelope.attempts, base_seconds=settings.MEHVAR_INBOUND_RETRY_SECONDS)


def _lease() -> timedelta:
    return timedelta(seconds=settings.MEHVAR_INBOUND_RETRY_SECONDS)


def envelopes_sweep() -> int:
    """Hand due pending envelopes to workers again (a failed attempt's backoff has passed, or
    a worker died holding it). Returns how many were enqueued."""
    now = timezone.now()
    with transaction.atomic():
        due = list(InboundEnvelope.objects.select_for_update(skip_locked=True)
                   .filter(status=EnvelopeStatus.PENDING, next_attempt_at__lte=now)
                   .order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
        InboundEnvelope.objects.filter(pk__in=due).update(next_attempt_at=now + _lease())
    for envelope_id in due:
        enqueue(PROCESS_TASK, envelope_id)
    return len(due)


@transaction.atomic
def envelope_retry(*, actor: Actor, envelope_id: int) -> InboundEnvelope:
    """An admin sends a parked envelope through processing again (a rate-limited one is then
    accepted whatever the limit)."""
    require(actor, "channel.manage")
    envelope = InboundEnvelope.objects.select_for_update().filter(pk=envelope_id).first()
    if envelope is None:
        raise NotFound(Code.ENVELOPE_NOT_FOUND, _("No inbound message has this id."))
    if envelope.status != EnvelopeStatus.PARKED:
        raise Conflict(Code.ENVELOPE_NOT_PARKED, _("Only a parked inbound message can be retried."))
    envelope.status, envelope.attempts, envelope.next_attempt_at = (
        EnvelopeStatus.PENDING, 0, timezone.now() + _lease())
    envelope.meta = {**envelope.meta, "rate_limit_override": True}
    envelope.save(update_fields=["status", "attempts", "next_attempt_at", "meta"])
    enqueue_on_commit(PROCESS_TASK, envelope.pk)
    return envelope

