"""Reads for agents, teams, tokens and the audit log.

Every read is permission-scoped here (core.permissions.require) and chooses its own
select_related/prefetch_related, so the query count of each list is constant whatever the
page holds (tests/accounts/test_api_*.py pin the numbers).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.errors import AccountErrorCode
from mehvar.accounts.models import Agent, ApiToken, AuditLogEntry, Team
from mehvar.core import rawrow
from mehvar.core.errors import Invalid, NotFound
from mehvar.core.pagination import MAX_PAGE_SIZE, Page, keyset_page
from mehvar.core.permissions import Actor, require

TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)
# The columns Agent.name reads, so a list of members never loads a row per member.
AGENT_NAME_FIELDS = ("id", "username", "display_name", "first_name", "last_name")


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def agent_for_token(secret: str) -> Agent | None:
    """The active agent a bearer token belongs to, or None. One query on the hot path; the
    last-used time is written at most every few minutes so reads stay read-only."""
    if not secret or len(secret) > 200:
        return None
    # Hand-written SQL: this runs on every API request, and compiling the equivalent
    # select_related query cost more CPU than the database spent answering it.
    rows = rawrow.fetch_rows(_TOKEN_AGENT_SQL, [token_hash(secret)])
    if not rows:
        return None
    width = rawrow.row_width(ApiToken)
    token = rawrow.build(ApiToken, rows[0][:width])
    agent = rawrow.build(Agent, rows[0][width:])
    if not agent.is_active:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return agent


_TOKEN_AGENT_SQL = (
    f"SELECT {rawrow.columns_sql(ApiToken, 'token')}, {rawrow.columns_sql(Agent, 'agent')} "
    f"FROM {ApiToken._meta.db_table} AS token "
    f"JOIN {Agent._meta.db_table} AS agent ON agent.id = token.agent_id "
    f"WHERE token.key_hash = %s AND token.revoked_at IS NULL"
)


def _teams_prefetch() -> Prefetch[str, QuerySet[Team]]:
    return Prefetch("teams", queryset=Team.objects.only("id", "name").order_by("name"))


def agent_list(*, actor: Actor) -> QuerySet[Agent]:
    """Active agents by username, each with its teams (one extra query for all teams)."""
    require(actor, "agent.view")
    return (
        Agent.objects.filter(is_active=True)
        .prefetch_related(_teams_prefetch())
        .order_by("username")
    )


def agents_by_username(usernames: Iterable[str]) -> list[Agent]:
    """The active agents with exactly these usernames, for @mentions. No permission check:
    the caller (a service writing a note) has made it."""
    wanted = sorted(set(usernames))
    if not wanted:
        return []
    return list(Agent.objects.filter(is_active=True, username__in=wanted)
                .only(*AGENT_NAME_FIELDS).order_by("username"))


def agent_choices(*, actor: Actor) -> list[Agent]:
    """Active agents by username with only their name columns: assignee and @mention pickers."""
    require(actor, "agent.view")
    return list(Agent.objects.filter(is_active=True).only(*AGENT_NAME_FIELDS)
                .order_by("username"))


def agent_page(*, actor: Actor, cursor: str | None, limit: int) -> Page[Agent]:
    """One page of agent_list; the cursor is the last username of the previous page."""
    return _ascending_page(agent_list(actor=actor), field="username", cursor=cursor,
                           limit=limit)


def agent_get(*, actor: Actor, agent_id: int) -> Agent:
    """Any agent by id, also a deactivated one (old conversations still name them)."""
    require(actor, "agent.view")
    agent = Agent.objects.prefetch_related(_teams_prefetch()).filter(pk=agent_id).first()
    if agent is None:
        raise NotFound(AccountErrorCode.AGENT_NOT_FOUND, _("No agent has this id."))
    return agent


def team_list(*, actor: Actor) -> QuerySet[Team]:
    """Teams by name with their lead and members (members in one extra query)."""
    require(actor, "team.view")
    members = Agent.objects.only(*AGENT_NAME_FIELDS).order_by("username")
    return (
        Team.objects.select_related("lead")
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("name")
    )


def team_choices(*, actor: Actor) -> list[Team]:
    """Teams by name with only id and name: the team picker."""
    require(actor, "team.view")
    return list(Team.objects.only("id", "name").order_by("name"))


def team_page(*, actor: Actor, cursor: str | None, limit: int) -> Page[Team]:
    """One page of team_list; the cursor is the last team name of the previous page."""
    return _ascending_page(team_list(actor=actor), field="name", cursor=cursor, limit=limit)


def team_members(*, team_id: int) -> list[Agent]:
    """The team's active members with their role (routing's candidates). No permission check:
    the caller (a system assignment) has made it."""
    return list(Agent.objects.filter(is_active=True, teams__id=team_id)
                .only("id", "role", "is_active").order_by("id"))


def team_lead_id(*, team_id: int | None) -> int | None:
    if team_id is None:
        return None
    return Team.objects.filter(pk=team_id).values_list("lead_id", flat=True).first()


def team_get(*, actor: Actor, team_id: int) -> Team:
    team = team_list(actor=actor).filter(pk=team_id).first()
    if team is None:
        raise NotFound(AccountErrorCode.TEAM_NOT_FOUND, _("No team has this id."))
    return team


def token_list(*, actor: Agent, agent_id: int | None = None) -> QuerySet[ApiToken]:
    """Own tokens, newest first; an admin may list another agent's (404 if there is none)."""
    target = actor.pk if agent_id is None else agent_id
    require(actor, "token.manage_own" if target == actor.pk else "token.manage_all")
    if target != actor.pk and not Agent.objects.filter(pk=target).exists():
        raise NotFound(AccountErrorCode.AGENT_NOT_FOUND, _("No agent has this id."))
    return ApiToken.objects.filter(agent_id=target).order_by("-created_at", "-id")


def token_page(
    *, actor: Agent, agent_id: int | None = None, cursor: str | None, limit: int
) -> Page[ApiToken]:
    return keyset_page(token_list(actor=actor, agent_id=agent_id), field="created_at",
                       cursor=cursor, limit=limit)


def audit_log_list(*, actor: Actor) -> QuerySet[AuditLogEntry]:
    require(actor, "audit.view")
    return AuditLogEntry.objects.select_related("actor").order_by("-at", "-id")


def audit_log_page(*, actor: Actor, cursor: str | None, limit: int) -> Page[AuditLogEntry]:
    """Newest first, keyset-paginated on (at, id) through the `audit_at` index."""
    return keyset_page(audit_log_list(actor=actor), field="at", cursor=cursor, limit=limit)


def _encode_key(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def _decode_key(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = base64.b64decode(padded.encode(), altchars=b"-_", validate=True).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise Invalid(AccountErrorCode.INVALID_CURSOR, _("The cursor is not valid."),
                      field="cursor") from error
    if not key:
        raise Invalid(AccountErrorCode.INVALID_CURSOR, _("The cursor is not valid."),
                      field="cursor")
    return key


def _ascending_page(
    queryset: QuerySet[Any], *, field: str, cursor: str | None, limit: int
) -> Page[Any]:
    """Keyset page over a unique text column in ascending order (usernames, team names)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if cursor:
        queryset = queryset.filter(**{f"{field}__gt": _decode_key(cursor)})
    rows = list(queryset.order_by(field)[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_key(getattr(rows[-1], field)) if has_more else None
    return Page(items=rows, next_cursor=next_cursor)
