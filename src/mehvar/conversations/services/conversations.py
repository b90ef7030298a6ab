"""Writes for conversations: create (with the first message), assign, status, priority, tags,
subject/custom fields/language.

Every service authorizes first (core.permissions), validates, writes in one transaction (the
conversation row locked for read-modify-write) and records TimelineEvents with both the
conversation and the customer set. A closed conversation is final: every write to it is a
Conflict("conversation_closed").

Status rules:
- A new conversation is "new" when the customer wrote first, "pending" (waiting on the
  customer) when an agent started it.
- An agent's public reply sets `first_response_at` once and moves "new" to "open"; any other
  status is kept (the agent sets pending/solved explicitly). Internal notes change no status.
- A customer's message reopens "solved" and "pending" to "open"; "on_hold" stays on hold.
- Status may move freely between open/pending/on_hold/solved; "solved" sets `solved_at`,
  leaving "solved" clears it; nothing goes back to "new"; "closed" sets `closed_at` and is final.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.conversations.errors import ConversationErrorCode as Code
from mehvar.conversations.html import clean_text, html_to_text
from mehvar.conversations.lifecycle import ConversationChange, Happening, conversation_changed
from mehvar.conversations.models import AuthorKind, Channel, Conversation, Message, Priority, Status
from mehvar.conversations.outbox import public_message_added
from mehvar.conversations.services.common import (
    assignment_targets,
    cache_related,
    conversation_for_external_id,
    lock_writable,
    record_event,
    set_prefetched,
    tags_get_or_create,
)
from mehvar.conversations.services.messages import (
    AttachmentUpload,
    attachment_check_size,
    attachment_store,
    upload_size,
)
from mehvar.conversations.services.validation import (
    MAX_SUBJECT_LENGTH,
    check_choice,
    clean_body,
    clean_custom_fields,
    clean_external_id,
    clean_language,
    clean_subject,
    clean_tags,
)
from mehvar.core import rawrow
from mehvar.core.errors import Conflict
from mehvar.core.fulltext import search_key
from mehvar.core.permissions import Actor, require
from mehvar.core.timeline import timeline_record
from mehvar.customers.services import customer_resolve

# `Choices.values` builds a new list on each access, and every conversation opened checks one.
_CHANNELS = frozenset(Channel.values)
_PRIORITIES = frozenset(Priority.values)


def conversation_create(
    *,
    actor: Actor,
    subject: str,
    channel: str,
    text: str = "",
    html: str = "",
    customer_id: int | None = None,
    identity_kind: str | None = None,
    identity_value: str | None = None,
    customer_name: str = "",
    language: str = "",
    priority: str = Priority.NORMAL,
    team_id: int | None = None,
    assignee_id: int | None = None,
    tags: Sequence[str] | None = None,
    custom_fields: Mapping[str, Any] | None = None,
    author: str = AuthorKind.CUSTOMER,
    external_id: str = "",
) -> Conversation:
    """Open a conversation with its first message, for a customer found by id or identity (or
    created from the identity). `author="agent"` is an outbound conversation the actor starts.

    Idempotent on (channel, external_id): a repeated call returns the existing conversation
    unchanged. The returned conversation has its customer, team, assignee, tags and first
    message loaded (`conversation.messages.all()` yields that first message without a query),
    so answering the request costs no further query. Records "conversation.created" (the
    first message is part of it: its id is in `after`)."""
    require(actor, "conversation.create")
    subject = clean_subject(subject)
    check_choice(channel, _CHANNELS, Code.CHANNEL_INVALID, "channel")
    check_choice(priority, _PRIORITIES, Code.PRIORITY_INVALID, "priority")
    check_choice(author, (AuthorKind.CUSTOMER, AuthorKind.AGENT), Code.AUTHOR_INVALID, "author")
    body_text, body_html = clean_body(text, html)
    language = clean_language(language)
    external_id = clean_external_id(external_id)
    tag_names = clean_tags(tags or ())
    fields = clean_custom_fields({} if custom_fields is None else custom_fields)
    team, assignee = assignment_targets(actor=actor, team_id=team_id, assignee_id=assignee_id)
    if external_id and (existing := conversation_for_external_id(channel, external_id)):
        return existing
    by_agent = author == AuthorKind.AGENT
    return _open(
        actor=actor, by_agent=by_agent, subject=subject, channel=channel, text=body_text,
        html=body_html, language=language, priority=priority, team=team, assignee=assignee,
        fields=fields, tag_names=tag_names, external_id=external_id,
        resolve={"customer_id": customer_id, "identity_kind": identity_kind,
                 "identity_value": identity_value, "name": customer_name},
    )


def conversation_open_inbound(
    *,
    channel: str,
    subject: str,
    text: str = "",
    html: str = "",
    quoted_text: str = "",
    flags: Sequence[str] = (),
    customer: Any,
    language: str = "",
    team_id: int | None = None,
    external_id: str = "",
    attachments: Iterable[AttachmentUpload] = (),
) -> Conversation:
    """A conversation a customer opened on a channel (no acting agent: the channels context
    calls this while processing an inbound envelope, with the customer it resolved from the
    sender's identity). Idempotent on (channel, external_id) like conversation_create.
    Bad values from the outside world are forgiven where they can be: an empty or overlong
    subject becomes a shortened first line of the text. It takes no savepoint: call it
    outside a transaction or in one that is rolled back whole when it raises."""
    check_choice(channel, _CHANNELS, Code.CHANNEL_INVALID, "channel")
    subject = inbound_subject(subject, text or html_to_text(html))
    body_text, body_html = clean_body(text, html)
    language = clean_language(language)
    external_id = clean_external_id(external_id)
    uploads = list(attachments)
    for upload in uploads:
        attachment_check_size(size_bytes=upload_size(upload.data))
    # A repeat is rare (envelopes are idempotent already): _open's unique-constraint path
    # returns the stored conversation instead of a read before every insert.
    return _open(
        actor=None, by_agent=False, subject=subject, channel=channel, text=body_text,
        html=body_html, quoted_text=clean_text(quoted_text), flags=list(flags),
        language=language, priority=Priority.NORMAL, team=None, team_id=team_id,
        assignee=None, fields={},
        tag_names=[], external_id=external_id, attachments=uploads, savepoint=False,
        customer=customer,
    )


def inbound_subject(subject: str, text: str) -> str:
    """A usable subject: the given one, else the text's first line, shortened either way."""
    for candidate in (subject, text.strip().split("\n", 1)[0]):
        line = " ".join(clean_text(candidate).split())
        if line:
            return line if len(line) <= MAX_SUBJECT_LENGTH else line[: MAX_SUBJECT_LENGTH - 1] + "…"
    return str(_("(no subject)"))


def _open(
    *, actor: Actor | None, by_agent: bool, subject: str, channel: str, text: str, html: str,
    language: str, priority: str, team: Any, assignee: Any, fields: dict[str, Any],
    tag_names: list[str], external_id: str, resolve: dict[str, Any] | None = None,
    customer: Any = None, team_id: int | None = None,
    quoted_text: str = "", flags: list[str] | None = None,
    attachments: Sequence[AttachmentUpload] = (), savepoint: bool = True,
) -> Conversation:
    """For the customer given, or the one `resolve` finds (customer_resolve's arguments).
    `savepoint=False` inside a caller's transaction that is rolled back whole on any error
    (a channel's envelope): two round trips fewer on every inbound conversation."""
    author = AuthorKind.AGENT if by_agent else AuthorKind.CUSTOMER
    actor_id = actor.pk if actor is not None else None
    # A message another process stored first under the same (channel, external id) is
    # skipped by the insert, and our conversation row is deleted again: no IntegrityError
    # to recover from, so no savepoint is needed for it.
    with transaction.atomic(savepoint=savepoint):
        if customer is None:
            customer, _created = customer_resolve(actor=actor, language=language,
                                                  **(resolve or {}))
        now = timezone.now()
        conversation = Conversation(
            subject=subject, subject_key=search_key(subject),
            status=Status.PENDING if by_agent else Status.NEW,
            priority=priority, channel=channel, language=language or customer.language,
            customer=customer, team=team, assignee=assignee, custom_fields=fields,
            message_count=1, created_at=now, updated_at=now, last_message_at=now,
        )
        if team is None and team_id is not None:
            conversation.team_id = team_id  # a mailbox's team (its foreign key keeps it valid)
        rawrow.insert(conversation)
        message = Message(
            conversation=conversation, author_kind=author,
            author_agent_id=actor_id if by_agent else None,
            author_customer=None if by_agent else customer, text=text,
            search_text=search_key(text), html=html, quoted_text=quoted_text,
            flags=flags or [], language=conversation.language, channel=channel,
            external_id=external_id, created_at=now,
        )
        if not rawrow.insert(message, ignore_conflicts=True):
            Conversation.objects.filter(pk=conversation.pk).delete()
            if existing := conversation_for_external_id(channel, external_id):
                return existing
            raise IntegrityError(f"message ({channel}, {external_id}) conflicts but is not found")
        tag_rows = tags_get_or_create(tag_names)
        Conversation.tags.through.objects.bulk_create(
            [Conversation.tags.through(conversation_id=conversation.pk, tag_id=tag.pk)
             for tag in tag_rows])
        timeline_record(
            verb="conversation.created", actor_id=actor_id, customer_id=customer.pk,
            conversation_id=conversation.pk,
            after={"subject": subject, "channel": channel, "status": conversation.status,
                   "priority": priority, "team_id": conversation.team_id,
                   "assignee_id": assignee.pk if assignee else None,
                   "tags": tag_names, "message_id": message.pk, "author_kind": author},
        )
        stored = [attachment_store(message=message, conversation=conversation,
                                   upload=upload, actor_id=actor_id)
                  for upload in attachments]
        if by_agent:
            public_message_added(conversation, message)
        conversation_changed(ConversationChange(
            Happening.OPENED, conversation, now, message=message, by_agent=by_agent))
    cache_related(message, "author_agent", actor if by_agent else None)
    set_prefetched(message, "attachments", stored)
    if "tags" not in getattr(conversation, "_prefetched_objects_cache", {}):  # routing adds some
        set_prefetched(conversation, "tags", tag_rows)
    set_prefetched(conversation, "messages", [message])
    return conversation


@transaction.atomic
def conversation_assign(
    *, actor: Actor, conversation: Conversation, assignee_id: int | None, team_id: int | None
) -> Conversation:
    """Set both the assignee and the team (None clears one); nothing happens when unchanged."""
    require(actor, "conversation.assign")
    team, assignee = assignment_targets(actor=actor, team_id=team_id, assignee_id=assignee_id)
    locked = lock_writable(conversation.pk)
    before = {"assignee_id": locked.assignee_id, "team_id": locked.team_id}
    after = {"assignee_id": assignee_id, "team_id": team_id}
    if before == after:
        return locked
    locked.assignee, locked.team, locked.updated_at = assignee, team, timezone.now()
    locked.save(update_fields=["assignee", "team", "updated_at"])
    record_event(locked, actor, "conversation.assigned", before, after)
    conversation_changed(ConversationChange(Happening.ASSIGNED, locked, locked.updated_at,
                                            before=before))
    return locked


@transaction.atomic
def conversation_set_status(
    *, actor: Actor, conversation: Conversation, status: str
) -> Conversation:
    require(actor, "conversation.update")
    check_choice(status, Status.values, Code.STATUS_INVALID, "status")
    locked = lock_writable(conversation.pk)
    if locked.status == status:
        return locked
    if status == Status.NEW:
        raise Conflict(Code.STATUS_TRANSITION_INVALID,
                       _("A conversation cannot go back to new."), field="status")
    before = {"status": locked.status}
    _move_status(locked, status, timezone.now())
    locked.save(update_fields=["status", "solved_at", "closed_at", "updated_at"])
    record_event(locked, actor, "conversation.status_changed", before, {"status": status})
    conversation_changed(ConversationChange(Happening.STATUS_CHANGED, locked, locked.updated_at,
                                            before=before))
    return locked


@transaction.atomic
def conversation_set_priority(
    *, actor: Actor, conversation: Conversation, priority: str
) -> Conversation:
    require(actor, "conversation.update")
    check_choice(priority, _PRIORITIES, Code.PRIORITY_INVALID, "priority")
    locked = lock_writable(conversation.pk)
    if locked.priority == priority:
        return locked
    before = {"priority": locked.priority}
    locked.priority, locked.updated_at = priority, timezone.now()
    locked.save(update_fields=["priority", "updated_at"])
    record_event(locked, actor, "conversation.priority_changed", before, {"priority": priority})
    conversation_changed(ConversationChange(Happening.PRIORITY_CHANGED, locked,
                                            locked.updated_at, before=before))
    return locked


@transaction.atomic
def conversation_set_tags(
    *, actor: Actor, conversation: Conversation, tags: Sequence[str]
) -> Conversation:
    """Replace the tags (normalised, de-duplicated); nothing happens when the set is equal."""
    require(actor, "conversation.update")
    names = clean_tags(tags)
    locked = lock_writable(conversation.pk)
    current = sorted(locked.tags.values_list("name", flat=True))
    if current == sorted(names):
        return locked
    rows = tags_get_or_create(names)
    locked.tags.set(rows)
    locked.updated_at = timezone.now()
    locked.save(update_fields=["updated_at"])
    record_event(locked, actor, "conversation.tags_changed", {"tags": current},
                 {"tags": sorted(names)})
    return locked


@transaction.atomic
def conversation_update(
    *,
    actor: Actor,
    conversation: Conversation,
    subject: str | None = None,
    custom_fields: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Conversation:
    """Change the given fields (None leaves one as it is); records those that changed."""
    require(actor, "conversation.update")
    values: dict[str, Any] = {}
    if subject is not None:
        values["subject"] = clean_subject(subject)
    if custom_fields is not None:
        values["custom_fields"] = clean_custom_fields(custom_fields)
    if language is not None:
        values["language"] = clean_language(language)
    locked = lock_writable(conversation.pk)
    before = {field: getattr(locked, field) for field, value in values.items()
              if getattr(locked, field) != value}
    if not before:
        return locked
    after = {field: values[field] for field in before}
    for field, value in after.items():
        setattr(locked, field, value)
    derived = []
    if "subject" in after:
        locked.subject_key = search_key(locked.subject)
        derived.append("subject_key")
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*after, *derived, "updated_at"])
    record_event(locked, actor, "conversation.updated", before, after)
    return locked


def _move_status(conversation: Conversation, status: str, now: datetime) -> None:
    if status == Status.SOLVED:
        conversation.solved_at = now
    elif status == Status.CLOSED:
        conversation.closed_at = now
    else:
        conversation.solved_at = None
    conversation.status, conversation.updated_at = status, now
