"""Reading mailboxes over IMAP: poll for new mail, or wait for it with IDLE.

A poll fetches the UIDs above the mailbox's last UID, commits each mail with `mail_receive`
and moves the last UID on after each one, so a crash re-reads at most one mail (and a
re-read mail is stored once: envelopes are keyed by Message-ID). A changed UIDVALIDITY
(the folder was recreated) starts over from UID 0 for the same reason. Mails are fetched
with BODY.PEEK and only flagged \\Seen once committed."""

from __future__ import annotations

import base64
import imaplib
import logging
import re
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.channels.email.receive import mail_receive
from mehvar.channels.models import Mailbox, Security

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30
# Servers drop an IDLE after 30 minutes (RFC 2177); renew it well before.
IDLE_SECONDS = 25 * 60
# Per poll: a mailbox with a large backlog is read over several polls.
MAX_MAILS_PER_POLL = 500
BATCH_MAILS = 20
BATCH_BYTES = 20 * 1024 * 1024

_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_EXISTS = re.compile(rb"^\* \d+ EXISTS\b", re.IGNORECASE)
_IDLE_TAG = b"MHVIDLE"


class ImapFailure(imaplib.IMAP4.error):
    """The server answered a command with NO or BAD."""


@dataclass
class _Progress:
    created: int = 0
    skipped: list[int] = field(default_factory=list)


def imap_mailboxes() -> QuerySet[Mailbox]:
    """The mailboxes read over IMAP: active, with a host."""
    return Mailbox.objects.filter(is_active=True).exclude(imap_host="").order_by("pk")


def mailboxes_poll() -> int:
    """Poll every active mailbox that has an IMAP host; returns how many new mails were
    stored. A failing mailbox is logged and recorded on it, never raised."""
    created = 0
    for mailbox in imap_mailboxes():
        try:
            created += mailbox_poll(mailbox)
        except Exception:  # the database itself failed: the next mailbox may still work
            logger.exception("Polling mailbox %s failed", mailbox.address)
    return created


def mailbox_poll(mailbox: Mailbox) -> int:
    """Read the new mail of one mailbox; returns how many new envelopes were stored.

    Server and network errors are recorded on `mailbox.last_error` (cleared by the next
    good poll) with `last_polled_at`; database errors are raised."""
    progress = _Progress()
    problem = ""
    try:
        with _session(mailbox) as conn:
            _read_new(conn, mailbox, progress)
    except (imaplib.IMAP4.error, OSError) as error:
        problem = _("Could not read the mailbox: %(error)s") % {"error": _describe(error)}
        logger.warning("Polling mailbox %s failed: %s", mailbox.address, _describe(error))
    if progress.skipped and not problem:
        problem = _("Mails too large to store were left in the mailbox (UIDs %(uids)s).") % {
            "uids": ", ".join(str(uid) for uid in progress.skipped[:20])}
    mailbox.last_polled_at, mailbox.last_error = timezone.now(), problem[:2000]
    mailbox.save(update_fields=["last_polled_at", "last_error"])
    return progress.created


def mailbox_idle(mailbox: Mailbox, seconds: float) -> bool | None:
    """Wait up to `seconds` for new mail with IMAP IDLE.

    True when new mail is there (already waiting, or announced while idling), False when
    the time ran out, None when the server does not offer IDLE. Server and network errors
    are raised (imaplib.IMAP4.error, OSError)."""
    with _session(mailbox) as conn:
        status, data = conn.capability()
        capabilities = b" ".join(item for item in data if isinstance(item, bytes)).upper()
        if status != "OK" or b"IDLE" not in capabilities.split():
            return None
        validity, count = _select(conn, mailbox.imap_folder)
        waiting = bool(count) and bool(_new_uids(conn, mailbox.imap_last_uid))
        if waiting or validity != mailbox.imap_uidvalidity:
            return True
        return _idle_wait(conn, seconds)


def mailbox_watch(mailbox_id: int, *, stop: threading.Event,
                  idle_seconds: float = IDLE_SECONDS) -> None:
    """`mehvar mail_poll --idle` for one mailbox: poll, IDLE until new mail, poll again…
    Without IDLE on the server, poll every MEHVAR_MAIL_POLL_SECONDS. Returns when `stop`
    is set (checked between rounds) or the mailbox is deactivated or loses its IMAP host."""
    try:
        _watch(mailbox_id, stop, idle_seconds)
    finally:
        connections.close_all()  # this thread's own connection


