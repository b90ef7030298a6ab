"""IMAP polling and IDLE against a real Dovecot: mail is delivered with APPEND, read once,
flagged \\Seen, read again without duplicates after a UIDVALIDITY change, and failures are
recorded on the mailbox instead of raised."""

from __future__ import annotations

import base64
import quopri
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from mehvar.channels.email.imap import (
    imap_folder_name,
    mailbox_idle,
    mailbox_poll,
    mailbox_watch,
    mailboxes_poll,
)
from mehvar.channels.models import EnvelopeStatus, InboundEnvelope, Mailbox
from mehvar.conversations.models import Message
from tests.channels.dovecot import Dovecot, free_port

pytestmark = pytest.mark.django_db(transaction=True)


def _word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def raw_mail(*, message_id: str, name: str, address: str, subject: str, body: str,
             charset: str = "utf-8", quoted_printable: bool = False) -> bytes:
    """A small RFC 5322 message: encoded-word headers, an 8-bit or quoted-printable body."""
    payload = body.encode(charset)
    if quoted_printable:
        payload = quopri.encodestring(payload)
    headers = (
        f"From: {_word(name, charset)} <{address}>\r\n"
        "To: support@shop.example\r\n"
        f"Subject: {_word(subject, charset)}\r\n"
        f"Message-ID: <{message_id}>\r\n"
        "Date: Mon, 03 Mar 2025 09:30:00 +0330\r\n"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={charset}\r\n"
        f"Content-Transfer-Encoding: {'quoted-printable' if quoted_printable else '8bit'}\r\n"
        "\r\n"
    )
    return headers.encode("ascii") + payload + b"\r\n"


ARABIC = raw_mail(message_id="ar1@example.sa", name="عمر الفاروق", address="omar@example.sa",
                  subject="طلبي لم يصل", body="مرحبا، طلبي رقم 456 لم يصل بعد.",
                  charset="windows-1256")
PERSIAN = raw_mail(message_id="fa1@example.ir", name="لیلا احمدی", address="leila@example.ir",
                   subject="سفارش ۱۲۳۴ نرسیده", body="سلام، می‌خواهم بدانم سفارشم کجاست.")
GREEK = raw_mail(message_id="el1@example.gr", name="Νίκος Παππάς", address="nikos@example.gr",
                 subject="Τιμολόγιο", body="Καλησπέρα, χρειάζομαι το τιμολόγιο.",
                 charset="iso-8859-7", quoted_printable=True)


def envelope_ids() -> list[str]:
    return sorted(InboundEnvelope.objects.values_list("external_id", flat=True))


def test_a_poll_reads_each_new_mail_once(dovecot: Dovecot, imap_folder: str,
                                         imap_mailbox: Mailbox) -> None:
    for raw in (ARABIC, PERSIAN, GREEK):
        dovecot.append(raw, imap_folder)

    assert mailbox_poll(imap_mailbox) == 3
    assert envelope_ids() == ["ar1@example.sa", "el1@example.gr", "fa1@example.ir"]
    envelope = InboundEnvelope.objects.get(external_id="ar1@example.sa")
    assert bytes(envelope.raw) == ARABIC
    assert envelope.mailbox_id == imap_mailbox.pk
    assert envelope.meta == {"source": "imap"}
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.imap_last_uid == 3
    assert imap_mailbox.imap_uidvalidity
    assert imap_mailbox.last_error == ""
    assert imap_mailbox.last_polled_at is not None
    # Read mails are flagged \Seen in the mailbox, not deleted.
    assert all(b"\\Seen" in flags for flags in dovecot.flags(imap_folder))

    assert mailbox_poll(imap_mailbox) == 0
    assert InboundEnvelope.objects.count() == 3

    dovecot.append(raw_mail(message_id="fa2@example.ir", name="لیلا احمدی",
                            address="leila@example.ir", subject="پیگیری",
                            body="هنوز خبری نشد؟"), imap_folder)
    assert mailbox_poll(imap_mailbox) == 1
    assert InboundEnvelope.objects.count() == 4
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.imap_last_uid == 4


