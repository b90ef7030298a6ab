"""The service-levels API at work: a conversation's service state and hand-offs, internal
requests, alerts and a customer's waiting, and hostile input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mehvar.accounts.models import Agent, Team
from mehvar.service_levels.models import (
    Handoff,
    InternalRequest,
    SlaPolicy,
)
from mehvar.service_levels.services.clocks import sla_tick
from mehvar.service_levels.services.configuration import routing_rule_create
from mehvar.service_levels.services.escalation import conversation_hand_off
from mehvar.service_levels.services.requests import internal_request_create, internal_request_finish
from tests.service_levels.api_helpers import (
    AR_NOTE,
    EL_NOTE,
    FA_NOTE,
    ROLES,
    UNKNOWN,
    ApiAs,
    error_of,
)
from tests.service_levels.conftest import AR_TEXT, EL_TEXT, FA_TEXT, TEHRAN_WEEK, utc

pytestmark = pytest.mark.django_db


# --- a conversation's service state and hand-offs ------------------------------------------


def test_a_hand_off_end_to_end_shows_the_newest_note_first(
    api_as: ApiAs, agent: Agent, analyst: Agent, open_conversation: Any, support_team: Team,
    billing: Team, greek_desk: Team, gold_policy: SlaPolicy,
) -> None:
    conversation = open_conversation(team_id=support_team.pk, text=FA_TEXT, language="fa")
    client = api_as(agent)
    before = client.get(f"/conversations/{conversation.pk}/service").json()
    assert (before["state"], before["policy"]["name"], before["escalation_level"]) == \
        ("on_track", "Standard", 0)
    assert before["calendar"]["name"] == "الرياض"
    assert before["first_response_due"] is not None
    assert before["deadline"] is not None
    assert (before["handoffs"], before["requests"], before["breached"], before["paused"]) == \
        ([], [], [], False)

    escalated = client.post(f"/conversations/{conversation.pk}/hand-off",
                            {"team_id": billing.pk, "note": FA_NOTE})
    assert escalated.status_code == 201
    assert (escalated.json()["level"], escalated.json()["from_team"]["id"],
            escalated.json()["to_team"]["name"], escalated.json()["by_agent"]["id"]) == \
        (1, support_team.pk, "الفواتير", agent.pk)
    referred = client.post(f"/conversations/{conversation.pk}/hand-off",
                           {"team_id": greek_desk.pk, "note": EL_NOTE, "escalate": False})
    assert referred.json()["level"] == 1
    back = client.post(f"/conversations/{conversation.pk}/hand-off",
                       {"team_id": support_team.pk, "note": AR_NOTE})
    assert back.json()["level"] == 2

    service = api_as(analyst).get(f"/conversations/{conversation.pk}/service").json()
    assert service["escalation_level"] == 2
    assert [item["note"] for item in service["handoffs"]] == [AR_NOTE, EL_NOTE, FA_NOTE]
    assert [(item["from_team"]["name"], item["to_team"]["name"])
            for item in service["handoffs"]] == [
        ("Ελληνική υποστήριξη", "الدعم الفني"), ("الفواتير", "Ελληνική υποστήριξη"),
        ("الدعم الفني", "الفواتير")]
    assert service["handoffs"][0]["by_agent"] == {"id": agent.pk, "name": agent.name}


def test_the_service_state_names_the_routing_rule(
    api_as: ApiAs, admin: Agent, analyst: Agent, open_conversation: Any, billing: Team,
) -> None:
    rule = routing_rule_create(actor=admin, name="فاتورة", keywords=["فاتورة"],
                               team_id=billing.pk)
    conversation = open_conversation(text=AR_TEXT)
    service = api_as(analyst).get(f"/conversations/{conversation.pk}/service").json()
    assert service["routed_by"] == {"id": rule.pk, "name": "فاتورة"}
    assert service["state"] == "none"  # no SLA policy
    assert service["waiting_since"] is not None


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"note": ""}, 422, "handoff_note_required"),
    ({"note": "  \n "}, 422, "handoff_note_required"),
    ({"note": "ν" * 5001}, 422, "validation_error"),
    ({"team_id": None}, 422, "validation_error"),
    ({"escalate": "sometimes"}, 422, "validation_error"),
    ({"team_id": UNKNOWN}, 422, "team_not_found"),
    ({"team_id": "same"}, 409, "handoff_same_team"),
])
def test_bad_hand_offs_change_nothing(
    api_as: ApiAs, agent: Agent, open_conversation: Any, support_team: Team, billing: Team,
    body: dict[str, Any], status: int, code: str,
) -> None:
    conversation = open_conversation(team_id=support_team.pk)
    payload = {"team_id": billing.pk, "note": FA_NOTE, **body}
    if payload["team_id"] == "same":
        payload["team_id"] = support_team.pk
    response = api_as(agent).post(f"/conversations/{conversation.pk}/hand-off", payload)
    assert error_of(response) == (status, code)
    assert not Handoff.objects.exists()
    conversation.refresh_from_db()
    assert conversation.team_id == support_team.pk


@pytest.mark.parametrize("role", ROLES)
def test_agents_and_up_hand_off_and_everyone_reads_the_service_state(
    api_as: ApiAs, people: dict[str, Agent], open_conversation: Any, support_team: Team,
    billing: Team, role: str,
) -> None:
    conversation = open_conversation(team_id=support_team.pk)
    client = api_as(people[role])
    assert client.get(f"/conversations/{conversation.pk}/service").status_code == 200
    response = client.post(f"/conversations/{conversation.pk}/hand-off",
                           {"team_id": billing.pk, "note": EL_NOTE})
    if role == "analyst":
        assert error_of(response) == (403, "permission_denied")
        assert not Handoff.objects.exists()
        return
    assert response.status_code == 201
    assert response.json()["note"] == EL_NOTE


def test_unknown_conversations_are_404(api_as: ApiAs, agent: Agent, billing: Team) -> None:
    client = api_as(agent)
    for response in (client.get(f"/conversations/{UNKNOWN}/service"),
                     client.post(f"/conversations/{UNKNOWN}/hand-off",
                                 {"team_id": billing.pk, "note": AR_NOTE})):
        assert error_of(response) == (404, "conversation_not_found")


def test_the_service_state_query_count(api_as: ApiAs, agent: Agent, open_conversation: Any,
                                       support_team: Team, billing: Team, greek_desk: Team,
                                       django_assert_num_queries: Any) -> None:
    conversation = open_conversation(team_id=support_team.pk)
    for team, note in ((billing, FA_NOTE), (greek_desk, EL_NOTE), (support_team, AR_NOTE)):
        conversation_hand_off(actor=agent, conversation_id=conversation.pk, team_id=team.pk,
                              note=note)
        internal_request_create(actor=agent, to_team_id=team.pk, title=note[:40],
                                conversation_id=conversation.pk, owner_id=agent.pk)
    client = api_as(agent)
    client.get("/me")
    # token; conversation (2: the row with its names, its tags); state; hand-offs; requests
    with django_assert_num_queries(6):
        response = client.get(f"/conversations/{conversation.pk}/service")
    assert len(response.json()["handoffs"]) == 3
    assert len(response.json()["requests"]) == 3


# --- internal requests ---------------------------------------------------------------------


def test_an_internal_request_from_creation_to_done(
    api_as: ApiAs, agent: Agent, supervisor: Agent, analyst: Agent, open_conversation: Any,
    support_team: Team, billing: Team,
) -> None:
    conversation = open_conversation(team_id=support_team.pk)
    client = api_as(agent)
    due = (timezone.now() + timedelta(days=2)).isoformat()
    created = client.post("/internal-requests", {
        "to_team_id": billing.pk, "from_team_id": support_team.pk,
        "title": "  استرداد   مبلغ فاتورة مارس ", "details": FA_TEXT, "due_at": due,
        "conversation_id": conversation.pk})
    assert created.status_code == 201
    body = created.json()
    assert (body["title"], body["status"], body["owner"], body["conversation_id"]) == \
        ("استرداد مبلغ فاتورة مارس", "open", None, conversation.pk)
    assert (body["to_team"]["name"], body["from_team"]["name"],
            body["requested_by"]["id"]) == ("الفواتير", "الدعم الفني", agent.pk)
    request_id = body["id"]

    assigned = api_as(supervisor).post(f"/internal-requests/{request_id}/assign",
                                       {"owner_id": agent.pk})
    assert assigned.json()["owner"] == {"id": agent.pk, "name": agent.name}
    listing = api_as(analyst).get("/internal-requests", team_id=billing.pk, status="open",
                                  owner_id=agent.pk)
    assert [item["id"] for item in listing.json()["items"]] == [request_id]
    done = client.post(f"/internal-requests/{request_id}/finish", {"outcome": EL_TEXT})
    assert (done.json()["status"], done.json()["outcome"]) == ("done", EL_TEXT)
    assert done.json()["done_at"] is not None
    again = client.post(f"/internal-requests/{request_id}/finish", {"cancelled": True})
    assert error_of(again) == (409, "internal_request_finished")
    reassigned = client.post(f"/internal-requests/{request_id}/assign", {"owner_id": None})
    assert error_of(reassigned) == (409, "internal_request_finished")

    assert client.get("/internal-requests", status="open").json()["items"] == []
    assert client.get(f"/internal-requests/{request_id}").json()["status"] == "done"
    service = client.get(f"/conversations/{conversation.pk}/service").json()
    assert [(item["id"], item["status"], item["owner"]["id"])
            for item in service["requests"]] == [(request_id, "done", agent.pk)]


def test_an_internal_request_can_be_cancelled_and_unassigned(
    api_as: ApiAs, agent: Agent, billing: Team,
) -> None:
    request = internal_request_create(actor=agent, to_team_id=billing.pk, title="Ακύρωση",
                                      owner_id=agent.pk)
    client = api_as(agent)
    unassigned = client.post(f"/internal-requests/{request.pk}/assign", {"owner_id": None})
    assert unassigned.json()["owner"] is None
    cancelled = client.post(f"/internal-requests/{request.pk}/finish",
                            {"outcome": "دیگر لازم نیست", "cancelled": True})
    assert (cancelled.json()["status"], cancelled.json()["outcome"]) == \
        ("cancelled", "دیگر لازم نیست")
    by_status = client.get("/internal-requests", status="cancelled").json()["items"]
    assert [item["id"] for item in by_status] == [request.pk]


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_internal_requests_and_agents_and_up_work_on_them(
    api_as: ApiAs, people: dict[str, Agent], agent: Agent, billing: Team, role: str,
) -> None:
    existing = internal_request_create(actor=agent, to_team_id=billing.pk, title="سؤال")
    client = api_as(people[role])
    assert [item["id"] for item in client.get("/internal-requests").json()["items"]] == \
        [existing.pk]
    assert client.get(f"/internal-requests/{existing.pk}").json()["title"] == "سؤال"
    created = client.post("/internal-requests", {"to_team_id": billing.pk, "title": "پرسش"})
    assigned = client.post(f"/internal-requests/{existing.pk}/assign",
                           {"owner_id": people[role].pk})
    finished = client.post(f"/internal-requests/{existing.pk}/finish", {"outcome": "تم"})
    if role == "analyst":
        assert {error_of(response) for response in (created, assigned, finished)} == \
            {(403, "permission_denied")}
        existing.refresh_from_db()
        assert (existing.owner_id, existing.status) == (None, "open")
        assert InternalRequest.objects.count() == 1
        return
    assert (created.status_code, assigned.status_code, finished.status_code) == (201, 200, 200)
    assert finished.json()["owner"]["id"] == people[role].pk


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"title": ""}, "validation_error", None),
    ({"title": "   "}, "internal_request_invalid", "title"),
    ({"title": "τ" * 201}, "validation_error", None),
    ({"details": "x" * 10_001}, "validation_error", None),
    ({"due_at": "2001-01-01T00:00:00Z"}, "due_invalid", "due_at"),
    ({"due_at": "2099-01-01T00:00:00"}, "validation_error", None),
    ({"to_team_id": UNKNOWN}, "team_not_found", "to_team_id"),
    ({"owner_id": UNKNOWN}, "internal_request_invalid", "owner_id"),
])
def test_bad_internal_requests_are_a_422(api_as: ApiAs, agent: Agent, billing: Team,
                                         body: dict[str, Any], code: str,
                                         field: str | None) -> None:
    payload = {"to_team_id": billing.pk, "title": "درخواست", **body}
    response = api_as(agent).post("/internal-requests", payload)
    assert error_of(response) == (422, code)
    assert response.json().get("field") == field
    assert not InternalRequest.objects.exists()


def test_internal_request_errors(api_as: ApiAs, agent: Agent, billing: Team) -> None:
    client = api_as(agent)
    for response in (client.get(f"/internal-requests/{UNKNOWN}"),
                     client.post(f"/internal-requests/{UNKNOWN}/assign", {"owner_id": None}),
                     client.post(f"/internal-requests/{UNKNOWN}/finish", {"outcome": ""})):
        assert error_of(response) == (404, "internal_request_not_found")
    unknown_conversation = client.post("/internal-requests", {
        "to_team_id": billing.pk, "title": "x", "conversation_id": UNKNOWN})
    assert error_of(unknown_conversation) == (404, "conversation_not_found")
    request = internal_request_create(actor=agent, to_team_id=billing.pk, title="x")
    assert error_of(client.post(f"/internal-requests/{request.pk}/assign", {})) == \
        (422, "validation_error")
    assert error_of(client.post(f"/internal-requests/{request.pk}/finish",
                                {"outcome": "x" * 10_001})) == (422, "validation_error")
    assert error_of(client.get("/internal-requests", status="lost")) == \
        (422, "validation_error")
    assert error_of(client.get("/internal-requests", cursor="bad")) == (422, "invalid_cursor")


def test_internal_request_pages_walk_newest_first(api_as: ApiAs, agent: Agent,
                                                  billing: Team) -> None:
    requests = [internal_request_create(actor=agent, to_team_id=billing.pk, title=f"№ {n}")
                for n in range(5)]
    internal_request_finish(actor=agent, request_id=requests[0].pk, outcome="")
    client = api_as(agent)
    first = client.get("/internal-requests", limit=2).json()
    second = client.get("/internal-requests", limit=2, cursor=first["next_cursor"]).json()
    third = client.get("/internal-requests", limit=2, cursor=second["next_cursor"]).json()
    seen = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert seen == [request.pk for request in reversed(requests)]
    assert third["next_cursor"] is None


@pytest.mark.parametrize("size", [2, 12])
def test_internal_request_list_query_count_is_constant(
    api_as: ApiAs, agent: Agent, supervisor: Agent, open_conversation: Any, support_team: Team,
    billing: Team, django_assert_num_queries: Any, size: int,
) -> None:
    conversation = open_conversation(team_id=support_team.pk)
    for number in range(size):
        internal_request_create(actor=agent, to_team_id=billing.pk, title=f"Αίτημα {number}",
                                from_team_id=support_team.pk, conversation_id=conversation.pk,
                                owner_id=(agent if number % 2 else supervisor).pk)
    client = api_as(supervisor)
    client.get("/me")
    # the token with its agent, the page with its teams and people
    with django_assert_num_queries(2):
        response = client.get("/internal-requests", team_id=billing.pk, limit=10)
    items = response.json()["items"]
    assert len(items) == min(size, 10)
    assert {item["requested_by"]["id"] for item in items} == {agent.pk}
    assert (response.json()["next_cursor"] is not None) == (size > 10)


# --- alerts and a customer's waiting -------------------------------------------------------


def test_agents_see_their_own_sla_alerts(
    api_as: ApiAs, clock: Any, open_conversation: Any, support_team: Team,
    gold_policy: SlaPolicy, agent: Agent, lead: Agent, supervisor: Agent,
) -> None:
    clock(utc(2027, 1, 7, 13, 0))  # Thursday 16:00 in Riyadh
    conversation = open_conversation(team_id=support_team.pk, assignee_id=agent.pk)
    clock(utc(2027, 1, 10, 7, 1))  # Sunday 10:01: the first response is late
    assert sla_tick()["breached"] == 1
    for who in (agent, lead):
        items = api_as(who).get("/service-levels/alerts").json()["items"]
        assert [(item["kind"], item["target"], item["conversation"]["id"])
                for item in items] == [("breach", "first_response", conversation.pk)]
        assert items[0]["conversation"]["subject"] == "فاتورة مارس"
    assert api_as(supervisor).get("/service-levels/alerts").json() == \
        {"items": [], "next_cursor": None}
    assert error_of(api_as(agent).get("/service-levels/alerts", limit=0)) == \
        (422, "validation_error")


def test_a_customers_waiting(api_as: ApiAs, analyst: Agent, open_conversation: Any) -> None:
    conversation = open_conversation(text=EL_TEXT, language="el")
    open_conversation(customer_id=conversation.customer_id, text=FA_TEXT, language="fa")
    client = api_as(analyst)
    body = client.get(f"/customers/{conversation.customer_id}/waiting").json()
    assert (body["customer_id"], body["conversations"], body["waiting_now"]) == \
        (conversation.customer_id, 2, 2)
    assert body["average_seconds"] == body["total_seconds"] // 2
    assert error_of(client.get(f"/customers/{UNKNOWN}/waiting")) == (404, "customer_not_found")



@pytest.mark.parametrize(("path", "body"), [
    ("/service-levels/policies", {"name": "a\x00b"}),
    ("/service-levels/calendars", {"name": "a\x00b", "weekly_hours": TEHRAN_WEEK}),
    ("/service-levels/calendars", {"name": "ok", "time_zone": "UTC\x00",
                                   "weekly_hours": TEHRAN_WEEK}),
    ("/service-levels/routing-rules", {"name": "r", "priority": "high", "keywords": ["a\x00"]}),
    ("/service-levels/routing-rules", {"name": "r", "priority": "high\x00"}),
    ("/internal-requests", {"to_team_id": 1, "title": "a\x00"}),
    ("/internal-requests", {"to_team_id": 1, "title": "a", "details": "\x1b[31m"}),
])
def test_control_characters_are_a_422_not_a_server_error(api_as: ApiAs, admin: Agent, path: str,
                                                         body: dict[str, Any]) -> None:
    assert error_of(api_as(admin).post(path, body)) == (422, "validation_error")
