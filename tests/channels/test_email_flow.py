"""E-mail end to end with a real SMTP server (aiosmtpd): inbound mail opens and continues
conversations, replies thread in the customer's client (Message-ID, In-Reply-To, References),
loops are never answered, deliveries retry and fail visibly, nothing is lost or doubled."""

from __future__ import annotations

import email
import smtplib
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from mehvar.accounts.models import Agent
from mehvar.channels.email.ids import conversation_of
from mehvar.channels.email.outbound import build
from mehvar.channels.email.receive import mail_receive
from mehvar.channels.models import (
    DeliveryStatus,
    EnvelopeStatus,
    InboundEnvelope,
    Mailbox,
    OutboundKind,
    OutboundMessage,
    ReplyRoute,
)
from mehvar.channels.services.envelopes import envelope_process, envelope_retry
from mehvar.channels.services.outbound import outbound_retry, outbound_sweep
from mehvar.channels.types import Delivery
from mehvar.conversations.models import Conversation, Message
from mehvar.conversations.services.messages import AttachmentUpload, message_add
from mehvar.core.errors import Conflict, PermissionDenied

pytestmark = pytest.mark.django_db(transaction=True)


class Recorder:
    """An aiosmtpd handler keeping what it receives; `refuse` answers RCPT with that reply."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = ""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


@pytest.fixture
def smtp(settings: Any, unused_tcp_port: int) -> Iterator[Recorder]:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=unused_tcp_port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", unused_tcp_port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield recorder
    controller.stop()


@pytest.fixture
def unused_tcp_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mailbox(db: None) -> Mailbox:
    return Mailbox.objects.create(name="Support", address="support@shop.example")


def customer_mail(*, sender: str = "Leila Ahmadi <leila@example.ir>", subject: str,
                  body: str, message_id: str, in_reply_to: str = "",
                  references: str = "", extra: dict[str, str] | None = None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = sender, "support@shop.example"
    message["Subject"], message["Message-ID"] = subject, f"<{message_id}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        message["References"] = references
    for name, value in (extra or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


def receive(raw: bytes, mailbox: Mailbox | None = None) -> InboundEnvelope:
    envelope, _created = mail_receive(raw=raw, mailbox=mailbox, source="test")
    envelope.refresh_from_db()
    return envelope


def test_a_reply_threads_in_the_customers_client_and_back(
    smtp: Recorder, mailbox: Mailbox, agent: Agent
) -> None:
    first = receive(customer_mail(subject="سفارش ۱۲۳۴ نرسیده", message_id="c1@example.ir",
                                  body="سلام، سفارش من هنوز نرسیده است."), mailbox)
    assert first.status == EnvelopeStatus.PROCESSED
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert conversation.channel == "email"
    assert conversation.subject == "سفارش ۱۲۳۴ نرسیده"
    assert first.message.text == "سلام، سفارش من هنوز نرسیده است."

    message_add(actor=agent, conversation=conversation, text="سلام لیلا، پیگیری می‌کنیم.")
    assert len(smtp.messages) == 1
    reply = smtp.messages[0]
    ours = reply["Message-ID"].strip("<>")
    assert reply["In-Reply-To"] == "<c1@example.ir>"
    assert reply["References"] == "<c1@example.ir>"
    assert reply["To"] == "Leila Ahmadi <leila@example.ir>" or "leila@example.ir" in reply["To"]
    assert "support@shop.example" in reply["From"]
    assert reply["Subject"] == f"Re: سفارش ۱۲۳۴ نرسیده [#{conversation.pk}]"
    assert conversation_of(ours) == conversation.pk
    html = reply.get_body(("html",)).get_content()
    assert 'dir="rtl"' in html
    assert "پیگیری می‌کنیم" in html
    # The footer is in the customer's language too.
    assert f'شمارهٔ پیگیری گفت‌وگو: <bdi dir="ltr">#{conversation.pk}</bdi>' in html
    assert reply.get_body(("plain",)).get_content().strip() == "سلام لیلا، پیگیری می‌کنیم."
    outbound = OutboundMessage.objects.get(conversation=conversation)
    assert outbound.status == DeliveryStatus.SENT
    assert outbound.provider_id == ours

    # The customer's client answers: In-Reply-To ours, References the whole chain.
    second = receive(customer_mail(
        subject=f"Re: سفارش ۱۲۳۴ نرسیده [#{conversation.pk}]", message_id="c2@example.ir",
        body="ممنون، منتظرم.\n\nOn Mon, Support wrote:\n> سلام لیلا، پیگیری می‌کنیم.",
        in_reply_to=ours, references=f"<c1@example.ir> <{ours}>"), mailbox)
    assert second.conversation_id == conversation.pk
    assert second.message.text == "ممنون، منتظرم."
    assert "پیگیری می‌کنیم" in second.message.quoted_text

    message_add(actor=agent, conversation=conversation, text="ارسال شد.")
    again = smtp.messages[1]
    assert again["In-Reply-To"] == "<c2@example.ir>"
    assert again["References"].split() == ["<c1@example.ir>", f"<{ours}>", "<c2@example.ir>"]


def test_attachments_go_out_with_the_reply(smtp: Recorder, mailbox: Mailbox,
                                           agent: Agent) -> None:
    envelope = receive(customer_mail(subject="Τιμολόγιο", message_id="g1@example.gr",
                                     sender="Νίκος <nikos@example.gr>",
                                     body="Καλησπέρα, χρειάζομαι το τιμολόγιο."), mailbox)
    conversation = Conversation.objects.get(pk=envelope.conversation_id)
    message_add(actor=agent, conversation=conversation, text="Ορίστε το τιμολόγιο.",
                attachments=[AttachmentUpload("τιμολόγιο.pdf", "application/pdf",
                                              b"%PDF-1.4 test")])
    sent = smtp.messages[0]
    files = [(part.get_filename(), part.get_content()) for part in sent.iter_attachments()]
    assert files == [("τιμολόγιο.pdf", b"%PDF-1.4 test")]
    assert 'dir="ltr"' in sent.get_body(("html",)).get_content()


def test_a_repeated_delivery_changes_nothing(mailbox: Mailbox) -> None:
    raw = customer_mail(subject="مشکل در پرداخت", message_id="dup@example.ir",
                        body="پرداخت انجام نشد.")
    first = receive(raw, mailbox)
    again, created = mail_receive(raw=raw, mailbox=mailbox, source="imap")
    assert not created
    assert again.pk == first.pk
    assert Message.objects.filter(external_id="dup@example.ir").count() == 1
    assert InboundEnvelope.objects.count() == 1
    # Processing it again (a second task for the same envelope) is a no-op too.
    assert envelope_process(envelope_id=first.pk) is None
    assert Message.objects.count() == 1


def test_subject_token_threads_only_for_the_same_customer(mailbox: Mailbox) -> None:
    first = receive(customer_mail(subject="فاتورة خاطئة", message_id="a1@example.sa",
                                  sender="Omar <omar@example.sa>", body="الفاتورة خاطئة."))
    token = first.conversation_id
    same = receive(customer_mail(subject=f"Re: فاتورة خاطئة [#{token}]",
                                 message_id="a2@example.sa", sender="Omar <omar@example.sa>",
                                 body="هل من جديد؟"))
    assert same.conversation_id == token
    stranger = receive(customer_mail(subject=f"Hello [#{token}]", message_id="x1@example.com",
                                     sender="Mallory <mallory@example.com>", body="Let me in."))
    assert stranger.conversation_id != token
    # A new subject from a known customer opens a new conversation.
    other = receive(customer_mail(subject="سؤال آخر", message_id="a3@example.sa",
                                  sender="Omar <omar@example.sa>", body="سؤال عن الشحن."))
    assert other.conversation_id not in {token, stranger.conversation_id}


def test_a_forged_message_id_does_not_thread(mailbox: Mailbox) -> None:
    first = receive(customer_mail(subject="First", message_id="f1@example.com",
                                  body="Hello there."))
    forged = f"mehvar.c{first.conversation_id}.abcd.k000000000000@shop.example"
    later = receive(customer_mail(subject="Other", message_id="f2@example.com",
                                  sender="Eve <eve@example.com>", body="Sneaking in.",
                                  in_reply_to=forged))
    assert later.conversation_id != first.conversation_id


def test_loops_are_recognised_and_never_answered(smtp: Recorder, mailbox: Mailbox) -> None:
    mailbox.send_acknowledgement = True
    mailbox.save()
    human = receive(customer_mail(subject="Παράπονο", message_id="h1@example.gr",
                                  body="Το προϊόν ήρθε σπασμένο."), mailbox)
    assert human.status == EnvelopeStatus.PROCESSED
    assert len(smtp.messages) == 1  # the acknowledgement
    acknowledgement = smtp.messages[0]
    assert acknowledgement["Auto-Submitted"] == "auto-replied"
    assert f"#{human.conversation_id}" in acknowledgement.get_body(("plain",)).get_content()

    out_of_office = receive(customer_mail(
        subject="Automatic reply: Παράπονο", message_id="ooo@example.gr",
        body="I am out of the office.", extra={"Auto-Submitted": "auto-replied"}), mailbox)
    newsletter = receive(customer_mail(
        subject="Weekly deals", message_id="news@example.com", sender="deals@example.com",
        body="Deals!", extra={"Precedence": "bulk", "List-Id": "<deals.example.com>"}), mailbox)
    assert (out_of_office.status, out_of_office.outcome) == (EnvelopeStatus.IGNORED,
                                                             "auto_reply")
    assert newsletter.status == EnvelopeStatus.IGNORED
    assert newsletter.outcome == "mailing_list"
    assert len(smtp.messages) == 1  # nothing answered them
    assert Message.objects.count() == 1


def test_a_bounce_marks_the_delivery_failed(smtp: Recorder, mailbox: Mailbox,
                                            agent: Agent) -> None:
    envelope = receive(customer_mail(subject="Refund", message_id="r1@example.com",
                                     body="Where is my refund?"), mailbox)
    conversation = Conversation.objects.get(pk=envelope.conversation_id)
    message_add(actor=agent, conversation=conversation, text="It is on its way.")
    ours = smtp.messages[0]["Message-ID"].strip("<>")
    bounce = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: support@shop.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce1@mx.example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; leila@example.ir\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 mailbox unknown\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{ours}>\r\nSubject: Re: Refund\r\n--B--\r\n").encode()
    envelope = receive(bounce, mailbox)
    assert (envelope.status, envelope.outcome) == (EnvelopeStatus.IGNORED, "bounce")
    outbound = OutboundMessage.objects.get(provider_id=ours)
    assert outbound.status == DeliveryStatus.FAILED
    assert "mailbox unknown" in outbound.last_error


def test_an_unreachable_relay_is_retried_then_delivered(smtp: Recorder, settings: Any,
                                                        mailbox: Mailbox, agent: Agent) -> None:
    envelope = receive(customer_mail(subject="Late order", message_id="l1@example.com",
                                     body="My order is late."), mailbox)
    conversation = Conversation.objects.get(pk=envelope.conversation_id)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there
    message_add(actor=agent, conversation=conversation, text="Checking now.")
    outbound = OutboundMessage.objects.get(conversation=conversation)
    assert outbound.status == DeliveryStatus.RETRYING
    assert outbound.attempts == 1
    assert outbound.last_error
    assert outbound.next_attempt_at is not None

    settings.EMAIL_PORT = port
    assert outbound_sweep() == 0  # not due yet
    OutboundMessage.objects.filter(pk=outbound.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert outbound_sweep() == 1
    outbound.refresh_from_db()
    assert outbound.status == DeliveryStatus.SENT
    assert outbound.attempts == 2
    assert len(smtp.messages) == 1


def test_a_refused_recipient_fails_at_once_and_an_agent_can_send_again(
    smtp: Recorder, mailbox: Mailbox, agent: Agent, analyst: Agent
) -> None:
    envelope = receive(customer_mail(subject="Help", message_id="p1@example.com",
                                     body="Please help."), mailbox)
    conversation = Conversation.objects.get(pk=envelope.conversation_id)
    smtp.refuse = "550 5.1.1 No such user"
    message_add(actor=agent, conversation=conversation, text="Here to help.")
    outbound = OutboundMessage.objects.get(conversation=conversation)
    assert outbound.status == DeliveryStatus.FAILED
    assert outbound.attempts == 1
    assert "No such user" in outbound.last_error

    with pytest.raises(PermissionDenied):
        outbound_retry(actor=analyst, outbound_id=outbound.pk)
    smtp.refuse = ""
    outbound_retry(actor=agent, outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == DeliveryStatus.SENT
    with pytest.raises(Conflict):
        outbound_retry(actor=agent, outbound_id=outbound.pk)


def test_internal_notes_and_routeless_conversations_send_nothing(
    smtp: Recorder, mailbox: Mailbox, agent: Agent
) -> None:
    envelope = receive(customer_mail(subject="Note", message_id="n1@example.com",
                                     body="Question."), mailbox)
    conversation = Conversation.objects.get(pk=envelope.conversation_id)
    message_add(actor=agent, conversation=conversation, text="internal", is_internal=True)
    ReplyRoute.objects.filter(conversation=conversation).delete()
    message_add(actor=agent, conversation=conversation, text="public, but no route")
    assert smtp.messages == []
    assert not OutboundMessage.objects.exists()


def test_a_failing_envelope_is_retried_then_parked_and_an_admin_retries_it(
    settings: Any, admin: Agent, agent: Agent
) -> None:
    settings.MEHVAR_INBOUND_MAX_ATTEMPTS = 2
    # No adapter reads the "twitter" channel yet: processing fails every time.
    from mehvar.channels.services.envelopes import envelope_receive

    envelope, _created = envelope_receive(channel="twitter", external_id="t1", raw=b"{}")
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.PENDING
    assert envelope.attempts == 1
    assert "KeyError" in envelope.last_error
    envelope_process(envelope_id=envelope.pk)
    envelope.refresh_from_db()
    assert (envelope.status, envelope.outcome, envelope.attempts) == (
        EnvelopeStatus.PARKED, "failed", 2)
    assert bytes(envelope.raw) == b"{}"  # kept as received

    with pytest.raises(PermissionDenied):
        envelope_retry(actor=agent, envelope_id=envelope.pk)
    envelope_retry(actor=admin, envelope_id=envelope.pk)
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.PENDING
    assert envelope.attempts == 1


def test_the_per_sender_rate_limit_parks_and_an_admin_accepts(
    settings: Any, mailbox: Mailbox, admin: Agent
) -> None:
    settings.MEHVAR_INBOUND_RATE_LIMIT_PER_HOUR = 2
    envelopes = [receive(customer_mail(subject=f"Spam {n}", message_id=f"s{n}@example.com",
                                       body=f"Message {n}"), mailbox) for n in range(3)]
    assert [e.status for e in envelopes] == [EnvelopeStatus.PROCESSED] * 2 + [
        EnvelopeStatus.PARKED]
    assert envelopes[2].outcome == "rate_limited"
    envelope_retry(actor=admin, envelope_id=envelopes[2].pk)
    envelopes[2].refresh_from_db()
    assert envelopes[2].status == EnvelopeStatus.PROCESSED
    assert Message.objects.count() == 3


def test_an_acknowledgement_goes_to_the_sender_once(smtp: Recorder,
                                                         mailbox: Mailbox) -> None:
    mailbox.send_acknowledgement = True
    mailbox.save()
    envelope = receive(customer_mail(subject="سلام", message_id="ack@example.sa",
                                     sender="سارا <sara@example.sa>", body="مرحبا"), mailbox)
    conversation = Conversation.objects.get(pk=envelope.conversation_id)
    outbound = OutboundMessage.objects.get(conversation=conversation)
    assert outbound.kind == OutboundKind.ACKNOWLEDGEMENT
    assert smtp.messages[0]["To"].endswith("<sara@example.sa>") or \
        "sara@example.sa" in smtp.messages[0]["To"]


def test_smtp_server_is_real(smtp: Recorder, settings: Any) -> None:
    """The fixture is a real SMTP server: a plain smtplib client can talk to it."""
    with smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=5) as client:
        client.sendmail("a@example.com", ["b@example.com"],
                        b"Subject: ping\r\n\r\nping\r\n")
    assert smtp.messages[0]["Subject"] == "ping"


@pytest.mark.parametrize("conversation_id", [7, 1292, 98_765_432])
@pytest.mark.parametrize("subject", [
    "سفارش ۱۲۳۴ نرسیده",
    "Η παραγγελία μου δεν έχει φτάσει ακόμα και η σελίδα παρακολούθησης δεν δείχνει τίποτα",
    "لم يصل طلبي بعد وصفحة التتبع لا تظهر أي تحديث منذ أسبوع كامل",
    "Order 1234 has not arrived",
])
def test_a_long_non_ascii_subject_reads_back_exactly(subject: str, conversation_id: int) -> None:
    delivery = Delivery(outbound_id=1, kind="reply", channel="email", recipient="c@example.ir",
                        conversation_id=conversation_id, subject=subject, text="متن",
                        sender_address="support@shop.example", message_id="m1@shop.example")
    raw = build(delivery).message().as_bytes(linesep="\r\n")
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == f"Re: {subject} [#{conversation_id}]"
