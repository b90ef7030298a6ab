"""`mehvar mail_listen`: an MTA delivers over LMTP or SMTP; 250 only once the mail is
stored, 451 when it cannot be (the MTA retries), 550 for an unknown recipient in SMTP mode,
552 for a mail over the size limit."""

from __future__ import annotations

import os
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest

from mehvar.channels.email.lmtp import MailListener, Mode
from mehvar.channels.models import InboundEnvelope, Mailbox
from mehvar.conversations.models import Message
from tests.channels.dovecot import free_port

pytestmark = pytest.mark.django_db(transaction=True)

SENDER = "nikos@example.gr"


def mail(*, message_id: str = "el-lmtp-1@example.gr", body: str = "Καλησπέρα, πού είναι "
         "η παραγγελία μου;") -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = f"Νίκος <{SENDER}>", "support@shop.example"
    message["Subject"], message["Message-ID"] = "Παραγγελία", f"<{message_id}>"
    message.set_content(body)
    return message.as_bytes(policy=SMTP)  # CRLF line ends, as on the wire


@pytest.fixture
def mailbox(db: None) -> Mailbox:
    return Mailbox.objects.create(name="Support", address="support@shop.example")


@pytest.fixture
def listen() -> Iterator[Callable[[Mode], int]]:
    """listen("lmtp"|"smtp") starts the listener in-process on a free port; returns it."""
    listeners: list[MailListener] = []

    def start(mode: Mode) -> int:
        listener = MailListener(mode=mode, hostname="127.0.0.1", port=free_port())
        listener.start()
        listeners.append(listener)
        return listener.port

    yield start
    for listener in listeners:
        listener.stop()


def test_lmtp_answers_250_once_the_mail_is_stored(listen: Callable[[Mode], int],
                                                  mailbox: Mailbox) -> None:
    raw = mail()
    with smtplib.LMTP("127.0.0.1", listen("lmtp")) as client:
        assert client.sendmail(SENDER, ["Support@Shop.Example"], raw) == {}
        # The MTA retries (it never saw our answer, say): still one envelope.
        assert client.sendmail(SENDER, ["support@shop.example"], raw) == {}

    envelope = InboundEnvelope.objects.get()
    assert bytes(envelope.raw) == raw
    assert envelope.mailbox_id == mailbox.pk
    assert envelope.meta == {"source": "lmtp"}
    assert Message.objects.get(external_id="el-lmtp-1@example.gr").text == (
        "Καλησπέρα, πού είναι η παραγγελία μου;")


def test_lmtp_answers_once_per_recipient(listen: Callable[[Mode], int],
                                         mailbox: Mailbox) -> None:
    with smtplib.LMTP("127.0.0.1", listen("lmtp")) as client:
        client.ehlo()
        client.mail(SENDER)
        assert client.rcpt("support@shop.example")[0] == 250
        assert client.rcpt("sales@shop.example")[0] == 250  # ours, no mailbox: kept
        assert client.data(mail())[0] == 250
        assert client.getreply()[0] == 250
        assert client.noop()[0] == 250  # nothing left unread: the session is in step

    assert InboundEnvelope.objects.get().mailbox_id == mailbox.pk


def test_smtp_refuses_an_unknown_recipient(listen: Callable[[Mode], int],
                                           mailbox: Mailbox) -> None:
    with smtplib.SMTP("127.0.0.1", listen("smtp")) as client, \
            pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail(SENDER, ["nobody@shop.example"], mail())
    assert refused.value.recipients["nobody@shop.example"][0] == 550
    assert InboundEnvelope.objects.count() == 0


def test_smtp_stores_mail_for_a_known_recipient(listen: Callable[[Mode], int],
                                                mailbox: Mailbox) -> None:
    with smtplib.SMTP("127.0.0.1", listen("smtp")) as client:
        assert client.sendmail(SENDER, ["support@shop.example"], mail()) == {}
    assert InboundEnvelope.objects.get().meta == {"source": "smtp"}


@pytest.mark.parametrize(("mode", "client_class"), [("lmtp", smtplib.LMTP),
                                                    ("smtp", smtplib.SMTP)])
def test_a_mail_over_the_size_limit_is_refused_with_552(
    settings: Any, listen: Callable[[Mode], int], mailbox: Mailbox, mode: Mode,
    client_class: type[smtplib.SMTP]
) -> None:
    settings.MEHVAR_MAX_ATTACHMENT_BYTES = 1000  # mails up to 2000 bytes
    with client_class("127.0.0.1", listen(mode)) as client:
        client.ehlo()
        assert "size" in client.esmtp_features
        # Without SIZE in MAIL FROM, so that the limit is enforced on the data itself.
        client.mail(SENDER)
        client.rcpt("support@shop.example")
        code, _text = client.data(mail(body="Α" * 3000))
        assert code == 552
        # A declared size over the limit is refused at once.
        client.rset()
        assert client.mail(SENDER, ["SIZE=5000"])[0] == 552
    assert InboundEnvelope.objects.count() == 0


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"mehvar mail_listen did not start (exit {process.poll()})")


def test_the_command_answers_451_when_the_database_is_down(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "MEHVAR_VAR_DIR": str(tmp_path),
           "MEHVAR_DATABASE_URL": "postgres://mehvar@127.0.0.1:1/mehvar"}
    env.pop("MEHVAR_TEST_DATABASE_URL", None)
    mehvar = str(Path(sys.executable).with_name("mehvar"))
    process = subprocess.Popen([mehvar, "mail_listen", "--smtp", "--bind", f"127.0.0.1:{port}"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process)
        with smtplib.SMTP("127.0.0.1", port) as client, \
                pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail(SENDER, ["support@shop.example"], mail())
        assert refused.value.recipients["support@shop.example"][0] == 451
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0
