"""The inbox page: views, filters, keyset pagination, safe multilingual rendering."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from mehvar.accounts.models import Team, TeamMembership
from mehvar.accounts.services import agent_set_preferences
from mehvar.conversations.models import Channel, Priority, Status
from tests.factories.conversations import ConversationFactory, TagFactory
from tests.web.helpers import browser

pytestmark = pytest.mark.django_db



def subjects(response) -> set[str]:
    return {conversation.subject for conversation in response.context["page"].items}


def test_each_view_shows_its_conversations(agent, supervisor) -> None:
    mine = ConversationFactory(subject="سفارشم نرسیده", status=Status.OPEN, assignee=agent)
    theirs = ConversationFactory(subject="Η παραγγελία μου", status=Status.OPEN,
                                 assignee=supervisor)
    nobody = ConversationFactory(subject="Refund please", status=Status.NEW)
    waiting = ConversationFactory(subject="الفاتورة خاطئة", status=Status.PENDING, assignee=agent)
    parked = ConversationFactory(subject="On hold one", status=Status.ON_HOLD)
    done = ConversationFactory(subject="Thanks, solved", status=Status.SOLVED, assignee=agent)
    client = browser(agent)

    assert subjects(client.get("/inbox")) == {mine.subject, waiting.subject}  # default: mine
    assert subjects(client.get("/inbox?view=unassigned")) == {nobody.subject, parked.subject}
    assert subjects(client.get("/inbox?view=open")) == {mine.subject, theirs.subject,
                                                         nobody.subject}
    assert subjects(client.get("/inbox?view=pending")) == {waiting.subject}
    assert subjects(client.get("/inbox?view=on_hold")) == {parked.subject}
    assert subjects(client.get("/inbox?view=solved")) == {done.subject}


def test_filters_combine_with_the_view(agent) -> None:
    ConversationFactory(subject="by mail", status=Status.OPEN, channel=Channel.EMAIL,
                        priority=Priority.HIGH, language="fa")
    ConversationFactory(subject="by whatsapp", status=Status.OPEN, channel=Channel.WHATSAPP,
                        priority=Priority.HIGH, language="ar")
    ConversationFactory(subject="low mail", status=Status.OPEN, channel=Channel.EMAIL,
                        priority=Priority.LOW, language="fa")
    client = browser(agent)
    response = client.get("/inbox?view=open&channel=email&priority=high")
    assert subjects(response) == {"by mail"}
    assert subjects(client.get("/inbox?view=open&language=ar")) == {"by whatsapp"}


def test_pages_follow_the_keyset_cursor_without_repeats(agent) -> None:
    ConversationFactory.create_batch(30, status=Status.OPEN)
    client = browser(agent)
    first = client.get("/inbox?view=open")
    assert len(first.context["page"].items) == 25
    second = client.get("/inbox" + first.context["next_url"])
    assert len(second.context["page"].items) == 5
    ids = [c.pk for c in first.context["page"].items + second.context["page"].items]
    assert len(set(ids)) == 30
    assert second.context["next_url"] == ""


@pytest.mark.parametrize("query", ["view=everything", "view=open&channel=carrier-pigeon",
                                   "view=open&priority=whenever", "view=open&cursor=%%%",
                                   "view=open&team=abc", "view=open&sort=sideways"])
def test_bad_choices_are_a_clear_400(agent, query: str) -> None:
    response = browser(agent).get(f"/inbox?{query}")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_hostile_subjects_and_tags_are_escaped(agent) -> None:
    tag = TagFactory(name="<b>vip</b>")
    ConversationFactory(subject="<script>alert(1)</script>\u202egnp.exe", status=Status.OPEN,
                        tags=[tag])
    html = browser(agent).get("/inbox?view=open").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;vip&lt;/b&gt;" in html
    assert '<bdi dir="auto">&lt;script&gt;' in html  # isolated from the page's direction


def test_persian_agent_sees_a_right_to_left_translated_inbox(agent) -> None:
    agent_set_preferences(actor=agent, language="fa")
    html = browser(agent).get("/inbox").content.decode()
    assert 'dir="rtl"' in html
    assert "صندوق ورودی" in html
    assert "بی‌صاحب" in html  # the "Unassigned" view


def test_signed_out_visitors_are_sent_to_sign_in() -> None:
    response = Client().get("/inbox")
    assert response.status_code == 302
    assert response["Location"].startswith("/signin")


def test_my_teams_view_and_counts_per_view(agent) -> None:
    billing, sales = Team.objects.create(name="صورتحساب"), Team.objects.create(name="Sales")
    TeamMembership.objects.create(team=billing, agent=agent)
    ConversationFactory(subject="team work", status=Status.OPEN, team=billing)
    ConversationFactory(subject="other team", status=Status.OPEN, team=sales)
    ConversationFactory(subject="mine too", status=Status.PENDING, assignee=agent)
    client = browser(agent)
    response = client.get("/inbox?view=teams")
    assert subjects(response) == {"team work"}
    # the counts load just after the page, from its tabs fragment
    assert "fragment=tabs" in response.content.decode()
    response = client.get("/inbox?view=teams&fragment=tabs")
    assert "<table" not in response.content.decode()
    counts = dict(re.findall(r'\?view=(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>',
                             response.content.decode()))
    counts = {key: int(value) for key, value in counts.items()}
    assert counts == {"mine": 1, "unassigned": 2, "teams": 1, "mentions": 0, "open": 2,
                      "pending": 1, "on_hold": 0, "solved": 0}
    assert '<span class="count">2</span>' in response.content.decode()


def test_inbox_query_count_does_not_grow_with_the_page(
    agent, django_assert_max_num_queries,
) -> None:
    ConversationFactory.create_batch(25, status=Status.OPEN, assignee=agent,
                                     tags=[TagFactory(name="vip")])
    client = browser(agent)
    client.get("/inbox")  # warm the session
    # session + agent, the agent's team ids, the team filter's choices, the page and its
    # tags, the page's SLA states and insights, the intents to filter by, the agent's
    # availability, the latest event id for live updates
    with django_assert_max_num_queries(11):
        response = client.get("/inbox")
    assert len(response.context["page"].items) == 25
    # session + agent, the agent's team ids, every view's count in one query
    with django_assert_max_num_queries(4):
        client.get("/inbox?fragment=tabs")


def test_tag_and_team_filters_and_sort_orders(agent) -> None:
    billing = Team.objects.create(name="Λογαριασμοί")
    urgent = TagFactory(name="فوری")
    old = ConversationFactory(subject="old urgent", status=Status.OPEN, team=billing,
                              tags=[urgent])
    new = ConversationFactory(subject="new urgent", status=Status.OPEN, tags=[urgent])
    ConversationFactory(subject="plain", status=Status.OPEN, team=billing)
    old.created_at, new.created_at = new.created_at, old.created_at
    old.save(update_fields=["created_at"])
    new.save(update_fields=["created_at"])
    client = browser(agent)
    assert subjects(client.get("/inbox?view=open&tag=فوری")) == {"old urgent", "new urgent"}
    assert subjects(client.get(f"/inbox?view=open&team={billing.pk}")) == {"old urgent",
                                                                          "plain"}
    assert subjects(client.get(f"/inbox?view=open&team={billing.pk}&tag=فوری")) == {
        "old urgent"}
    newest = client.get("/inbox?view=open&tag=فوری").context["page"].items
    oldest = client.get("/inbox?view=open&tag=فوری&sort=oldest").context["page"].items
    assert [c.subject for c in newest] == [c.subject for c in reversed(oldest)]


def test_live_updates_poll_is_empty_until_something_changes(agent) -> None:
    from mehvar.conversations.services.conversations import conversation_create

    client = browser(agent)
    page = client.get("/inbox?view=unassigned")
    after = page.context["last_event_id"]
    assert f"/inbox/poll?after={after}" in page.content.decode()
    assert client.get(f"/inbox/poll?after={after}").status_code == 204
    conversation_create(actor=agent, subject="Νέα ερώτηση", channel=Channel.EMAIL,
                        text="Γεια σας", identity_kind="email", identity_value="nea@example.gr")
    changed = client.get(f"/inbox/poll?after={after}")
    assert changed.status_code == 200
    assert changed["HX-Trigger"] == "inbox-changed"
    assert f"after={after}" not in changed.content.decode()  # the poller moves on
    fragment = client.get("/inbox?view=unassigned&fragment=list")
    body = fragment.content.decode()
    assert "Νέα ερώτηση" in body
    assert "<html" not in body
