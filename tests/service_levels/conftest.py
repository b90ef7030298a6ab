"""Fixtures for the service levels tests: teams with business hours, SLA policies, routing
rules and conversations opened through the real services, at controlled times."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from mehvar.accounts.models import Agent, Role, Team
from mehvar.accounts.services import team_create
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.conversations import conversation_create
from mehvar.service_levels.models import BusinessCalendar, ServiceState
from mehvar.service_levels.services.configuration import (
    calendar_create,
    sla_policy_create,
    team_service_update,
)

RIYADH_WEEK = {day: ["09:00-17:00"] for day in ("sun", "mon", "tue", "wed", "thu")}
ATHENS_WEEK = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
TEHRAN_WEEK = {**{day: ["08:00-16:00"] for day in ("sat", "sun", "mon", "tue", "wed")},
               "thu": ["08:00-12:00"]}
AR_TEXT = "مرحباً، لم تصل فاتورة شهر مارس حتى الآن. أرجو إرسالها مرة أخرى."
FA_TEXT = "سلام، سفارش شماره ۴۵۱۲ را دو هفته پیش ثبت کردم و هنوز نرسیده است."
EL_TEXT = "Καλησπέρα, το ρούτερ χάνει τη σύνδεση κάθε δέκα λεπτά από χθες."


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[Callable[[datetime], None]]:
    """clock(at) moves time to `at` and holds it there until the next call."""
    travellers: list[Any] = []

    def move(at: datetime) -> None:
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(at, tick=False)
        traveller.start()
        travellers.append(traveller)

    yield move
    for traveller in travellers:
        traveller.stop()


@pytest.fixture
def lead(make_agent: Callable[..., Agent]) -> Agent:
    return make_agent(Role.SUPERVISOR, username="lead")


@pytest.fixture
def riyadh(admin: Agent) -> BusinessCalendar:
    return calendar_create(actor=admin, name="الرياض", time_zone="Asia/Riyadh",
                           weekly_hours=RIYADH_WEEK)


@pytest.fixture
def support_team(admin: Agent, lead: Agent, agent: Agent, riyadh: BusinessCalendar) -> Team:
    team = team_create(actor=admin, name="الدعم الفني", lead=lead, members=[agent])
    team_service_update(actor=admin, team_id=team.pk, calendar_id=riyadh.pk)
    return team


@pytest.fixture
def gold_policy(admin: Agent) -> Any:
    return sla_policy_create(actor=admin, name="Standard", first_response_minutes=120,
                             next_response_minutes=60, resolution_minutes=480)


@pytest.fixture
def open_conversation(agent: Agent) -> Callable[..., Conversation]:
    counter = iter(range(1, 100_000))

    def make(**overrides: Any) -> Conversation:
        actor = overrides.pop("actor", agent)
        values: dict[str, Any] = {
            "subject": "فاتورة مارس", "channel": "email", "text": AR_TEXT, "language": "ar",
            "identity_kind": "email",
            "identity_value": f"customer{next(counter)}@example.com"}
        values.update(overrides)
        return conversation_create(actor=actor, **values)

    return make


def state_of(conversation: Conversation) -> ServiceState:
    return ServiceState.objects.get(conversation_id=conversation.pk)


@pytest.fixture
def people(analyst: Agent, agent: Agent, supervisor: Agent, admin: Agent) -> dict[str, Agent]:
    return {"analyst": analyst, "agent": agent, "supervisor": supervisor, "admin": admin}


@pytest.fixture
def billing(admin: Agent) -> Team:
    return team_create(actor=admin, name="الفواتير")


@pytest.fixture
def greek_desk(admin: Agent) -> Team:
    return team_create(actor=admin, name="Ελληνική υποστήριξη")
