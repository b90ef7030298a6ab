"""GET /teams and /teams/{id}: lead and members by name, every role may read, bounded queries."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mehvar.accounts.models import Agent, Role
from tests.accounts.conftest import ROLES, iso


@pytest.fixture
def roster(make_agent: Callable[..., Agent]) -> dict[str, Agent]:
    return {
        "layla": make_agent(Role.SUPERVISOR, username="layla", display_name="ليلى حداد"),
        "reza": make_agent(Role.AGENT, username="reza", display_name="رضا کریمی"),
        "eleni": make_agent(Role.AGENT, username="eleni", display_name="Ελένη Νικολάου"),
    }


def test_team_shows_lead_and_members_by_username(api_as, roster, make_team) -> None:
    # given
    team = make_team("پشتیبانی فنی", description="مشکلات اینترنت و مودم",
                     lead=roster["layla"], members=[roster["reza"], roster["eleni"]])
    # when
    response = api_as(roster["reza"]).get(f"teams/{team.pk}")
    # then
    assert response.status_code == 200
    assert response.json() == {
        "id": team.pk, "name": "پشتیبانی فنی", "description": "مشکلات اینترنت و مودم",
        "lead": {"id": roster["layla"].pk, "name": "ليلى حداد"},
        "members": [{"id": roster["eleni"].pk, "name": "Ελένη Νικολάου"},
                    {"id": roster["reza"].pk, "name": "رضا کریمی"}],
        "created_at": iso(team.created_at),
    }


def test_list_orders_teams_by_name_and_pages(api_as, analyst, make_team) -> None:
    # given
    for name in ["Delta", "Alpha", "Charlie", "Bravo"]:
        make_team(name)
    client = api_as(analyst)
    # when
    first = client.get("teams", limit=3).json()
    second = client.get("teams", limit=3, cursor=first["next_cursor"]).json()
    # then
    assert [team["name"] for team in first["items"]] == ["Alpha", "Bravo", "Charlie"]
    assert [team["name"] for team in second["items"]] == ["Delta"]
    assert second["next_cursor"] is None


def test_team_without_lead_or_members(api_as, agent, make_team) -> None:
    team = make_team("خدمة العملاء")
    body = api_as(agent).get("teams").json()
    assert [(t["id"], t["lead"], t["members"]) for t in body["items"]] == [(team.pk, None, [])]


@pytest.mark.parametrize("path", ["teams", "teams/1"])
def test_anonymous_callers_are_refused(api_as, path, db) -> None:
    response = api_as(None).get(path)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_every_role_may_read_teams(api_as, caller, make_team) -> None:
    team = make_team("Τιμολόγηση")
    client = api_as(caller)
    assert client.get("teams").status_code == 200
    assert client.get(f"teams/{team.pk}").json()["name"] == "Τιμολόγηση"


@pytest.mark.parametrize("team_id", ["-1", "0", "99999999999999999999"])
def test_unknown_team_is_404(api_as, agent, team_id) -> None:
    response = api_as(agent).get(f"teams/{team_id}")
    assert response.status_code == 404
    assert response.json() == {"error": "team_not_found", "detail": "No team has this id."}


@pytest.mark.parametrize(
    ("_case", "path"),
    [("id_not_a_number", "teams/abc"), ("limit_negative", "teams?limit=-5")],
)
def test_bad_input_is_422(api_as, agent, _case, path) -> None:
    response = api_as(agent).get(path)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


@pytest.mark.parametrize("size", [2, 10])
def test_team_list_query_count_is_constant(api_as, make_agent, make_team,
                                           django_assert_num_queries, size) -> None:
    # given: `size` teams, each with a lead and three members whose names need first/last name
    members = [make_agent(Role.AGENT, username=f"member-{n}", first_name="Νίκος",
                          last_name="Παππάς") for n in range(3)]
    for n in range(size):
        make_team(f"team-{n:02}", lead=members[n % 3], members=members)
    client = api_as(members[0])
    client.get("me")  # the first request with a token records last_used_at
    # when / then: token lookup, teams with their leads, members
    with django_assert_num_queries(3):
        response = client.get("teams")
    items = response.json()["items"]
    assert len(items) == size
    assert {member["name"] for item in items for member in item["members"]} == {"Νίκος Παππάς"}


def test_team_detail_query_count(api_as, agent, make_agent, make_team,
                                 django_assert_num_queries) -> None:
    team = make_team("مبيعات", lead=agent,
                     members=[make_agent(Role.AGENT, username=f"m{n}") for n in range(6)])
    client = api_as(agent)
    client.get("me")
    with django_assert_num_queries(3):
        response = client.get(f"teams/{team.pk}")
    assert len(response.json()["members"]) == 6
