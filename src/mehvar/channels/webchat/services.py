"""Writes for the web-chat channel: start a visitor's session, take their messages (as
envelopes, through the inbound pipeline), link the session to its conversation, note typing,
keep the address they leave, queue the transcript.

A visitor is not an agent and has no role: what they may change is bounded by the session
their token opens. Limits on how fast one session (or one address) may write are counted in
Django's cache: a fixed window per minute or hour, so a shared cache (Redis, Memcached) makes
them exact across worker processes; the default local-memory cache counts per process."""

from __future__ import annotations

import json
import secrets
import time
import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mehvar.channels.models import ChatSession, InboundEnvelope, OutboundKind, OutboundMessage
from mehvar.channels.services.envelopes import envelope_receive
from mehvar.channels.services.outbound import outbound_queue_system
from mehvar.channels.webchat.errors import TooManyRequests
from mehvar.channels.webchat.errors import WebchatErrorCode as Code
from mehvar.channels.webchat.selectors import (
    EMAIL_LEFT,
    ChatMessage,
    Visit,
    chat_email_left,
    chat_latest_conversation_id,
    chat_transcript_messages,
    token_hash,
)
from mehvar.conversations.selectors import conversation_brief
from mehvar.core.errors import Conflict, Invalid
from mehvar.core.permissions import AGENT
from mehvar.core.timeline import timeline_record
from mehvar.core.timezones import is_time_zone
from mehvar.customers.errors import CustomerErrorCode
from mehvar.customers.services import customer_resolve, identity_add

MAX_PAGE_URL_LENGTH = 2000
MAX_EMAIL_LENGTH = 254
TRANSCRIPTS_PER_HOUR = 3  # per session: the address is the visitor's word, not verified
# Writes that only record presence are skipped when the stored time is this recent.
SEEN_RESOLUTION = timedelta(seconds=30)
TYPING_RESOLUTION = timedelta(seconds=2)


@dataclass(frozen=True)
class _Visitor:
    """identity_add wants an actor allowed to add identities. A visitor is only ever given
    the customer of their own session, so they add an address to themselves and to nobody
    else; pk None records no agent on the timeline."""

    pk: int | None = None
    role: str = AGENT
    is_active: bool = True


VISITOR = _Visitor()


# --- sessions ------------------------------------------------------------------------------


def widget_language(value: object) -> str:
    """A language the widget is translated into (en, ar, fa, el): `value`'s own or its
    base language's, else the site's default."""
    if isinstance(value, str) and 0 < len(value) <= 16:
        try:
            return translation.get_supported_language_variant(value.strip().lower())
        except LookupError:
            pass
    return str(settings.LANGUAGE_CODE)


def clean_page_url(value: object) -> str:
    """The page the chat started on: scheme, host and path of an http(s) URL. The query and
    fragment are dropped: sites put e-mail addresses and one-time tokens there."""
    if not isinstance(value, str) or len(value) > MAX_PAGE_URL_LENGTH * 4:
        return ""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return ""
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))[:MAX_PAGE_URL_LENGTH]


def chat_session_start(
    *, language: object, page_url: object, client_address: str | None
) -> tuple[ChatSession, str]:
    """A new visitor: a customer with a random "webchat" identity and a session. Returns the
    session and its token, which is shown this once (only its SHA-256 is stored)."""
    limit = settings.MEHVAR_WEBCHAT_SESSIONS_PER_HOUR
    if limit and client_address and not _allow(f"sessions:{client_address}", limit, 3600):
        raise _rate_limited()
    language = widget_language(language)
    visitor_id = secrets.token_hex(8)
    token = f"{visitor_id}.{secrets.token_urlsafe(32)}"
    with translation.override(language):
        name = _("Visitor %(id)s") % {"id": visitor_id[:6].upper()}
    now = timezone.now()
    with transaction.atomic():
        customer, _created = customer_resolve(
            actor=None,
            identity_kind="webchat",
            identity_value=visitor_id,
            name=name,
            language=language,
        )
        session = ChatSession.objects.create(
            token_hash=token_hash(token),
            customer=customer,
            language=language,
            page_url=clean_page_url(page_url),
            created_at=now,
            last_seen_at=now,
        )
    return session, token