def _watch(mailbox_id: int, stop: threading.Event, idle_seconds: float) -> None:
    can_idle = True
    while not stop.is_set():
        pause = float(settings.MEHVAR_MAIL_POLL_SECONDS)
        try:
            # A long-running thread: drop a connection a database restart broke.
            close_old_connections()
            mailbox = imap_mailboxes().filter(pk=mailbox_id).first()
            if mailbox is None:
                return
            mailbox_poll(mailbox)
            if can_idle and not mailbox.last_error:
                woke = mailbox_idle(mailbox, idle_seconds)
                can_idle = woke is not None
                pause = 0.0 if woke is not None else pause
        except (imaplib.IMAP4.error, OSError) as error:
            logger.warning("IDLE on mailbox %s failed: %s", mailbox_id, _describe(error))
        except Exception:  # the database failed: wait, then start the round again
            logger.exception("Watching mailbox %s failed", mailbox_id)
        if pause:
            stop.wait(pause)


def imap_folder_name(folder: str) -> str:
    """A folder name as an IMAP quoted string, non-ASCII names in modified UTF-7
    (RFC 3501 5.1.3): imaplib sends arguments as they are."""
    encoded: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            utf16 = "".join(pending).encode("utf-16-be")
            text = base64.b64encode(utf16).rstrip(b"=").decode("ascii").replace("/", ",")
            encoded.append(f"&{text}-")
            pending.clear()

    for char in folder:
        if " " <= char <= "~":
            flush()
            encoded.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    name = "".join(encoded).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{name}"'


def imap_login(conn: imaplib.IMAP4, username: str, password: str) -> None:
    """LOGIN, or AUTHENTICATE PLAIN when the credentials are not ASCII (imaplib sends
    commands as ASCII; SASL PLAIN carries UTF-8)."""
    if username.isascii() and password.isascii():
        conn.login(username, password)
        return
    secret = f"\0{username}\0{password}".encode()
    conn.authenticate("PLAIN", lambda _challenge: secret)


@contextmanager
def _session(mailbox: Mailbox) -> Iterator[imaplib.IMAP4]:
    conn = _connect(mailbox)
    try:
        imap_login(conn, mailbox.imap_username, mailbox.imap_password)
        yield conn
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):  # already broken: just close the socket
            conn.shutdown()


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    # The default context verifies the certificate and host name (imaplib's own does not).
    context = ssl.create_default_context()
    if mailbox.imap_security == Security.SSL:
        return imaplib.IMAP4_SSL(mailbox.imap_host, mailbox.imap_port, ssl_context=context,
                                 timeout=TIMEOUT_SECONDS)
    conn = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT_SECONDS)
    if mailbox.imap_security == Security.STARTTLS:
        try:
            conn.starttls(ssl_context=context)
        except (imaplib.IMAP4.error, OSError):
            conn.shutdown()
            raise
    return conn


def _select(conn: imaplib.IMAP4, folder: str) -> tuple[int | None, int]:
    """SELECT the folder (read-write: fetched mails are flagged); returns its UIDVALIDITY
    and how many mails it holds."""
    status, data = conn.select(imap_folder_name(folder or "INBOX"))
    if status != "OK":
        raise ImapFailure(_first(data) or f"SELECT {folder} failed")
    count = data[0] if data else None
    _name, values = conn.response("UIDVALIDITY")
    value = values[0] if values else None
    return (int(value) if isinstance(value, bytes) and value.isdigit() else None,
            int(count) if isinstance(count, bytes) and count.isdigit() else 0)


def _new_uids(conn: imaplib.IMAP4, last_uid: int) -> list[tuple[int, int]]:
    """(uid, size) of the mails above last_uid, oldest first."""
    status, data = conn.uid("FETCH", f"{last_uid + 1}:*", "(UID RFC822.SIZE)")
    if status != "OK":
        raise ImapFailure(_first(data) or "UID FETCH failed")
    found: dict[int, int] = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        if not isinstance(line, bytes):
            continue
        uid, size = _UID.search(line), _SIZE.search(line)
        # "n:*" always matches the last mail, even below n: keep only the new ones.
        if uid and int(uid.group(1)) > last_uid:
            found[int(uid.group(1))] = int(size.group(1)) if size else 0
    return sorted(found.items())


def _read_new(conn: imaplib.IMAP4, mailbox: Mailbox, progress: _Progress) -> None:
    validity, count = _select(conn, mailbox.imap_folder)
    if validity != mailbox.imap_uidvalidity:
        if mailbox.imap_uidvalidity is not None:
            logger.info("Mailbox %s: UIDVALIDITY changed (%s → %s), reading it again",
                        mailbox.address, mailbox.imap_uidvalidity, validity)
        mailbox.imap_uidvalidity, mailbox.imap_last_uid = validity, 0
        mailbox.save(update_fields=["imap_uidvalidity", "imap_last_uid"])
    if not count:  # some servers refuse "n:*" in an empty folder
        return
    limit = settings.MEHVAR_MAX_ATTACHMENT_BYTES * 2
    pending = _new_uids(conn, mailbox.imap_last_uid)[:MAX_MAILS_PER_POLL]
    for uid, size in pending:
        if size > limit:
            logger.warning("Mailbox %s: mail UID %s is %s bytes, over the %s limit; skipped",
                           mailbox.address, uid, size, limit)
            progress.skipped.append(uid)
    wanted = [(uid, size) for uid, size in pending if size <= limit]
    for batch in _batches(wanted):
        done = _fetch_and_store(conn, mailbox, batch, progress)
        _flag(conn, done)
    if progress.skipped:
        _advance(mailbox, max(progress.skipped))
    if settings.MEHVAR_IMAP_DELETE_AFTER_READ:
        _expunge(conn)


