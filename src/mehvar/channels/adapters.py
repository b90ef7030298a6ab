"""Which module parses and which sends for each channel (dotted paths, resolved when used,
so adapters may import the services without a cycle).

A parser is `parse_envelope(envelope: InboundEnvelope) -> list[Inbound]` and never raises on
bad input. A sender is `send(delivery: Delivery) -> str` returning the provider's id of what
it sent, raising channels.errors.DeliveryError when it cannot."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

from mehvar.channels.types import Delivery, Inbound

if TYPE_CHECKING:
    from mehvar.channels.models import InboundEnvelope

PARSERS = {
    "email": "mehvar.channels.email.inbound.parse_envelope",
    "sms": "mehvar.channels.messaging.sms.parse_envelope",
    "whatsapp": "mehvar.channels.messaging.whatsapp.parse_envelope",
    "telegram": "mehvar.channels.messaging.telegram.parse_envelope",
    "webchat": "mehvar.channels.webchat.inbound.parse_envelope",
}
SENDERS = {
    "email": "mehvar.channels.email.outbound.send",
    "sms": "mehvar.channels.messaging.sms.send",
    "whatsapp": "mehvar.channels.messaging.whatsapp.send",
    "telegram": "mehvar.channels.messaging.telegram.send",
    "webchat": "mehvar.channels.webchat.inbound.send",
}


def parser_for(channel: str) -> Callable[[InboundEnvelope], list[Inbound]]:
    return import_string(PARSERS[channel])


def sender_for(channel: str) -> Callable[[Delivery], str]:
    return import_string(SENDERS[channel])
