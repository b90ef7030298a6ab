"""Writes for agents, teams, tokens and the audit log.

Every service authorizes first (core.permissions.require), validates, writes in one
transaction and records what it did in the security audit log.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.errors import AccountErrorCode
from mehvar.accounts.models import Agent, ApiToken, AuditLogEntry, Role, Team, TeamMembership
from mehvar.accounts.selectors import token_hash
from mehvar.core.errors import Invalid, NotFound
from mehvar.core.permissions import Actor, require
from mehvar.core.timezones import is_time_zone

TOKEN_PREFIX = "mhv_"
# What agent_update / team_update may change (the admin forms offer exactly these).
AGENT_EDITABLE_FIELDS = frozenset({
    "username", "first_name", "last_name", "email", "display_name", "role", "language",
    "time_zone", "is_active", "is_staff", "is_superuser",
})
TEAM_EDITABLE_FIELDS = frozenset({"name", "description", "lead"})


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


def agent_set_preferences(
    *, actor: Agent, language: str | None = None, time_zone: str | None = None,
    native_digits: bool | None = None,
) -> Agent:
    """An agent's own interface language, time zone and digits (the header and account page
    set them; the web middleware applies them to every page the agent opens)."""
    require(actor, "account.manage_own")
    changes: dict[str, str | bool] = {}
    if native_digits is not None:
        changes["native_digits"] = bool(native_digits)
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise Invalid(AccountErrorCode.LANGUAGE_INVALID,
                          _("Choose one of the interface languages."), field="language")
        changes["language"] = language
    if time_zone is not None:
        if not is_time_zone(time_zone):
            raise Invalid(AccountErrorCode.TIME_ZONE_INVALID,
                          _("Choose a time zone from the list."), field="time_zone")
        changes["time_zone"] = time_zone
    changed = {name: value for name, value in changes.items() if getattr(actor, name) != value}
    if changed:
        Agent.objects.filter(pk=actor.pk).update(**changed)
        for name, value in changed.items():
            setattr(actor, name, value)
    return actor


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the user once, never stored


@transaction.atomic
def token_create(
    *,
    actor: Agent,
    name: str,
    agent_id: int | None = None,
    expires_at: datetime | None = None,
    ip_address: str | None = None,
) -> IssuedToken:
    target_id = actor.pk if agent_id is None else agent_id
    require(actor, "token.manage_own" if target_id == actor.pk else "token.manage_all")
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid(AccountErrorCode.TOKEN_NAME_INVALID,
                      _("Give the token a name of 1–100 characters."), field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise Invalid(AccountErrorCode.TOKEN_EXPIRY_IN_PAST,
                      _("The expiry time must be in the future."), field="expires_at")
    if not Agent.objects.filter(pk=target_id, is_active=True).exists():
        raise NotFound(AccountErrorCode.AGENT_NOT_FOUND, _("No agent has this id."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        agent_id=target_id, name=name, prefix=secret[:12], key_hash=token_hash(secret),
        expires_at=expires_at,
    )
    audit_record(actor_id=actor.pk, action="token.create", target_type="api_token",
                 target_id=token.pk, ip_address=ip_address,
                 data={"agent_id": target_id, "name": name})
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, actor: Agent, token_id: int, ip_address: str | None = None) -> ApiToken:
    """Revoke a token at once (the next request with it is refused). Revoking twice is a
    no-op; another agent's token is "not found" unless the actor is an admin."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or (token.agent_id != actor.pk and not _is_admin(actor)):
        raise NotFound(AccountErrorCode.TOKEN_NOT_FOUND, _("No token has this id."))
    require(actor, "token.manage_own" if token.agent_id == actor.pk else "token.manage_all")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor_id=actor.pk, action="token.revoke", target_type="api_token",
                 target_id=token.pk, ip_address=ip_address, data={"agent_id": token.agent_id})
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
    first_name: str = "",
    last_name: str = "",
    ip_address: str | None = None,
) -> Agent:
    """Create an agent. `actor=None` only for bootstrap paths (createsuperuser, demo)."""
    if actor is not None:
        require(actor, "agent.manage")
    if role not in Role.values:
        raise Invalid(AccountErrorCode.AGENT_ROLE_INVALID, _("Unknown role."), field="role")
    if Agent.objects.filter(username=username).exists():
        raise Invalid(AccountErrorCode.AGENT_USERNAME_TAKEN, _("This username is taken."),
                      field="username")
    agent = Agent(
        username=username, email=email, display_name=display_name, first_name=first_name,
        last_name=last_name, role=role, language=language, time_zone=time_zone,
        is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN,
    )
    if password:
        agent.set_password(password)
    else:
        agent.set_unusable_password()
    agent.full_clean(exclude=["password"])
    agent.save()
    audit_record(actor_id=actor.pk if actor else None, action="agent.create",
                 target_type="agent", target_id=agent.pk, ip_address=ip_address,
                 data={"role": role})
    return agent


