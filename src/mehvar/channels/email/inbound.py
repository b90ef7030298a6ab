"""The e-mail channel's parser entry point: an envelope's raw RFC 5322 bytes → Inbound."""

from __future__ import annotations

from django.conf import settings

from mehvar.channels.email.parse import parse_email
from mehvar.channels.models import InboundEnvelope
from mehvar.channels.types import Inbound


def parse_envelope(envelope: InboundEnvelope) -> list[Inbound]:
    return [parse_email(bytes(envelope.raw),
                        max_attachment_bytes=settings.MEHVAR_MAX_ATTACHMENT_BYTES,
                        max_text_chars=settings.MEHVAR_MAX_MESSAGE_CHARS)]
