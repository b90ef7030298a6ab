"""The conversation page: thread, composer with @mentions, properties in place, the customer
360 beside it, live updates, neighbours in the inbox list, files."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mehvar.accounts.models import Agent, Team
from mehvar.conversations.html import normalize_tag
from mehvar.conversations.models import Channel, Conversation, Mention, Message, Status
from mehvar.conversations.services.conversations import (
    conversation_create,
    conversation_set_status,
)
from mehvar.conversations.services.messages import (
    mentioned_usernames,
    message_add,
    message_add_from_customer,
)
from tests.factories.conversations import ConversationFactory, MessageFactory
from tests.web.helpers import browser

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}



def persian_conversation(actor: Agent) -> Conversation:
    return conversation_create(
        actor=actor, subject="سفارش ۴۵۱۲ هنوز نرسیده", channel=Channel.WHATSAPP,
        text="سلام، سفارش SKU-88 من هنوز نرسیده است.", identity_kind="phone",
        identity_value="+989121234567", customer_name="مریم احمدی", language="fa")


def test_thread_shows_customer_messages_replies_notes_and_events(agent) -> None:
    conversation = persian_conversation(agent)
    message_add(actor=agent, conversation=conversation, text="Καλησπέρα, το ελέγχουμε.")
    message_add(actor=agent, conversation=conversation, text="بررسی شد", is_internal=True)
    conversation_set_status(actor=agent, conversation=conversation, status=Status.PENDING)
    message_add_from_customer(conversation=conversation, text="شكراً جزيلاً")

    client = browser(agent)
    response = client.get(f"/conversations/{conversation.pk}")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("SKU-88") < html.index("Καλησπέρα") < html.index("بررسی شد") \
        < html.index("شكراً جزيلاً")
    assert html.count('class="message note"') == 1
    assert html.count('class="message from-agent"') == 1
    assert html.count('class="message from-customer"') == 2
    assert "Status: Open → Pending" in html  # the system event between the messages
    # the customer 360 beside it, loaded just after the page
    assert "fragment=customer" in html
    panel = client.get(f"/conversations/{conversation.pk}?fragment=customer")
    assert panel.context["c360"].customer.pk == conversation.customer_id
    assert "مریم احمدی" in panel.content.decode()
    assert "+989121234567" in panel.content.decode()
    assert "<html" not in panel.content.decode()


def test_hostile_message_content_is_shown_as_text(agent) -> None:
    conversation = persian_conversation(agent)
    message_add_from_customer(
        conversation=conversation,
        text="<script>alert(1)</script><img src=x onerror=alert(2)> \u202eexe.pdf " + "x" * 5000)
    html = browser(agent).get(f"/conversations/{conversation.pk}").content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<div class="body" dir="auto">&lt;script&gt;' in html  # isolated direction


def test_reply_and_note_with_mentions(agent, make_agent) -> None:
    colleague = make_agent(username="sara")
    conversation = persian_conversation(agent)
    client = browser(agent)

    reply = client.post(f"/conversations/{conversation.pk}/messages",
                        {"kind": "reply", "text": "ممنون، پیگیری می‌کنم.", "inbox": "view=open"})
    assert reply.status_code == 302
    stored = Message.objects.filter(conversation=conversation).latest("id")
    assert reply["Location"].endswith(f"?inbox=view%3Dopen#m-{stored.pk}")
    assert not stored.is_internal
    assert stored.author_agent_id == agent.pk

    note = client.post(f"/conversations/{conversation.pk}/messages",
                       {"kind": "note", "text": "@sara لطفاً بررسی کن، ایمیل a@b.com"})
    assert note.status_code == 302
    assert list(Mention.objects.values_list("agent__username", flat=True)) == ["sara"]
    mentions = browser(colleague).get("/inbox?view=mentions")
    assert [c.pk for c in mentions.context["page"].items] == [conversation.pk]


def test_mentions_in_a_public_reply_notify_nobody(agent, make_agent) -> None:
    make_agent(username="sara")
    conversation = persian_conversation(agent)
    message_add(actor=agent, conversation=conversation, text="@sara will call you")
    assert not Mention.objects.exists()


def test_mention_parsing_skips_email_addresses() -> None:
    assert mentioned_usernames("hi @omar, @reza. mail a@b.com (@sara) @omar") == [
        "omar", "reza", "sara"]


def test_a_failed_reply_keeps_the_draft(agent, settings) -> None:
    conversation = persian_conversation(agent)
    settings.MEHVAR_MAX_MESSAGE_CHARS = 20
    draft = "این پاسخ طولانی‌تر از حد مجاز است و نباید گم شود"
    response = browser(agent).post(f"/conversations/{conversation.pk}/messages",
                                   {"kind": "note", "text": draft})
    assert response.status_code == 400
    html = response.content.decode()
    assert draft in html
    assert 'id="composer-error"' in html
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_properties_change_in_place(agent, supervisor) -> None:
    team = Team.objects.create(name="پشتیبانی")
    conversation = persian_conversation(agent)
    client = browser(agent)
    url = f"/conversations/{conversation.pk}/properties"

    status = client.post(url, {"action": "status", "status": "on_hold"}, headers=HTMX)
    assert status.status_code == 200
    assert status["HX-Trigger"] == "conversation-changed"
    assert 'id="properties"' in status.content.decode()
    assert "<html" not in status.content.decode()  # only the block is swapped
    client.post(url, {"action": "priority", "priority": "urgent"}, headers=HTMX)
    client.post(url, {"action": "tags", "tags": "فوری، Αποστολή ,vip"}, headers=HTMX)
    client.post(url, {"action": "assign", "assignee": str(supervisor.pk), "team": str(team.pk)},
                headers=HTMX)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.priority) == (Status.ON_HOLD, "urgent")
    assert (conversation.assignee_id, conversation.team_id) == (supervisor.pk, team.pk)
    assert sorted(conversation.tags.values_list("name", flat=True)) == sorted(
        normalize_tag(name) for name in ["فوری", "Αποστολή", "vip"])

    plain = client.post(url, {"action": "assign_me"})  # no JavaScript: back to the page
    assert plain.status_code == 302
    client.post(url, {"action": "solve"})
    conversation.refresh_from_db()
    assert (conversation.assignee_id, conversation.status) == (agent.pk, Status.SOLVED)


@pytest.mark.parametrize("data", [{"action": "status", "status": "sideways"},
                                  {"action": "priority", "priority": "whenever"},
                                  {"action": "assign", "assignee": "abc"},
                                  {"action": "assign", "assignee": "999999"},
                                  {"action": "explode"}])
def test_bad_property_changes_are_refused_with_a_message(agent, data) -> None:
    conversation = persian_conversation(agent)
    before = Conversation.objects.values().get(pk=conversation.pk)
    response = browser(agent).post(f"/conversations/{conversation.pk}/properties", data,
                                   headers=HTMX)
    assert response.status_code in {400, 404, 409}
    assert 'role="alert"' in response.content.decode()
    assert Conversation.objects.values().get(pk=conversation.pk) == before


def test_an_analyst_reads_but_cannot_write(agent, analyst) -> None:
    conversation = persian_conversation(agent)
    client = browser(analyst)
    html = client.get(f"/conversations/{conversation.pk}").content.decode()
    assert 'id="composer"' not in html
    assert "disabled" in html
    reply = client.post(f"/conversations/{conversation.pk}/messages",
                        {"kind": "reply", "text": "hello"})
    assert reply.status_code == 403
    status = client.post(f"/conversations/{conversation.pk}/properties",
                         {"action": "status", "status": "solved"}, headers=HTMX)
    assert status.status_code == 403
    conversation.refresh_from_db()
    assert conversation.status == Status.NEW
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_unknown_conversation_is_a_404_everywhere(agent) -> None:
    client = browser(agent)
    assert client.get("/conversations/987654").status_code == 404
    assert client.get("/conversations/987654/poll?after=0").status_code == 404
    assert client.post("/conversations/987654/messages", {"text": "x"}).status_code == 404
    assert client.post("/conversations/987654/properties",
                       {"action": "solve"}).status_code == 404
    assert client.get("/conversations/987654/attachments/1").status_code == 404


def test_live_updates_reload_when_the_conversation_changes(agent) -> None:
    conversation = persian_conversation(agent)
    client = browser(agent)
    page = client.get(f"/conversations/{conversation.pk}")
    after = page.context["version"]
    assert page.context["watch_typing"] is False  # typing is a web-chat signal only
    assert "typing=" not in page.content.decode()
    poll = f"/conversations/{conversation.pk}/poll?after={after}"
    assert client.get(poll).status_code == 204
    message_add_from_customer(conversation=conversation, text="هنوز منتظرم")
    changed = client.get(poll)
    assert changed.status_code == 200
    assert changed["HX-Trigger"] == "conversation-changed"
    thread = client.get(f"/conversations/{conversation.pk}?fragment=thread").content.decode()
    assert "هنوز منتظرم" in thread
    assert "<html" not in thread


def test_previous_and_next_follow_the_inbox_list(agent) -> None:
    newer, middle, older = (ConversationFactory(status=Status.OPEN) for _ in range(3))
    ConversationFactory(status=Status.SOLVED)  # not in the list
    client = browser(agent)
    inbox = quote("view=open")
    context = client.get(f"/conversations/{middle.pk}?inbox={inbox}").context
    assert (context["previous_id"], context["next_id"]) == (newer.pk, older.pk)
    context = client.get(f"/conversations/{middle.pk}?inbox={quote('view=open&sort=oldest')}"
                         ).context
    assert (context["previous_id"], context["next_id"]) == (older.pk, newer.pk)
    first = client.get(f"/conversations/{newer.pk}?inbox={inbox}").context
    assert first["previous_id"] is None
    assert first["next_id"] == middle.pk
    bad = client.get(f"/conversations/{middle.pk}?inbox={quote('view=nonsense')}")
    assert bad.status_code == 200
    assert bad.context["next_id"] is None


def test_long_threads_open_at_the_latest_messages(agent) -> None:
    conversation = ConversationFactory(status=Status.OPEN)
    MessageFactory.create_batch(60, conversation=conversation)
    client = browser(agent)
    latest = client.get(f"/conversations/{conversation.pk}").context
    shown = [item for item, line in latest["items"] if line is None]
    assert len(shown) == 50
    assert latest["thread"].earlier
    earlier = client.get(f"/conversations/{conversation.pk}?before={latest['thread'].earlier}")
    older = [item for item, line in earlier.context["items"] if line is None]
    assert len(older) == 10
    assert max(m.created_at for m in older) < min(m.created_at for m in shown)


@pytest.mark.parametrize("messages", [3, 40])
def test_page_query_count_does_not_grow_with_the_thread(
    agent, messages, django_assert_max_num_queries,
) -> None:
    conversation = persian_conversation(agent)
    MessageFactory.create_batch(messages, conversation=conversation)
    client = browser(agent)
    client.get(f"/conversations/{conversation.pk}")
    # session, agent, conversation + tags, thread (messages, attachments, events), agents,
    # teams, logged calls, reply route, service levels (state, hand-offs, internal requests),
    # message insights, conversation insight; neighbours none without an inbox (and no
    # deliveries query: no public reply in this thread; tests/web/test_conversation_channels.py
    # pins 17)
    with django_assert_max_num_queries(16):
        assert client.get(f"/conversations/{conversation.pk}").status_code == 200
    # session, agent, conversation + tags, customer 360 (5), waiting time
    with django_assert_max_num_queries(10):
        client.get(f"/conversations/{conversation.pk}?fragment=customer")


def test_files_download_as_attachments_never_inline(agent) -> None:
    conversation = persian_conversation(agent)
    client = browser(agent)
    upload = SimpleUploadedFile("فاکتور.html", b"<script>alert(1)</script>",
                                content_type="text/html")
    client.post(f"/conversations/{conversation.pk}/messages",
                {"kind": "reply", "text": "پیوست", "files": [upload]})
    attachment = Message.objects.filter(conversation=conversation).latest("id") \
        .attachments.get()
    response = client.get(f"/conversations/{conversation.pk}/attachments/{attachment.pk}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    other = persian_conversation(agent)
    assert client.get(f"/conversations/{other.pk}/attachments/{attachment.pk}"
                      ).status_code == 404
