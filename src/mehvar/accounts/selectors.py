"""Reads for agents, teams, tokens and the audit log."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.models import Agent, ApiToken, AuditLogEntry, Team
from mehvar.core.errors import NotFound
from mehvar.core.permissions import Actor, require

TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def agent_for_token(secret: str) -> Agent | None:
    """The active agent a bearer token belongs to, or None. One query on the hot path; the
    last-used time is written at most every few minutes so reads stay read-only."""
    if not secret or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("agent")
        .filter(key_hash=token_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.agent.is_active:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.agent


def agent_list(*, actor: Actor) -> QuerySet[Agent]:
    require(actor, "agent.view")
    return Agent.objects.filter(is_active=True).prefetch_related(
        Prefetch("teams", queryset=Team.objects.only("id", "name"))
    ).order_by("username")


def agent_get(*, actor: Actor, agent_id: int) -> Agent:
    require(actor, "agent.view")
    agent = (
        Agent.objects.prefetch_related(Prefetch("teams", queryset=Team.objects.only("id", "name")))
        .filter(pk=agent_id)
        .first()
    )
    if agent is None:
        raise NotFound("agent_not_found", _("No agent has this id."))
    return agent


def team_list(*, actor: Actor) -> QuerySet[Team]:
    require(actor, "team.view")
    return Team.objects.prefetch_related(
        Prefetch("members", queryset=Agent.objects.only("id", "username", "display_name"))
    ).order_by("name")


def team_get(*, actor: Actor, team_id: int) -> Team:
    require(actor, "team.view")
    team = team_list(actor=actor).filter(pk=team_id).first()
    if team is None:
        raise NotFound("team_not_found", _("No team has this id."))
    return team


def token_list(*, actor: Agent, agent_id: int | None = None) -> QuerySet[ApiToken]:
    """Own tokens; an admin may list another agent's."""
    target = actor.pk if agent_id is None else agent_id
    require(actor, "token.manage_own" if target == actor.pk else "token.manage_all")
    return ApiToken.objects.filter(agent_id=target).order_by("-created_at", "-id")


def audit_log_list(*, actor: Actor) -> QuerySet[AuditLogEntry]:
    require(actor, "audit.view")
    return AuditLogEntry.objects.select_related("actor").order_by("-at", "-id")