def chat_session_sync(*, visit: Visit, **also: Any) -> ChatSession:
    """Point the session at the conversation its newest processed message went into (the
    pipeline opens it, or a new one when the last was closed) and note the visitor is here;
    `also` are more session fields to write in the same statement. One UPDATE at most, and
    none while nothing changed."""
    session = visit.session
    changes: dict[str, Any] = {field: value for field, value in also.items()
                               if getattr(session, field) != value}
    latest = chat_latest_conversation_id(visitor_id=visit.visitor_id)
    if latest is not None and latest != session.conversation_id:
        changes["conversation_id"] = latest
    now = timezone.now()
    if now - session.last_seen_at >= SEEN_RESOLUTION:
        changes["last_seen_at"] = now
    if changes:
        ChatSession.objects.filter(pk=session.pk).update(**changes)
        for field, value in changes.items():
            setattr(session, field, value)
    return session


def chat_typing(*, visit: Visit) -> None:
    """The visitor is typing: the agent's page of the session's conversation shows it."""
    # Synced either way: the agent's page finds the typing by the session's conversation.
    typed_at = visit.session.visitor_typing_at
    now = timezone.now()
    if typed_at is None or now - typed_at >= TYPING_RESOLUTION:
        chat_session_sync(visit=visit, visitor_typing_at=now, last_seen_at=now)
    else:
        chat_session_sync(visit=visit)


# --- messages ------------------------------------------------------------------------------


def chat_message_post(*, visit: Visit, body: dict[str, Any]) -> tuple[InboundEnvelope, bool]:
    """Commit a visitor's message as an envelope (processed by the pipeline's task) and
    return it with whether it is new. The widget's own id for the message (a UUID) is the
    envelope's key, so a repeated POST of the same message changes nothing."""
    client_id = _client_id(body.get("client_id"))
    text = body.get("text")
    if not isinstance(text, str):
        raise Invalid(
            Code.TEXT_INVALID, gettext_lazy("The message text must be a string."), field="text"
        )
    limit = settings.MEHVAR_MAX_MESSAGE_CHARS
    if len(text) > limit:
        raise Invalid(
            Code.MESSAGE_TOO_LONG,
            gettext_lazy("The message is longer than %(max)d characters.") % {"max": limit},
            field="text",
        )
    if not text.strip():
        raise Invalid(Code.MESSAGE_EMPTY, gettext_lazy("Write a message."), field="text")
    per_minute = settings.MEHVAR_WEBCHAT_MESSAGES_PER_MINUTE
    if per_minute and not _allow(f"messages:{visit.visitor_id}", per_minute, 60):
        raise _rate_limited()
    # The message is here: the agent's page stops showing the visitor typing.
    session = chat_session_sync(visit=visit, visitor_typing_at=None)
    raw = json.dumps(
        {
            "visitor_id": visit.visitor_id,
            "session_id": session.pk,
            "language": session.language,
            "body": body,
        },
        ensure_ascii=False,
    ).encode("utf-8")
    # Keyed by visitor too: one visitor's ids can never collide with another's.
    return envelope_receive(
        channel="webchat",
        external_id=f"{visit.visitor_id}:{client_id}",
        raw=raw,
        meta={"conversation_id": session.conversation_id, "session_id": session.pk},
    )


def _client_id(value: object) -> str:
    if isinstance(value, str) and len(value) <= 64:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    raise Invalid(
        Code.CLIENT_ID_INVALID,
        gettext_lazy("Give each message a client_id: a UUID the widget makes."),
        field="client_id",
    )


# --- e-mail and transcript -----------------------------------------------------------------


