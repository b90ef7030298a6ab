"""Assignment inside a team: round-robin or least-loaded, within each agent's capacity, to
online agents whose languages and skills fit; an agent who goes away or offline hands their
active conversations back to their teams, which assign them again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.selectors import agent_get, team_members
from mehvar.conversations.selectors import active_assigned_to, open_load_by_assignee, team_queue
from mehvar.conversations.services.common import lock_writable
from mehvar.conversations.services.routing import conversation_place
from mehvar.core.errors import Invalid
from mehvar.core.permissions import Actor, can, require
from mehvar.core.timeline import timeline_record
from mehvar.service_levels.errors import ServiceLevelErrorCode as Code
from mehvar.service_levels.models import (
    AgentProfile,
    AssignmentMode,
    Availability,
    TeamServiceSettings,
)
from mehvar.service_levels.validation import clean_codes, clean_languages

MAX_DRAIN = 200


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    load: int
    capacity: int
    languages: tuple[str, ...]
    skills: tuple[str, ...]


def choose_agent(candidates: Sequence[Candidate], *, mode: str, language: str,
                 tags: Sequence[str], after_agent_id: int | None,
                 ) -> tuple[Candidate, list[str]] | None:
    """The agent to assign and why, or None when nobody online has room. Pure.

    Agents who speak the conversation's language are preferred over those who do not, then
    those with a skill among its tags; among the best fitting, round-robin takes the next one
    after the last assigned, least-loaded the one with the fewest active conversations."""
    room = [candidate for candidate in candidates if candidate.load < candidate.capacity]
    if not room:
        return None
    reasons: list[str] = []
    speaking = [c for c in room if language and language in c.languages]
    if speaking:
        room, reasons = speaking, [*reasons, "language"]
    wanted = set(tags)
    skilled = [c for c in room if wanted.intersection(c.skills)]
    if skilled:
        room, reasons = skilled, [*reasons, "skill"]
    room.sort(key=lambda candidate: candidate.agent_id)
    if mode == AssignmentMode.ROUND_ROBIN:
        later = [c for c in room if after_agent_id is None or c.agent_id > after_agent_id]
        return (later or room)[0], [*reasons, "round_robin"]
    best = min(room, key=lambda candidate: (candidate.load / candidate.capacity, candidate.load))
    return best, [*reasons, "least_loaded"]


def auto_assign(conversation: Any, *, locked: bool = False) -> int | None:
    """Assign a conversation of a team with automatic assignment; the agent's id, or None
    when the team assigns manually or nobody has room (it waits in the team's queue)."""
    settings = (TeamServiceSettings.objects.select_for_update()
                .filter(team_id=conversation.team_id).first())
    if settings is None or settings.assignment_mode == AssignmentMode.MANUAL:
        return None
    candidates = _candidates(settings.team_id)
    tags = list(conversation.tags.values_list("name", flat=True)) if candidates else []
    choice = choose_agent(candidates, mode=settings.assignment_mode,
                          language=conversation.language, tags=tags,
                          after_agent_id=settings.last_assigned_id)
    if choice is None:
        return None
    candidate, reasons = choice
    conversation_place(conversation=conversation, verb="conversation.auto_assigned",
                       assignee_id=candidate.agent_id, locked=locked,
                       details={"mode": settings.assignment_mode, "reasons": reasons})
    settings.last_assigned_id = candidate.agent_id
    settings.save(update_fields=["last_assigned"])
    return candidate.agent_id


def _candidates(team_id: int) -> list[Candidate]:
    """Online, active members of the team who may answer customers, with their load."""
    members = [agent for agent in team_members(team_id=team_id)
               if can(agent, "conversation.reply")]
    profiles = {profile.agent_id: profile for profile in AgentProfile.objects.filter(
        agent_id__in=[agent.pk for agent in members], availability=Availability.ONLINE)}
    loads = open_load_by_assignee(agent_ids=list(profiles)) if profiles else {}
    return [Candidate(agent_id=agent_id, load=loads.get(agent_id, 0),
                      capacity=profile.capacity, languages=tuple(profile.languages),
                      skills=tuple(profile.skills))
            for agent_id, profile in profiles.items()]


def team_queue_drain(*, team_id: int) -> int:
    """Assign the team's waiting conversations, oldest first, while agents have room."""
    assigned = 0
    for conversation_id in team_queue(team_id=team_id, limit=MAX_DRAIN):
        with transaction.atomic():
            placed = _assign_by_id(conversation_id)
        if placed is None:
            break
        assigned += 1
    return assigned


def _assign_by_id(conversation_id: int) -> int | None:
    conversation = lock_writable(conversation_id)
    if conversation.team_id is None or conversation.assignee_id is not None:
        return None
    return auto_assign(conversation, locked=True)


def _profile_locked(agent_id: int) -> AgentProfile:
    """The agent's profile row, created with the defaults on first use, locked."""
    AgentProfile.objects.bulk_create([AgentProfile(agent_id=agent_id)], ignore_conflicts=True)
    return AgentProfile.objects.select_for_update().get(agent_id=agent_id)


@transaction.atomic
def agent_profile_update(
    *, actor: Actor, agent_id: int, capacity: int | None = None,
    languages: Sequence[str] | None = None, skills: Sequence[str] | None = None,
) -> AgentProfile:
    """Capacity and skills are set by supervisors."""
    require(actor, "agent.service_profile")
    agent_get(actor=actor, agent_id=agent_id)  # NotFound for an unknown agent
    profile = _profile_locked(agent_id)
    before = {"capacity": profile.capacity, "languages": profile.languages,
              "skills": profile.skills}
    if capacity is not None:
        if not 0 <= capacity <= 500:
            raise Invalid(Code.CAPACITY_INVALID, _("Capacity must be between 0 and 500."),
                          field="capacity")
        profile.capacity = capacity
    if languages is not None:
        profile.languages = clean_languages(languages, field="languages")
    if skills is not None:
        profile.skills = clean_codes(skills, field="skills")
    profile.save(update_fields=["capacity", "languages", "skills"])
    after = {"capacity": profile.capacity, "languages": profile.languages,
             "skills": profile.skills}
    if after != before:
        timeline_record(verb="agent.service_profile_changed", actor_id=actor.pk,
                        before={"agent_id": agent_id, **before},
                        after={"agent_id": agent_id, **after})
    return profile


def agent_set_availability(*, actor: Actor, agent_id: int, availability: str) -> AgentProfile:
    """Online, away or offline: agents set their own, supervisors anyone's. Going away or
    offline hands the agent's active conversations back to their teams, which assign them
    again; coming online takes waiting conversations from the agent's teams."""
    if agent_id != actor.pk:
        require(actor, "agent.availability_others")
    require(actor, "agent.availability")
    if availability not in Availability.values:
        raise Invalid(Code.AVAILABILITY_INVALID,
                      _("Availability must be online, away or offline."), field="availability")
    with transaction.atomic():
        agent_get(actor=actor, agent_id=agent_id)
        profile = _profile_locked(agent_id)
        before = profile.availability
        if before == availability and profile.availability_changed_at is not None:
            return profile
        profile.availability, profile.availability_changed_at = availability, timezone.now()
        profile.save(update_fields=["availability", "availability_changed_at"])
        timeline_record(verb="agent.availability_changed", actor_id=actor.pk,
                        before={"agent_id": agent_id, "availability": before},
                        after={"agent_id": agent_id, "availability": availability})
    teams: set[int] = set()
    if availability != Availability.ONLINE:
        for conversation_id, team_id in active_assigned_to(agent_id=agent_id):
            with transaction.atomic():
                conversation_place(conversation=conversation_id,
                                   verb="conversation.handed_back", assignee_id=None,
                                   details={"agent_id": agent_id, "availability": availability})
            if team_id is not None:
                teams.add(team_id)
    else:
        teams.update(_auto_teams_of(agent_id))
    for team_id in sorted(teams):
        team_queue_drain(team_id=team_id)
    return profile


def _auto_teams_of(agent_id: int) -> list[int]:
    """The agent's teams that assign automatically."""
    return list(TeamServiceSettings.objects.filter(team__members__id=agent_id)
                .exclude(assignment_mode=AssignmentMode.MANUAL)
                .values_list("team_id", flat=True).distinct())