def test_polled_mail_becomes_messages_in_its_language(dovecot: Dovecot, imap_folder: str,
                                                      imap_mailbox: Mailbox) -> None:
    for raw in (ARABIC, PERSIAN, GREEK):
        dovecot.append(raw, imap_folder)
    mailbox_poll(imap_mailbox)

    # Processing runs as a task once the envelope commits (immediately in tests).
    assert set(InboundEnvelope.objects.values_list("status", flat=True)) == {
        EnvelopeStatus.PROCESSED}
    texts = dict(Message.objects.values_list("external_id", "text"))
    assert texts == {"ar1@example.sa": "مرحبا، طلبي رقم 456 لم يصل بعد.",
                     "fa1@example.ir": "سلام، می‌خواهم بدانم سفارشم کجاست.",
                     "el1@example.gr": "Καλησπέρα, χρειάζομαι το τιμολόγιο."}


def test_a_new_uidvalidity_reads_the_folder_again_without_duplicates(
    dovecot: Dovecot, imap_folder: str, imap_mailbox: Mailbox
) -> None:
    dovecot.append(ARABIC, imap_folder)
    dovecot.append(PERSIAN, imap_folder)
    assert mailbox_poll(imap_mailbox) == 2
    imap_mailbox.refresh_from_db()
    before = imap_mailbox.imap_uidvalidity

    dovecot.recreate(imap_folder)
    for raw in (ARABIC, PERSIAN, GREEK):
        dovecot.append(raw, imap_folder)
    assert mailbox_poll(imap_mailbox) == 1

    assert envelope_ids() == ["ar1@example.sa", "el1@example.gr", "fa1@example.ir"]
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.imap_uidvalidity != before
    assert imap_mailbox.imap_last_uid == 3


def test_a_wrong_password_is_recorded_not_raised(imap_mailbox: Mailbox,
                                                 dovecot: Dovecot, imap_folder: str) -> None:
    dovecot.append(GREEK, imap_folder)
    imap_mailbox.imap_password = "wrong"
    imap_mailbox.save(update_fields=["imap_password"])

    assert mailboxes_poll() == 0

    imap_mailbox.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in imap_mailbox.last_error
    assert imap_mailbox.last_polled_at is not None
    assert InboundEnvelope.objects.count() == 0

    # The next good poll reads the mail and clears the error.
    imap_mailbox.imap_password = dovecot.password
    imap_mailbox.save(update_fields=["imap_password"])
    assert mailboxes_poll() == 1
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error == ""


@pytest.mark.parametrize(("field", "value"), [("imap_port", "closed"),
                                              ("imap_folder", "بدون‌پوشه")])
def test_an_unreachable_server_or_folder_is_recorded(imap_mailbox: Mailbox, field: str,
                                                     value: str) -> None:
    setattr(imap_mailbox, field, free_port() if value == "closed" else value)
    imap_mailbox.save(update_fields=[field])

    assert mailboxes_poll() == 0

    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error.startswith("Could not read the mailbox: ")
    assert InboundEnvelope.objects.count() == 0


def test_only_active_mailboxes_with_a_host_are_polled(dovecot: Dovecot, imap_folder: str,
                                                      imap_mailbox: Mailbox) -> None:
    dovecot.append(ARABIC, imap_folder)
    Mailbox.objects.create(name="MTA only", address="sales@shop.example")
    imap_mailbox.is_active = False
    imap_mailbox.save(update_fields=["is_active"])
    assert mailboxes_poll() == 0
    assert InboundEnvelope.objects.count() == 0


def test_a_folder_with_a_persian_name(dovecot: Dovecot, imap_mailbox: Mailbox) -> None:
    dovecot.create("پشتیبانی & فروش")
    dovecot.append(PERSIAN, "پشتیبانی & فروش")
    imap_mailbox.imap_folder = "پشتیبانی & فروش"
    imap_mailbox.save(update_fields=["imap_folder"])
    assert mailbox_poll(imap_mailbox) == 1
    assert imap_folder_name("台北") == '"&U,BTFw-"'  # RFC 3501 §5.1.3's example


