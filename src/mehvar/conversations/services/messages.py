"""Writes for messages and attachments: agents' replies and notes, customers' inbound
messages, files. Status rules are in services.conversations' docstring."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.selectors import agents_by_username
from mehvar.conversations.errors import AttachmentTooLarge
from mehvar.conversations.errors import ConversationErrorCode as Code
from mehvar.conversations.html import clean_text
from mehvar.conversations.lifecycle import ConversationChange, Happening, conversation_changed
from mehvar.conversations.models import (
    Attachment,
    AuthorKind,
    Conversation,
    Mention,
    Message,
    Status,
)
from mehvar.conversations.outbox import public_message_added
from mehvar.conversations.services.common import (
    cache_related,
    conversation_closed,
    lock_conversation,
    lock_writable,
    set_prefetched,
)
from mehvar.conversations.services.validation import (
    clean_body,
    clean_external_id,
    clean_language,
)
from mehvar.core import rawrow
from mehvar.core.errors import NotFound
from mehvar.core.fulltext import search_key
from mehvar.core.models import TimelineEvent
from mehvar.core.permissions import Actor, require
from mehvar.core.timeline import timeline_event, timeline_record, timeline_record_many

MAX_FILENAME_LENGTH = 255
_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")
# @username (Django's username characters) not preceded by a word character or @, so an
# e-mail address in a note mentions nobody.
_MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]{1,150})")
MAX_MENTIONS = 20


@dataclass(frozen=True)
class AttachmentUpload:
    """A file to attach to a new message: original name, declared type and content."""

    filename: str
    content_type: str
    data: bytes | File[Any]


@transaction.atomic
def message_add(
    *,
    actor: Actor,
    conversation: Conversation,
    text: str = "",
    html: str = "",
    is_internal: bool = False,
    attachments: Iterable[AttachmentUpload] | None = None,
    language: str = "",
) -> Message:
    """An agent's public reply or internal note (status rules: services.conversations).

    Internal notes count in `message_count` but leave `last_message_at` (the last message the
    customer can see) alone. The returned message carries its (updated) conversation."""
    require(actor, "conversation.note" if is_internal else "conversation.reply")
    body_text, body_html = clean_body(text, html)
    language = clean_language(language)
    uploads = list(attachments or ())
    for upload in uploads:
        attachment_check_size(size_bytes=upload_size(upload.data))
    locked = lock_writable(conversation.pk)
    now = timezone.now()
    message = Message(
        conversation=locked, author_kind=AuthorKind.AGENT, author_agent_id=actor.pk,
        is_internal=is_internal, text=body_text, search_text=search_key(body_text),
        html=body_html, language=language,
        channel=locked.channel, created_at=now,
    )
    rawrow.insert(message)
    changes: dict[str, Any] = {"updated_at": now}
    if not is_internal:
        changes["last_message_at"] = now
        if locked.first_response_at is None:
            changes["first_response_at"] = now
        if locked.status == Status.NEW:
            changes["status"] = Status.OPEN
    events = _message_events(locked, message, actor_id=actor.pk, new_status=changes.get("status"))
    if is_internal:
        events.extend(_mentions_record(locked, message, actor_id=actor.pk))
    status_before = {"status": locked.status}
    _bump(locked, changes)
    timeline_record_many(events)
    stored = [attachment_store(message=message, upload=upload, actor_id=actor.pk)
              for upload in uploads]
    set_prefetched(message, "attachments", stored)
    if not is_internal:
        public_message_added(locked, message)
        conversation_changed(ConversationChange(
            Happening.AGENT_REPLY, locked, now, message=message,
            before=status_before))
    cache_related(message, "author_agent", actor)
    return message


def message_add_from_customer(
    *, conversation: Conversation, text: str, html: str = "", language: str = "",
    external_id: str = "", quoted_text: str = "", flags: Sequence[str] = (),
    attachments: Iterable[AttachmentUpload] = (), author_customer_id: int | None = None,
    locked: bool = False,
) -> Message:
    """A customer's inbound message (channels call this; there is no acting agent).

    `locked`: the caller read the whole conversation row FOR UPDATE in the transaction this
    runs in (conversation_for_message_ids(for_update=True)), so it is not read again.

    `author_customer_id` names a sender other than the conversation's customer (a colleague
    in copy who answered). Idempotent on (channel, external_id): a repeat returns the stored
    message. Reopens "solved"/"pending" to "open"; Conflict("conversation_closed") on a
    closed conversation."""
    body_text, body_html = clean_body(text, html)
    language = clean_language(language)
    external_id = clean_external_id(external_id)
    uploads = list(attachments)
    for upload in uploads:
        attachment_check_size(size_bytes=upload_size(upload.data))
    # No savepoint inside the channel's transaction (two round trips on every inbound
    # message): nothing is raised from this block on purpose, so a closed conversation
    # leaves the caller's transaction usable (it opens a new conversation instead); any
    # other failure fails the caller's transaction, which records the attempt and retries.
    with transaction.atomic(savepoint=False):
        row = conversation if locked else lock_conversation(conversation.pk)
        message = None
        if row.status != Status.CLOSED:
            message = _customer_message(
                row, body_text=body_text, body_html=body_html, language=language,
                external_id=external_id, quoted_text=quoted_text, flags=flags,
                uploads=uploads, author_customer_id=author_customer_id)
    if message is None:
        raise conversation_closed()
    return message


def _customer_message(
    locked: Conversation, *, body_text: str, body_html: str, language: str, external_id: str,
    quoted_text: str, flags: Sequence[str], uploads: list[AttachmentUpload],
    author_customer_id: int | None,
) -> Message:
    now = timezone.now()
    message = Message(
        conversation=locked, author_kind=AuthorKind.CUSTOMER,
        author_customer_id=author_customer_id or locked.customer_id, text=body_text,
        search_text=search_key(body_text), html=body_html,
        quoted_text=clean_text(quoted_text), flags=list(flags),
        language=language or locked.language, channel=locked.channel,
        external_id=external_id, created_at=now,
    )
    # A repeat is rare (envelopes are idempotent already): no read before the insert, and
    # no savepoint around it either: the database skips a repeated (channel, external id).
    if not rawrow.insert(message, ignore_conflicts=bool(external_id)):
        return Message.objects.get(channel=locked.channel, external_id=external_id)
    changes: dict[str, Any] = {"updated_at": now, "last_message_at": now}
    if locked.status in {Status.SOLVED, Status.PENDING}:
        changes["status"] = Status.OPEN
        changes["solved_at"] = None
    events = _message_events(locked, message, actor_id=None, new_status=changes.get("status"))
    status_before = {"status": locked.status}
    _bump(locked, changes)
    timeline_record_many(events)
    stored = [attachment_store(message=message, conversation=locked, upload=upload,
                               actor_id=None) for upload in uploads]
    set_prefetched(message, "attachments", stored)
    conversation_changed(ConversationChange(
        Happening.CUSTOMER_MESSAGE, locked, now, message=message,
        before=status_before))
    return message


def mentioned_usernames(text: str) -> list[str]:
    """The @usernames in a note, in order, each once (at most MAX_MENTIONS)."""
    names = dict.fromkeys(match.rstrip(".") for match in _MENTION.findall(text))
    return [name for name in names if name][:MAX_MENTIONS]


def _mentions_record(
    conversation: Conversation, message: Message, *, actor_id: int | None
) -> list[TimelineEvent]:
    """Mention rows for the active agents a note names; one timeline event listing them."""
    agents = agents_by_username(mentioned_usernames(message.text))
    if not agents:
        return []
    Mention.objects.bulk_create([
        Mention(message=message, conversation=conversation, agent=agent,
                created_at=message.created_at) for agent in agents])
    return [timeline_event(
        verb="message.mentioned", actor_id=actor_id, customer_id=conversation.customer_id,
        conversation_id=conversation.pk,
        after={"message_id": message.pk, "agent_ids": [agent.pk for agent in agents]},
    )]


def _message_events(
    conversation: Conversation, message: Message, *, actor_id: int | None,
    new_status: str | None,
) -> list[TimelineEvent]:
    events = [timeline_event(
        verb="message.added", actor_id=actor_id, customer_id=conversation.customer_id,
        conversation_id=conversation.pk,
        after={"message_id": message.pk, "is_internal": message.is_internal,
               "author_kind": message.author_kind},
    )]
    if new_status is not None:
        events.append(timeline_event(
            verb="conversation.status_changed", actor_id=actor_id,
            customer_id=conversation.customer_id, conversation_id=conversation.pk,
            before={"status": conversation.status}, after={"status": new_status},
        ))
    return events


def _bump(locked: Conversation, changes: dict[str, Any]) -> None:
    """One UPDATE: message_count + 1 and the given fields; mirrored on the locked instance
    (so inside rawrow.deferred_writes it may ride on the next statement)."""
    for field, value in changes.items():
        setattr(locked, field, value)
    rawrow.update_later(locked, sorted(changes), increments=("message_count",))


# --- attachments ---------------------------------------------------------------------------


def attachment_check_size(*, size_bytes: int) -> None:
    """AttachmentTooLarge (413, "attachment_too_large") above MEHVAR_MAX_ATTACHMENT_BYTES;
    the API calls it before reading an upload into memory."""
    limit = settings.MEHVAR_MAX_ATTACHMENT_BYTES
    if size_bytes > limit:
        raise AttachmentTooLarge(
            Code.ATTACHMENT_TOO_LARGE,
            _("The file is larger than the limit of %(limit)d bytes.") % {"limit": limit},
            field="file")


@transaction.atomic
def attachment_add(
    *, actor: Actor, message: Message, filename: str, content_type: str, data: bytes | File[Any]
) -> Attachment:
    """Attach a file (bytes, or an uploaded file streamed to storage without reading it into
    memory) to a message. The name is reduced to its last path part (255 characters at most);
    the content is stored through Django's default storage under a random name."""
    require(actor, "conversation.note" if message.is_internal else "conversation.reply")
    attachment_check_size(size_bytes=upload_size(data))
    stored = Message.objects.filter(pk=message.pk).only("id", "conversation_id").first()
    if stored is None:
        raise NotFound(Code.MESSAGE_NOT_FOUND, _("No message has this id."))
    locked = lock_writable(stored.conversation_id)
    attachment = attachment_store(message=stored, conversation=locked, actor_id=actor.pk,
                                   upload=AttachmentUpload(filename, content_type, data))
    Conversation.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return attachment


