"""The internal request pages: the requests asked of a team (the agent's first team unless
another is chosen), by status, paged newest first; one request with the forms to take it,
assign it and finish it. Analysts read but are refused every change, which changes nothing;
bad input is a 400 beside the field; an unknown id is the 404 page; the list costs the same
at any size."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mehvar.accounts.models import Agent, Team
from mehvar.accounts.services import team_create
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.conversations import conversation_create
from mehvar.core.models import TimelineEvent
from mehvar.service_levels.models import InternalRequest
from mehvar.service_levels.services.requests import (
    internal_request_create,
    internal_request_finish,
)
from tests.web.helpers import browser

pytestmark = pytest.mark.django_db

UNKNOWN = 987654
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def billing(admin: Agent, agent: Agent) -> Team:
    return team_create(actor=admin, name="الفواتير", members=[agent])


@pytest.fixture
def support(admin: Agent, agent: Agent) -> Team:
    return team_create(actor=admin, name="پشتیبانی", members=[agent])


@pytest.fixture
def greek_desk(admin: Agent) -> Team:
    return team_create(actor=admin, name="Ελληνική ομάδα")


@pytest.fixture
def conversation(agent: Agent, support: Team) -> Conversation:
    return conversation_create(
        actor=agent, subject="سفارش ۴۵۱۲ هنوز نرسیده", channel="email",
        text="سلام، سفارش من هنوز نرسیده است.", identity_kind="email",
        identity_value="maryam@example.com", customer_name="مریم احمدی", language="fa",
        team_id=support.pk)


@pytest.fixture
def refund(agent: Agent, billing: Team, support: Team,
           conversation: Conversation) -> InternalRequest:
    return internal_request_create(
        actor=agent, to_team_id=billing.pk, from_team_id=support.pk,
        title="استرداد مبلغ فاتورة مارس", details="Ο πελάτης πλήρωσε δύο φορές.",
        due_at=timezone.now() + timedelta(days=2), conversation_id=conversation.pk)


# --- the list ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "agent", "supervisor", "admin"])
def test_everyone_reads_the_requests(make_agent: Callable[..., Agent], refund: InternalRequest,
                                     conversation: Conversation, role: str) -> None:
    client = browser(make_agent(role))
    assert 'href="/requests"' in client.get("/inbox").content.decode()  # header link
    response = client.get("/requests")  # no team of their own: all teams
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("استرداد مبلغ فاتورة مارس", f'href="/requests/{refund.pk}"',
                 f'href="/conversations/{conversation.pk}"', "الفواتير", "پشتیبانی",
                 f'datetime="{refund.due_at.isoformat()}" data-countdown', "Open"):
        assert text in html, text
    page = client.get(f"/requests/{refund.pk}")
    assert page.status_code == 200
    assert "Ο πελάτης πλήρωσε δύο φορές." in page.content.decode()
    forms = f'action="/requests/{refund.pk}/finish"' in page.content.decode()
    assert forms is (role != "analyst")


def test_the_list_shows_the_agents_first_team_by_default(
    agent: Agent, billing: Team, support: Team, greek_desk: Team, refund: InternalRequest,
) -> None:
    greek = internal_request_create(actor=agent, to_team_id=greek_desk.pk,
                                    title="Ερώτηση για παράδοση")
    asked_support = internal_request_create(actor=agent, to_team_id=support.pk,
                                            title="پیگیری مرسوله")
    client = browser(agent)
    default = client.get("/requests")  # الفواتير sorts before پشتیبانی
    assert default.context["team_id"] == billing.pk
    assert [item.pk for item, _label in default.context["rows"]] == [refund.pk]
    assert "(my team)" in default.content.decode()
    chosen = client.get("/requests", {"team": support.pk})
    assert [item.pk for item, _label in chosen.context["rows"]] == [asked_support.pk]
    everything = client.get("/requests", {"team": "all"})
    assert [item.pk for item, _label in everything.context["rows"]] == [
        asked_support.pk, greek.pk, refund.pk]
    for bad in ({"team": "ninety"}, {"team": UNKNOWN}, {"status": "lost"},
                {"cursor": "%%%"}):
        assert client.get("/requests", bad).status_code == 400, bad


def test_the_status_filter_and_the_pages(agent: Agent, billing: Team) -> None:
    requests = [internal_request_create(actor=agent, to_team_id=billing.pk, title=f"درخواست {n}")
                for n in range(30)]
    internal_request_finish(actor=agent, request_id=requests[0].pk, outcome="تم")
    internal_request_finish(actor=agent, request_id=requests[1].pk, outcome="", cancelled=True)
    client = browser(agent)
    first = client.get("/requests")
    assert len(first.context["rows"]) == 25
    second = client.get(f"/requests{first.context['next_url']}")
    seen = [item.pk for page in (first, second) for item, _label in page.context["rows"]]
    assert seen == [request.pk for request in reversed(requests[2:])]
    done = client.get("/requests", {"status": "done"})
    assert [(item.pk, label) for item, label in done.context["rows"]] == [
        (requests[0].pk, "Done")]
    cancelled = client.get("/requests", {"status": "cancelled"})
    assert [item.pk for item, _label in cancelled.context["rows"]] == [requests[1].pk]
    assert len(client.get("/requests", {"status": "all"}).context["rows"]) == 25


def test_titles_are_escaped(agent: Agent, billing: Team) -> None:
    internal_request_create(actor=agent, to_team_id=billing.pk, title=HOSTILE)
    html = browser(agent).get("/requests").content.decode()
    assert HOSTILE not in html
    assert "&lt;script&gt;" in html


def test_signed_out_visitors_go_to_sign_in(refund: InternalRequest) -> None:
    for url in ("/requests", f"/requests/{refund.pk}"):
        assert Client().get(url).status_code == 302, url


# --- working on a request ------------------------------------------------------------------


def test_an_agent_takes_assigns_and_finishes_a_request(
    agent: Agent, make_agent: Callable[..., Agent], refund: InternalRequest,
    conversation: Conversation,
) -> None:
    colleague = make_agent("agent", display_name="Νίκος Παππάς")
    client = browser(agent)
    page = client.get(f"/requests/{refund.pk}").content.decode()
    for text in ("Take it (assign to me)", f'<option value="{colleague.pk}">Νίκος Παππάς',
                 'name="result" value="cancel"'):
        assert text in page, text

    taken = client.post(f"/requests/{refund.pk}/assign", {"owner_id": agent.pk})
    assert (taken.status_code, taken["Location"]) == (302, f"/requests/{refund.pk}")
    refund.refresh_from_db()
    assert refund.owner_id == agent.pk
    assert "Take it" not in client.get(f"/requests/{refund.pk}").content.decode()

    given = client.post(f"/requests/{refund.pk}/assign", {"owner_id": colleague.pk})
    assert given.status_code == 302
    refund.refresh_from_db()
    assert refund.owner_id == colleague.pk
    assert "Νίκος Παππάς" in client.get("/requests", {"team": "all"}).content.decode()

    finished = client.post(f"/requests/{refund.pk}/finish",
                           {"outcome": "المبلغ أُعيد إلى البطاقة.", "result": "done"})
    assert finished.status_code == 302
    refund.refresh_from_db()
    assert (refund.status, refund.outcome) == ("done", "المبلغ أُعيد إلى البطاقة.")
    assert TimelineEvent.objects.filter(conversation_id=conversation.pk,
                                        verb="internal_request.finished").exists()
    html = client.get(f"/requests/{refund.pk}").content.decode()
    assert "المبلغ أُعيد إلى البطاقة." in html
    assert "/finish" not in html  # a finished request has no forms
    assert "/assign" not in html
    again = client.post(f"/requests/{refund.pk}/finish", {"outcome": "", "result": "cancel"})
    assert again.status_code == 409
    assert InternalRequest.objects.get(pk=refund.pk).status == "done"


def test_a_request_is_cancelled_and_unassigned(supervisor: Agent, agent: Agent,
                                              billing: Team) -> None:
    request = internal_request_create(actor=agent, to_team_id=billing.pk, title="Ακύρωση",
                                      owner_id=agent.pk)
    client = browser(supervisor)
    assert client.post(f"/requests/{request.pk}/assign", {"owner_id": ""}).status_code == 302
    cancelled = client.post(f"/requests/{request.pk}/finish",
                            {"outcome": "دیگر لازم نیست", "result": "cancel"})
    assert cancelled.status_code == 302
    request.refresh_from_db()
    assert (request.owner_id, request.status, request.outcome) == (
        None, "cancelled", "دیگر لازم نیست")


def test_analysts_are_refused_every_change_and_nothing_changes(
    analyst: Agent, refund: InternalRequest,
) -> None:
    client = browser(analyst)
    events = TimelineEvent.objects.count()
    for url, data in ((f"/requests/{refund.pk}/assign", {"owner_id": analyst.pk}),
                      (f"/requests/{refund.pk}/assign", {"owner_id": "nobody"}),
                      (f"/requests/{refund.pk}/finish", {"outcome": "x", "result": "done"}),
                      (f"/requests/{refund.pk}/finish", {"result": "lost"})):
        response = client.post(url, data)
        assert response.status_code == 403, (url, data)
        assert 'role="alert"' in response.content.decode()
    refund.refresh_from_db()
    assert (refund.owner_id, refund.status, refund.outcome) == (None, "open", "")
    assert TimelineEvent.objects.count() == events


@pytest.mark.parametrize(("url", "data", "field"), [
    ("assign", {"owner_id": str(UNKNOWN)}, "owner_id"),
    ("assign", {"owner_id": "نیما"}, "owner_id"),
    ("finish", {"outcome": "τ" * 10_001, "result": "done"}, "outcome"),
    ("finish", {"outcome": "تم", "result": "lost"}, "result"),
    ("finish", {"outcome": "تم"}, "result"),
])
def test_bad_input_is_a_400_beside_the_field(agent: Agent, refund: InternalRequest, url: str,
                                             data: dict[str, str], field: str) -> None:
    response = browser(agent).post(f"/requests/{refund.pk}/{url}", data)
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    form = response.context["assign_form" if url == "assign" else "finish_form"]
    assert form.errors[field]
    refund.refresh_from_db()
    assert (refund.owner_id, refund.status) == (None, "open")


def test_unknown_ids_are_not_found(agent: Agent) -> None:
    client = browser(agent)
    response = client.get(f"/requests/{UNKNOWN}")
    assert response.status_code == 404
    assert 'role="alert"' in response.content.decode()
    assert client.post(f"/requests/{UNKNOWN}/assign",
                       {"owner_id": agent.pk}).status_code == 404
    assert client.post(f"/requests/{UNKNOWN}/finish",
                       {"outcome": "", "result": "done"}).status_code == 404


# --- query counts --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_costs_the_same_at_any_size(
    agent: Agent, supervisor: Agent, billing: Team, support: Team, conversation: Conversation,
    size: int, django_assert_max_num_queries: Any,
) -> None:
    for number in range(size):
        internal_request_create(
            actor=agent, to_team_id=billing.pk, from_team_id=support.pk,
            title=f"Αίτημα {number}", conversation_id=conversation.pk,
            owner_id=(agent if number % 2 else supervisor).pk,
            due_at=timezone.now() + timedelta(hours=number + 1))
    client = browser(agent)
    client.get("/requests")
    # session, agent, team choices, the agent's teams, the page with its teams and people
    with django_assert_max_num_queries(5):
        response = client.get("/requests")
    assert len(response.context["rows"]) == min(size, 25)
    with django_assert_max_num_queries(5):  # session, agent, request, agents for the select
        client.get(f"/requests/{response.context['rows'][0][0].pk}")
