"""Writes for agents, teams, tokens and the audit log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.models import Agent, ApiToken, AuditLogEntry, Role, Team, TeamMembership
from mehvar.accounts.selectors import token_hash
from mehvar.core.errors import Invalid, NotFound
from mehvar.core.permissions import Actor, require

TOKEN_PREFIX = "mhv_"


def audit_record(
    *,
    actor_id: int | None,
    action: str,
    target_type: str = "",
    target_id: object = "",
    ip_address: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditLogEntry:
    return AuditLogEntry.objects.create(
        actor_id=actor_id, action=action, target_type=target_type, target_id=str(target_id),
        ip_address=ip_address, data=data or {},
    )


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the user once, never stored


@transaction.atomic
def token_create(
    *, actor: Agent, name: str, agent_id: int | None = None, expires_at: datetime | None = None
) -> IssuedToken:
    target_id = actor.pk if agent_id is None else agent_id
    require(actor, "token.manage_own" if target_id == actor.pk else "token.manage_all")
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("token_name_invalid", _("Give the token a name of 1–100 characters."),
                      field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise Invalid("token_expiry_in_past", _("The expiry time must be in the future."),
                      field="expires_at")
    if not Agent.objects.filter(pk=target_id, is_active=True).exists():
        raise NotFound("agent_not_found", _("No agent has this id."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        agent_id=target_id, name=name, prefix=secret[:12], key_hash=token_hash(secret),
        expires_at=expires_at,
    )
    audit_record(actor_id=actor.pk, action="token.create", target_type="api_token",
                 target_id=token.pk, data={"agent_id": target_id, "name": name})
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, actor: Agent, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or (token.agent_id != actor.pk and not _is_admin(actor)):
        raise NotFound("token_not_found", _("No token has this id."))
    require(actor, "token.manage_own" if token.agent_id == actor.pk else "token.manage_all")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor_id=actor.pk, action="token.revoke", target_type="api_token",
                 target_id=token.pk, data={"agent_id": token.agent_id})
    return token


def _is_admin(actor: Actor) -> bool:
    return actor.role == Role.ADMIN


@transaction.atomic
def agent_create(
    *,
    actor: Actor | None,
    username: str,
    password: str | None,
    role: str = Role.AGENT,
    email: str = "",
    display_name: str = "",
    language: str = "en",
    time_zone: str = "UTC",
) -> Agent:
    """Create an agent. `actor=None` only for bootstrap paths (createsuperuser, demo)."""
    if actor is not None:
        require(actor, "agent.manage")
    if role not in Role.values:
        raise Invalid("agent_role_invalid", _("Unknown role."), field="role")
    if Agent.objects.filter(username=username).exists():
        raise Invalid("agent_username_taken", _("This username is taken."), field="username")
    agent = Agent(
        username=username, email=email, display_name=display_name, role=role,
        language=language, time_zone=time_zone, is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if password:
        agent.set_password(password)
    else:
        agent.set_unusable_password()
    agent.full_clean(exclude=["password"])
    agent.save()
    audit_record(actor_id=actor.pk if actor else None, action="agent.create",
                 target_type="agent", target_id=agent.pk, data={"role": role})
    return agent


@transaction.atomic
def team_create(
    *, actor: Actor | None, name: str, description: str = "", lead: Agent | None = None,
    members: list[Agent] | None = None,
) -> Team:
    if actor is not None:
        require(actor, "team.manage")
    team = Team(name=name.strip(), description=description, lead=lead)
    team.full_clean()
    team.save()
    TeamMembership.objects.bulk_create(
        [TeamMembership(team=team, agent=member) for member in members or []]
    )
    audit_record(actor_id=actor.pk if actor else None, action="team.create",
                 target_type="team", target_id=team.pk)
    return team
