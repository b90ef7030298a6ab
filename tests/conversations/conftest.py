"""Fixtures for the conversations tests: conversations opened through the real service, a
private media folder for attachments, teams, and multilingual texts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mehvar.accounts.models import Agent, Team
from mehvar.accounts.services import team_create
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.conversations import conversation_create

FA_TEXT = "سلام، سفارش شماره ۴۵۱۲ را دو هفته پیش ثبت کردم و هنوز نرسیده است."
AR_TEXT = "مرحباً، لم تصل فاتورة شهر مارس حتى الآن. أرجو إرسالها مرة أخرى."
EL_TEXT = "Καλησπέρα, το ρούτερ χάνει τη σύνδεση κάθε δέκα λεπτά από χθες."
FA_REPLY = "سلام علی جان، سفارش شما امروز ارسال شد. کد رهگیری: ۹۸۷۶۵."
AR_NOTE = "ملاحظة داخلية: العميل من فئة VIP، يرجى الرد خلال ساعة."


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def open_conversation(agent: Agent) -> Callable[..., Conversation]:
    """open_conversation(email=..., **overrides) -> a conversation a customer opened by email,
    created by the real service with `agent` as the actor unless `actor` is given."""
    counter = iter(range(1, 100_000))

    def make(*, actor: Agent | None = None, email: str | None = None, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "subject": "سفارشم هنوز نرسیده است", "channel": "email", "text": FA_TEXT,
            "identity_kind": "email",
            "identity_value": email or f"customer{next(counter)}@example.com",
            "customer_name": "فاطمه احمدی", "language": "fa",
        }
        values.update(overrides)
        return conversation_create(actor=actor or agent, **values)

    return make


@pytest.fixture
def team(db: None) -> Team:
    return team_create(actor=None, name="پشتیبانی فارسی")
