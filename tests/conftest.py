"""Shared fixtures: agents of every role, API clients that authenticate with a real token."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from mehvar.accounts.models import Agent, Role
from mehvar.accounts.services import agent_create, token_create
from mehvar.intelligence.services import forget_queued
from mehvar.service_levels.calendars import schedules_forget
from mehvar.service_levels.config_cache import config_forget

# Property tests judge results, not speed: on a busy machine (parallel workers, CI) a slow
# example must not fail for its time alone.
hypothesis_settings.register_profile("mehvar", deadline=None)
hypothesis_settings.load_profile("mehvar")


class ApiClient:
    """A Django test client that sends a bearer token and JSON bodies to /api/v1/."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        url = f"/api/v1/{path.lstrip('/')}"
        kwargs: dict[str, Any] = {"headers": self.headers}
        if body is not None:
            kwargs.update(data=json.dumps(body) if not isinstance(body, bytes) else body,
                          content_type="application/json")
        elif params:
            kwargs["data"] = params
        return getattr(self.client, method)(url, **kwargs)

    def get(self, path: str, **params: Any) -> Any:
        return self._call("get", path, **params)

    def post(self, path: str, body: Any = None) -> Any:
        return self._call("post", path, {} if body is None else body)

    def patch(self, path: str, body: Any) -> Any:
        return self._call("patch", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._call("put", path, body)

    def delete(self, path: str) -> Any:
        return self._call("delete", path)


@pytest.fixture(autouse=True)
def _forget_cached_configuration() -> None:
    """Each test starts with no routing rules, policies or calendars held in memory: a
    rolled-back test's rows can come back with the same ids, versions and times. And the
    first new message of each test queues its enrichment at once."""
    config_forget()
    schedules_forget()
    forget_queued()


@pytest.fixture
def make_agent(db: None) -> Callable[..., Agent]:
    counter = iter(range(1, 10_000))

    def make(role: str = Role.AGENT, username: str | None = None, **extra: Any) -> Agent:
        return agent_create(actor=None, username=username or f"{role}{next(counter)}",
                            password="correct-horse-battery", role=role, **extra)

    return make


@pytest.fixture
def admin(make_agent: Callable[..., Agent]) -> Agent:
    return make_agent(Role.ADMIN, username="admin")


@pytest.fixture
def supervisor(make_agent: Callable[..., Agent]) -> Agent:
    return make_agent(Role.SUPERVISOR, username="supervisor")


@pytest.fixture
def agent(make_agent: Callable[..., Agent]) -> Agent:
    return make_agent(Role.AGENT, username="agent")


@pytest.fixture
def analyst(make_agent: Callable[..., Agent]) -> Agent:
    return make_agent(Role.ANALYST, username="analyst")


@pytest.fixture
def api_as() -> Callable[[Agent | None], ApiClient]:
    """api_as(agent) -> a client with a fresh token of that agent; api_as(None) -> anonymous."""

    def make(who: Agent | None) -> ApiClient:
        if who is None:
            return ApiClient(None)
        return ApiClient(token_create(actor=who, name="tests").secret)

    return make
