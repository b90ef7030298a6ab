"""The web-chat channel's adapter: the parser of what the visitor API committed, and a sender
that sends nothing.

The envelope's raw bytes are the JSON the API wrote (services.chat_message_post):
`{"visitor_id": ..., "session_id": ..., "language": ..., "body": <what the widget posted>}`.
The visitor id is in it so that processing needs no lookup of the session: it is the
customer's "webchat" identity, and the envelope's `sender`, by which the session later finds
the conversation its message went into."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from mehvar.channels.models import InboundEnvelope
from mehvar.channels.types import Delivery, IgnoreReason, Inbound
from mehvar.channels.webchat.selectors import chat_latest_conversation_id

MALFORMED = "malformed"
TRUNCATED = "truncated"


def parse_envelope(envelope: InboundEnvelope) -> list[Inbound]:
    """One Inbound per envelope; never raises. A payload that cannot be read keeps what text
    it has, flagged "malformed"; one without a visitor id makes no message."""
    raw = bytes(envelope.raw)
    flags: list[str] = []
    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data, flags = {}, [MALFORMED]
    if not isinstance(data, dict):
        data, flags = {}, [MALFORMED]
    body = data.get("body")
    if not isinstance(body, dict):
        body, flags = {}, [MALFORMED]
    visitor_id = _text(data.get("visitor_id"))
    text = _text(body.get("text"))
    if not text and MALFORMED in flags:
        text = raw.decode("utf-8", errors="replace")
    limit = settings.MEHVAR_MAX_MESSAGE_CHARS
    if len(text) > limit:  # the API refuses these; a lowered limit must not park old ones
        text, flags = text[:limit], [*flags, TRUNCATED]
    session_id = data.get("session_id")
    inbound = Inbound(
        external_id=envelope.external_id,
        identity_kind="webchat",
        identity_value=visitor_id,
        text=text,
        language=_text(data.get("language"))[:16],
        flags=flags,
        reply_address=str(session_id) if isinstance(session_id, int) else "",
    )
    if not visitor_id:
        inbound.ignore_reason = IgnoreReason.NO_SENDER
        return [inbound]
    # The conversation recorded at receive time is the session's link as it was then: None
    # before the first message was processed, or a closed one. Its newest processed message
    # shows where the chat goes on now, so a second message sent before the first was
    # processed continues the same conversation instead of opening another. (The pipeline
    # reads meta after parsing and does not save it: this changes only this run.)
    latest = chat_latest_conversation_id(visitor_id=visitor_id)
    if latest is not None:
        envelope.meta = {**envelope.meta, "conversation_id": latest}
    return [inbound]


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def send(delivery: Delivery) -> str:
    """Web-chat replies are fetched by the visitor's widget (GET /chat/messages), never pushed:
    services.outbound queues nothing for this channel, so this is only the registry's entry."""
    return ""
