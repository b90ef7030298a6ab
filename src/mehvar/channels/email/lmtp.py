"""The LMTP / SMTP listener (`mehvar mail_listen`): an MTA hands mail over the network.

A mail is answered 250 only once its envelope has committed, and 451 when the database
failed, so the MTA keeps it and retries; nothing is acknowledged that is not stored. The
recipient picks the mailbox (by address, case-insensitive). In SMTP mode an unknown
recipient is refused (550); in LMTP mode the MTA has already decided the mail is ours, so
it is kept without a mailbox."""

from __future__ import annotations

import logging
import socket
from typing import Any, AnyStr, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from mehvar.channels.email.receive import mail_receive
from mehvar.channels.models import Mailbox

logger = logging.getLogger(__name__)

Mode = Literal["lmtp", "smtp"]

TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, please try again later"
UNKNOWN_RECIPIENT = "550 5.1.1 No such mailbox here"
TOO_LARGE = "552 5.3.4 Message too big"


def mailbox_for_address(address: str) -> Mailbox | None:
    """The active mailbox with this address (case-insensitive), if any."""
    return Mailbox.objects.filter(address__iexact=address.strip(), is_active=True).first()


def message_size_limit() -> int:
    """The largest mail accepted: room for one attachment at the limit, base64-encoded."""
    return int(settings.MEHVAR_MAX_ATTACHMENT_BYTES) * 2


class MailHandler:
    """aiosmtpd hooks. Database work runs in a worker thread (Django's ORM is synchronous);
    the event loop keeps serving other connections meanwhile."""

    def __init__(self, *, mode: Mode) -> None:
        self.mode = mode

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        try:
            known = await sync_to_async(_is_known, thread_sensitive=False)(address)
        except DatabaseError:
            logger.exception("Could not look up recipient %s", address)
            return TEMPORARY_FAILURE
        if not known and self.mode == "smtp":
            return UNKNOWN_RECIPIENT
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if len(raw) > message_size_limit():
            return TOO_LARGE
        try:
            created = await sync_to_async(_store, thread_sensitive=False)(
                raw, list(envelope.rcpt_tos), self.mode)
        except Exception:  # database or bug: keep the mail at the MTA, which retries
            logger.exception("Could not store a mail from %s", envelope.mail_from)
            return TEMPORARY_FAILURE
        return "250 2.0.0 Stored" if created else "250 2.0.0 Already stored"


# Both run in pool threads that live as long as the listener. As in a web request, a broken
# connection (database restart) or one older than CONN_MAX_AGE is closed before and after.


def _is_known(address: str) -> bool:
    close_old_connections()
    try:
        return mailbox_for_address(address) is not None
    finally:
        close_old_connections()


def _store(raw: bytes, recipients: list[str], mode: Mode) -> bool:
    close_old_connections()
    try:
        mailbox = next(filter(None, map(mailbox_for_address, recipients)), None)
        _envelope, created = mail_receive(raw=raw, mailbox=mailbox, source=mode)
        return created
    finally:
        close_old_connections()


class _LMTP(LMTP):
    """RFC 2033 4.2: after DATA an LMTP server answers once per accepted recipient, while
    aiosmtpd answers once. The mail is stored once for all of them, so its one outcome is
    repeated for each (also the 552 aiosmtpd gives for an oversized mail)."""

    _recipients = 0
    _final_replies = 0

    async def smtp_DATA(self, arg: str) -> None:
        self._recipients = len(self.envelope.rcpt_tos) if self.envelope else 0
        try:
            await super().smtp_DATA(arg)
        finally:
            self._recipients = self._final_replies = 0

    async def push(self, status: AnyStr) -> None:
        text = status.decode() if isinstance(status, bytes) else status
        if self._recipients and text.startswith("354"):
            self._final_replies = self._recipients  # the next reply is DATA's outcome
        elif self._final_replies:
            replies, self._final_replies = self._final_replies, 0
            for _number in range(replies - 1):
                await super().push(status)
        await super().push(status)


class MailListener(Controller):
    """The listener in a background thread: `start()`, `stop()`."""

    def __init__(self, *, mode: Mode, hostname: str, port: int) -> None:
        super().__init__(MailHandler(mode=mode), hostname=hostname, port=port)
        self.mode = mode
        self.server_name = socket.gethostname()  # getfqdn per connection can wait on DNS

    def factory(self) -> SMTP:
        server_class = _LMTP if self.mode == "lmtp" else SMTP
        options: dict[str, Any] = {"data_size_limit": message_size_limit(),
                                   "enable_SMTPUTF8": True, "hostname": self.server_name,
                                   "ident": "Mehvar"}
        return server_class(self.handler, **options)
