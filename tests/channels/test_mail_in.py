"""`mehvar mail_in`: an MTA pipes one mail to standard input; it is stored once, and the
exit code tells the MTA what to do (0 done, 65 bounce, 67 no such user, 75 retry later)."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mehvar.channels.models import InboundEnvelope, Mailbox
from mehvar.conversations.models import Message

MEHVAR = str(Path(sys.executable).with_name("mehvar"))


def mail(*, message_id: str = "fa-in-1@example.ir", subject: str = "سفارش ۱۲۳۴ نرسیده",
         body: str = "سلام، سفارش من هنوز نرسیده است.") -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = "Leila Ahmadi <leila@example.ir>", "support@shop.example"
    message["Subject"], message["Message-ID"] = subject, f"<{message_id}>"
    message.set_content(body)
    return message.as_bytes()


def mail_in(raw: bytes, *args: str) -> None:
    call_command("mail_in", *args, stdin=io.BytesIO(raw))


@pytest.fixture
def mailbox(db: None) -> Mailbox:
    return Mailbox.objects.create(name="Support", address="support@shop.example")


@pytest.mark.django_db(transaction=True)
def test_a_piped_mail_is_stored_once(mailbox: Mailbox) -> None:
    raw = mail()
    mail_in(raw, "--mailbox", "Support@Shop.Example")
    mail_in(raw, "--mailbox", "support@shop.example")  # the MTA delivered it again

    envelope = InboundEnvelope.objects.get()
    assert bytes(envelope.raw) == raw
    assert envelope.mailbox_id == mailbox.pk
    assert envelope.meta == {"source": "mail-in"}
    # Processed once committed (immediately in tests).
    assert Message.objects.get(external_id="fa-in-1@example.ir").text == (
        "سلام، سفارش من هنوز نرسیده است.")


@pytest.mark.django_db
def test_exims_from_line_is_not_part_of_the_mail() -> None:
    raw = mail(message_id="el-in@example.gr", subject="Τιμολόγιο", body="Καλησπέρα.")
    mail_in(b"From nikos@example.gr Mon Mar  3 09:30:00 2025\n" + raw)
    assert bytes(InboundEnvelope.objects.get().raw) == raw


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [b"", b"\r\n\r\n"])
def test_empty_input_is_a_data_error(raw: bytes) -> None:
    with pytest.raises(CommandError) as error:
        mail_in(raw)
    assert error.value.returncode == 65
    assert InboundEnvelope.objects.count() == 0


@pytest.mark.django_db
def test_oversized_input_is_a_data_error(settings: Any) -> None:
    settings.MEHVAR_MAX_ATTACHMENT_BYTES = 500
    with pytest.raises(CommandError, match="larger than 1000 bytes") as error:
        mail_in(mail(body="ب" * 1000))
    assert error.value.returncode == 65
    assert InboundEnvelope.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_mailbox_is_no_such_user(mailbox: Mailbox) -> None:
    with pytest.raises(CommandError) as error:
        mail_in(mail(), "--mailbox", "nobody@shop.example")
    assert error.value.returncode == 67
    assert InboundEnvelope.objects.count() == 0


# A real `mehvar mail_in` process, as an MTA runs it: it cannot see the test database, so it
# gets a file database of its own.


@pytest.fixture(scope="module")
def child_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("mail_in")
    env = {**os.environ, "MEHVAR_VAR_DIR": str(folder),
           "MEHVAR_DATABASE_URL": f"sqlite:///{folder / 'mehvar.sqlite3'}",
           "MEHVAR_LOG_LEVEL": "WARNING"}
    env.pop("MEHVAR_TEST_DATABASE_URL", None)
    subprocess.run([MEHVAR, "migrate", "--noinput", "--verbosity", "0"], env=env, check=True,
                   timeout=300)
    return env


def run_mail_in(raw: bytes, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([MEHVAR, "mail_in", *args], input=raw, env=env, capture_output=True,
                          timeout=120, check=False)


def test_the_command_stores_a_mail_and_exits_0(child_env: dict[str, str]) -> None:
    raw = mail(message_id="ar-in@example.sa", subject="طلبي لم يصل", body="طلبي لم يصل بعد.")
    first = run_mail_in(raw, child_env)
    again = run_mail_in(raw, child_env)

    assert (first.returncode, again.returncode) == (0, 0), first.stderr + again.stderr
    database = child_env["MEHVAR_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT external_id, raw FROM channels_inboundenvelope").fetchall()
    assert rows == [("ar-in@example.sa", raw)]


def test_the_command_asks_the_mta_to_retry_when_the_database_is_down(
    child_env: dict[str, str]
) -> None:
    env = {**child_env, "MEHVAR_DATABASE_URL": "postgres://mehvar@127.0.0.1:1/mehvar"}
    result = run_mail_in(mail(), env)
    assert result.returncode == 75
    assert b"The database is unavailable" in result.stderr


def test_the_command_refuses_empty_input(child_env: dict[str, str]) -> None:
    result = run_mail_in(b"", child_env)
    assert result.returncode == 65
    assert b"No message on standard input" in result.stderr
