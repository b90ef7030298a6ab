"""Telegram (Bot API) end to end over real HTTP: updates carrying the secret token store one
envelope each and become messages; edits, service updates and forgeries are handled; agents'
replies, long replies and files reach the fake Bot API."""

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
from tests.channels.fake_provider import FakeProvider

pytestmark = pytest.mark.django_db

BOT_TOKEN = "7012345678:AAHk-bot-token"
SECRET = "telegram-secret_123"
USER_ID = 589123456
CHAT_ID = 589123456
HOOK = "/hooks/telegram"
EL_TEXT = "Καλησπέρα σας, από χθες το βράδυ το ρούτερ χάνει τη σύνδεση κάθε δέκα λεπτά."
FA_TEXT = "سلام، هنوز مشکل قطعی اینترنت حل نشده است."
AR_REPLY = "مرحباً، سنرسل فنياً إلى منزلك غداً صباحاً."
SENDER = {
    "id": USER_ID,
    "is_bot": False,
    "first_name": "Ελένη",
    "last_name": "Κωνσταντίνου",
    "username": "eleni_k",
    "language_code": "el",
}


@pytest.fixture
def bot_api(settings: Any, tmp_path: Path) -> Iterator[FakeProvider]:
    settings.MEDIA_ROOT = tmp_path / "media"
    with FakeProvider() as provider:
        settings.MEHVAR_TELEGRAM_BASE_URL = provider.url
        settings.MEHVAR_TELEGRAM_BOT_TOKEN = BOT_TOKEN
        settings.MEHVAR_TELEGRAM_SECRET_TOKEN = SECRET
        yield provider


def update(
    update_id: int = 912000001,
    message_id: int = 17,
    text: str = EL_TEXT,
    key: str = "message",
    **extra: Any,
) -> bytes:
    message = {
        "message_id": message_id,
        "from": SENDER,
        "date": 1718000000,
        "chat": {"id": CHAT_ID, "type": "private", "first_name": "Ελένη"},
        "text": text,
        **extra,
    }
    return json.dumps({"update_id": update_id, key: message}, ensure_ascii=False).encode()


def post(client: Client, body: bytes, *, secret: str | None = SECRET) -> Any:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post(HOOK, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def receive(
    client: Client, bot_api: FakeProvider, django_capture_on_commit_callbacks: Any
) -> Callable[..., Any]:
    def run(body: bytes, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, body, **kwargs)

    return run


@pytest.fixture
def conversation(receive: Callable[..., Any]) -> Conversation:
    receive(update())
    return Conversation.objects.get()


def reply(
    agent: Agent, conversation: Conversation, capture: Any, text: str = AR_REPLY, **extra: Any
) -> OutboundMessage:
    with capture(execute=True):
        message = message_add(actor=agent, conversation=conversation, text=text, **extra)
    return OutboundMessage.objects.get(message=message)


# --- inbound --------------------------------------------------------------------------------


def test_update_becomes_one_message_in_one_conversation(receive) -> None:
    response = receive(update())
    assert response.status_code == 200
    envelope = InboundEnvelope.objects.get()
    assert (envelope.channel, envelope.external_id, envelope.status, envelope.sender) == (
        "telegram",
        "912000001",
        EnvelopeStatus.PROCESSED,
        str(USER_ID),
    )
    customer = Identity.objects.get(kind="telegram", value=str(USER_ID)).customer
    assert customer.name == "Ελένη Κωνσταντίνου"
    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.customer_id) == ("telegram", customer.pk)
    assert list(Message.objects.values_list("text", "external_id")) == [(EL_TEXT, f"{CHAT_ID}:17")]
    route = ReplyRoute.objects.get(conversation=conversation)
    assert (route.channel, route.address) == ("telegram", str(CHAT_ID))


def test_repeated_delivery_changes_nothing(receive) -> None:
    receive(update())
    response = receive(update())
    assert response.status_code == 200
    assert (
        InboundEnvelope.objects.count(),
        Conversation.objects.count(),
        Message.objects.count(),
    ) == (1, 1, 1)


@pytest.mark.parametrize(
    ("_case", "secret"),
    [
        ("missing", None),
        ("wrong", "telegram-secret_124"),
        ("empty", ""),
        ("prefix", SECRET[:-1]),
    ],
)
def test_wrong_secret_is_refused_and_stores_nothing(receive, _case, secret) -> None:
    response = receive(update(), secret=secret)
    assert response.status_code == 403
    assert not InboundEnvelope.objects.exists()


def test_unconfigured_channel_answers_404(client, settings) -> None:
    settings.MEHVAR_TELEGRAM_BOT_TOKEN = ""
    settings.MEHVAR_TELEGRAM_SECRET_TOKEN = ""
    response = post(client, update(), secret="")
    assert response.status_code == 404
    assert not InboundEnvelope.objects.exists()


def test_body_over_a_megabyte_is_413(receive) -> None:
    response = receive(update(text="Ω" * 600_000))
    assert response.status_code == 413
    assert not InboundEnvelope.objects.exists()


def test_second_message_continues_the_conversation(receive, conversation) -> None:
    receive(update(update_id=912000002, message_id=18, text=FA_TEXT))
    assert Conversation.objects.count() == 1
    assert list(
        conversation.messages.order_by("created_at", "pk").values_list("text", flat=True)
    ) == [EL_TEXT, FA_TEXT]