def test_delete_after_read(settings: Any, dovecot: Dovecot, imap_folder: str,
                           imap_mailbox: Mailbox) -> None:
    settings.MEHVAR_IMAP_DELETE_AFTER_READ = True
    dovecot.append(ARABIC, imap_folder)
    dovecot.append(GREEK, imap_folder)
    assert mailbox_poll(imap_mailbox) == 2
    assert dovecot.flags(imap_folder) == []


def test_a_mail_over_the_size_limit_is_left_in_the_mailbox(
    settings: Any, dovecot: Dovecot, imap_folder: str, imap_mailbox: Mailbox
) -> None:
    settings.MEHVAR_MAX_ATTACHMENT_BYTES = 1000  # mails up to 2000 bytes are read
    dovecot.append(raw_mail(message_id="big@example.gr", name="Νίκος", address="n@example.gr",
                            subject="Μεγάλο", body="Α" * 3000), imap_folder)
    dovecot.append(GREEK, imap_folder)

    assert mailbox_poll(imap_mailbox) == 1

    assert envelope_ids() == ["el1@example.gr"]
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.imap_last_uid == 2
    assert "UIDs 1" in imap_mailbox.last_error
    first, second = dovecot.flags(imap_folder)
    assert b"\\Seen" not in first
    assert b"\\Seen" in second


def test_mail_poll_command_polls_every_mailbox_once(dovecot: Dovecot, imap_folder: str,
                                                    imap_mailbox: Mailbox) -> None:
    dovecot.append(PERSIAN, imap_folder)
    call_command("mail_poll", verbosity=0)
    assert envelope_ids() == ["fa1@example.ir"]


def _append_later(dovecot: Dovecot, raw: bytes, folder: str, seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, dovecot.append, args=(raw, folder))
    timer.start()
    return timer


def test_idle_wakes_up_when_mail_arrives(dovecot: Dovecot, imap_folder: str,
                                         imap_mailbox: Mailbox) -> None:
    mailbox_poll(imap_mailbox)
    timer = _append_later(dovecot, GREEK, imap_folder, 0.5)
    started = time.monotonic()

    assert mailbox_idle(imap_mailbox, 20) is True

    assert time.monotonic() - started < 5
    timer.join()
    assert mailbox_poll(imap_mailbox) == 1


def test_idle_returns_false_when_nothing_arrives(imap_mailbox: Mailbox) -> None:
    mailbox_poll(imap_mailbox)
    started = time.monotonic()
    assert mailbox_idle(imap_mailbox, 1) is False
    assert time.monotonic() - started < 4


def test_idle_returns_at_once_when_mail_is_waiting(dovecot: Dovecot, imap_folder: str,
                                                   imap_mailbox: Mailbox) -> None:
    mailbox_poll(imap_mailbox)
    dovecot.append(ARABIC, imap_folder)
    started = time.monotonic()
    assert mailbox_idle(imap_mailbox, 20) is True
    assert time.monotonic() - started < 2


@pytest.fixture
def watching(imap_mailbox: Mailbox) -> Iterator[threading.Event]:
    """`mehvar mail_poll --idle` for one mailbox in a thread (short IDLE rounds)."""
    stop = threading.Event()
    thread = threading.Thread(target=mailbox_watch, args=(imap_mailbox.pk,),
                              kwargs={"stop": stop, "idle_seconds": 1}, daemon=True)
    thread.start()
    yield stop
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_watching_stores_mail_as_it_arrives(dovecot: Dovecot, imap_folder: str,
                                            watching: threading.Event) -> None:
    for count, raw in enumerate((ARABIC, PERSIAN), start=1):
        dovecot.append(raw, imap_folder)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and InboundEnvelope.objects.count() < count:
            time.sleep(0.1)
    assert envelope_ids() == ["ar1@example.sa", "fa1@example.ir"]
