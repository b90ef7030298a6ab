"""Fixtures for the accounts tests: teams built through the real service, a named roster."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from mehvar.accounts.models import Agent, Role, Team
from mehvar.accounts.services import team_create

ROLES = [Role.ANALYST, Role.AGENT, Role.SUPERVISOR, Role.ADMIN]


def iso(moment: datetime | None) -> str | None:
    """A datetime as the API writes it (milliseconds, "Z")."""
    return None if moment is None else DjangoJSONEncoder().default(moment)


@pytest.fixture
def make_team(db: None) -> Callable[..., Team]:
    def make(name: str, *, lead: Agent | None = None, members: Sequence[Agent] = (),
             description: str = "") -> Team:
        return team_create(actor=None, name=name, description=description, lead=lead,
                           members=list(members))

    return make


@pytest.fixture
def caller(request: pytest.FixtureRequest, make_agent: Callable[..., Agent]) -> Agent:
    """The agent making the request, of the role the test is parametrized with."""
    role: Any = request.param
    return make_agent(role, username=f"caller-{role}")
