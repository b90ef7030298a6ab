"""Phone calls: logged in a conversation (public on the phone channel, an internal note
elsewhere so nothing is sent), or for a customer in a new phone conversation; the number in
E.164, a one-line summary without notes, an audio recording, a "call.logged" timeline event;
bad input and refused roles change nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from mehvar.accounts.models import Agent
from mehvar.channels.email.receive import mail_receive
from mehvar.channels.models import (
    CallDirection,
    CallOutcome,
    Mailbox,
    OutboundMessage,
    PhoneCall,
)
from mehvar.channels.services.calls import (
    call_add_recording,
    call_log,
    call_summary,
    format_duration,
)
from mehvar.channels.services.envelopes import envelope_process
from mehvar.channels.services.mailboxes import mailbox_create
from mehvar.conversations.errors import AttachmentTooLarge
from mehvar.conversations.models import Conversation, Message, Status
from mehvar.conversations.services.conversations import (
    conversation_create,
    conversation_set_status,
)
from mehvar.conversations.services.messages import AttachmentUpload, message_add
from mehvar.core.errors import Conflict, Invalid, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.customers.services import customer_create
from mehvar.web.templatetags.customer_labels import verb_label

pytestmark = pytest.mark.django_db

FA_NOTES = "مشتری درباره‌ی سفارش ۴۵۱۲ زنگ زد؛ کد رهگیری را دادم."
AR_NOTES = "اتصل العميل بخصوص الفاتورة، وشرحت له الرسوم."
EL_SUBJECT = "Η σύνδεση στο διαδίκτυο διακόπτεται"
OGG = b"OggS\x00\x02" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def phone_conversation(actor: Agent, number: str = "+989121234567") -> Conversation:
    return conversation_create(
        actor=actor, subject="تماس درباره‌ی سفارش", channel="phone", text=FA_NOTES,
        identity_kind="phone", identity_value=number, customer_name="مریم احمدی",
        language="fa")


def email_conversation(admin: Agent, *, sender: str = "nikos@example.gr",
                       message_id: str = "m1@example.gr") -> Conversation:
    """A conversation a customer opened by e-mail, through the real inbound pipeline (so it
    has a reply route to a mailbox)."""
    mailbox = support_mailbox(admin)
    raw = (f"From: Νίκος Σταύρου <{sender}>\r\nTo: {mailbox.address}\r\n"
           f"Subject: {EL_SUBJECT}\r\nMessage-ID: <{message_id}>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n"
           "Καλησπέρα, το ρούτερ χάνει τη σύνδεση κάθε δέκα λεπτά.\r\n").encode()
    envelope, _created = mail_receive(raw=raw, mailbox=mailbox)
    processed = envelope_process(envelope_id=envelope.pk)
    assert processed is not None
    assert processed.conversation_id is not None
    return Conversation.objects.get(pk=processed.conversation_id)


def support_mailbox(admin: Agent) -> Mailbox:
    existing = Mailbox.objects.filter(address="support@example.com").first()
    return existing or mailbox_create(actor=admin, name="پشتیبانی", address="support@example.com")


def log(actor: Agent, **overrides: Any) -> PhoneCall:
    values: dict[str, Any] = {
        "conversation_id": None, "customer_id": None, "direction": CallDirection.INBOUND,
        "number": "+98 912 123 4567", "duration_seconds": 245,
        "outcome": CallOutcome.RESOLVED, "notes": FA_NOTES}
    values.update(overrides)
    return call_log(actor=actor, **values)


def test_a_call_on_a_phone_conversation_is_a_public_message_with_its_facts(agent) -> None:
    conversation = phone_conversation(agent)
    call = log(agent, conversation_id=conversation.pk)

    message = Message.objects.get(pk=call.message_id)
    assert (message.is_internal, message.author_kind, message.text) == (False, "agent", FA_NOTES)
    assert (call.number, call.duration_seconds, call.outcome, call.agent_id) == (
        "+989121234567", 245, "resolved", agent.pk)
    assert call.conversation_id == conversation.pk
    assert timezone.now() - timedelta(seconds=300) < call.started_at < timezone.now()
    event = TimelineEvent.objects.get(verb="call.logged")
    assert (event.customer_id, event.conversation_id, event.actor_id) == (
        conversation.customer_id, conversation.pk, agent.pk)
    assert event.after == {"call_id": call.pk, "message_id": message.pk,
                           "direction": "inbound", "duration_seconds": 245,
                           "outcome": "resolved", "has_recording": False, "recording_id": None}
    assert str(verb_label("call.logged")) == "Phone call logged"  # the 360 timeline's label
    assert not OutboundMessage.objects.exists()  # the phone channel has no sender
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None  # a real answer to the customer


def test_a_call_on_an_email_conversation_is_an_internal_note_and_sends_nothing(
    agent, admin,
) -> None:
    conversation = email_conversation(admin)
    call = log(agent, conversation_id=conversation.pk, notes=AR_NOTES)

    message = Message.objects.get(pk=call.message_id)
    assert (message.is_internal, message.text) == (True, AR_NOTES)
    assert not OutboundMessage.objects.filter(message_id=message.pk).exists()
    # a public reply on the same conversation is queued: the route is really there
    reply = message_add(actor=agent, conversation=conversation, text="Ευχαριστούμε!")
    assert OutboundMessage.objects.filter(message_id=reply.pk).count() == 1


def test_without_notes_the_message_is_a_translated_summary(agent) -> None:
    conversation = phone_conversation(agent)
    call = log(agent, conversation_id=conversation.pk, notes="  ", duration_seconds=3723,
               direction=CallDirection.OUTBOUND, outcome=CallOutcome.NO_ANSWER)
    assert Message.objects.get(pk=call.message_id).text == "Outbound call, 1:02:03, no answer"
    assert call_summary(direction="inbound", duration_seconds=245, outcome="resolved") == \
        "Inbound call, 4:05, resolved on the call"
    assert [format_duration(value) for value in (0, 59, 60, 3600)] == [
        "0:00", "0:59", "1:00", "1:00:00"]


def test_a_call_for_a_customer_opens_a_phone_conversation(agent) -> None:
    customer = customer_create(actor=agent, name="Ελένη Κωνσταντίνου", language="el")
    call = log(agent, customer_id=customer.pk, direction=CallDirection.OUTBOUND, notes="")

    conversation = Conversation.objects.get(pk=call.conversation_id)
    assert (conversation.channel, conversation.customer_id, conversation.assignee_id) == (
        "phone", customer.pk, agent.pk)
    assert conversation.subject == "Call with Ελένη Κωνσταντίνου"
    assert conversation.status == Status.PENDING  # the agent called: waiting on the customer
    message = Message.objects.get(pk=call.message_id)
    assert (message.author_kind, message.text) == ("agent", "Outbound call, 4:05, resolved "
                                                             "on the call")
    assert TimelineEvent.objects.filter(verb="call.logged", customer_id=customer.pk).count() == 1


def test_an_inbound_call_for_a_customer_is_the_customers_message(agent) -> None:
    customer = customer_create(actor=agent, name="محمد العبدالله")
    call = log(agent, customer_id=customer.pk)
    conversation = Conversation.objects.get(pk=call.conversation_id)
    assert conversation.status == Status.NEW
    assert Message.objects.get(pk=call.message_id).author_kind == "customer"


def test_a_recording_is_the_audio_attachment_of_the_calls_message(agent) -> None:
    conversation = phone_conversation(agent)
    call = log(agent, conversation_id=conversation.pk, recording=AttachmentUpload(
        "تماس.ogg", "audio/ogg; codecs=opus", OGG))
    attachment = Message.objects.get(pk=call.message_id).attachments.get()
    assert (attachment.filename, attachment.content_type, attachment.size_bytes) == (
        "تماس.ogg", "audio/ogg", len(OGG))
    later = call_add_recording(actor=agent, call_id=call.pk,
                               recording=AttachmentUpload("part2.mp3", "audio/mpeg", b"ID3"))
    assert later.message_id == call.message_id


def test_a_recording_on_a_new_conversation(agent) -> None:
    customer = customer_create(actor=agent, name="Priya Raman")
    call = log(agent, customer_id=customer.pk,
               recording=AttachmentUpload("call.wav", "audio/wav", b"RIFF"))
    recording = Message.objects.get(pk=call.message_id).attachments.get()
    assert recording.content_type == "audio/wav"
    event = TimelineEvent.objects.get(verb="call.logged")
    assert event.after["recording_id"] == recording.pk  # so the 360 timeline can play it


@pytest.mark.parametrize(("overrides", "field"), [
    ({"number": "not a number"}, "number"),
    ({"number": ""}, "number"),
    ({"number": "+98" + "1" * 80}, "number"),
    ({"duration_seconds": -1}, "duration_seconds"),
    ({"duration_seconds": 86_401}, "duration_seconds"),
    ({"direction": "sideways"}, "direction"),
    ({"outcome": "exploded"}, "outcome"),
    ({"started_at": timezone.now() + timedelta(days=1)}, "started_at"),
    ({"recording": AttachmentUpload("x.html", "text/html", b"<script>")}, "recording"),
    ({"conversation_id": None}, "conversation_id"),
])
def test_bad_input_is_refused_and_changes_nothing(agent, overrides, field) -> None:
    conversation = phone_conversation(agent)
    values = {"conversation_id": conversation.pk, **overrides}
    with pytest.raises(Invalid) as caught:
        log(agent, **values)
    assert (caught.value.code, caught.value.field) == ("call_invalid", field)
    assert not PhoneCall.objects.exists()
    assert Message.objects.count() == 1
    assert not TimelineEvent.objects.filter(verb="call.logged").exists()


def test_a_recording_over_the_size_limit_is_refused(agent, settings) -> None:
    settings.MEHVAR_MAX_ATTACHMENT_BYTES = 10
    conversation = phone_conversation(agent)
    with pytest.raises(AttachmentTooLarge):
        log(agent, conversation_id=conversation.pk,
            recording=AttachmentUpload("long.ogg", "audio/ogg", OGG))
    assert not PhoneCall.objects.exists()


def test_the_customer_must_be_the_conversations(agent) -> None:
    conversation = phone_conversation(agent)
    other = customer_create(actor=agent, name="James Whitfield")
    with pytest.raises(Invalid) as caught:
        log(agent, conversation_id=conversation.pk, customer_id=other.pk)
    assert caught.value.field == "customer_id"
    assert not PhoneCall.objects.exists()


def test_an_analyst_cannot_log_a_call(agent, analyst) -> None:
    conversation = phone_conversation(agent)
    with pytest.raises(PermissionDenied):
        log(analyst, conversation_id=conversation.pk)
    with pytest.raises(PermissionDenied):
        call_add_recording(actor=analyst, call_id=1,
                           recording=AttachmentUpload("a.ogg", "audio/ogg", OGG))
    assert not PhoneCall.objects.exists()
    assert Message.objects.count() == 1


def test_a_closed_conversation_takes_no_call(agent, supervisor) -> None:
    conversation = phone_conversation(agent)
    conversation_set_status(actor=supervisor, conversation=conversation, status=Status.CLOSED)
    with pytest.raises(Conflict):
        log(agent, conversation_id=conversation.pk)
    assert not PhoneCall.objects.exists()
