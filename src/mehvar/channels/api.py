"""REST API for the channels context: inbound envelopes and mailboxes (admins), deliveries
of a conversation and sending a failed one again (agents), phone calls. Handlers parse, call
one service or selector, and shape the answer with the mappers in schemas.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from mehvar.channels import selectors
from mehvar.channels.schemas import (
    CallIn,
    CallOut,
    DeliveryOut,
    DeliveryPageOut,
    EnvelopeDetailOut,
    EnvelopeFilters,
    EnvelopeOut,
    EnvelopePageOut,
    MailboxCreateIn,
    MailboxListOut,
    MailboxOut,
    MailboxPatchIn,
    ObjectId,
    PageParams,
    RecordingOut,
    call_out,
    delivery_out,
    envelope_detail_out,
    envelope_out,
    mailbox_out,
)
from mehvar.channels.services.calls import call_add_recording, call_log
from mehvar.channels.services.envelopes import envelope_retry
from mehvar.channels.services.mailboxes import mailbox_create, mailbox_update
from mehvar.channels.services.outbound import outbound_retry
from mehvar.conversations.services.messages import AttachmentUpload
from mehvar.core.http import client_ip
from mehvar.core.permissions import Actor

router = Router(tags=["channels"])


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]  # set by ninja's authentication


# --- inbound envelopes ---------------------------------------------------------------------


@router.get("/channels/envelopes", response=EnvelopePageOut, operation_id="envelope_list")
def envelope_list(request: HttpRequest, filters: Query[EnvelopeFilters]) -> Any:
    """Newest first (admins). `status=parked` lists what needs a look."""
    page = selectors.envelope_list(actor=_actor(request), status=filters.status,
                                   cursor=filters.cursor, limit=filters.limit)
    return {"items": [envelope_out(item) for item in page.items],
            "next_cursor": page.next_cursor}


@router.get("/channels/envelopes/{envelope_id}", response=EnvelopeDetailOut,
            operation_id="envelope_get")
def envelope_get(request: HttpRequest, envelope_id: ObjectId) -> Any:
    """One envelope with the first 64 KiB of its raw payload as text (admins)."""
    return envelope_detail_out(selectors.envelope_get(actor=_actor(request),
                                                      envelope_id=envelope_id))


@router.post("/channels/envelopes/{envelope_id}/retry", response=EnvelopeOut,
             operation_id="envelope_retry")
def envelope_retry_endpoint(request: HttpRequest, envelope_id: ObjectId) -> Any:
    """Process a parked envelope again (admins); 409 `envelope_not_parked` otherwise."""
    return envelope_out(envelope_retry(actor=_actor(request), envelope_id=envelope_id))


# --- deliveries ----------------------------------------------------------------------------


@router.get("/conversations/{conversation_id}/deliveries", response=DeliveryPageOut,
            operation_id="conversation_deliveries")
def conversation_deliveries(request: HttpRequest, conversation_id: ObjectId,
                            params: Query[PageParams]) -> Any:
    """Newest first: replies, acknowledgements and chat transcripts, with their status."""
    page = selectors.deliveries_for_conversation(
        actor=_actor(request), conversation_id=conversation_id, **params.dict())
    return {"items": [delivery_out(item) for item in page.items],
            "next_cursor": page.next_cursor}


@router.post("/deliveries/{delivery_id}/retry", response=DeliveryOut,
             operation_id="delivery_retry")
def delivery_retry(request: HttpRequest, delivery_id: ObjectId) -> Any:
    """Send a failed delivery again; 409 `outbound_not_failed` when it has not failed."""
    return delivery_out(outbound_retry(actor=_actor(request), outbound_id=delivery_id))


# --- mailboxes -----------------------------------------------------------------------------


@router.get("/channels/mailboxes", response=MailboxListOut, operation_id="mailbox_list")
def mailbox_list(request: HttpRequest) -> Any:
    """Every mailbox by name (admins). The IMAP password is never returned."""
    return {"items": [mailbox_out(item) for item in selectors.mailbox_list(
        actor=_actor(request))]}


@router.post("/channels/mailboxes", response={201: MailboxOut}, operation_id="mailbox_create")
def mailbox_create_endpoint(request: HttpRequest, payload: MailboxCreateIn) -> Any:
    mailbox = mailbox_create(actor=_actor(request), ip_address=client_ip(request),
                             **payload.dict())
    return Status(201, mailbox_out(mailbox))


@router.get("/channels/mailboxes/{mailbox_id}", response=MailboxOut, operation_id="mailbox_get")
def mailbox_get(request: HttpRequest, mailbox_id: ObjectId) -> Any:
    return mailbox_out(selectors.mailbox_get(actor=_actor(request), mailbox_id=mailbox_id))


@router.patch("/channels/mailboxes/{mailbox_id}", response=MailboxOut,
              operation_id="mailbox_update")
def mailbox_update_endpoint(request: HttpRequest, mailbox_id: ObjectId,
                            payload: MailboxPatchIn) -> Any:
    """Only the fields sent change. `team_id: null` takes the team off."""
    sent = payload.dict(exclude_unset=True)
    changes = {name: value for name, value in sent.items()
               if value is not None or name == "team_id"}
    mailbox = mailbox_update(actor=_actor(request), mailbox_id=mailbox_id, changes=changes,
                             ip_address=client_ip(request))
    return mailbox_out(mailbox)


# --- phone calls ---------------------------------------------------------------------------


@router.post("/calls", response={201: CallOut}, operation_id="call_log")
def call_log_endpoint(request: HttpRequest, payload: CallIn) -> Any:
    """Log a call in a conversation, or for a customer in a new phone conversation. The
    recording is uploaded afterwards at POST /calls/{id}/recording."""
    call = call_log(actor=_actor(request), recording=None, **payload.dict())
    return Status(201, call_out(call, list(call.message.attachments.all())))


@router.post("/calls/{call_id}/recording", response={201: RecordingOut},
             operation_id="call_add_recording")
def call_recording(request: HttpRequest, call_id: ObjectId, file: File[UploadedFile]) -> Any:
    """Multipart upload (field `file`, an audio type); 413 `attachment_too_large` above the
    attachment size limit."""
    attachment = call_add_recording(
        actor=_actor(request), call_id=call_id,
        recording=AttachmentUpload(file.name or "", file.content_type or "", file))
    return Status(201, {"id": attachment.pk, "filename": attachment.filename,
                        "content_type": attachment.content_type,
                        "size_bytes": attachment.size_bytes})