def chat_email_leave(*, visit: Visit, email: object) -> str:
    """Keep the address a visitor leaves: an "email" identity of the session's customer, and
    a timeline event naming it and the session (the transcript goes to the latest one).

    An address that already belongs to another customer is not added to this one (that
    would take it from them) and not refused either: the visitor is not told who else uses
    it. The event records it with `identity_added: false`; merging is an agent's decision."""
    address = email.strip() if isinstance(email, str) else ""
    try:
        if not address or len(address) > MAX_EMAIL_LENGTH:
            raise ValidationError("length")
        validate_email(address)
    except ValidationError as error:
        raise Invalid(
            Code.EMAIL_INVALID, gettext_lazy("Enter a valid email address."), field="email"
        ) from error
    session = visit.session
    with transaction.atomic():
        try:
            with transaction.atomic():
                identity_add(
                    actor=VISITOR,
                    customer=session.customer,
                    kind="email",
                    value=address,
                    is_primary=True,
                )
            added = True
        except Conflict as error:
            if error.code != CustomerErrorCode.IDENTITY_TAKEN:
                raise
            added = False
        timeline_record(
            verb=EMAIL_LEFT,
            actor_id=None,
            customer_id=session.customer_id,
            conversation_id=session.conversation_id,
            after={"session_id": session.pk, "email": address, "identity_added": added},
        )
    return address


def chat_transcript_send(*, visit: Visit, time_zone: object = "") -> OutboundMessage:
    """Queue the conversation's transcript (names, times, text) to the address the visitor
    left, as an e-mail in their language; times in their time zone when the widget gives a
    valid one, else the server's."""
    session = chat_session_sync(visit=visit)
    recipient = chat_email_left(session=session)
    if not recipient:
        raise Conflict(
            Code.EMAIL_MISSING,
            gettext_lazy("Leave an email address before asking for the transcript."),
            field="email",
        )
    conversation = (
        conversation_brief(conversation_id=session.conversation_id)
        if session.conversation_id is not None
        else None
    )
    if conversation is None:
        raise Conflict(
            Code.CONVERSATION_MISSING, gettext_lazy("There is no conversation to send yet.")
        )
    if not _allow(f"transcripts:{visit.visitor_id}", TRANSCRIPTS_PER_HOUR, 3600):
        raise _rate_limited()
    zone = zoneinfo.ZoneInfo(
        time_zone if isinstance(time_zone, str) and is_time_zone(time_zone) else settings.TIME_ZONE
    )
    with translation.override(session.language or settings.LANGUAGE_CODE):
        subject = _("Transcript of your chat with us")
        text = transcript_text(chat_transcript_messages(conversation_id=conversation.pk), zone=zone)
    with transaction.atomic():
        outbound = outbound_queue_system(
            conversation=conversation,
            kind=OutboundKind.TRANSCRIPT,
            channel="email",
            recipient=recipient,
            subject=subject,
            text=text,
        )
        timeline_record(
            verb="webchat.transcript_sent",
            actor_id=None,
            customer_id=session.customer_id,
            conversation_id=conversation.pk,
            after={"session_id": session.pk, "email": recipient, "outbound_id": outbound.pk},
        )
    return outbound


def transcript_text(messages: list[ChatMessage], *, zone: zoneinfo.ZoneInfo) -> str:
    """Plain text, in the active language: a title, then each message as "[time] name:" and
    its text. Times carry their zone's name: the reader may be elsewhere by now."""
    lines = [_("Transcript of your chat with us"), ""]
    for message in messages:
        name = message.name or (_("Visitor") if message.is_visitor else _("Support team"))
        lines.append(f"[{_when(message.created_at, zone)}] {name}:")
        lines.extend([message.text, ""])
    return "\n".join(lines).rstrip() + "\n"


def _when(at: datetime, zone: zoneinfo.ZoneInfo) -> str:
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}"


# --- limits --------------------------------------------------------------------------------


def _allow(key: str, limit: int, window_seconds: int) -> bool:
    """Count one more use of `key` in the current window; False once past `limit`."""
    bucket = f"mehvar:webchat:{key}:{int(time.time()) // window_seconds}"
    if cache.add(bucket, 1, timeout=window_seconds + 1):
        return limit >= 1
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr: a new window
        cache.add(bucket, 1, timeout=window_seconds + 1)
        count = 1
    return count <= limit


def _rate_limited() -> TooManyRequests:
    return TooManyRequests(
        Code.RATE_LIMITED, gettext_lazy("Too many messages in a short time; wait a moment.")
    )
