"""The complaints API (analysts read, agents and up act; bad input, unknown ids, constant
query counts) and the customer's own complaint page reached from the survey page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mehvar.accounts.models import Agent, Role, Team
from mehvar.accounts.services import team_create
from mehvar.channels.models import Mailbox
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.conversations import conversation_create
from mehvar.core.models import TimelineEvent
from mehvar.feedback.complaints import complaint_add_action, complaint_raise
from mehvar.feedback.links import invitation_token
from mehvar.feedback.models import Complaint, Invitation, RecoveryAction
from mehvar.feedback.services import survey_save
from tests.channels.test_email_flow import Recorder
from tests.conftest import ApiClient
from tests.feedback.test_complaints import solved

pytestmark = pytest.mark.django_db
ApiAs = Callable[[Agent | None], ApiClient]
ROLES = ("analyst", "agent", "supervisor", "admin")
UNKNOWN = 987_654_321
AR_TEXT = "تأخر التوصيل أسبوعين ولم يتصل بي أحد."
FA_TEXT = "کارمند فروشگاه با من بی‌ادبانه صحبت کرد."
EL_TEXT = "Η επιστροφή χρημάτων δεν έγινε ποτέ."


@pytest.fixture
def people(analyst: Agent, agent: Agent, supervisor: Agent, admin: Agent) -> dict[str, Agent]:
    return {"analyst": analyst, "agent": agent, "supervisor": supervisor, "admin": admin}


@pytest.fixture
def conversation(agent: Agent) -> Conversation:
    return conversation_create(actor=agent, subject="توصيل", channel="email", text=AR_TEXT,
                               language="ar", identity_kind="email",
                               identity_value="huda@example.sa", assignee_id=agent.pk)


def error_of(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_complaints_and_agents_and_up_act_on_them(
    api_as: ApiAs, people: dict[str, Agent], agent: Agent, conversation: Conversation,
    role: str,
) -> None:
    existing = complaint_raise(actor=agent, conversation_id=conversation.pk,
                               category="service", severity="high", description=AR_TEXT)
    events = TimelineEvent.objects.count()
    client = api_as(people[role])
    listing = client.get("/complaints")
    assert [item["id"] for item in listing.json()["items"]] == [existing.pk]
    assert client.get(f"/complaints/{existing.pk}").json()["description"] == AR_TEXT
    assert client.get("/complaints/costs").json() == {"items": [], "total": "0.00"}
    base = f"/complaints/{existing.pk}"
    responses = [
        client.post("/complaints", {"conversation_id": conversation.pk, "category": "product",
                                    "severity": "low", "description": FA_TEXT}),
        client.post(f"{base}/assign", {"owner_id": agent.pk}),
        client.post(f"{base}/actions", {"kind": "credit_or_discount", "cost": "25.00",
                                        "note": EL_TEXT}),
        client.post(f"{base}/resolve", {"outcome": EL_TEXT, "root_cause": FA_TEXT}),
        client.post(f"{base}/close", {}),
    ]
    if role == "analyst":
        assert {error_of(response) for response in responses} == {(403, "permission_denied")}
        assert Complaint.objects.count() == 1
        assert Complaint.objects.get().status == "open"
        assert not RecoveryAction.objects.exists()
        assert TimelineEvent.objects.count() == events
        return
    assert [response.status_code for response in responses] == [201, 200, 201, 200, 200]
    created = responses[0].json()
    assert (created["source"], created["category"], created["owner"]["id"],
            created["customer"]["id"], created["actions"]) == (
        "agent", "product", agent.pk, conversation.customer_id, [])
    acted = responses[2].json()
    assert (acted["status"], acted["recovery_cost"]) == ("in_progress", "25.00")
    assert [(item["kind"], item["cost"], item["note"], item["created_by"]["id"])
            for item in acted["actions"]] == [
        ("credit_or_discount", "25.00", EL_TEXT, people[role].pk)]
    resolved = responses[3].json()
    assert (resolved["status"], resolved["outcome"], resolved["root_cause"]) == (
        "resolved", EL_TEXT, FA_TEXT)
    assert resolved["follow_up_invitation"] is None  # no active survey
    assert responses[4].json()["status"] == "closed"
    costs = client.get("/complaints/costs").json()
    assert costs == {"items": [{"category": "service", "actions": 1, "total": "25.00"}],
                     "total": "25.00"}


def test_anonymous_callers_get_401(api_as: ApiAs) -> None:
    client = api_as(None)
    responses = [client.get("/complaints"), client.get("/complaints/1"),
                 client.get("/complaints/costs"),
                 client.post("/complaints", {"customer_id": 1, "category": "product",
                                             "severity": "low", "description": "x"}),
                 client.post("/complaints/1/assign", {"owner_id": 1}),
                 client.post("/complaints/1/actions", {"kind": "apology"}),
                 client.post("/complaints/1/resolve", {"outcome": "x"}),
                 client.post("/complaints/1/close", {})]
    assert {error_of(response) for response in responses} == {(401, "not_authenticated")}


@pytest.mark.parametrize("body", [
    {"category": "weather"}, {"severity": "urgent"}, {"description": "x" * 5001},
    {"description": "a\u0000b"}, {"owner_id": 0}, {"conversation_id": "abc"},
    {"category": None}])
def test_malformed_complaints_are_a_422(api_as: ApiAs, agent: Agent,
                                        conversation: Conversation, body: dict[str, Any]
                                        ) -> None:
    payload = {"conversation_id": conversation.pk, "category": "product", "severity": "low",
               "description": AR_TEXT, **body}
    assert error_of(api_as(agent).post("/complaints", payload)) == (422, "validation_error")
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(("body", "code", "field"), [
    ({"description": "   "}, "complaint_invalid", "description"),
    ({"conversation_id": None}, "complaint_invalid", "customer_id"),
    ({"owner_id": UNKNOWN}, "complaint_owner_invalid", "owner_id"),
    ({"team_id": UNKNOWN}, "team_not_found", "team_id")])
def test_complaints_breaking_a_rule_are_a_422_with_the_field(
    api_as: ApiAs, agent: Agent, conversation: Conversation, body: dict[str, Any], code: str,
    field: str,
) -> None:
    payload = {"conversation_id": conversation.pk, "category": "product", "severity": "low",
               "description": AR_TEXT, **body}
    response = api_as(agent).post("/complaints", payload)
    assert (response.status_code, response.json()["error"], response.json()["field"]) == (
        422, code, field)
    assert not Complaint.objects.exists()


def test_bad_actions_and_rule_breaks_on_an_existing_complaint(
    api_as: ApiAs, agent: Agent, conversation: Conversation, analyst: Agent,
) -> None:
    complaint = complaint_raise(actor=agent, conversation_id=conversation.pk,
                                category="warranty", severity="medium", description=FA_TEXT)
    client, base = api_as(agent), f"/complaints/{complaint.pk}"
    for body in ({"kind": "flowers"}, {"kind": "refund", "cost": "-1"},
                 {"kind": "refund", "cost": "1.001"}, {"kind": "refund", "cost": "1e12"}):
        assert error_of(client.post(f"{base}/actions", body)) == (422, "validation_error")
    assert error_of(client.post(f"{base}/assign", {"owner_id": analyst.pk})) == (
        422, "complaint_owner_invalid")
    assert error_of(client.post(f"{base}/resolve", {"outcome": " "})) == (
        422, "complaint_invalid")
    assert error_of(client.post(f"{base}/close", {})) == (422, "complaint_invalid")
    assert error_of(client.get("/complaints", status="pending")) == (422, "validation_error")
    assert error_of(client.get("/complaints/costs", since="yesterday")) == (
        422, "validation_error")
    assert not RecoveryAction.objects.exists()
    assert Complaint.objects.get().status == "open"
    client.post(f"{base}/resolve", {"outcome": EL_TEXT})
    assert error_of(client.post(f"{base}/assign", {"owner_id": agent.pk})) == (
        409, "complaint_finished")
    client.post(f"{base}/close", {})
    assert error_of(client.post(f"{base}/close", {})) == (409, "complaint_closed")


def test_unknown_ids_are_404(api_as: ApiAs, agent: Agent) -> None:
    client, base = api_as(agent), f"/complaints/{UNKNOWN}"
    for response in (client.get(base), client.post(f"{base}/assign", {"owner_id": agent.pk}),
                     client.post(f"{base}/actions", {"kind": "apology"}),
                     client.post(f"{base}/resolve", {"outcome": "x"}),
                     client.post(f"{base}/close", {"outcome": "x"})):
        assert error_of(response) == (404, "complaint_not_found")
    common = {"category": "product", "severity": "low", "description": AR_TEXT}
    assert error_of(client.post("/complaints", {"conversation_id": UNKNOWN, **common})) == (
        404, "conversation_not_found")
    assert error_of(client.post("/complaints", {"customer_id": UNKNOWN, **common})) == (
        404, "customer_not_found")


def test_filters_and_paging(api_as: ApiAs, agent: Agent, supervisor: Agent,
                            conversation: Conversation, analyst: Agent) -> None:
    made = [complaint_raise(actor=agent, conversation_id=conversation.pk, category="product",
                            severity="low", description=f"Παράπονο {number}",
                            owner_id=(agent if number % 2 else supervisor).pk)
            for number in range(5)]
    client = api_as(analyst)
    first = client.get("/complaints", limit=2).json()
    second = client.get("/complaints", limit=2, cursor=first["next_cursor"]).json()
    third = client.get("/complaints", limit=2, cursor=second["next_cursor"]).json()
    seen = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert seen == [complaint.pk for complaint in reversed(made)]
    assert third["next_cursor"] is None
    mine = client.get("/complaints", owner_id=agent.pk, status="open").json()["items"]
    assert [item["id"] for item in mine] == [made[3].pk, made[1].pk]
    by_customer = client.get("/complaints", customer_id=conversation.customer_id).json()
    assert len(by_customer["items"]) == 5
    assert client.get("/complaints", customer_id=UNKNOWN).json()["items"] == []
    assert error_of(client.get("/complaints", cursor="garbage")) == (422, "invalid_cursor")


@pytest.mark.parametrize("size", [2, 12])
def test_the_complaint_list_and_detail_query_counts_are_constant(
    api_as: ApiAs, agent: Agent, supervisor: Agent, conversation: Conversation,
    django_assert_num_queries: Any, size: int, admin: Agent, make_agent: Callable[..., Agent],
) -> None:
    lead = make_agent(Role.SUPERVISOR, username="lead")
    team = team_create(actor=admin, name="Ελληνική υποστήριξη", lead=lead)
    for number in range(size):
        complaint = complaint_raise(actor=agent, conversation_id=conversation.pk,
                                    team_id=team.pk, category="service", severity="medium",
                                    description=f"{FA_TEXT} {number}",
                                    owner_id=(agent if number % 2 else supervisor).pk)
        for kind in ("apology", "refund"):
            complaint_add_action(actor=agent, complaint_id=complaint.pk, kind=kind, cost="5")
    client = api_as(supervisor)
    client.get("/complaints")  # the token's first use writes its last-used time
    # the token with its agent; the page with names, answers, follow-ups and costs
    with django_assert_num_queries(2):
        response = client.get("/complaints", limit=10)
    items = response.json()["items"]
    assert len(items) == min(size, 10)
    assert {item["recovery_cost"] for item in items} == {"10.00"}
    assert {item["team"]["name"] for item in items} == {"Ελληνική υποστήριξη"}
    # the token; the complaint; its actions with who recorded them
    with django_assert_num_queries(3):
        detail = client.get(f"/complaints/{items[0]['id']}")
    assert [action["kind"] for action in detail.json()["actions"]] == ["apology", "refund"]


# --- the customer's own complaint ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_customer_tells_what_went_wrong_from_the_survey_page(
    smtp: Recorder, mailbox: Mailbox, agent: Agent, admin: Agent, settings: Any,
    make_agent: Callable[..., Agent],
) -> None:
    settings.MEHVAR_PUBLIC_URL = "http://testserver"
    survey_save(actor=admin, name="رضایت", kind="csat")
    lead = make_agent(Role.SUPERVISOR, username="lead")
    team: Team = team_create(actor=admin, name="پشتیبانی", lead=lead, members=[agent])
    conversation = solved(agent, mailbox, sender="leila@example.ir", team=team)
    token = invitation_token(Invitation.objects.get().pk)
    browser = Client()

    survey_page = browser.get(f"/s/{token}").content.decode()
    assert f'href="/c/{token}"' in survey_page
    page = browser.get(f"/c/{token}")
    assert page.status_code == 200
    assert 'dir="rtl"' in page.content.decode()
    assert 'lang="fa"' in page.content.decode()

    empty = browser.post(f"/c/{token}", {"text": "   ", "category": "service"})
    assert empty.status_code == 400
    unknown = browser.post(f"/c/{token}", {"text": FA_TEXT, "category": "weather"})
    assert unknown.status_code == 400
    assert not Complaint.objects.exists()

    sent = browser.post(f"/c/{token}", {"text": f" {FA_TEXT} ", "category": "staff_behaviour"})
    assert sent.status_code == 200
    complaint = Complaint.objects.get()
    assert (complaint.source, complaint.category, complaint.description, complaint.owner_id,
            complaint.conversation_id, complaint.severity, complaint.language) == (
        "customer", "staff_behaviour", FA_TEXT, lead.pk, conversation.pk, "medium", "fa")
    assert TimelineEvent.objects.filter(verb="complaint.raised",
                                        conversation_id=conversation.pk,
                                        customer_id=conversation.customer_id).exists()
    # Sending again while it is being handled opens nothing more.
    again = browser.post(f"/c/{token}", {"text": FA_TEXT})
    assert again.status_code == 409
    assert Complaint.objects.count() == 1

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, invitation_token(UNKNOWN), "x" * 300):
        assert browser.get(f"/c/{bad}").status_code == 404
        assert browser.post(f"/c/{bad}", {"text": FA_TEXT}).status_code == 404
    assert Complaint.objects.count() == 1
