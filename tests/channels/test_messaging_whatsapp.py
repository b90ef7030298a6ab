"""WhatsApp (Cloud API) end to end over real HTTP: the subscription handshake, signed webhooks
that store one envelope per POST and one message per WhatsApp message, agents' replies and
files sent to the fake Graph API, and delivery receipts moving the delivery on."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from mehvar.accounts.models import Agent
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
from tests.channels.fake_provider import FakeProvider, meta_signature

pytestmark = pytest.mark.django_db

APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "verify-me-لطفاً"
PHONE_NUMBER_ID = "106540352242922"
WA_ID = "966501234567"
HOOK = "/hooks/whatsapp"
AR_TEXT = "مرحباً، لم تصل فاتورة شهر مارس حتى الآن. أرجو إرسالها مرة أخرى."
FA_TEXT = "ممنون، فاکتور را دریافت کردم ولی مبلغ آن اشتباه است."
EL_REPLY = "Καλησπέρα σας, σας στείλαμε ξανά το τιμολόγιο."


@pytest.fixture
def graph(settings: Any, tmp_path: Path) -> Iterator[FakeProvider]:
    settings.MEDIA_ROOT = tmp_path / "media"
    with FakeProvider() as provider:
        settings.MEHVAR_WHATSAPP_BASE_URL = f"{provider.url}/v21.0"
        settings.MEHVAR_WHATSAPP_TOKEN = "EAAG-access-token"
        settings.MEHVAR_WHATSAPP_APP_SECRET = APP_SECRET
        settings.MEHVAR_WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN
        settings.MEHVAR_WHATSAPP_PHONE_NUMBER_ID = PHONE_NUMBER_ID
        yield provider


def change(value: dict[str, Any]) -> bytes:
    """A webhook body as Meta sends it, around one change value."""
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550783881",
                                    "phone_number_id": PHONE_NUMBER_ID,
                                },
                                **value,
                            },
                        }
                    ],
                }
            ],
        },
        ensure_ascii=False,
    ).encode()


def text_message(
    wamid: str = "wamid.HBgLOTY2NTAxMjM0NTY3FQIAEhgUM0E",
    text: str = AR_TEXT,
    wa_id: str = WA_ID,
    name: str = "نورة القحطاني",
) -> bytes:
    return change(
        {
            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": wamid,
                    "timestamp": "1718000000",
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        }
    )


def post(
    client: Client, body: bytes, *, secret: str = APP_SECRET, header: str | None = None
) -> Any:
    value = header if header is not None else meta_signature(body, secret)
    return client.post(
        HOOK,
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": value} if value else {},
    )


@pytest.fixture
def receive(
    client: Client, graph: FakeProvider, django_capture_on_commit_callbacks: Any
) -> Callable[..., Any]:
    def run(body: bytes, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, body, **kwargs)

    return run


@pytest.fixture
def conversation(receive: Callable[..., Any]) -> Conversation:
    receive(text_message())
    return Conversation.objects.get()


def reply(
    agent: Agent, conversation: Conversation, capture: Any, text: str = EL_REPLY, **extra: Any
) -> OutboundMessage:
    with capture(execute=True):
        message = message_add(actor=agent, conversation=conversation, text=text, **extra)
    return OutboundMessage.objects.get(message=message)


# --- the handshake --------------------------------------------------------------------------


def test_handshake_echoes_the_challenge(client, graph) -> None:
    response = client.get(
        HOOK,
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    ("_case", "params"),
    [
        ("wrong token", {"hub.mode": "subscribe", "hub.verify_token": "guess"}),
        ("no token", {"hub.mode": "subscribe"}),
        ("wrong mode", {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN}),
    ],
)
def test_handshake_with_wrong_values_is_refused(client, graph, _case, params) -> None:
    response = client.get(HOOK, {**params, "hub.challenge": "1158201444"})
    assert response.status_code == 403
    assert response.content == b""


def test_unconfigured_channel_answers_404(client, settings) -> None:
    settings.MEHVAR_WHATSAPP_APP_SECRET = ""
    handshake = client.get(
        HOOK, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    )
    body = text_message()
    webhook = post(client, body, secret="")
    assert (handshake.status_code, webhook.status_code) == (404, 404)
    assert not InboundEnvelope.objects.exists()


# --- inbound --------------------------------------------------------------------------------


def test_signed_message_becomes_one_message_in_one_conversation(receive) -> None:
    # when
    body = text_message()
    response = receive(body)
    # then
    assert response.status_code == 200
    envelope = InboundEnvelope.objects.get()
    assert envelope.external_id.startswith("sha256:")
    assert (envelope.channel, envelope.status, envelope.sender) == (
        "whatsapp",
        EnvelopeStatus.PROCESSED,
        WA_ID,
    )
    assert bytes(envelope.raw) == body
    customer = Identity.objects.get(kind="whatsapp", value=f"+{WA_ID}").customer
    assert customer.name == "نورة القحطاني"
    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.customer_id) == ("whatsapp", customer.pk)
    assert list(Message.objects.values_list("text", "external_id")) == [
        (AR_TEXT, "wamid.HBgLOTY2NTAxMjM0NTY3FQIAEhgUM0E")
    ]
    route = ReplyRoute.objects.get(conversation=conversation)
    assert (route.channel, route.address) == ("whatsapp", WA_ID)


def test_repeated_delivery_changes_nothing(receive) -> None:
    receive(text_message())
    response = receive(text_message())
    assert response.status_code == 200
    assert (
        InboundEnvelope.objects.count(),
        Conversation.objects.count(),
        Message.objects.count(),
    ) == (1, 1, 1)


def test_same_message_in_another_post_is_stored_once(receive) -> None:
    # given: Meta sends the message again in a body that differs (another entry id)
    receive(text_message())
    again = text_message().replace(b"102290129340398", b"102290129340399")
    # when
    receive(again)
    # then: two envelopes, one message
    assert InboundEnvelope.objects.count() == 2
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("_case", "kwargs"),
    [
        ("missing", {"header": ""}),
        ("wrong secret", {"secret": "not-the-secret"}),
        ("not hex", {"header": "sha256=گذرواژه"}),
        ("no prefix", {"header": "0" * 64}),
    ],
)
def test_invalid_signature_is_refused_and_stores_nothing(receive, _case, kwargs) -> None:
    response = receive(text_message(), **kwargs)
    assert response.status_code == 403
    assert not InboundEnvelope.objects.exists()


def test_body_over_a_megabyte_is_413(receive) -> None:
    response = receive(text_message(text="ع" * 600_000))
    assert response.status_code == 413
    assert not InboundEnvelope.objects.exists()


def test_second_message_continues_the_conversation(receive, conversation) -> None:
    receive(text_message(wamid="wamid.SECOND", text=FA_TEXT))
    assert Conversation.objects.count() == 1
    assert list(
        conversation.messages.order_by("created_at", "pk").values_list("text", flat=True)
    ) == [AR_TEXT, FA_TEXT]


def test_one_post_with_two_customers_makes_two_conversations(receive) -> None:
    body = change(
        {
            "contacts": [
                {"profile": {"name": "نورة القحطاني"}, "wa_id": WA_ID},
                {"profile": {"name": "Γιώργος Παπαδόπουλος"}, "wa_id": "306912345678"},
            ],
            "messages": [
                {"from": WA_ID, "id": "wamid.A", "type": "text", "text": {"body": AR_TEXT}},
                {
                    "from": "306912345678",
                    "id": "wamid.B",
                    "type": "text",
                    "text": {"body": "Γεια σας, το δέμα δεν έφτασε."},
                },
            ],
        }
    )
    receive(body)
    assert InboundEnvelope.objects.get().outcome == "message"
    assert sorted(Conversation.objects.values_list("customer__name", "messages__text")) == [
        ("Γιώργος Παπαδόπουλος", "Γεια σας, το δέμα δεν έφτασε."),
        ("نورة القحطاني", AR_TEXT),
    ]


def test_media_messages_keep_the_caption_and_note_the_media(receive) -> None:
    body = change(
        {
            "contacts": [{"profile": {"name": "نورة"}, "wa_id": WA_ID}],
            "messages": [
                {
                    "from": WA_ID,
                    "id": "wamid.IMG",
                    "type": "image",
                    "image": {"caption": "صورة الإيصال", "mime_type": "image/jpeg", "id": "1"},
                },
                {
                    "from": WA_ID,
                    "id": "wamid.DOC",
                    "type": "document",
                    "document": {
                        "filename": "فاتورة.pdf",
                        "mime_type": "application/pdf",
                        "id": "2",
                    },
                },
                {
                    "from": WA_ID,
                    "id": "wamid.VOICE",
                    "type": "audio",
                    "audio": {"mime_type": "audio/ogg; codecs=opus", "voice": True, "id": "3"},
                },
            ],
        }
    )
    receive(body)
    assert list(Message.objects.order_by("pk").values_list("external_id", "text")) == [
        ("wamid.IMG", "صورة الإيصال\n\n[Image]"),
        ("wamid.DOC", "[Document: فاتورة.pdf]"),
        ("wamid.VOICE", "[Voice message]"),
    ]


def test_malformed_json_is_stored_and_ignored(receive) -> None:
    body = b'{"object": "whatsapp_business_account", "entry": [{'
    response = receive(body)
    assert response.status_code == 200
    envelope = InboundEnvelope.objects.get()
    assert (envelope.status, envelope.outcome, bytes(envelope.raw)) == (
        EnvelopeStatus.IGNORED,
        "malformed",
        body,
    )
    assert not Message.objects.exists()


# --- outbound -------------------------------------------------------------------------------


def test_agent_reply_is_sent_to_the_graph_api(
    agent, conversation, graph, django_capture_on_commit_callbacks
) -> None:
    outbound = reply(agent, conversation, django_capture_on_commit_callbacks)
    [request] = graph.requests
    assert request.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert request.headers["Authorization"] == "Bearer EAAG-access-token"
    assert request.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "text",
        "text": {"body": EL_REPLY},
    }
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts, outbound.provider_id, outbound.last_error) == (
        DeliveryStatus.SENT,
        1,
        "wamid.FAKE1001",
        "",
    )


def test_reply_with_a_file_uploads_it_and_sends_a_document(
    agent, conversation, graph, django_capture_on_commit_callbacks
) -> None:
    reply(
        agent,
        conversation,
        django_capture_on_commit_callbacks,
        attachments=[AttachmentUpload("τιμολόγιο.pdf", "application/pdf", b"%PDF-1.4 ...")],
    )
    upload, text, document = graph.requests
    assert upload.path == f"/v21.0/{PHONE_NUMBER_ID}/media"
    assert upload.multipart() == {
        "messaging_product": (None, "text/plain", b"whatsapp"),
        "type": (None, "text/plain", b"application/pdf"),
        "file": ("τιμολόγιο.pdf", "application/pdf", b"%PDF-1.4 ..."),
    }
    assert text.json()["text"] == {"body": EL_REPLY}
    assert document.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "document",
        "document": {"id": "media-1001", "filename": "τιμολόγιο.pdf"},
    }


@pytest.mark.parametrize(
    ("status", "expected", "error"),
    [
        (500, DeliveryStatus.RETRYING, "HTTP 500: [2] Service temporarily unavailable"),
        (
            400,
            DeliveryStatus.FAILED,
            "HTTP 400: [131030] (#131030) Recipient phone number not in allowed list",
        ),
    ],
)
def test_provider_refusal(
    agent, conversation, graph, django_capture_on_commit_callbacks, status, expected, error
) -> None:
    graph.fail_next(status)
    outbound = reply(agent, conversation, django_capture_on_commit_callbacks)
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts, outbound.last_error) == (expected, 1, error)


def test_delivered_receipt_marks_the_delivery_delivered(
    agent, conversation, graph, receive, django_capture_on_commit_callbacks
) -> None:
    # given
    outbound = reply(agent, conversation, django_capture_on_commit_callbacks)
    # when
    receive(
        change(
            {
                "statuses": [
                    {
                        "id": outbound.provider_id,
                        "status": "delivered",
                        "timestamp": "1718000100",
                        "recipient_id": WA_ID,
                        "conversation": {"id": "c1"},
                        "pricing": {"billable": True},
                    }
                ]
            }
        )
    )
    # then
    outbound.refresh_from_db()
    assert outbound.status == DeliveryStatus.DELIVERED
    receipt = InboundEnvelope.objects.order_by("-pk").first()
    assert (receipt.status, receipt.outcome, receipt.sender) == (
        EnvelopeStatus.IGNORED,
        "status_update",
        "",
    )
    assert Message.objects.count() == 2


def test_failed_receipt_marks_the_delivery_failed(
    agent, conversation, graph, receive, django_capture_on_commit_callbacks
) -> None:
    outbound = reply(agent, conversation, django_capture_on_commit_callbacks)
    receive(
        change(
            {
                "statuses": [
                    {
                        "id": outbound.provider_id,
                        "status": "failed",
                        "recipient_id": WA_ID,
                        "errors": [{"code": 131047, "title": "Re-engagement message"}],
                    }
                ]
            }
        )
    )
    outbound.refresh_from_db()
    assert outbound.status == DeliveryStatus.FAILED