def test_edit_is_kept_as_a_new_message_marked_edited(receive, conversation) -> None:
    receive(
        update(
            update_id=912000002,
            key="edited_message",
            text=EL_TEXT + " (διόρθωση)",
            edit_date=1718000300,
        )
    )
    assert list(
        conversation.messages.order_by("created_at", "pk").values_list("external_id", "text")
    ) == [
        (f"{CHAT_ID}:17", EL_TEXT),
        (f"{CHAT_ID}:17:edit:1718000300", f"[Edited]\n\n{EL_TEXT} (διόρθωση)"),
    ]


def test_photo_keeps_its_caption_and_notes_the_photo(receive) -> None:
    body = json.dumps(
        {
            "update_id": 912000003,
            "message": {
                "message_id": 19,
                "from": SENDER,
                "chat": {"id": CHAT_ID, "type": "private"},
                "date": 1718000000,
                "caption": "عکس مودم",
                "photo": [{"file_id": "AgAC", "file_unique_id": "AQAD", "width": 90, "height": 90}],
            },
        },
        ensure_ascii=False,
    ).encode()
    receive(body)
    assert Message.objects.get().text == "عکس مودم\n\n[Photo]"


def test_update_without_a_message_is_stored_and_ignored(receive) -> None:
    body = json.dumps(
        {
            "update_id": 912000004,
            "my_chat_member": {
                "chat": {"id": CHAT_ID, "type": "private"},
                "from": SENDER,
                "date": 1718000000,
                "old_chat_member": {"status": "member"},
                "new_chat_member": {"status": "kicked"},
            },
        }
    ).encode()
    receive(body)
    envelope = InboundEnvelope.objects.get()
    assert (envelope.external_id, envelope.status, envelope.outcome) == (
        "912000004",
        EnvelopeStatus.IGNORED,
        "unsupported",
    )
    assert not Message.objects.exists()


def test_malformed_json_is_stored_and_ignored(receive) -> None:
    body = b'{"update_id": 912000005, "message": {"text": "\xce\xb3\xce'
    response = receive(body)
    assert response.status_code == 200
    envelope = InboundEnvelope.objects.get()
    assert envelope.external_id.startswith("sha256:")
    assert (envelope.status, envelope.outcome) == (EnvelopeStatus.IGNORED, "malformed")
    assert not Message.objects.exists()


# --- outbound -------------------------------------------------------------------------------


def test_agent_reply_is_sent_to_the_bot_api(
    agent, conversation, bot_api, django_capture_on_commit_callbacks
) -> None:
    outbound = reply(agent, conversation, django_capture_on_commit_callbacks)
    [request] = bot_api.requests
    assert request.path == f"/bot{BOT_TOKEN}/sendMessage"
    assert request.json() == {"chat_id": str(CHAT_ID), "text": AR_REPLY}
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts, outbound.provider_id, outbound.last_error) == (
        DeliveryStatus.SENT,
        1,
        f"{CHAT_ID}:1001",
        "",
    )


def test_long_reply_is_split_into_parts(
    agent, conversation, bot_api, django_capture_on_commit_callbacks
) -> None:
    # given: 2,400 words (Persian and emoji, which count double), 12,000 UTF-16 units
    words = ["سلام", "مشترک", "گرامی", "😊"] * 600
    text = " ".join(words)
    # when
    outbound = reply(agent, conversation, django_capture_on_commit_callbacks, text=text)
    # then
    parts = [request.json()["text"] for request in bot_api.requests]
    assert len(parts) == 3
    assert all(len(part.encode("utf-16-le")) // 2 <= 4096 for part in parts)
    assert " ".join(parts) == text
    outbound.refresh_from_db()
    assert (outbound.status, outbound.provider_id) == (DeliveryStatus.SENT, f"{CHAT_ID}:1001")


def test_reply_with_a_file_sends_a_document(
    agent, conversation, bot_api, django_capture_on_commit_callbacks
) -> None:
    reply(
        agent,
        conversation,
        django_capture_on_commit_callbacks,
        attachments=[AttachmentUpload("فاتورة.pdf", "application/pdf", b"%PDF-1.4 ...")],
    )
    text, document = bot_api.requests
    assert text.path == f"/bot{BOT_TOKEN}/sendMessage"
    assert document.path == f"/bot{BOT_TOKEN}/sendDocument"
    assert document.multipart() == {
        "chat_id": (None, "text/plain", str(CHAT_ID).encode()),
        "document": ("فاتورة.pdf", "application/pdf", b"%PDF-1.4 ..."),
    }


@pytest.mark.parametrize(
    ("status", "expected", "error"),
    [
        (500, DeliveryStatus.RETRYING, "HTTP 500: [500] Internal Server Error"),
        (429, DeliveryStatus.RETRYING, "HTTP 429: [429] Too Many Requests: retry after 5"),
        (400, DeliveryStatus.FAILED, "HTTP 400: [400] Bad Request: chat not found"),
    ],
)
def test_provider_refusal(
    agent, conversation, bot_api, django_capture_on_commit_callbacks, status, expected, error
) -> None:
    bot_api.fail_next(status)
    outbound = reply(agent, conversation, django_capture_on_commit_callbacks)
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts, outbound.last_error, outbound.provider_id) == (
        expected,
        1,
        error,
        "",
    )