def _batches(uids: list[tuple[int, int]]) -> Iterator[list[int]]:
    batch: list[int] = []
    batch_bytes = 0
    for uid, size in uids:
        if batch and (len(batch) >= BATCH_MAILS or batch_bytes + size > BATCH_BYTES):
            yield batch
            batch, batch_bytes = [], 0
        batch.append(uid)
        batch_bytes += size
    if batch:
        yield batch


def _fetch_and_store(conn: imaplib.IMAP4, mailbox: Mailbox, batch: list[int],
                     progress: _Progress) -> list[int]:
    status, data = conn.uid("FETCH", ",".join(str(uid) for uid in batch), "(UID BODY.PEEK[])")
    if status != "OK":
        raise ImapFailure(_first(data) or "UID FETCH failed")
    done: list[int] = []
    for uid, raw in sorted(_fetched(data).items()):
        if uid not in batch:
            continue
        _envelope, created = mail_receive(raw=raw, mailbox=mailbox, source="imap")
        progress.created += int(created)
        _advance(mailbox, uid)
        done.append(uid)
    return done


def _fetched(data: Sequence[object]) -> dict[int, bytes]:
    """uid → body from a UID FETCH (UID BODY.PEEK[]) answer; the UID may come before or
    after the literal."""
    bodies: dict[int, bytes] = {}
    header, body = b"", b""

    def finish() -> None:
        match = _UID.search(header)
        if match and body:
            bodies[int(match.group(1))] = body

    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            finish()
            header, body = bytes(item[0]), bytes(item[1])
        elif isinstance(item, bytes):
            header += b" " + item
    finish()
    return bodies


def _advance(mailbox: Mailbox, uid: int) -> None:
    """Remember the UID as read; never move back (another poll may have gone further)."""
    if uid > mailbox.imap_last_uid:
        Mailbox.objects.filter(pk=mailbox.pk, imap_uidvalidity=mailbox.imap_uidvalidity,
                               imap_last_uid__lt=uid).update(imap_last_uid=uid)
        mailbox.imap_last_uid = uid


def _flag(conn: imaplib.IMAP4, uids: list[int]) -> None:
    if not uids:
        return
    flags = r"(\Seen \Deleted)" if getattr(settings, "MEHVAR_IMAP_DELETE_AFTER_READ",
                                             False) else r"(\Seen)"
    status, data = conn.uid("STORE", ",".join(str(uid) for uid in uids), "+FLAGS.SILENT", flags)
    if status != "OK":  # the mails are stored; only the flag is missing
        logger.warning("Could not flag mails %s: %s", uids, _first(data))


def _expunge(conn: imaplib.IMAP4) -> None:
    status, data = conn.expunge()
    if status != "OK":
        logger.warning("EXPUNGE failed: %s", _first(data))


def _idle_wait(conn: imaplib.IMAP4, seconds: float) -> bool:
    """The IDLE command by hand (imaplib has it only from Python 3.14)."""
    deadline = time.monotonic() + seconds
    conn.send(_IDLE_TAG + b" IDLE\r\n")
    try:
        line = _readline(conn, deadline)
        while not line.startswith(b"+"):
            if line.startswith(_IDLE_TAG + b" "):
                raise ImapFailure(line.decode(errors="replace").strip())
            line = _readline(conn, deadline)
        while not _EXISTS.match(line):
            line = _readline(conn, deadline)
    except TimeoutError:
        # A socket reader cannot be used after a timeout: end the IDLE and let the session
        # close the connection without reading the answer.
        conn.sock.settimeout(TIMEOUT_SECONDS)
        conn.send(b"DONE\r\n")
        return False
    conn.sock.settimeout(TIMEOUT_SECONDS)
    conn.send(b"DONE\r\n")
    line = conn.readline()
    while not line.startswith(_IDLE_TAG + b" "):
        if not line:
            raise imaplib.IMAP4.abort("connection closed during IDLE")
        line = conn.readline()
    return True


def _readline(conn: imaplib.IMAP4, deadline: float) -> bytes:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    conn.sock.settimeout(remaining)
    line = conn.readline()
    if not line:
        raise imaplib.IMAP4.abort("connection closed during IDLE")
    return line


def _first(data: Sequence[object]) -> str:
    for item in data:
        if isinstance(item, bytes):
            return item.decode(errors="replace")
    return ""


def _describe(error: BaseException) -> str:
    detail = error.args[0] if error.args else ""
    if isinstance(detail, bytes):
        detail = detail.decode(errors="replace")
    return str(detail) or type(error).__name__
