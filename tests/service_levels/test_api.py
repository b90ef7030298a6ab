"""The service levels API: calendars, SLA policies, routing rules and team settings (analysts
read, admins change), agents' availability and skills, a conversation's service state and
hand-offs, internal requests, SLA alerts and a customer's waiting. Each group: its permission
matrix (a refusal changes nothing), 422s, unknown ids (404 with their codes); lists keep a
constant query count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from mehvar.accounts.models import Agent, Team
from mehvar.service_levels.models import (
    AgentProfile,
    BusinessCalendar,
    Holiday,
    RoutingRule,
    SlaPolicy,
    TeamServiceSettings,
)
from mehvar.service_levels.services.configuration import calendar_set_holidays, routing_rule_create
from tests.service_levels.api_helpers import (
    ROLES,
    UNKNOWN,
    ApiAs,
    error_of,
)
from tests.service_levels.conftest import TEHRAN_WEEK

pytestmark = pytest.mark.django_db


# --- calendars -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_calendars_and_only_admins_change_them(
    api_as: ApiAs, people: dict[str, Agent], riyadh: BusinessCalendar, role: str,
) -> None:
    client = api_as(people[role])
    listing = client.get("/service-levels/calendars")
    assert listing.status_code == 200
    assert [item["name"] for item in listing.json()["items"]] == ["الرياض"]
    assert client.get(f"/service-levels/calendars/{riyadh.pk}").json()["time_zone"] == \
        "Asia/Riyadh"
    created = client.post("/service-levels/calendars",
                          {"name": "تهران", "time_zone": "Asia/Tehran",
                           "weekly_hours": TEHRAN_WEEK})
    patched = client.patch(f"/service-levels/calendars/{riyadh.pk}", {"name": "Ριάντ"})
    holidays = client.put(f"/service-levels/calendars/{riyadh.pk}/holidays",
                          {"holidays": [{"date": "2027-03-21", "name": "نوروز"}]})
    deleted = client.delete(f"/service-levels/calendars/{riyadh.pk}")
    if role != "admin":
        assert {error_of(response) for response in (created, patched, holidays, deleted)} == \
            {(403, "permission_denied")}
        assert list(BusinessCalendar.objects.values_list("name", flat=True)) == ["الرياض"]
        assert not Holiday.objects.exists()
        return
    assert created.status_code == 201
    assert created.json()["weekly_hours"]["thu"] == ["08:00-12:00"]
    assert created.json()["holidays"] == []
    assert patched.json()["name"] == "Ριάντ"
    assert holidays.json()["holidays"] == [{"date": "2027-03-21", "name": "نوروز"}]
    assert deleted.status_code == 204
    assert list(BusinessCalendar.objects.values_list("name", flat=True)) == ["تهران"]


def test_anonymous_callers_get_401_everywhere(api_as: ApiAs, riyadh: BusinessCalendar) -> None:
    client = api_as(None)
    responses = [
        client.get("/service-levels/calendars"),
        client.post("/service-levels/calendars", {"name": "x"}),
        client.get("/service-levels/policies"),
        client.get("/service-levels/routing-rules"),
        client.get("/service-levels/teams"),
        client.put("/service-levels/me/availability", {"availability": "online"}),
        client.get("/service-levels/agents/1/profile"),
        client.get("/conversations/1/service"),
        client.post("/conversations/1/hand-off", {"team_id": 1, "note": "x"}),
        client.get("/internal-requests"),
        client.post("/internal-requests", {"to_team_id": 1, "title": "x"}),
        client.get("/service-levels/alerts"),
        client.get("/customers/1/waiting"),
    ]
    assert {error_of(response) for response in responses} == {(401, "not_authenticated")}


def test_holidays_replace_the_previous_ones_and_read_back_in_date_order(
    api_as: ApiAs, admin: Agent, riyadh: BusinessCalendar,
) -> None:
    calendar_set_holidays(actor=admin, calendar_id=riyadh.pk,
                          holidays=[(timezone.localdate(), "قديم")])
    client = api_as(admin)
    response = client.put(f"/service-levels/calendars/{riyadh.pk}/holidays", {"holidays": [
        {"date": "2027-04-20", "name": "Πάσχα"}, {"date": "2027-03-21", "name": "نوروز"}]})
    assert response.json()["holidays"] == [{"date": "2027-03-21", "name": "نوروز"},
                                           {"date": "2027-04-20", "name": "Πάσχα"}]
    assert client.get(f"/service-levels/calendars/{riyadh.pk}").json()["holidays"] == \
        response.json()["holidays"]


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"name": "Bad", "weekly_hours": {"mon": ["25:00-26:00"]}}, "calendar_invalid",
     "weekly_hours"),
    ({"name": "Bad", "weekly_hours": {"mon": ["17:00-09:00"]}}, "calendar_invalid",
     "weekly_hours"),
    ({"name": "Bad", "time_zone": "Mars/Olympus_Mons"}, "calendar_invalid", "time_zone"),
    ({"name": "Bad", "weekly_hours": {}}, "calendar_invalid", "weekly_hours"),
    ({"name": "Bad", "weekly_hours": {"funday": ["09:00-17:00"]}}, "validation_error", None),
    ({"name": "Bad", "weekly_hours": {"mon": "09:00-17:00"}}, "validation_error", None),
    ({"name": "Bad", "weekly_hours": {"mon": ["09:00-17:00" * 3]}}, "validation_error", None),
    ({"name": "α" * 101}, "validation_error", None),
    ({"name": ""}, "validation_error", None),
    ({"name": "   "}, "name_invalid", "name"),
])
def test_bad_calendars_are_a_422(api_as: ApiAs, admin: Agent, body: dict[str, Any],
                                 code: str, field: str | None) -> None:
    response = api_as(admin).post("/service-levels/calendars",
                                  {"weekly_hours": TEHRAN_WEEK, **body})
    assert error_of(response) == (422, code)
    assert response.json().get("field") == field
    assert not BusinessCalendar.objects.exists()


def test_calendar_errors(api_as: ApiAs, admin: Agent, riyadh: BusinessCalendar) -> None:
    client = api_as(admin)
    taken = client.post("/service-levels/calendars",
                        {"name": "الرياض", "weekly_hours": TEHRAN_WEEK})
    assert error_of(taken) == (409, "name_invalid")
    for response in (client.get(f"/service-levels/calendars/{UNKNOWN}"),
                     client.patch(f"/service-levels/calendars/{UNKNOWN}", {"name": "x"}),
                     client.put(f"/service-levels/calendars/{UNKNOWN}/holidays",
                                {"holidays": []}),
                     client.delete(f"/service-levels/calendars/{UNKNOWN}")):
        assert error_of(response) == (404, "calendar_not_found")
    too_many = client.put(f"/service-levels/calendars/{riyadh.pk}/holidays",
                          {"holidays": [{"date": "2027-01-01"}] * 1831})
    assert error_of(too_many) == (422, "validation_error")
    long_name = client.put(f"/service-levels/calendars/{riyadh.pk}/holidays",
                           {"holidays": [{"date": "2027-01-01", "name": "ω" * 101}]})
    assert error_of(long_name) == (422, "validation_error")
    bad_cursor = client.get("/service-levels/calendars", cursor="not-a-cursor")
    assert error_of(bad_cursor) == (422, "invalid_cursor")


def test_calendar_pages_walk_by_name(api_as: ApiAs, admin: Agent) -> None:
    client = api_as(admin)
    names = ["Αθήνα", "الرياض", "تهران", "Berlin", "Dubai"]
    for name in names:
        created = client.post("/service-levels/calendars",
                              {"name": name, "weekly_hours": TEHRAN_WEEK})
        assert created.status_code == 201
    first = client.get("/service-levels/calendars", limit=3).json()
    second = client.get("/service-levels/calendars", limit=3, cursor=first["next_cursor"]).json()
    seen = [item["name"] for item in first["items"] + second["items"]]
    assert seen == list(BusinessCalendar.objects.order_by("name", "pk")
                        .values_list("name", flat=True))  # the database's collation
    assert sorted(seen) == sorted(names)
    assert second["next_cursor"] is None


# --- SLA policies --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_policies_and_only_admins_change_them(
    api_as: ApiAs, people: dict[str, Agent], gold_policy: SlaPolicy, role: str,
) -> None:
    client = api_as(people[role])
    assert [item["name"] for item in client.get("/service-levels/policies").json()["items"]] \
        == ["Standard"]
    assert client.get(f"/service-levels/policies/{gold_policy.pk}").json()[
        "first_response_minutes"] == 120
    created = client.post("/service-levels/policies", {
        "name": "طلایی", "tiers": ["gold", "platinum"], "priorities": ["urgent"],
        "channels": ["email", "whatsapp"], "first_response_minutes": 30,
        "resolution_minutes": 240, "at_risk_percent": 80})
    patched = client.patch(f"/service-levels/policies/{gold_policy.pk}",
                           {"first_response_minutes": None, "name": "Τυπική"})
    deleted = client.delete(f"/service-levels/policies/{gold_policy.pk}")
    if role != "admin":
        assert {error_of(response) for response in (created, patched, deleted)} == \
            {(403, "permission_denied")}
        gold_policy.refresh_from_db()
        assert (gold_policy.name, gold_policy.first_response_minutes) == ("Standard", 120)
        assert SlaPolicy.objects.count() == 1
        return
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["tiers"], body["next_response_minutes"]) == \
        ("طلایی", ["gold", "platinum"], None)
    assert (body["business_hours"], body["is_active"], body["at_risk_percent"]) == \
        (True, True, 80)
    assert patched.json()["name"] == "Τυπική"
    assert patched.json()["first_response_minutes"] is None  # null clears a target
    assert patched.json()["resolution_minutes"] == 480  # not sent: unchanged
    assert deleted.status_code == 204
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["طلایی"]


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"name": "x", "tiers": ["diamond"]}, "choices_invalid", "tiers"),
    ({"name": "x", "channels": ["carrier_pigeon"]}, "choices_invalid", "channels"),
    ({"name": "x", "priorities": ["whenever"]}, "choices_invalid", "priorities"),
    ({"name": "x", "segment_ids": [-3]}, "list_invalid", "segment_ids"),
    ({"name": "x", "first_response_minutes": 0}, "validation_error", None),
    ({"name": "x", "at_risk_percent": 100}, "validation_error", None),
    ({"name": "x", "tiers": ["gold"] * 51}, "validation_error", None),
    ({"name": "x", "tiers": ["g" * 65]}, "validation_error", None),
    ({"name": "ω" * 101}, "validation_error", None),
    ({"tiers": ["gold"]}, "validation_error", None),
])
def test_bad_policies_are_a_422(api_as: ApiAs, admin: Agent, body: dict[str, Any], code: str,
                                field: str | None) -> None:
    response = api_as(admin).post("/service-levels/policies", body)
    assert error_of(response) == (422, code)
    assert response.json().get("field") == field
    assert not SlaPolicy.objects.exists()


def test_unknown_policies_are_404(api_as: ApiAs, admin: Agent) -> None:
    client = api_as(admin)
    for response in (client.get(f"/service-levels/policies/{UNKNOWN}"),
                     client.patch(f"/service-levels/policies/{UNKNOWN}", {"name": "x"}),
                     client.delete(f"/service-levels/policies/{UNKNOWN}")):
        assert error_of(response) == (404, "sla_policy_not_found")


# --- routing rules -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_rules_and_only_admins_change_them(
    api_as: ApiAs, people: dict[str, Agent], admin: Agent, billing: Team, greek_desk: Team,
    role: str,
) -> None:
    first = routing_rule_create(actor=admin, name="فاکتورها", position=10,
                                keywords=["فاکتور", "فاتورة"], team_id=billing.pk)
    second = routing_rule_create(actor=admin, name="Ελληνικά", position=20, languages=["el"],
                                 team_id=greek_desk.pk)
    client = api_as(people[role])
    listing = client.get("/service-levels/routing-rules").json()["items"]
    assert [(item["name"], item["team"]["name"]) for item in listing] == \
        [("فاکتورها", "الفواتير"), ("Ελληνικά", "Ελληνική υποστήριξη")]
    assert client.get(f"/service-levels/routing-rules/{first.pk}").json()["keywords"] == \
        ["فاکتور", "فاتورة"]
    created = client.post("/service-levels/routing-rules", {
        "name": "Urgent WhatsApp", "channels": ["whatsapp"], "priority": "urgent",
        "add_tags": ["VIP"], "business_hours": "closed"})
    patched = client.patch(f"/service-levels/routing-rules/{first.pk}",
                           {"team_id": None, "priority": "high"})
    reordered = client.post("/service-levels/routing-rules/order",
                            {"rule_ids": [second.pk, first.pk]})
    deleted = client.delete(f"/service-levels/routing-rules/{second.pk}")
    if role != "admin":
        assert {error_of(response) for response in (created, patched, reordered, deleted)} == \
            {(403, "permission_denied")}
        assert list(RoutingRule.objects.values_list("name", "position", "team_id")) == \
            [("فاکتورها", 10, billing.pk), ("Ελληνικά", 20, greek_desk.pk)]
        return
    assert created.status_code == 201
    assert (created.json()["add_tags"], created.json()["team"],
            created.json()["business_hours"]) == (["vip"], None, "closed")
    assert (patched.json()["team"], patched.json()["priority"]) == (None, "high")
    order = [(item["id"], item["position"]) for item in reordered.json()["items"]]
    assert order == [(created.json()["id"], 0), (second.pk, 10), (first.pk, 20)]
    assert deleted.status_code == 204
    assert not RoutingRule.objects.filter(pk=second.pk).exists()


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"name": "Does nothing", "channels": ["email"]}, "routing_rule_invalid", "team_id"),
    ({"name": "x", "team_id": UNKNOWN}, "team_not_found", "team_id"),
    ({"name": "x", "priority": "whenever"}, "choices_invalid", "priority"),
    ({"name": "x", "priority": "high", "tiers": ["diamond"]}, "choices_invalid", "tiers"),
    ({"name": "x", "priority": "high", "business_hours": "sometimes"}, "validation_error",
     None),
    ({"name": "x", "priority": "high", "keywords": ["κ" * 65]}, "validation_error", None),
    ({"name": "x", "priority": "high", "position": -1}, "validation_error", None),
])
def test_bad_rules_are_a_422(api_as: ApiAs, admin: Agent, body: dict[str, Any], code: str,
                             field: str | None) -> None:
    response = api_as(admin).post("/service-levels/routing-rules", body)
    assert error_of(response) == (422, code)
    assert response.json().get("field") == field
    assert not RoutingRule.objects.exists()


def test_unknown_rules_are_404(api_as: ApiAs, admin: Agent, billing: Team) -> None:
    rule = routing_rule_create(actor=admin, name="x", team_id=billing.pk)
    client = api_as(admin)
    for response in (client.get(f"/service-levels/routing-rules/{UNKNOWN}"),
                     client.patch(f"/service-levels/routing-rules/{UNKNOWN}", {"name": "x"}),
                     client.delete(f"/service-levels/routing-rules/{UNKNOWN}"),
                     client.post("/service-levels/routing-rules/order",
                                 {"rule_ids": [rule.pk, UNKNOWN]})):
        assert error_of(response) == (404, "routing_rule_not_found")
    assert error_of(client.post("/service-levels/routing-rules/order", {"rule_ids": []})) == \
        (422, "validation_error")


def test_rule_pages_walk_in_the_order_rules_are_tried(api_as: ApiAs, admin: Agent,
                                                      billing: Team) -> None:
    rules = [routing_rule_create(actor=admin, name=f"قاعدة {number}", position=position,
                                 team_id=billing.pk)
             for number, position in enumerate([30, 10, 20, 10, 0])]
    client = api_as(admin)
    first = client.get("/service-levels/routing-rules", limit=2).json()
    second = client.get("/service-levels/routing-rules", limit=2,
                        cursor=first["next_cursor"]).json()
    third = client.get("/service-levels/routing-rules", limit=2,
                       cursor=second["next_cursor"]).json()
    seen = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert seen == [rule.pk for rule in sorted(rules, key=lambda rule: (rule.position, rule.pk))]
    assert third["next_cursor"] is None


@pytest.mark.parametrize("size", [2, 12])
def test_rule_list_query_count_is_constant(api_as: ApiAs, admin: Agent, billing: Team,
                                           greek_desk: Team, django_assert_num_queries: Any,
                                           size: int) -> None:
    for number in range(size):
        routing_rule_create(actor=admin, name=f"Κανόνας {number}", position=number,
                            team_id=(billing if number % 2 else greek_desk).pk,
                            keywords=["استرداد"])
    client = api_as(admin)
    client.get("/me")  # the first request with a token records its use
    # the token with its agent, the rules with their teams
    with django_assert_num_queries(2):
        response = client.get("/service-levels/routing-rules", limit=10)
    assert len(response.json()["items"]) == min(size, 10)
    assert (response.json()["next_cursor"] is not None) == (size > 10)


# --- team settings -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_team_settings_and_only_admins_change_them(
    api_as: ApiAs, people: dict[str, Agent], support_team: Team, riyadh: BusinessCalendar,
    billing: Team, role: str,
) -> None:
    client = api_as(people[role])
    listing = client.get("/service-levels/teams").json()["items"]
    assert listing == [{"team": {"id": support_team.pk, "name": "الدعم الفني"},
                        "assignment_mode": "manual",
                        "calendar": {"id": riyadh.pk, "name": "الرياض"}}]
    changed = client.put(f"/service-levels/teams/{billing.pk}",
                         {"assignment_mode": "round_robin", "calendar_id": riyadh.pk})
    if role != "admin":
        assert error_of(changed) == (403, "permission_denied")
        assert not TeamServiceSettings.objects.filter(team=billing).exists()
        return
    assert changed.json() == {"team": {"id": billing.pk, "name": "الفواتير"},
                              "assignment_mode": "round_robin",
                              "calendar": {"id": riyadh.pk, "name": "الرياض"}}


def test_a_calendar_not_sent_is_kept_and_a_null_one_is_cleared(
    api_as: ApiAs, admin: Agent, support_team: Team, riyadh: BusinessCalendar,
) -> None:
    client = api_as(admin)
    kept = client.put(f"/service-levels/teams/{support_team.pk}",
                      {"assignment_mode": "least_loaded"})
    assert (kept.json()["assignment_mode"], kept.json()["calendar"]["id"]) == \
        ("least_loaded", riyadh.pk)
    cleared = client.put(f"/service-levels/teams/{support_team.pk}", {"calendar_id": None})
    assert (cleared.json()["assignment_mode"], cleared.json()["calendar"]) == \
        ("least_loaded", None)


def test_team_settings_errors(api_as: ApiAs, admin: Agent, support_team: Team) -> None:
    client = api_as(admin)
    unknown_team = client.put(f"/service-levels/teams/{UNKNOWN}", {"assignment_mode": "manual"})
    assert error_of(unknown_team) == (404, "team_not_found")
    unknown_calendar = client.put(f"/service-levels/teams/{support_team.pk}",
                                  {"calendar_id": UNKNOWN})
    assert error_of(unknown_calendar) == (422, "calendar_not_found")
    assert unknown_calendar.json()["field"] == "calendar_id"
    bad_mode = client.put(f"/service-levels/teams/{support_team.pk}",
                          {"assignment_mode": "lottery"})
    assert error_of(bad_mode) == (422, "validation_error")


# --- agents --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_profiles_and_supervisors_change_them(
    api_as: ApiAs, people: dict[str, Agent], agent: Agent, role: str,
) -> None:
    client = api_as(people[role])
    before = client.get(f"/service-levels/agents/{agent.pk}/profile")
    assert before.json() == {"agent_id": agent.pk, "availability": "offline", "capacity": 10,
                             "languages": [], "skills": [], "availability_changed_at": None}
    changed = client.patch(f"/service-levels/agents/{agent.pk}/profile",
                           {"capacity": 4, "languages": ["FA", "ar"],
                            "skills": ["Φακτούρες", "استرداد"]})
    if role in {"analyst", "agent"}:
        assert error_of(changed) == (403, "permission_denied")
        assert not AgentProfile.objects.exists()
        return
    assert changed.status_code == 200
    assert (changed.json()["capacity"], changed.json()["languages"]) == (4, ["fa", "ar"])
    assert len(changed.json()["skills"]) == 2
    only_capacity = client.patch(f"/service-levels/agents/{agent.pk}/profile", {"capacity": 0})
    assert only_capacity.json()["languages"] == ["fa", "ar"]  # not sent: unchanged
    assert client.get(f"/service-levels/agents/{agent.pk}/profile").json()["capacity"] == 0


@pytest.mark.parametrize(("body", "code"), [
    ({"capacity": -1}, "validation_error"),
    ({"capacity": 501}, "validation_error"),
    ({"languages": ["x" * 17]}, "validation_error"),
    ({"skills": ["s"] * 51}, "validation_error"),
    ({"skills": [" "]}, "list_invalid"),
])
def test_bad_profiles_are_a_422(api_as: ApiAs, supervisor: Agent, agent: Agent,
                                body: dict[str, Any], code: str) -> None:
    response = api_as(supervisor).patch(f"/service-levels/agents/{agent.pk}/profile", body)
    assert error_of(response) == (422, code)
    assert not AgentProfile.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_agents_set_their_own_availability_and_supervisors_anyones(
    api_as: ApiAs, people: dict[str, Agent], make_agent: Callable[..., Agent], role: str,
) -> None:
    other = make_agent(username="Νίκος")
    client = api_as(people[role])
    own = client.put("/service-levels/me/availability", {"availability": "online"})
    own_by_id = client.put(f"/service-levels/agents/{people[role].pk}/availability",
                           {"availability": "away"})
    others = client.put(f"/service-levels/agents/{other.pk}/availability",
                        {"availability": "online"})
    if role == "analyst":
        assert {error_of(response) for response in (own, own_by_id, others)} == \
            {(403, "permission_denied")}
        assert not AgentProfile.objects.exists()
        return
    assert (own.json()["agent_id"], own.json()["availability"]) == (people[role].pk, "online")
    assert own.json()["availability_changed_at"] is not None
    assert own_by_id.json()["availability"] == "away"
    if role == "agent":
        assert error_of(others) == (403, "permission_denied")
        assert not AgentProfile.objects.filter(agent=other).exists()
        return
    assert (others.json()["agent_id"], others.json()["availability"]) == (other.pk, "online")


def test_agent_errors(api_as: ApiAs, supervisor: Agent) -> None:
    client = api_as(supervisor)
    for response in (client.get(f"/service-levels/agents/{UNKNOWN}/profile"),
                     client.patch(f"/service-levels/agents/{UNKNOWN}/profile", {"capacity": 3}),
                     client.put(f"/service-levels/agents/{UNKNOWN}/availability",
                                {"availability": "online"})):
        assert error_of(response) == (404, "agent_not_found")
    for body in ({"availability": "asleep"}, {}, {"availability": None}):
        response = client.put("/service-levels/me/availability", body)
        assert error_of(response) == (422, "validation_error")
