"""Every way mail arrives (IMAP polling, `mehvar mail-in`, the LMTP/SMTP listener) ends here:
the raw message is committed as an envelope keyed by its Message-ID, so the same mail read
twice (IMAP re-read, MTA retry, both paths at once) is stored once."""

from __future__ import annotations

import hashlib
import re
from email.parser import BytesHeaderParser
from email.policy import compat32

from mehvar.channels.email.decode import first_header, parse_address
from mehvar.channels.models import InboundEnvelope, Mailbox
from mehvar.channels.services.envelopes import envelope_receive

_MESSAGE_ID = re.compile(r"<?\s*([^<>\s]+)\s*>?")


def mail_external_id(raw: bytes) -> str:
    """The Message-ID without <>, or a digest of the bytes when it has none."""
    return _mail_keys(raw)[0]


def _mail_keys(raw: bytes) -> tuple[str, str]:
    """(external id, sender address) from the headers alone. The sender is read as the parser
    will read it (From, else Sender, else Return-Path), so processing can check the
    per-sender rate limit with the envelope's own row; "" when the headers are unreadable."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:262_144])
        value = str(headers.get("Message-ID", "") or "")
        sender = next((address for header in ("from", "sender", "return-path")
                       if (address := parse_address(first_header(headers, header))[1])), "")
    except Exception:  # unreadable headers: the digest still identifies the bytes
        value, sender = "", ""
    match = _MESSAGE_ID.search(value.strip())
    if match and match.group(1):
        return match.group(1)[:500], sender[:320]
    return "sha256:" + hashlib.sha256(raw).hexdigest(), sender[:320]


def mail_receive(*, raw: bytes, mailbox: Mailbox | None = None,
                 source: str = "") -> tuple[InboundEnvelope, bool]:
    """Commit one raw mail; (envelope, created)."""
    external_id, sender = _mail_keys(raw)
    return envelope_receive(channel="email", external_id=external_id, raw=raw,
                            meta={"source": source} if source else {}, mailbox=mailbox,
                            sender=sender)