@transaction.atomic
def agent_update(
    *, actor: Actor, agent_id: int, changes: Mapping[str, Any], ip_address: str | None = None
) -> Agent:
    """Change an agent's profile, role or access. Role and activation changes are audited
    with their old and new values; a deactivated agent's tokens and sessions stop working."""
    require(actor, "agent.manage")
    unknown = set(changes) - AGENT_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"agent_update cannot change {sorted(unknown)}")
    agent = Agent.objects.select_for_update().filter(pk=agent_id).first()
    if agent is None:
        raise NotFound(AccountErrorCode.AGENT_NOT_FOUND, _("No agent has this id."))
    if "role" in changes and changes["role"] not in Role.values:
        raise Invalid(AccountErrorCode.AGENT_ROLE_INVALID, _("Unknown role."), field="role")
    if "username" in changes and (
        Agent.objects.filter(username=changes["username"]).exclude(pk=agent.pk).exists()
    ):
        raise Invalid(AccountErrorCode.AGENT_USERNAME_TAKEN, _("This username is taken."),
                      field="username")
    changed = {name: value for name, value in changes.items() if getattr(agent, name) != value}
    if not changed:
        return agent
    before = {name: getattr(agent, name) for name in changed}
    for name, value in changed.items():
        setattr(agent, name, value)
    agent.full_clean(exclude=["password"])
    agent.save(update_fields=sorted(changed))
    data: dict[str, Any] = {"fields": sorted(changed)}
    for name in ("role", "is_active", "is_staff", "is_superuser"):
        if name in changed:
            data[name] = {"before": before[name], "after": changed[name]}
    audit_record(actor_id=actor.pk, action="agent.update", target_type="agent",
                 target_id=agent.pk, ip_address=ip_address, data=data)
    return agent


@transaction.atomic
def team_create(
    *, actor: Actor | None, name: str, description: str = "", lead: Agent | None = None,
    members: list[Agent] | None = None, ip_address: str | None = None,
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
                 target_type="team", target_id=team.pk, ip_address=ip_address)
    return team


@transaction.atomic
def team_update(
    *, actor: Actor, team_id: int, changes: Mapping[str, Any], ip_address: str | None = None
) -> Team:
    """Rename a team, change its description or lead (`lead` is an Agent or None)."""
    require(actor, "team.manage")
    unknown = set(changes) - TEAM_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"team_update cannot change {sorted(unknown)}")
    team = Team.objects.select_for_update().filter(pk=team_id).first()
    if team is None:
        raise NotFound(AccountErrorCode.TEAM_NOT_FOUND, _("No team has this id."))
    changed = {name: value for name, value in changes.items() if getattr(team, name) != value}
    if not changed:
        return team
    for name, value in changed.items():
        setattr(team, name, value)
    team.full_clean()
    team.save(update_fields=sorted(changed))
    audit_record(actor_id=actor.pk, action="team.update", target_type="team",
                 target_id=team.pk, ip_address=ip_address, data={"fields": sorted(changed)})
    return team


@transaction.atomic
def team_member_add(
    *, actor: Actor, team: Team, agent: Agent, ip_address: str | None = None
) -> TeamMembership:
    """Add an active agent to a team; adding a member twice changes nothing."""
    require(actor, "team.manage")
    if not Agent.objects.filter(pk=agent.pk, is_active=True).exists():  # fresh, not cached
        raise Invalid(AccountErrorCode.TEAM_MEMBER_INACTIVE,
                      _("A deactivated agent cannot join a team."), field="agent")
    membership, created = TeamMembership.objects.get_or_create(team=team, agent=agent)
    if created:
        audit_record(actor_id=actor.pk, action="team.member_add", target_type="team",
                     target_id=team.pk, ip_address=ip_address, data={"agent_id": agent.pk})
    return membership


@transaction.atomic
def team_member_remove(
    *, actor: Actor, team: Team, agent: Agent, ip_address: str | None = None
) -> None:
    """Remove an agent from a team; removing a non-member changes nothing."""
    require(actor, "team.manage")
    deleted, _rows = TeamMembership.objects.filter(team=team, agent=agent).delete()
    if deleted:
        audit_record(actor_id=actor.pk, action="team.member_remove", target_type="team",
                     target_id=team.pk, ip_address=ip_address, data={"agent_id": agent.pk})
