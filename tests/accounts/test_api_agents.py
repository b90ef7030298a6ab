"""GET /me, /agents and /agents/{id}: who may read agents, their exact shape, paging, queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mehvar.accounts.models import Agent, Role, Team
from mehvar.accounts.services import agent_update
from tests.accounts.conftest import ROLES


@pytest.fixture
def sara(make_agent: Callable[..., Agent]) -> Agent:
    return make_agent(Role.AGENT, username="sara", display_name="سارا احمدی",
                      email="sara@example.ir", language="fa", time_zone="Asia/Tehran")


def agent_body(agent: Agent, teams: list[Team]) -> dict[str, Any]:
    return {
        "id": agent.pk, "username": agent.username, "name": agent.name, "email": agent.email,
        "role": agent.role, "language": agent.language, "time_zone": agent.time_zone,
        "is_active": agent.is_active, "teams": [{"id": t.pk, "name": t.name} for t in teams],
    }


def test_me_returns_the_calling_agent_with_teams(api_as, sara, make_team) -> None:
    # given
    support = make_team("پشتیبانی فنی", members=[sara])
    billing = make_team("Τιμολόγηση", members=[sara])
    make_team("خدمة العملاء")
    # when
    response = api_as(sara).get("me")
    # then (teams by name: Greek sorts before Persian in code-point order)
    assert response.status_code == 200
    assert response.json() == {
        "id": sara.pk, "username": "sara", "name": "سارا احمدی", "email": "sara@example.ir",
        "role": "agent", "language": "fa", "time_zone": "Asia/Tehran", "is_active": True,
        "teams": [{"id": billing.pk, "name": "Τιμολόγηση"},
                  {"id": support.pk, "name": "پشتیبانی فنی"}],
    }


@pytest.mark.parametrize("path", ["me", "agents", "agents/1"])
def test_anonymous_callers_are_refused(api_as, path, db) -> None:
    response = api_as(None).get(path)
    assert response.status_code == 401
    assert response.json() == {"error": "not_authenticated",
                               "detail": "Send a valid API token or sign in."}


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_every_role_may_read_agents(api_as, caller, sara) -> None:
    client = api_as(caller)
    listed = client.get("agents")
    one = client.get(f"agents/{sara.pk}")
    me = client.get("me")
    assert (listed.status_code, one.status_code, me.status_code) == (200, 200, 200)
    assert [item["username"] for item in listed.json()["items"]] == [caller.username, "sara"]
    assert one.json() == agent_body(sara, [])
    assert me.json()["id"] == caller.pk


def test_list_holds_only_active_agents_by_username(api_as, admin, make_agent) -> None:
    # given
    make_agent(Role.ANALYST, username="zoe", display_name="Ζωή Κωνσταντίνου")
    make_agent(Role.SUPERVISOR, username="mariam", display_name="مريم الحسيني")
    gone = make_agent(Role.AGENT, username="bahram", display_name="بهرام")
    agent_update(actor=admin, agent_id=gone.pk, changes={"is_active": False})
    client = api_as(admin)
    # when
    body = client.get("agents").json()
    # then
    assert [(item["username"], item["name"], item["role"]) for item in body["items"]] == [
        ("admin", "admin", "admin"),
        ("mariam", "مريم الحسيني", "supervisor"),
        ("zoe", "Ζωή Κωνσταντίνου", "analyst"),
    ]
    assert body["next_cursor"] is None


def test_a_deactivated_agent_is_still_found_by_id(api_as, admin, sara) -> None:
    agent_update(actor=admin, agent_id=sara.pk, changes={"is_active": False})
    response = api_as(admin).get(f"agents/{sara.pk}")
    assert response.status_code == 200
    assert response.json()["is_active"] is False


def test_list_pages_follow_the_cursor(api_as, analyst, make_agent) -> None:
    # given: analyst plus four agents, pages of two
    for username in ["dimitra", "farhad", "layla", "nikos"]:
        make_agent(Role.AGENT, username=username)
    client = api_as(analyst)
    # when
    first = client.get("agents", limit=2).json()
    second = client.get("agents", limit=2, cursor=first["next_cursor"]).json()
    third = client.get("agents", limit=2, cursor=second["next_cursor"]).json()
    # then
    assert [item["username"] for item in first["items"]] == ["analyst", "dimitra"]
    assert [item["username"] for item in second["items"]] == ["farhad", "layla"]
    assert [item["username"] for item in third["items"]] == ["nikos"]
    assert third["next_cursor"] is None


def test_cursor_after_the_longest_possible_username_works(api_as, analyst, make_agent) -> None:
    # given: a 150-character Persian username (600 bytes of UTF-8 in the cursor)
    longest = make_agent(Role.AGENT, username="ن" + "ی" * 149)
    client = api_as(analyst)
    # when
    first = client.get("agents", limit=1)
    second = client.get("agents", limit=1, cursor=first.json()["next_cursor"])
    # then
    assert [item["id"] for item in first.json()["items"]] == [analyst.pk]
    assert second.status_code == 200
    assert [item["id"] for item in second.json()["items"]] == [longest.pk]


@pytest.mark.parametrize(
    ("_case", "query", "error"),
    [
        ("limit_zero", {"limit": 0}, "validation_error"),
        ("limit_too_big", {"limit": 101}, "validation_error"),
        ("limit_not_a_number", {"limit": "ده"}, "validation_error"),
        ("cursor_too_long", {"cursor": "a" * 1001}, "validation_error"),
        ("cursor_not_base64", {"cursor": "@@@"}, "invalid_cursor"),
    ],
)
def test_bad_list_parameters_are_422(api_as, agent, _case, query, error) -> None:
    response = api_as(agent).get("agents", **query)
    assert response.status_code == 422
    assert response.json()["error"] == error


def test_agent_id_that_is_not_a_number_is_422(api_as, agent) -> None:
    response = api_as(agent).get("agents/سارا")
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


@pytest.mark.parametrize("agent_id", ["-1", "0", "99999999999999999999"])
def test_unknown_agent_is_404(api_as, agent, agent_id) -> None:
    response = api_as(agent).get(f"agents/{agent_id}")
    assert response.status_code == 404
    assert response.json() == {"error": "agent_not_found", "detail": "No agent has this id."}


@pytest.mark.parametrize("size", [2, 12])
def test_agent_list_query_count_is_constant(api_as, make_agent, make_team,
                                            django_assert_num_queries, size) -> None:
    # given: `size` agents, each in two teams
    agents = [make_agent(Role.AGENT, username=f"agent-{n:02}") for n in range(size)]
    make_team("پشتیبانی", members=agents)
    make_team("مبيعات", members=agents)
    client = api_as(agents[0])
    client.get("me")  # the first request with a token records last_used_at
    # when / then: token lookup, agents, their teams
    with django_assert_num_queries(3):
        response = client.get("agents")
    assert len(response.json()["items"]) == size
    assert {len(item["teams"]) for item in response.json()["items"]} == {2}