def attachment_store(
    *, message: Message, upload: AttachmentUpload, actor_id: int | None,
    conversation: Conversation | None = None,
) -> Attachment:
    conversation = conversation or message.conversation
    filename = safe_filename(upload.filename)
    content_type = upload.content_type.strip().lower()
    if not _CONTENT_TYPE.fullmatch(content_type):
        content_type = "application/octet-stream"
    content = ContentFile(upload.data) if isinstance(upload.data, bytes) else upload.data
    extension = _EXTENSION.search(filename)
    attachment = Attachment(message=message, filename=filename, content_type=content_type,
                            size_bytes=content.size)
    attachment.file.save(uuid.uuid4().hex + (extension.group(0).lower() if extension else ""),
                         content, save=False)
    try:
        attachment.save(force_insert=True)
    except Exception:
        attachment.file.delete(save=False)
        raise
    timeline_record(
        verb="attachment.added", actor_id=actor_id, customer_id=conversation.customer_id,
        conversation_id=conversation.pk,
        after={"message_id": message.pk, "attachment_id": attachment.pk, "filename": filename,
               "size_bytes": attachment.size_bytes, "content_type": attachment.content_type},
    )
    return attachment


def upload_size(data: bytes | File[Any]) -> int:
    return len(data) if isinstance(data, bytes) else data.size


def safe_filename(raw: str) -> str:
    """The last path part, without controls, at most 255 characters (the extension kept)."""
    name = unicodedata.normalize("NFC", clean_text(raw)).replace("\n", " ").replace("\t", " ")
    name = re.split(r"[/\\]", name)[-1].strip().lstrip(".").strip()
    if len(name) > MAX_FILENAME_LENGTH:
        extension = _EXTENSION.search(name)
        suffix = extension.group(0) if extension else ""
        name = name[: MAX_FILENAME_LENGTH - len(suffix)] + suffix
    return name or "attachment"


