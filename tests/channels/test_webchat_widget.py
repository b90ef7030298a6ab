"""What the web chat serves besides the API (the script, its strings, the demo page) and its
adapter's parser and sender."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mehvar.channels.models import InboundEnvelope
from mehvar.channels.types import Delivery, IgnoreReason
from mehvar.channels.webchat.inbound import parse_envelope, send
from mehvar.channels.webchat.views import WIDGET_STRINGS


def test_widget_script_is_served_cacheable_with_its_type() -> None:
    client = Client()
    response = client.get("/chat/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert "max-age=86400" in response["Cache-Control"]
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    body = response.content.decode()
    assert "attachShadow" in body
    assert "document.currentScript" in body
    again = client.get("/chat/widget.js", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    assert client.post("/chat/widget.js").status_code == 405


@pytest.mark.parametrize(
    ("asked", "language", "direction"),
    [
        ("fa", "fa", "rtl"),
        ("ar-EG", "ar", "rtl"),
        ("el-GR", "el", "ltr"),
        ("en", "en", "ltr"),
        ("xx", "en", "ltr"),
        ("", "en", "ltr"),
        ("<script>", "en", "ltr"),
    ],
)
def test_widget_strings_come_in_the_visitors_language(
    asked: str,
    language: str,
    direction: str,
) -> None:
    response = Client().get("/chat/strings", {"lang": asked})
    assert response.status_code == 200
    body = response.json()
    assert body["lang"] == language
    assert body["dir"] == direction
    assert set(body["strings"]) == set(WIDGET_STRINGS)
    assert all(isinstance(text, str) and text for text in body["strings"].values())
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "query", "language", "direction"),
    [
        ({"Accept-Language": "fa"}, "", "fa", "rtl"),
        ({"Accept-Language": "el"}, "", "el", "ltr"),
        ({}, "?lang=ar", "ar", "rtl"),
    ],
)
def test_demo_page_embeds_the_widget_in_the_requests_language(
    headers: dict[str, str],
    query: str,
    language: str,
    direction: str,
) -> None:
    response = Client().get(f"/chat/demo{query}", headers=headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert '<script src="/chat/widget.js" defer></script>' in html


def envelope(raw: bytes) -> InboundEnvelope:
    return InboundEnvelope(
        channel="webchat", external_id="v:1", raw=raw, meta={}, received_at=timezone.now()
    )


def payload(**fields: Any) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode()


@pytest.mark.django_db
def test_parser_reads_what_the_api_committed() -> None:
    [inbound] = parse_envelope(
        envelope(
            payload(
                visitor_id="0123456789abcdef",
                session_id=7,
                language="ar",
                body={"client_id": "x", "text": "  مرحباً بكم  "},
            )
        )
    )
    assert inbound.identity_kind == "webchat"
    assert inbound.identity_value == "0123456789abcdef"
    assert inbound.text == "مرحباً بكم"
    assert inbound.language == "ar"
    assert inbound.reply_address == "7"
    assert inbound.external_id == "v:1"
    assert inbound.flags == []
    assert not inbound.ignore_reason


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [b"\xff\xfe not utf-8", b"[]", b"{broken", b'{"body": 3}'])
def test_parser_never_raises_on_a_damaged_payload(raw: bytes) -> None:
    [inbound] = parse_envelope(envelope(raw))
    assert "malformed" in inbound.flags
    assert inbound.ignore_reason == IgnoreReason.NO_SENDER  # nobody to attribute it to


@pytest.mark.django_db
def test_parser_shortens_text_over_a_lowered_limit(settings: Any) -> None:
    settings.MEHVAR_MAX_MESSAGE_CHARS = 5
    [inbound] = parse_envelope(
        envelope(
            payload(visitor_id="0123456789abcdef", session_id=1, body={"text": "Καλημέρα σας"})
        )
    )
    assert inbound.text == "Καλημ"
    assert inbound.flags == ["truncated"]


def test_sender_sends_nothing() -> None:
    delivery = Delivery(
        outbound_id=1,
        kind="reply",
        channel="webchat",
        recipient="1",
        conversation_id=1,
        subject="",
        text="سلام",
    )
    assert send(delivery) == ""
