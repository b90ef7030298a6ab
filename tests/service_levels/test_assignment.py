"""Assignment inside a team: round-robin and least-loaded within capacity, online agents only,
languages and skills preferred; hand-back when an agent goes away; the team queue drains when
an agent comes online. Escalation and referral keep the hand-off note and the context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mehvar.accounts.models import Agent, Role, Team
from mehvar.accounts.services import team_create
from mehvar.conversations.selectors import conversation_thread
from mehvar.core.errors import Conflict, Invalid, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.service_levels.models import AgentProfile, Handoff
from mehvar.service_levels.selectors import conversation_service
from mehvar.service_levels.services.assignment import (
    Candidate,
    agent_profile_update,
    agent_set_availability,
    choose_agent,
)
from mehvar.service_levels.services.configuration import team_service_update
from mehvar.service_levels.services.escalation import conversation_hand_off
from tests.service_levels.conftest import EL_TEXT, state_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def agents(make_agent: Callable[..., Agent]) -> list[Agent]:
    return [make_agent(Role.AGENT, username=name) for name in ("layla", "dariush", "eleni")]


@pytest.fixture
def desk(admin: Agent, supervisor: Agent, agents: list[Agent]) -> Team:
    team = team_create(actor=admin, name="مرکز تماس", lead=supervisor, members=agents)
    team_service_update(actor=admin, team_id=team.pk, assignment_mode="round_robin")
    for member in agents:
        agent_set_availability(actor=member, agent_id=member.pk, availability="online")
    return team


def test_round_robin_takes_turns(desk: Team, agents: list[Agent], open_conversation: Any) -> None:
    assigned = [open_conversation(team_id=desk.pk).assignee_id for _ in range(4)]
    ids = [agent.pk for agent in agents]
    assert assigned == [ids[0], ids[1], ids[2], ids[0]]
    event = TimelineEvent.objects.filter(verb="conversation.auto_assigned").first()
    assert event is not None
    assert event.after["mode"] == "round_robin"


def test_least_loaded_respects_capacity_and_availability(
    admin: Agent, supervisor: Agent, desk: Team, agents: list[Agent], open_conversation: Any,
) -> None:
    team_service_update(actor=admin, team_id=desk.pk, assignment_mode="least_loaded")
    agent_profile_update(actor=supervisor, agent_id=agents[0].pk, capacity=1)
    agent_set_availability(actor=supervisor, agent_id=agents[2].pk, availability="offline")
    assigned = [open_conversation(team_id=desk.pk).assignee_id for _ in range(4)]
    # layla takes one (capacity 1), dariush the rest; eleni is offline.
    assert assigned.count(agents[0].pk) == 1
    assert assigned.count(agents[1].pk) == 3
    assert agents[2].pk not in assigned


def test_nobody_with_room_leaves_the_conversation_in_the_team_queue(
    supervisor: Agent, desk: Team, agents: list[Agent], open_conversation: Any,
) -> None:
    for member in agents:
        agent_profile_update(actor=supervisor, agent_id=member.pk, capacity=0)
    conversation = open_conversation(team_id=desk.pk)
    assert (conversation.team_id, conversation.assignee_id) == (desk.pk, None)


def test_language_and_skills_are_preferred(
    supervisor: Agent, desk: Team, agents: list[Agent], open_conversation: Any,
) -> None:
    agent_profile_update(actor=supervisor, agent_id=agents[2].pk, languages=["el", "en"])
    agent_profile_update(actor=supervisor, agent_id=agents[1].pk, languages=["fa", "el"],
                         skills=["Router"])
    greek = open_conversation(team_id=desk.pk, text=EL_TEXT, language="el")
    assert greek.assignee_id in {agents[1].pk, agents[2].pk}
    routers = open_conversation(team_id=desk.pk, text=EL_TEXT, language="el", tags=["router"])
    assert routers.assignee_id == agents[1].pk  # speaks Greek and knows routers


def test_choose_agent_is_pure() -> None:
    candidates = [Candidate(1, load=3, capacity=5, languages=("ar",), skills=()),
                  Candidate(2, load=1, capacity=5, languages=(), skills=()),
                  Candidate(3, load=5, capacity=5, languages=("ar",), skills=())]
    chosen = choose_agent(candidates, mode="least_loaded", language="ar", tags=[],
                          after_agent_id=None)
    assert chosen is not None
    assert chosen[0].agent_id == 1
    assert chosen[1] == ["language", "least_loaded"]
    assert choose_agent(candidates[2:], mode="round_robin", language="", tags=[],
                        after_agent_id=None) is None


def test_going_away_hands_conversations_back_to_the_team(
    desk: Team, agents: list[Agent], open_conversation: Any,
) -> None:
    first = open_conversation(team_id=desk.pk)
    assert first.assignee_id == agents[0].pk
    agent_set_availability(actor=agents[0], agent_id=agents[0].pk, availability="away")
    first.refresh_from_db()
    assert first.assignee_id in {agents[1].pk, agents[2].pk}
    verbs = list(TimelineEvent.objects.filter(conversation_id=first.pk)
                 .order_by("id").values_list("verb", flat=True))
    assert verbs[-2:] == ["conversation.handed_back", "conversation.auto_assigned"]


def test_coming_online_takes_the_waiting_conversations(
    supervisor: Agent, desk: Team, agents: list[Agent], open_conversation: Any,
) -> None:
    for member in agents:
        agent_set_availability(actor=supervisor, agent_id=member.pk, availability="offline")
    waiting = [open_conversation(team_id=desk.pk) for _ in range(2)]
    assert all(conversation.assignee_id is None for conversation in waiting)
    agent_set_availability(actor=agents[1], agent_id=agents[1].pk, availability="online")
    for conversation in waiting:
        conversation.refresh_from_db()
        assert conversation.assignee_id == agents[1].pk


def test_availability_permissions(agents: list[Agent], analyst: Agent) -> None:
    with pytest.raises(PermissionDenied):
        agent_set_availability(actor=agents[0], agent_id=agents[1].pk, availability="away")
    with pytest.raises(PermissionDenied):
        agent_set_availability(actor=analyst, agent_id=analyst.pk, availability="online")
    with pytest.raises(Invalid):
        agent_set_availability(actor=agents[0], agent_id=agents[0].pk, availability="asleep")
    with pytest.raises(PermissionDenied):
        agent_profile_update(actor=agents[0], agent_id=agents[0].pk, capacity=50)
    assert not AgentProfile.objects.filter(availability="away").exists()


def test_escalation_moves_the_conversation_with_its_note_first(
    admin: Agent, agent: Agent, desk: Team, agents: list[Agent], open_conversation: Any,
) -> None:
    conversation = open_conversation()
    specialists = team_create(actor=admin, name="Ειδικοί δικτύου", members=[agents[2]])
    note = "مشتری مودم را دو بار ری‌استارت کرده؛ سریال ۴۵۱۲. لطفاً دوباره نپرسید."
    handoff = conversation_hand_off(actor=agent, conversation_id=conversation.pk,
                                    team_id=specialists.pk, note=note)
    conversation.refresh_from_db()
    assert (conversation.team_id, conversation.assignee_id) == (specialists.pk, None)
    assert handoff.level == 1
    assert state_of(conversation).escalation_level == 1
    service = conversation_service(actor=agents[2], conversation_id=conversation.pk)
    assert service.latest_handoff is not None
    assert service.latest_handoff.note == note
    # The note is in the thread too, as an internal note, so nothing is lost on record.
    thread = conversation_thread(actor=agents[2], conversation_id=conversation.pk)
    assert any(getattr(item, "is_internal", False) and getattr(item, "text", "") == note
               for item in thread.items)
    # A referral back keeps the level.
    referral = conversation_hand_off(actor=agent, conversation_id=conversation.pk,
                                     team_id=desk.pk, note="برگشت به مرکز تماس", escalate=False)
    assert referral.level == 1
    assert [event.verb for event in TimelineEvent.objects.filter(
        conversation_id=conversation.pk, verb__in=["conversation.escalated",
                                                   "conversation.referred"]).order_by("id")
            ] == ["conversation.escalated", "conversation.referred"]


def test_a_hand_off_needs_a_note_another_team_and_a_role(
    admin: Agent, agent: Agent, analyst: Agent, desk: Team, open_conversation: Any,
) -> None:
    conversation = open_conversation(team_id=desk.pk)
    with pytest.raises(Invalid) as caught:
        conversation_hand_off(actor=agent, conversation_id=conversation.pk, team_id=desk.pk,
                              note="   ")
    assert caught.value.code == "handoff_note_required"
    with pytest.raises(Conflict):
        conversation_hand_off(actor=agent, conversation_id=conversation.pk, team_id=desk.pk,
                              note="یادداشت")
    with pytest.raises(PermissionDenied):
        conversation_hand_off(actor=analyst, conversation_id=conversation.pk, team_id=desk.pk,
                              note="یادداشت")
    with pytest.raises(Invalid):
        conversation_hand_off(actor=agent, conversation_id=conversation.pk, team_id=999_999,
                              note="یادداشت")
    assert not Handoff.objects.exists()
