"""Service levels in the agent's pages: the inbox's SLA badge, the hand-off note shown first
on the conversation page, hand-off and internal request forms, the availability switch."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from mehvar.accounts.models import Agent
from mehvar.accounts.services import team_create
from mehvar.conversations.models import Channel
from mehvar.conversations.services.conversations import conversation_create
from mehvar.service_levels.models import AgentProfile, Handoff, InternalRequest, SlaAlert
from mehvar.service_levels.services.clocks import sla_tick
from mehvar.service_levels.services.configuration import sla_policy_create
from tests.web.helpers import browser

pytestmark = pytest.mark.django_db


def greek_conversation(actor: Agent, **extra: object) -> object:
    return conversation_create(
        actor=actor, subject="Η σύνδεση πέφτει", channel=Channel.EMAIL,
        text="Το ρούτερ χάνει τη σύνδεση κάθε δέκα λεπτά.", identity_kind="email",
        identity_value="eleni@example.gr", customer_name="Ελένη Κωνσταντίνου", language="el",
        **extra)


def test_the_inbox_shows_each_conversations_sla_state_and_due_time(agent: Agent,
                                                                    admin: Agent) -> None:
    sla_policy_create(actor=admin, name="24/7", first_response_minutes=60,
                      business_hours=False)
    with time_machine.travel(datetime(2027, 1, 10, 6, 0, tzinfo=UTC), tick=False):
        greek_conversation(agent, assignee_id=agent.pk)
        page = browser(agent).get("/inbox").content.decode()
    assert 'class="sla sla-on_track"' in page
    assert 'datetime="2027-01-10T07:00:00+00:00" data-countdown' in page


def test_a_hand_off_from_the_page_shows_its_note_first_to_the_next_team(
    agent: Agent, admin: Agent, make_agent: object,
) -> None:
    conversation = greek_conversation(agent)
    network = team_create(actor=admin, name="Δίκτυο")
    client = browser(agent)
    page = client.get(f"/conversations/{conversation.pk}").content.decode()
    assert "Escalate or refer" in page
    note = "Ο πελάτης έκανε ήδη επανεκκίνηση δύο φορές· σειριακός ۴۵۱۲."
    response = client.post(f"/conversations/{conversation.pk}/hand-off",
                           {"team": network.pk, "note": note, "kind": "escalate"})
    assert response.status_code == 302
    page = client.get(f"/conversations/{conversation.pk}").content.decode()
    banner = page.index('class="handoff"')
    assert banner < page.index('id="thread"')  # before the messages
    assert note in page[banner:page.index('id="thread"')]
    assert Handoff.objects.get().level == 1


def test_a_hand_off_without_a_note_is_refused_and_changes_nothing(agent: Agent,
                                                                  admin: Agent) -> None:
    conversation = greek_conversation(agent)
    network = team_create(actor=admin, name="Δίκτυο")
    response = browser(agent).post(f"/conversations/{conversation.pk}/hand-off",
                                   {"team": network.pk, "note": "  "})
    assert response.status_code == 400
    assert "hand-off note" in response.content.decode()
    assert not Handoff.objects.exists()
    response = browser(agent).post(f"/conversations/{conversation.pk}/hand-off",
                                   {"team": "x", "note": "σημείωση"})
    assert response.status_code == 400


def test_an_analyst_sees_the_panel_but_cannot_hand_off(agent: Agent, analyst: Agent,
                                                       admin: Agent) -> None:
    conversation = greek_conversation(agent)
    network = team_create(actor=admin, name="Δίκτυο")
    page = browser(analyst).get(f"/conversations/{conversation.pk}").content.decode()
    assert 'id="service"' in page
    assert "Escalate or refer" not in page
    response = browser(analyst).post(f"/conversations/{conversation.pk}/hand-off",
                                     {"team": network.pk, "note": "σημείωση"})
    assert response.status_code == 403
    assert not Handoff.objects.exists()


def test_an_internal_request_from_the_page(agent: Agent, admin: Agent) -> None:
    conversation = greek_conversation(agent)
    billing = team_create(actor=admin, name="قسم الفواتير")
    response = browser(agent).post(f"/conversations/{conversation.pk}/requests", {
        "team": billing.pk, "title": "Επιστροφή χρημάτων", "details": "Διπλή χρέωση",
        "due": "2099-01-01T10:00"})
    assert response.status_code == 302
    request = InternalRequest.objects.get()
    assert (request.to_team_id, request.conversation_id) == (billing.pk, conversation.pk)
    page = browser(agent).get(f"/conversations/{conversation.pk}").content.decode()
    assert "Επιστροφή χρημάτων" in page
    bad = browser(agent).post(f"/conversations/{conversation.pk}/requests", {
        "team": billing.pk, "title": "x", "due": "tomorrow"})
    assert bad.status_code == 400
    assert InternalRequest.objects.count() == 1


def test_the_availability_switch(agent: Agent) -> None:
    client = browser(agent)
    response = client.post("/account/availability", {"availability": "online",
                                                     "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/inbox"
    assert AgentProfile.objects.get(agent=agent).availability == "online"
    assert client.post("/account/availability", {"availability": "nap"}).status_code == 400
    page = client.get("/inbox").content.decode()
    assert 'name="availability"' in page


def test_sla_alerts_are_listed_for_their_agent_and_marked_read(agent: Agent, admin: Agent,
                                                              supervisor: Agent) -> None:
    sla_policy_create(actor=admin, name="24/7", first_response_minutes=60,
                      business_hours=False)
    with time_machine.travel(datetime(2027, 1, 10, 6, 0, tzinfo=UTC), tick=False):
        conversation = greek_conversation(agent, assignee_id=agent.pk)
    with time_machine.travel(datetime(2027, 1, 10, 7, 5, tzinfo=UTC), tick=False):
        assert sla_tick()["breached"] == 1
    client = browser(agent)
    assert '<span class="count">1</span>' in client.get("/inbox").content.decode()
    page = client.get("/alerts").content.decode()
    assert f'href="/conversations/{conversation.pk}"' in page
    assert "Breached" in page
    assert 'class="unread"' in page
    assert 'class="unread"' not in client.get("/alerts").content.decode()  # read now
    assert SlaAlert.objects.get().read_at is not None
    assert "No alerts." in browser(supervisor).get("/alerts").content.decode()


def test_the_thread_tells_service_level_events_in_words(agent: Agent, admin: Agent) -> None:
    sla_policy_create(actor=admin, name="24/7", first_response_minutes=60,
                      business_hours=False)
    with time_machine.travel(datetime(2027, 1, 10, 6, 0, tzinfo=UTC), tick=False):
        conversation = greek_conversation(agent, assignee_id=agent.pk)
    with time_machine.travel(datetime(2027, 1, 10, 7, 5, tzinfo=UTC), tick=False):
        sla_tick()
    network = team_create(actor=admin, name="Δίκτυο")
    browser(agent).post(f"/conversations/{conversation.pk}/hand-off",
                        {"team": network.pk, "note": "Έλεγχος γραμμής", "kind": "refer"})
    page = browser(agent).get(f"/conversations/{conversation.pk}").content.decode()
    assert "SLA breached: First response" in page
    assert "Referred to Δίκτυο" in page
