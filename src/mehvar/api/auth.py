"""API authentication: a bearer token (scripts, integrations) or the browser session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from mehvar.accounts.models import Agent
from mehvar.accounts.selectors import agent_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Agent | None:
        agent = agent_for_token(token)
        if agent is not None:
            request.user = agent
        return agent


class ActiveSession(SessionAuth):
    """Django's session (with its CSRF check), for the agent UI calling the API."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie there is no session to protect: skip the CSRF check so an
        # anonymous write, or one with a wrong token, gets 401 not_authenticated, not 403.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


AUTH = [BearerToken(), ActiveSession()]
