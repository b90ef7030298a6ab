"""REST API for the conversations context: conversations, their messages (replies, internal
notes, attachments), assignment, status, priority, tags and timeline. Handlers parse, call one
service or selector, and shape the answer with the mappers in schemas.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from mehvar.conversations import selectors
from mehvar.conversations.schemas import (
    AssignIn,
    AttachmentOut,
    ConversationCreateIn,
    ConversationDetailOut,
    ConversationFilters,
    ConversationOut,
    ConversationPageOut,
    ConversationPatchIn,
    MessageOut,
    MessagePageOut,
    ObjectId,
    PageParams,
    PriorityIn,
    ReplyIn,
    StatusIn,
    TagsIn,
    TimelinePageOut,
    attachment_out,
    conversation_detail_out,
    conversation_out,
    message_out,
    timeline_event_out,
)
from mehvar.conversations.services import conversations as conversation_services
from mehvar.conversations.services import messages as message_services
from mehvar.core.permissions import Actor

router = Router(tags=["conversations"])


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]  # set by ninja's authentication


def _conversation(request: HttpRequest, conversation_id: int) -> Any:
    return selectors.conversation_get(actor=_actor(request), conversation_id=conversation_id)


def _answer(request: HttpRequest, conversation_id: int) -> dict[str, Any]:
    return conversation_out(_conversation(request, conversation_id))


@router.post("/conversations", response={201: ConversationDetailOut},
             operation_id="conversation_create")
def conversation_create(request: HttpRequest, payload: ConversationCreateIn) -> Any:
    """Open a conversation with its first message; returns it with that message."""
    customer = payload.customer
    conversation = conversation_services.conversation_create(
        actor=_actor(request), subject=payload.subject, channel=payload.channel.value,
        text=payload.text, html=payload.html, customer_id=payload.customer_id,
        identity_kind=customer.identity.kind if customer else None,
        identity_value=customer.identity.value if customer else None,
        customer_name=customer.name if customer else "",
        language=payload.language or (customer.language if customer else ""),
        priority=payload.priority.value, team_id=payload.team_id,
        assignee_id=payload.assignee_id, tags=payload.tags, custom_fields=payload.custom_fields,
        author=payload.author, external_id=payload.external_id,
    )
    return Status(201, conversation_detail_out(conversation, conversation.messages.all(), None))


@router.get("/conversations", response=ConversationPageOut, operation_id="conversation_list")
def conversation_list(request: HttpRequest, filters: Query[ConversationFilters]) -> Any:
    """Newest first; filters combine with AND. `next_cursor` fetches the next page."""
    page = selectors.conversation_list(actor=_actor(request), **filters.dict())
    return {"items": [conversation_out(item) for item in page.items],
            "next_cursor": page.next_cursor}


@router.get("/conversations/{conversation_id}", response=ConversationDetailOut,
            operation_id="conversation_get")
def conversation_get(request: HttpRequest, conversation_id: ObjectId) -> Any:
    """The conversation with its first 100 messages (oldest first); `messages_next_cursor`
    continues at GET /conversations/{id}/messages."""
    conversation = _conversation(request, conversation_id)
    page = selectors.conversation_messages(actor=_actor(request), conversation_id=conversation.pk,
                                           limit=100)
    return conversation_detail_out(conversation, page.items, page.next_cursor)


@router.patch("/conversations/{conversation_id}", response=ConversationOut,
              operation_id="conversation_update")
def conversation_update(request: HttpRequest, conversation_id: ObjectId,
                        payload: ConversationPatchIn) -> Any:
    conversation_services.conversation_update(
        actor=_actor(request), conversation=_conversation(request, conversation_id),
        **payload.dict(exclude_unset=True, exclude_none=True))
    return _answer(request, conversation_id)


@router.get("/conversations/{conversation_id}/messages", response=MessagePageOut,
            operation_id="conversation_messages")
def conversation_messages(request: HttpRequest, conversation_id: ObjectId,
                          params: Query[PageParams]) -> Any:
    """Oldest first, with attachments."""
    page = selectors.conversation_messages(actor=_actor(request), conversation_id=conversation_id,
                                           **params.dict())
    return {"items": [message_out(item) for item in page.items], "next_cursor": page.next_cursor}


@router.post("/conversations/{conversation_id}/replies", response={201: MessageOut},
             operation_id="conversation_reply")
def conversation_reply(request: HttpRequest, conversation_id: ObjectId, payload: ReplyIn) -> Any:
    """A public reply to the customer."""
    message = message_services.message_add(
        actor=_actor(request), conversation=_conversation(request, conversation_id),
        **payload.dict())
    return Status(201, message_out(message))


@router.post("/conversations/{conversation_id}/notes", response={201: MessageOut},
             operation_id="conversation_note")
def conversation_note(request: HttpRequest, conversation_id: ObjectId, payload: ReplyIn) -> Any:
    """An internal note, visible to agents only."""
    message = message_services.message_add(
        actor=_actor(request), conversation=_conversation(request, conversation_id),
        is_internal=True, **payload.dict())
    return Status(201, message_out(message))


@router.post("/conversations/{conversation_id}/messages/{message_id}/attachments",
             response={201: AttachmentOut}, operation_id="attachment_add")
def attachment_add(request: HttpRequest, conversation_id: ObjectId, message_id: ObjectId,
                   file: File[UploadedFile]) -> Any:
    """Multipart upload (field `file`); 413 `attachment_too_large` above the size limit."""
    message = selectors.message_get(actor=_actor(request), conversation_id=conversation_id,
                                    message_id=message_id)
    attachment = message_services.attachment_add(
        actor=_actor(request), message=message, filename=file.name or "",
        content_type=file.content_type or "", data=file)
    return Status(201, attachment_out(attachment))


@router.post("/conversations/{conversation_id}/assign", response=ConversationOut,
             operation_id="conversation_assign")
def conversation_assign(request: HttpRequest, conversation_id: ObjectId,
                        payload: AssignIn) -> Any:
    """Set the assignee and/or the team; a field left out stays, null clears it."""
    conversation = _conversation(request, conversation_id)
    sent = payload.dict(exclude_unset=True)
    conversation_services.conversation_assign(
        actor=_actor(request), conversation=conversation,
        assignee_id=sent.get("assignee_id", conversation.assignee_id),
        team_id=sent.get("team_id", conversation.team_id))
    return _answer(request, conversation_id)


@router.post("/conversations/{conversation_id}/status", response=ConversationOut,
             operation_id="conversation_set_status")
def conversation_set_status(request: HttpRequest, conversation_id: ObjectId,
                            payload: StatusIn) -> Any:
    conversation_services.conversation_set_status(
        actor=_actor(request), conversation=_conversation(request, conversation_id),
        status=payload.status.value)
    return _answer(request, conversation_id)


@router.post("/conversations/{conversation_id}/priority", response=ConversationOut,
             operation_id="conversation_set_priority")
def conversation_set_priority(request: HttpRequest, conversation_id: ObjectId,
                              payload: PriorityIn) -> Any:
    conversation_services.conversation_set_priority(
        actor=_actor(request), conversation=_conversation(request, conversation_id),
        priority=payload.priority.value)
    return _answer(request, conversation_id)


@router.put("/conversations/{conversation_id}/tags", response=ConversationOut,
            operation_id="conversation_set_tags")
def conversation_set_tags(request: HttpRequest, conversation_id: ObjectId,
                          payload: TagsIn) -> Any:
    """Replace the tags (normalised: trimmed, spaces collapsed, Latin letters lower-cased)."""
    conversation_services.conversation_set_tags(
        actor=_actor(request), conversation=_conversation(request, conversation_id),
        tags=payload.tags)
    return _answer(request, conversation_id)


@router.get("/conversations/{conversation_id}/timeline", response=TimelinePageOut,
            operation_id="conversation_timeline")
def conversation_timeline(request: HttpRequest, conversation_id: ObjectId,
                          params: Query[PageParams]) -> Any:
    """Newest first."""
    page = selectors.conversation_timeline(actor=_actor(request),
                                           conversation_id=conversation_id, **params.dict())
    return {"items": [timeline_event_out(item) for item in page.items],
            "next_cursor": page.next_cursor}
