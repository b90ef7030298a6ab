"""SMS (Twilio) end to end over real HTTP: a signed webhook stores one envelope that becomes
one message; repeats and forgeries change nothing; agents' replies reach the fake Twilio
and their delivery receipts move the delivery on."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from mehvar.accounts.models import Agent
from mehvar.channels.messaging.sms import signature
from mehvar.channels.models import (
    DeliveryStatus,
    EnvelopeStatus,
    InboundEnvelope,
    OutboundMessage,
    ReplyRoute,
)
from mehvar.conversations.models import Conversation, Message
from mehvar.conversations.services.messages import AttachmentUpload, message_add
from mehvar.customers.models import Identity
from tests.channels.fake_provider import SID_PREFIX, FakeProvider, twilio_signature

pytestmark = pytest.mark.django_db

ACCOUNT_SID = "AC" + "7" * 32
AUTH_TOKEN = "twilio-auth-token-۱۲۳"
OUR_NUMBER = "+15005550006"
CUSTOMER = "+989121234567"
HOOK = "/hooks/sms/twilio"
FA_TEXT = "سلام، سفارش شماره ۴۵۱۲ را دو هفته پیش ثبت کردم و هنوز نرسیده است."
AR_TEXT = "مرحباً، هل يمكنكم إرسال رقم التتبع مرة أخرى؟"
EL_REPLY = "Καλησπέρα σας, η παραγγελία σας στάλθηκε σήμερα το πρωί."


@pytest.fixture
def twilio(settings: Any, tmp_path: Path) -> Iterator[FakeProvider]:
    settings.MEDIA_ROOT = tmp_path / "media"
    with FakeProvider() as provider:
        settings.MEHVAR_SMS_BASE_URL = provider.url
        settings.MEHVAR_SMS_ACCOUNT_SID = ACCOUNT_SID
        settings.MEHVAR_SMS_AUTH_TOKEN = AUTH_TOKEN
        settings.MEHVAR_SMS_FROM = OUR_NUMBER
        yield provider


def inbound(sid: str = "SM" + "a" * 32, body: str = FA_TEXT, **extra: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": CUSTOMER,
        "To": OUR_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "SmsStatus": "received",
        **extra,
    }


def post(
    client: Client,
    fields: dict[str, str],
    *,
    sign_url: str = f"http://testserver{HOOK}",
    token: str = AUTH_TOKEN,
    signature_header: str | None = None,
) -> Any:
    header = (
        signature_header
        if signature_header is not None
        else twilio_signature(sign_url, fields, token)
    )
    return client.post(
        HOOK,
        data=urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": header} if header else {},
    )


@pytest.fixture
def receive(
    client: Client, twilio: FakeProvider, django_capture_on_commit_callbacks: Any
) -> Callable[..., Any]:
    """receive(fields) -> the response, after the envelope task has run."""

    def run(fields: dict[str, str], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, fields, **kwargs)

    return run


@pytest.fixture
def conversation(receive: Callable[..., Any]) -> Conversation:
    receive(inbound())
    return Conversation.objects.get()


def reply(
    agent: Agent, conversation: Conversation, text: str, capture: Any, **extra: Any
) -> OutboundMessage:
    with capture(execute=True):
        message = message_add(actor=agent, conversation=conversation, text=text, **extra)
    return OutboundMessage.objects.get(message=message)


def test_twilio_signature_matches_the_documented_example() -> None:
    # Twilio's documentation: auth token 12345 over this URL and these parameters.
    params = {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": ["+12349013030"],
        "Digits": ["1234"],
        "From": ["+12349013030"],
        "To": ["+18005551212"],
    }
    assert signature("https://mycompany.com/myapp.php?foo=1&bar=2", params, "12345") == (
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )


def test_signed_sms_becomes_one_message_in_one_conversation(receive) -> None:
    # when
    response = receive(inbound())
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content.decode() == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    envelope = InboundEnvelope.objects.get()
    assert (
        envelope.channel,
        envelope.external_id,
        envelope.status,
        envelope.outcome,
        envelope.sender,
    ) == ("sms", "SM" + "a" * 32, EnvelopeStatus.PROCESSED, "message", CUSTOMER)
    conversation = Conversation.objects.get()
    customer = Identity.objects.get(kind="phone", value=CUSTOMER).customer
    assert (conversation.channel, conversation.customer_id) == ("sms", customer.pk)
    assert list(Message.objects.values_list("text", "external_id", "author_customer_id")) == [
        (FA_TEXT, "SM" + "a" * 32, customer.pk)
    ]
    route = ReplyRoute.objects.get(conversation=conversation)
    assert (route.channel, route.address) == ("sms", CUSTOMER)


def test_repeated_delivery_changes_nothing(receive) -> None:
    # given
    receive(inbound())
    # when
    response = receive(inbound())
    # then
    assert response.status_code == 200
    assert InboundEnvelope.objects.count() == 1
    assert Message.objects.count() == 1
    assert Conversation.objects.count() == 1


def test_second_message_continues_the_conversation(receive, conversation) -> None:
    # when
    receive(inbound(sid="SM" + "b" * 32, body=AR_TEXT))
    # then
    assert Conversation.objects.count() == 1
    assert list(
        conversation.messages.order_by("created_at", "pk").values_list("text", flat=True)
    ) == [FA_TEXT, AR_TEXT]


@pytest.mark.parametrize(
    ("_case", "kwargs"),
    [
        ("missing", {"signature_header": ""}),
        ("garbage", {"signature_header": "bm90IGEgc2lnbmF0dXJl"}),
        ("another account's token", {"token": "someone-else"}),
        ("signed for another URL", {"sign_url": "https://evil.example/hooks/sms/twilio"}),
    ],
)
def test_invalid_signature_is_refused_and_stores_nothing(receive, _case, kwargs) -> None:
    response = receive(inbound(), **kwargs)
    assert response.status_code == 403
    assert not InboundEnvelope.objects.exists()


def test_address_signed_as_https_behind_a_proxy_is_accepted(receive) -> None:
    # Twilio signs the public https URL; behind a TLS-terminating proxy we see http.
    response = receive(inbound(), sign_url=f"https://testserver{HOOK}")
    assert response.status_code == 200
    assert InboundEnvelope.objects.count() == 1


def test_unconfigured_channel_answers_404_and_stores_nothing(receive, settings) -> None:
    settings.MEHVAR_SMS_AUTH_TOKEN = ""
    response = receive(inbound())
    assert response.status_code == 404
    assert not InboundEnvelope.objects.exists()


def test_body_over_a_megabyte_is_413(receive) -> None:
    response = receive(inbound(body="ب" * 600_000))
    assert response.status_code == 413
    assert not InboundEnvelope.objects.exists()


def test_mms_media_urls_are_noted_in_the_text(receive) -> None:
    media = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1"
    receive(
        inbound(body="رسید پرداخت", NumMedia="1", MediaUrl0=media, MediaContentType0="image/jpeg")
    )
    assert Message.objects.get().text == f"رسید پرداخت\n\n[Media (image/jpeg): {media}]"


def test_text_that_is_not_utf8_is_kept_and_flagged_malformed(
    client, twilio, django_capture_on_commit_callbacks
) -> None:
    # given: a body whose text is not UTF-8, signed over the fields as Django decodes them
    sid = "SM" + "c" * 32
    body = urlencode({"MessageSid": sid, "From": CUSTOMER, "Body": "سلام "}).encode() + b"%FF"
    fields = {"MessageSid": sid, "From": CUSTOMER, "Body": "سلام \ufffd"}
    header = twilio_signature(f"http://testserver{HOOK}", fields, AUTH_TOKEN)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            HOOK,
            data=body,
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": header},
        )
    # then
    assert response.status_code == 200
    assert InboundEnvelope.objects.get().status == EnvelopeStatus.PROCESSED
    message = Message.objects.get()
    assert (message.text, message.flags) == ("سلام \ufffd", ["malformed"])


def test_sender_that_is_not_a_phone_number_is_ignored(receive) -> None:
    receive(inbound(From="VERIFY"))
    envelope = InboundEnvelope.objects.get()
    assert (envelope.status, envelope.outcome) == (EnvelopeStatus.IGNORED, "no_sender")
    assert not Message.objects.exists()


def test_agent_reply_is_sent_to_twilio(
    agent, conversation, twilio, django_capture_on_commit_callbacks
) -> None:
    # when
    outbound = reply(agent, conversation, EL_REPLY, django_capture_on_commit_callbacks)
    # then
    [request] = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert (
        request.headers["Authorization"]
        == "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    )
    assert request.form() == {"From": OUR_NUMBER, "To": CUSTOMER, "Body": EL_REPLY}
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts, outbound.last_error) == (DeliveryStatus.SENT, 1, "")
    assert outbound.provider_id.startswith(SID_PREFIX)


def test_reply_with_a_file_tells_the_customer_it_was_left_out(
    agent, conversation, twilio, django_capture_on_commit_callbacks
) -> None:
    reply(
        agent,
        conversation,
        EL_REPLY,
        django_capture_on_commit_callbacks,
        attachments=[AttachmentUpload("τιμολόγιο.pdf", "application/pdf", b"%PDF-1.4")],
    )
    # The note is in the conversation's language: the customer wrote in Persian.
    assert conversation.language == "fa"
    assert twilio.requests[0].form()["Body"] == (
        f"{EL_REPLY}\n\n(پیوست با SMS ارسال نشد: τιμολόγιο.pdf)"
    )


@pytest.mark.parametrize(
    ("status", "expected", "error"),
    [
        (500, DeliveryStatus.RETRYING, "HTTP 500: [20500] Service unavailable"),
        (429, DeliveryStatus.RETRYING, "HTTP 429: [20429] Service unavailable"),
        (
            400,
            DeliveryStatus.FAILED,
            "HTTP 400: [21211] The 'To' number is not a valid phone number.",
        ),
    ],
)
def test_provider_refusal(
    agent, conversation, twilio, django_capture_on_commit_callbacks, status, expected, error
) -> None:
    # given
    twilio.fail_next(status)
    # when
    outbound = reply(agent, conversation, EL_REPLY, django_capture_on_commit_callbacks)
    # then
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts, outbound.last_error, outbound.provider_id) == (
        expected,
        1,
        error,
        "",
    )


def test_status_callbacks_move_the_delivery_on(
    agent, conversation, twilio, receive, django_capture_on_commit_callbacks
) -> None:
    # given
    outbound = reply(agent, conversation, EL_REPLY, django_capture_on_commit_callbacks)
    sid = outbound.provider_id
    callback = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": OUR_NUMBER,
        "To": CUSTOMER,
    }
    # when
    receive({**callback, "MessageStatus": "sent", "SmsStatus": "sent"})
    receive({**callback, "MessageStatus": "delivered", "SmsStatus": "delivered"})
    receive({**callback, "MessageStatus": "delivered", "SmsStatus": "delivered"})  # a repeat
    # then
    outbound.refresh_from_db()
    assert outbound.status == DeliveryStatus.DELIVERED
    assert list(
        InboundEnvelope.objects.filter(outcome="status_update")
        .order_by("pk")
        .values_list("external_id", "status", "sender")
    ) == [
        (f"{sid}:sent", EnvelopeStatus.IGNORED, ""),
        (f"{sid}:delivered", EnvelopeStatus.IGNORED, ""),
    ]
    assert Message.objects.count() == 2  # the customer's and the reply; receipts make none
