"""Our Message-IDs: they name the conversation and are signed, so a customer's reply threads
by its In-Reply-To/References even when nothing else matches, and nobody can forge one that
files mail into someone else's conversation."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings

_OURS = re.compile(r"mehvar\.c(\d{1,12})\.([a-z0-9]{1,24})\.k([0-9a-f]{12})@", re.IGNORECASE)


def _signature(conversation_id: int, unique: str) -> str:
    key = hashlib.sha256(b"mehvar.message-id:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, f"c{conversation_id}.{unique}".encode(), hashlib.sha256).hexdigest()[:12]


def message_id_for(conversation_id: int, domain: str) -> str:
    """A new signed Message-ID (without <>) for mail about a conversation."""
    unique = secrets.token_hex(8)
    return f"mehvar.c{conversation_id}.{unique}.k{_signature(conversation_id, unique)}@{domain}"


def conversation_of(message_id: str) -> int | None:
    """The conversation a Message-ID of ours names, if its signature holds."""
    match = _OURS.search(message_id)
    if match is None:
        return None
    conversation_id, unique, signature = int(match.group(1)), match.group(2), match.group(3)
    if not hmac.compare_digest(signature.lower(), _signature(conversation_id, unique)):
        return None
    return conversation_id


def domain_of(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"
