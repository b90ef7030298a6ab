"""What the conversation page shows of channels: each public reply's delivery state (and
"Send again" on a failed one), where replies go, quoted text and flags of the original,
logging a call and the call in the thread with a player for its recording."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mehvar.accounts.models import Agent
from mehvar.channels.models import DeliveryStatus, OutboundMessage, PhoneCall
from mehvar.channels.services.calls import call_add_recording, call_log
from mehvar.channels.services.outbound import (
    outbound_record_bounce,
    outbound_record_status,
    outbound_send,
)
from mehvar.conversations.models import Conversation, Message
from mehvar.conversations.services.messages import (
    AttachmentUpload,
    message_add,
    message_add_from_customer,
)
from mehvar.core.errors import Invalid
from mehvar.web.conversation import parse_duration
from tests.channels.test_calls import FA_NOTES, email_conversation, phone_conversation
from tests.web.helpers import browser

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
OGG = b"OggS\x00\x02" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings.MEDIA_ROOT


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def reply(agent: Agent, conversation: Conversation, text: str) -> OutboundMessage:
    message = message_add(actor=agent, conversation=conversation, text=text)
    return OutboundMessage.objects.get(message_id=message.pk)


def test_each_public_reply_shows_its_delivery_state(admin, agent, settings) -> None:
    conversation = email_conversation(admin)
    queued = reply(agent, conversation, "سلام، بررسی می‌کنیم.")
    sent = reply(agent, conversation, "مرحباً، تم الإرسال.")
    outbound_send(outbound_id=sent.pk)
    delivered = reply(agent, conversation, "Στάλθηκε σήμερα.")
    outbound_record_status(channel="email", provider_id=delivered.provider_id,
                           status="delivered")
    failed = reply(agent, conversation, "پاسخ ناموفق")
    outbound_record_bounce(provider_id=failed.provider_id, detail="550 5.1.1 <no such user>")
    retrying = reply(agent, conversation, "تلاش دوباره")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1", closed_port(), 2)
    outbound_send(outbound_id=retrying.pk)
    message_add(actor=agent, conversation=conversation, text="یادداشت", is_internal=True)

    html = browser(agent).get(f"/conversations/{conversation.pk}").content.decode()
    assert f'id="delivery-{queued.pk}" class="delivery delivery-queued"' in html
    assert f'id="delivery-{sent.pk}" class="delivery delivery-sent"' in html
    assert f'id="delivery-{delivered.pk}" class="delivery delivery-delivered"' in html
    assert f'id="delivery-{retrying.pk}" class="delivery delivery-retrying"' in html
    assert f'id="delivery-{failed.pk}" class="delivery delivery-failed"' in html
    assert html.count('class="delivery ') == 5  # none for the note or the customer's mail
    assert "Sent" in html
    assert "✓✓" in html
    assert "550 5.1.1 &lt;no such user&gt;" in html  # the error, escaped
    assert "ConnectionRefusedError" in html
    assert html.count(">Send again</button>") == 1


def test_send_again_swaps_the_state_in_place(admin, agent, analyst) -> None:
    conversation = email_conversation(admin)
    failed = reply(agent, conversation, "پاسخ")
    outbound_record_bounce(provider_id=failed.provider_id, detail="mailbox full")
    url = f"/conversations/{conversation.pk}/deliveries/{failed.pk}/retry"

    html = browser(analyst).get(f"/conversations/{conversation.pk}").content.decode()
    assert "Send again" not in html
    assert browser(analyst).post(url, headers=HTMX).status_code == 403
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED

    other = email_conversation(admin, sender="eleni@example.gr", message_id="m2@example.gr")
    wrong = browser(agent).post(f"/conversations/{other.pk}/deliveries/{failed.pk}/retry")
    assert wrong.status_code == 404

    response = browser(agent).post(url, headers=HTMX)
    fragment = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in fragment
    assert "delivery-queued" in fragment
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.QUEUED

    again = browser(agent).post(url, headers=HTMX)
    assert again.status_code == 409
    assert 'role="alert"' in again.content.decode()
    plain = browser(agent).post(url)
    assert plain.status_code == 409


def test_send_again_without_javascript_returns_to_the_message(admin, agent) -> None:
    conversation = email_conversation(admin)
    failed = reply(agent, conversation, "پاسخ")
    outbound_record_bounce(provider_id=failed.provider_id, detail="mailbox full")
    response = browser(agent).post(
        f"/conversations/{conversation.pk}/deliveries/{failed.pk}/retry", {"inbox": "view=open"})
    assert response.status_code == 302
    assert response["Location"] == (f"/conversations/{conversation.pk}?inbox=view%3Dopen"
                                    f"#m-{failed.message_id}")


def test_the_composer_says_where_replies_go(admin, agent) -> None:
    email = email_conversation(admin)
    html = browser(agent).get(f"/conversations/{email.pk}").content.decode()
    assert 'Replies go by e-mail to <bdi dir="ltr">nikos@example.gr</bdi>' in html
    assert '(from <bdi dir="ltr">support@example.com</bdi>)' in html
    phone = phone_conversation(agent)
    html = browser(agent).get(f"/conversations/{phone.pk}").content.decode()
    assert "Replies are kept in Mehvar only" in html


def test_quoted_text_is_folded_and_flags_are_labelled(agent) -> None:
    conversation = phone_conversation(agent)
    message_add_from_customer(
        conversation=conversation, text="ممنون، رسید.",
        quoted_text="> در تاریخ ۱۴۰۲/۰۵/۰۱ نوشتید:\n> <b>سفارش</b> ارسال شد",
        flags=["auto_reply", "truncated", "html_only", "malformed"])
    html = browser(agent).get(f"/conversations/{conversation.pk}").content.decode()
    assert '<details class="quoted">' in html
    assert "Show quoted text" in html
    assert "&lt;b&gt;سفارش&lt;/b&gt;" in html
    for label in ("Automatic reply", "Shortened to the size limit", "HTML only",
                  "Malformed original"):
        assert f'<span class="badge flag-badge">{label}</span>' in html


def test_log_a_call_with_a_recording(agent) -> None:
    conversation = phone_conversation(agent)
    client = browser(agent)
    page = client.get(f"/conversations/{conversation.pk}").content.decode()
    assert 'id="log-call"' in page
    assert 'accept="audio/*"' in page
    response = client.post(f"/conversations/{conversation.pk}/calls", {
        "direction": "outbound", "number": "+98 912 123 4567", "duration": "۴:۰۵",
        "outcome": "callback", "notes": FA_NOTES,
        "recording": SimpleUploadedFile("تماس.ogg", OGG, content_type="audio/ogg")})
    call = PhoneCall.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#m-{call.message_id}")
    assert (call.direction, call.duration_seconds, call.outcome, call.number) == (
        "outbound", 245, "callback", "+989121234567")

    html = client.get(f"/conversations/{conversation.pk}").content.decode()
    attachment = Message.objects.get(pk=call.message_id).attachments.get()
    src = f"/conversations/{conversation.pk}/attachments/{attachment.pk}?inline=1"
    assert f'<audio controls preload="none" src="{src}"' in html
    assert "Callback needed" in html
    assert "+989121234567" in html
    assert ">4:05<" in html
    assert '<span class="badge call-badge">Phone call</span>' in html

    played = client.get(src)
    assert played.status_code == 200
    assert played["Content-Disposition"].startswith("inline")
    assert played["Content-Type"] == "audio/ogg"
    assert played["X-Content-Type-Options"] == "nosniff"
    assert played["Content-Security-Policy"] == "sandbox"
    assert b"".join(played.streaming_content) == OGG

    # The recording plays from the customer's timeline too.
    customer_page = client.get(f"/customers/{conversation.customer_id}").content.decode()
    assert f'<audio controls preload="none" src="{src}"' in customer_page


def test_a_recording_added_later_plays_in_the_customer_timeline(agent) -> None:
    conversation = phone_conversation(agent)
    call = call_log(actor=agent, conversation_id=conversation.pk, customer_id=None,
                    direction="inbound",
                    number="+302101234567", duration_seconds=95, outcome="answered")
    attachment = call_add_recording(actor=agent, call_id=call.pk, recording=AttachmentUpload(
        "κλήση.ogg", "audio/ogg", OGG))
    page = browser(agent).get(f"/customers/{conversation.customer_id}").content.decode()
    src = f"/conversations/{conversation.pk}/attachments/{attachment.pk}?inline=1"
    assert page.count(f'src="{src}"') == 1


def test_inline_is_for_audio_only(agent) -> None:
    conversation = phone_conversation(agent)
    message = message_add(actor=agent, conversation=conversation, text="پیوست", attachments=[
        AttachmentUpload("page.html", "text/html", b"<script>alert(1)</script>")])
    attachment = message.attachments.get()
    response = browser(agent).get(
        f"/conversations/{conversation.pk}/attachments/{attachment.pk}?inline=1")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    html = browser(agent).get(f"/conversations/{conversation.pk}").content.decode()
    assert "<audio" not in html


def test_a_call_on_an_email_conversation_shows_as_a_note(admin, agent) -> None:
    conversation = email_conversation(admin)
    client = browser(agent)
    page = client.get(f"/conversations/{conversation.pk}").content.decode()
    assert "The call is added as an internal note" in page
    response = client.post(f"/conversations/{conversation.pk}/calls", {
        "direction": "inbound", "number": "+30 21 0123 4567", "duration": "12",
        "outcome": "resolved", "notes": ""})
    assert response.status_code == 302
    call = PhoneCall.objects.get()
    assert call.duration_seconds == 720
    message = Message.objects.get(pk=call.message_id)
    assert message.is_internal
    assert message.text == "Inbound call, 12:00, resolved on the call"
    assert not OutboundMessage.objects.filter(message_id=message.pk).exists()


def test_a_refused_call_keeps_the_draft(agent) -> None:
    conversation = phone_conversation(agent)
    response = browser(agent).post(f"/conversations/{conversation.pk}/calls", {
        "direction": "inbound", "number": "نه شماره", "duration": "4:05",
        "outcome": "answered", "notes": "یادداشت تماس که نباید گم شود"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="call-error"' in html
    assert '<details id="log-call" class="call-form" open>' in html
    assert "یادداشت تماس که نباید گم شود" in html
    assert 'aria-invalid="true"' in html
    assert not PhoneCall.objects.exists()
    bad_file = browser(agent).post(f"/conversations/{conversation.pk}/calls", {
        "direction": "inbound", "number": "+989121234567", "duration": "1:00",
        "outcome": "answered",
        "recording": SimpleUploadedFile("x.svg", b"<svg/>", content_type="image/svg+xml")})
    assert bad_file.status_code == 400
    assert not PhoneCall.objects.exists()


def test_an_analyst_cannot_log_calls(agent, analyst) -> None:
    conversation = phone_conversation(agent)
    client = browser(analyst)
    assert 'id="log-call"' not in client.get(f"/conversations/{conversation.pk}"
                                             ).content.decode()
    response = client.post(f"/conversations/{conversation.pk}/calls", {
        "direction": "inbound", "number": "+989121234567", "duration": "1:00",
        "outcome": "answered"})
    assert response.status_code == 403
    assert not PhoneCall.objects.exists()
    assert browser(agent).post("/conversations/987654/calls", {}).status_code == 404


@pytest.mark.parametrize(("typed", "seconds"), [
    ("", 0), ("4:05", 245), ("۴:۰۵", 245), ("٤:٠٥", 245), ("12", 720), ("1:02:03", 3723),
    (" 0:59 ", 59),
])
def test_durations_typed_by_people(typed, seconds) -> None:
    assert parse_duration(typed) == seconds


@pytest.mark.parametrize("typed", ["4:75", "abc", "1:2:3:4", "-3", "4.5", "1:", "1" * 9])
def test_durations_that_do_not_parse(typed) -> None:
    with pytest.raises(Invalid) as caught:
        parse_duration(typed)
    assert (caught.value.code, caught.value.field) == ("call_invalid", "duration")


@pytest.mark.parametrize("size", [2, 12])
def test_page_queries_stay_constant_with_deliveries_and_calls(
    admin, agent, size, django_assert_max_num_queries,
) -> None:
    conversation = email_conversation(admin)
    for number in range(size):
        reply(agent, conversation, f"پاسخ شماره {number}")
        call_log(actor=agent, conversation_id=conversation.pk, customer_id=None,
                 direction="inbound", number="+989121234567", duration_seconds=number,
                 outcome="answered", recording=AttachmentUpload("c.ogg", "audio/ogg", OGG))
    message_add_from_customer(conversation=conversation, text="ممنون", quoted_text="> قبلی",
                              flags=["auto_reply"])
    client = browser(agent)
    client.get(f"/conversations/{conversation.pk}")
    # session, agent, conversation + tags, thread (messages, attachments, events), agents,
    # teams, deliveries, calls, reply route, service levels (state, hand-offs, requests),
    # message insights, conversation insight
    with django_assert_max_num_queries(17):
        response = client.get(f"/conversations/{conversation.pk}")
    assert response.content.decode().count('class="delivery ') == size
    # the thread alone (live updates): session, agent, conversation + tags, thread (3),
    # deliveries, calls, message insights
    with django_assert_max_num_queries(10):
        client.get(f"/conversations/{conversation.pk}?fragment=thread")
