"""The messaging channels' shared HTTP helper against a real local server: what a provider's
answer means for retrying, and how long text is cut into parts."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from mehvar.channels.errors import DeliveryError
from mehvar.channels.messaging.http import error_detail, post_json, split_text
from tests.channels.fake_provider import FakeProvider

FA_WORDS = "سفارش شما امروز ارسال شد و کد رهگیری آن فردا پیامک می‌شود"


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake


def send(provider: FakeProvider) -> dict[str, object]:
    return post_json(f"{provider.url}/v21.0/1/messages", {"to": "306912345678"})


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (400, True),
        (401, True),
        (403, True),
        (404, True),
        (429, False),
        (500, False),
        (502, False),
        (503, False),
    ],
)
def test_status_decides_whether_a_failure_is_retried(provider, status, permanent) -> None:
    provider.fail_next(status)
    with pytest.raises(DeliveryError) as caught:
        send(provider)
    assert caught.value.permanent is permanent
    assert caught.value.detail.startswith(f"HTTP {status}: ")


def test_refused_connection_is_retried() -> None:
    # given: a port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # when
    with pytest.raises(DeliveryError) as caught:
        post_json(f"http://127.0.0.1:{port}/bot1:x/sendMessage", {"chat_id": "1"})
    # then
    assert caught.value.permanent is False
    assert caught.value.detail.startswith("URLError: ")
    assert "bot1:x" not in caught.value.detail  # a URL may carry a token: never in errors


def test_answer_that_is_not_json_fails_without_retrying(provider) -> None:
    provider.fail_next(200, body=b"<html>a captive portal</html>")
    with pytest.raises(DeliveryError) as caught:
        send(provider)
    assert caught.value.permanent is True


def test_base_url_without_http_fails_without_retrying() -> None:
    with pytest.raises(DeliveryError) as caught:
        post_json("file:///etc/passwd", {})
    assert caught.value.permanent is True


def test_success_returns_the_answer(provider) -> None:
    assert send(provider) == {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "306912345678", "wa_id": "306912345678"}],
        "messages": [{"id": "wamid.FAKE1001"}],
    }
    assert provider.requests[0].headers["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    ("_case", "body", "expected"),
    [
        ("twilio", b'{"code": 21211, "message": "Invalid To"}', "[21211] Invalid To"),
        ("graph", b'{"error": {"message": "Bad token", "code": 190}}', "[190] Bad token"),
        (
            "telegram",
            b'{"ok": false, "error_code": 403, "description": "Forbidden: bot was '
            b'blocked by the user"}',
            "[403] Forbidden: bot was blocked by the user",
        ),
        ("not json", b"  Service Unavailable\n", "Service Unavailable"),
    ],
)
def test_error_detail_uses_the_providers_words(_case, body, expected) -> None:
    assert error_detail(body) == expected


def test_short_text_is_one_part() -> None:
    assert split_text(f"  {FA_WORDS}\n", 1600) == [FA_WORDS]


def test_text_is_cut_at_a_line_break_in_preference_to_a_space() -> None:
    first = "Καλησπέρα σας, " * 4
    text = f"{first.strip()}\nΤο δέμα θα φτάσει αύριο το πρωί."
    assert split_text(text, 80) == [first.strip(), "Το δέμα θα φτάσει αύριο το πρωί."]


def test_parts_are_cut_between_words_and_lose_nothing() -> None:
    text = " ".join([FA_WORDS] * 50)
    parts = split_text(text, 160)
    assert all(len(part) <= 160 for part in parts)
    assert " ".join(parts) == text


def test_emoji_count_as_two_units() -> None:
    assert split_text("😊" * 5, 4) == ["😊😊", "😊😊", "😊"]


def test_a_run_without_spaces_is_cut_at_the_limit() -> None:
    assert split_text("ب" * 10, 4) == ["بببب", "بببب", "بب"]


def test_empty_text_has_no_parts() -> None:
    assert split_text(" \n ", 10) == []
