"""Conversation and message services: customers resolved, idempotency, status rules, assignment,
tags, the timeline, attachments and permissions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mehvar.accounts.models import Agent, Team
from mehvar.conversations.errors import AttachmentTooLarge
from mehvar.conversations.models import Attachment, Conversation, Message, Tag
from mehvar.conversations.services.conversations import (
    conversation_assign,
    conversation_create,
    conversation_open_inbound,
    conversation_set_priority,
    conversation_set_status,
    conversation_set_tags,
    conversation_update,
)
from mehvar.conversations.services.messages import (
    AttachmentUpload,
    attachment_add,
    message_add,
    message_add_from_customer,
)
from mehvar.core.errors import Conflict, Invalid, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.customers.models import Customer, Identity
from mehvar.customers.services import customer_resolve
from tests.conversations.conftest import AR_NOTE, AR_TEXT, EL_TEXT, FA_REPLY, FA_TEXT

Opener = Callable[..., Conversation]


def verbs(conversation: Conversation) -> list[str]:
    return list(TimelineEvent.objects.filter(conversation=conversation).order_by("id")
                .values_list("verb", flat=True))


def fresh(conversation: Conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


# --- create --------------------------------------------------------------------------------


def test_create_with_a_new_email_creates_the_customer_and_identity(agent: Agent) -> None:
    conversation = conversation_create(
        actor=agent, subject="  سفارشم   هنوز نرسیده  ", channel="email", text=FA_TEXT,
        identity_kind="email", identity_value="Ali.Karimi@Example.COM",
        customer_name="علی‌رضا کریمی", language="fa")

    customer = Customer.objects.get()
    identity = Identity.objects.get()
    message = Message.objects.get()
    assert (customer.name, customer.language) == ("علی‌رضا کریمی", "fa")
    assert (identity.customer_id, identity.kind, identity.value) == (
        customer.pk, "email", "ali.karimi@example.com")
    assert (conversation.customer_id, conversation.subject, conversation.status,
            conversation.priority, conversation.language, conversation.message_count) == (
        customer.pk, "سفارشم هنوز نرسیده", "new", "normal", "fa", 1)
    assert conversation.created_at == conversation.updated_at == conversation.last_message_at
    assert (message.conversation_id, message.author_kind, message.author_customer_id,
            message.author_agent_id, message.is_internal, message.text, message.language) == (
        conversation.pk, "customer", customer.pk, None, False, FA_TEXT, "fa")
    assert conversation.first_response_at is None


def test_create_with_a_known_identity_reuses_the_customer(open_conversation: Opener) -> None:
    first = open_conversation(email="nora@example.com", text=AR_TEXT, language="ar")
    second = open_conversation(email="  NORA@example.com ", text=AR_TEXT, language="ar")

    assert second.customer_id == first.customer_id
    assert Customer.objects.count() == 1
    assert Identity.objects.count() == 1
    assert Conversation.objects.filter(customer_id=first.customer_id).count() == 2


def test_create_by_customer_id_and_language_falls_back_to_the_customers(
    open_conversation: Opener, agent: Agent,
) -> None:
    first = open_conversation(email="giorgos@example.com", text=EL_TEXT, language="el")

    second = conversation_create(actor=agent, subject="Δεύτερο θέμα", channel="phone",
                                 text=EL_TEXT, customer_id=first.customer_id)

    assert (second.customer_id, second.language, second.channel) == (
        first.customer_id, "el", "phone")


def test_create_returns_relations_loaded_without_queries(
    open_conversation: Opener, team: Team, agent: Agent, django_assert_num_queries: Any,
) -> None:
    conversation = open_conversation(team_id=team.pk, assignee_id=agent.pk,
                                     tags=["VIP", "ارسال فوری"])

    with django_assert_num_queries(0):
        loaded = (conversation.customer.name, conversation.team.name,
                  conversation.assignee.username, [tag.name for tag in conversation.tags.all()],
                  [(message.text, list(message.attachments.all()))
                   for message in conversation.messages.all()])
    assert loaded == ("فاطمه احمدی", "پشتیبانی فارسی", "agent", ["vip", "ارسال فوری"],
                      [(FA_TEXT, [])])


def test_create_is_idempotent_on_channel_and_external_id(open_conversation: Opener) -> None:
    first = open_conversation(email="maryam@example.com", external_id="<m-1@mail.example>")
    again = open_conversation(email="maryam@example.com", external_id="<m-1@mail.example>",
                              subject="موضوع دیگر", text="متن دیگر")

    assert again.pk == first.pk
    assert (again.subject, [m.text for m in again.messages.all()]) == (
        "سفارشم هنوز نرسیده است", [FA_TEXT])
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 1
    assert verbs(first) == ["conversation.created"]


@pytest.mark.django_db
def test_a_repeated_inbound_message_returns_the_stored_conversation_and_stores_nothing() -> None:
    # Given a conversation a customer opened by e-mail
    customer, _created = customer_resolve(actor=None, identity_kind="email",
                                          identity_value="eleni@example.gr")
    first = conversation_open_inbound(
        channel="email", subject="Επιστροφή χρημάτων", text="Θέλω επιστροφή χρημάτων.",
        customer=customer, external_id="<r-1@example.gr>")
    # When the same message arrives again (no read first: the insert finds the repeat)
    again = conversation_open_inbound(
        channel="email", subject="Άλλο θέμα", text="Άλλο κείμενο.", customer=customer,
        external_id="<r-1@example.gr>")
    # Then it is the first conversation, and no second row of any kind was left behind
    assert again.pk == first.pk
    assert (Conversation.objects.count(), Message.objects.count(), Customer.objects.count()) == (
        1, 1, 1)
    assert verbs(first) == ["conversation.created"]


def test_same_external_id_on_another_channel_is_another_conversation(
    open_conversation: Opener,
) -> None:
    first = open_conversation(email="maryam@example.com", external_id="42")
    other = open_conversation(email="maryam@example.com", external_id="42", channel="sms")

    assert other.pk != first.pk
    assert Message.objects.count() == 2


def test_create_from_html_only_stores_sanitised_html_and_derived_text(
    open_conversation: Opener,
) -> None:
    conversation = open_conversation(
        text="", html='<p onclick="x()">مرحباً <b>فريق الدعم</b></p><script>alert(1)</script>'
                      "<p>الفاتورة مفقودة</p>")

    message = Message.objects.get(conversation=conversation)
    assert message.html == "<p>مرحباً <b>فريق الدعم</b></p><p>الفاتورة مفقودة</p>"
    assert message.text == "مرحباً فريق الدعم\n\nالفاتورة مفقودة"


def test_agent_started_conversation_waits_on_the_customer(
    open_conversation: Opener, agent: Agent,
) -> None:
    conversation = open_conversation(author="agent", text=FA_REPLY)

    message = Message.objects.get(conversation=conversation)
    assert (conversation.status, conversation.first_response_at) == ("pending", None)
    assert (message.author_kind, message.author_agent_id, message.author_customer_id) == (
        "agent", agent.pk, None)


@pytest.mark.parametrize(
    ("_case", "overrides", "code", "field"),
    [
        ("blank subject", {"subject": "   "}, "subject_invalid", "subject"),
        ("long subject", {"subject": "ع" * 301}, "subject_invalid", "subject"),
        ("no body", {"text": " \n ", "html": ""}, "message_empty", "text"),
        ("html without content", {"text": "", "html": "<script>x</script>"}, "message_empty",
         "text"),
        ("unknown channel", {"channel": "pigeon"}, "channel_invalid", "channel"),
        ("unknown priority", {"priority": "asap"}, "priority_invalid", "priority"),
        ("unknown author", {"author": "system"}, "author_invalid", "author"),
        ("bad language", {"language": "persian!"}, "language_invalid", "language"),
        ("21 tags", {"tags": [f"t{n}" for n in range(21)]}, "tags_invalid", "tags"),
        ("65-character tag", {"tags": ["ب" * 65]}, "tags_invalid", "tags"),
        ("blank tag", {"tags": ["  "]}, "tags_invalid", "tags"),
        ("nested custom field", {"custom_fields": {"order": {"id": 1}}},
         "custom_fields_invalid", "custom_fields"),
        ("long custom field key", {"custom_fields": {"k" * 65: 1}}, "custom_fields_invalid",
         "custom_fields"),
        ("unknown team", {"team_id": -1}, "team_not_found", "team_id"),
        ("unknown assignee", {"assignee_id": -1}, "assignee_invalid", "assignee_id"),
    ],
)
def test_create_rejects_invalid_input_and_writes_nothing(
    open_conversation: Opener, _case: str, overrides: dict[str, Any], code: str, field: str,
) -> None:
    with pytest.raises(Invalid) as caught:
        open_conversation(**overrides)

    assert (caught.value.code, caught.value.field) == (code, field)
    assert (Conversation.objects.count(), Customer.objects.count(),
            TimelineEvent.objects.count()) == (0, 0, 0)


def test_create_rejects_text_over_the_configured_limit(
    open_conversation: Opener, settings: Any,
) -> None:
    settings.MEHVAR_MAX_MESSAGE_CHARS = 50
    open_conversation(text="ا" * 50)

    with pytest.raises(Invalid) as caught:
        open_conversation(text="ا" * 51)

    assert caught.value.code == "message_too_long"
    assert Conversation.objects.count() == 1


def test_create_stores_valid_custom_fields(open_conversation: Opener) -> None:
    conversation = open_conversation(custom_fields={
        "شماره سفارش": "۴۵۱۲", "amount": 129.5, "vip": True, "items": ["α", 2], "note": None})

    assert fresh(conversation).custom_fields == {
        "شماره سفارش": "۴۵۱۲", "amount": 129.5, "vip": True, "items": ["α", 2], "note": None}


def test_tags_are_normalised_deduplicated_and_shared(open_conversation: Opener) -> None:
    first = open_conversation(tags=["  VIP  ", "vip", "ارسال   فوری", "Επείγον"])
    second = open_conversation(tags=["Vip", "Επείγον"])

    assert sorted(fresh(first).tags.values_list("name", flat=True)) == [
        "vip", "Επείγον", "ارسال فوری"]
    assert sorted(fresh(second).tags.values_list("name", flat=True)) == ["vip", "Επείγον"]
    assert Tag.objects.count() == 3


# --- replies, notes and the status rules ----------------------------------------------------


def test_first_public_reply_sets_first_response_and_opens(
    open_conversation: Opener, agent: Agent,
) -> None:
    conversation = open_conversation()

    note = message_add(actor=agent, conversation=conversation, text=AR_NOTE, is_internal=True)
    after_note = fresh(conversation)
    reply = message_add(actor=agent, conversation=conversation, text=FA_REPLY)
    after_reply = fresh(conversation)
    message_add(actor=agent, conversation=conversation, text="پیام دوم")
    after_second = fresh(conversation)

    assert (after_note.status, after_note.first_response_at, after_note.message_count) == (
        "new", None, 2)
    assert after_note.last_message_at == conversation.last_message_at
    assert (after_reply.status, after_reply.first_response_at, after_reply.message_count,
            after_reply.last_message_at) == ("open", reply.created_at, 3, reply.created_at)
    assert after_second.first_response_at == reply.created_at
    assert after_second.message_count == 4
    assert (note.is_internal, note.author_kind, note.author_agent_id) == (True, "agent", agent.pk)


def test_reply_events_have_exact_verbs_and_payloads(
    open_conversation: Opener, agent: Agent,
) -> None:
    conversation = open_conversation()

    reply = message_add(actor=agent, conversation=conversation, text=FA_REPLY)

    events = list(TimelineEvent.objects.filter(conversation=conversation).order_by("id"))
    assert [(e.verb, e.actor_id, e.customer_id, e.before, e.after) for e in events[1:]] == [
        ("message.added", agent.pk, conversation.customer_id, {},
         {"message_id": reply.pk, "is_internal": False, "author_kind": "agent"}),
        ("conversation.status_changed", agent.pk, conversation.customer_id,
         {"status": "new"}, {"status": "open"}),
    ]


def test_reply_returns_the_message_with_its_updated_conversation(
    open_conversation: Opener, agent: Agent,
) -> None:
    conversation = open_conversation()

    reply = message_add(actor=agent, conversation=conversation, text=FA_REPLY)

    assert (reply.conversation.status, reply.conversation.message_count) == ("open", 2)


@pytest.mark.parametrize(
    ("_case", "start", "expected"),
    [
        ("solved reopens", "solved", "open"),
        ("pending reopens", "pending", "open"),
        ("on hold stays", "on_hold", "on_hold"),
        ("open stays", "open", "open"),
    ],
)
def test_customer_message_reopens_solved_and_pending(
    open_conversation: Opener, agent: Agent, _case: str, start: str, expected: str,
) -> None:
    conversation = open_conversation()
    conversation_set_status(actor=agent, conversation=conversation, status=start)

    message = message_add_from_customer(conversation=conversation, text=AR_TEXT, language="ar")

    stored = fresh(conversation)
    assert (stored.status, stored.message_count, stored.solved_at) == (expected, 2, None)
    assert (message.author_kind, message.author_customer_id, message.language) == (
        "customer", conversation.customer_id, "ar")


def test_customer_message_is_idempotent_on_external_id(open_conversation: Opener) -> None:
    conversation = open_conversation()

    first = message_add_from_customer(conversation=conversation, text=AR_TEXT, external_id="wa-7")
    again = message_add_from_customer(conversation=conversation, text=AR_TEXT, external_id="wa-7")

    assert again.pk == first.pk
    assert fresh(conversation).message_count == 2
    assert verbs(conversation) == ["conversation.created", "message.added"]


def test_a_closed_conversation_refuses_a_customer_message_and_the_callers_work_goes_on(
    open_conversation: Opener, agent: Agent,
) -> None:
    """A channel's transaction catches the refusal and opens a new conversation: it must
    still be usable (no savepoint is taken around the customer's message)."""
    from django.db import transaction

    conversation = open_conversation()
    conversation_set_status(actor=agent, conversation=conversation, status="closed")

    with transaction.atomic():
        with pytest.raises(Conflict) as caught:
            message_add_from_customer(conversation=conversation, text=FA_TEXT)
        other = open_conversation()  # the same transaction goes on writing
        message_add_from_customer(conversation=other, text=EL_TEXT)

    assert caught.value.code == "conversation_closed"
    assert fresh(conversation).message_count == 1
    assert fresh(other).message_count == 2


def test_status_transitions_set_and_clear_timestamps(
    open_conversation: Opener, agent: Agent,
) -> None:
    conversation = open_conversation()

    solved = conversation_set_status(actor=agent, conversation=conversation, status="solved")
    solved_at = solved.solved_at
    reopened = conversation_set_status(actor=agent, conversation=conversation, status="open")
    reopened_solved_at = reopened.solved_at
    conversation_set_status(actor=agent, conversation=conversation, status="solved")
    closed = conversation_set_status(actor=agent, conversation=conversation, status="closed")

    assert solved_at is not None
    assert reopened_solved_at is None
    assert (closed.status, closed.closed_at is not None, closed.solved_at is not None) == (
        "closed", True, True)
    events = TimelineEvent.objects.filter(conversation=conversation,
                                          verb="conversation.status_changed").order_by("id")
    assert [(e.before["status"], e.after["status"]) for e in events] == [
        ("new", "solved"), ("solved", "open"), ("open", "solved"), ("solved", "closed")]


def test_same_status_is_a_no_op(open_conversation: Opener, agent: Agent) -> None:
    conversation = open_conversation()

    conversation_set_status(actor=agent, conversation=conversation, status="new")

    assert verbs(conversation) == ["conversation.created"]


def test_nothing_goes_back_to_new(open_conversation: Opener, agent: Agent) -> None:
    conversation = open_conversation()
    conversation_set_status(actor=agent, conversation=conversation, status="open")

    with pytest.raises(Conflict) as caught:
        conversation_set_status(actor=agent, conversation=conversation, status="new")

    assert caught.value.code == "status_transition_invalid"
    assert fresh(conversation).status == "open"


@pytest.mark.parametrize(
    ("_case", "write"),
    [
        ("reopen", lambda a, c: conversation_set_status(actor=a, conversation=c, status="open")),
        ("reply", lambda a, c: message_add(actor=a, conversation=c, text=FA_REPLY)),
        ("note", lambda a, c: message_add(actor=a, conversation=c, text=AR_NOTE,
                                          is_internal=True)),
        ("customer message", lambda a, c: message_add_from_customer(conversation=c, text="؟")),
        ("priority", lambda a, c: conversation_set_priority(actor=a, conversation=c,
                                                            priority="urgent")),
        ("tags", lambda a, c: conversation_set_tags(actor=a, conversation=c, tags=["x"])),
        ("assign", lambda a, c: conversation_assign(actor=a, conversation=c,
                                                    assignee_id=a.pk, team_id=None)),
        ("update", lambda a, c: conversation_update(actor=a, conversation=c, subject="νέο")),
    ],
)
def test_closed_is_final(
    open_conversation: Opener, agent: Agent, _case: str, write: Callable[..., Any],
) -> None:
    conversation = open_conversation()
    conversation_set_status(actor=agent, conversation=conversation, status="closed")
    events_before = TimelineEvent.objects.count()

    with pytest.raises(Conflict) as caught:
        write(agent, conversation)

    assert caught.value.code == "conversation_closed"
    stored = fresh(conversation)
    assert (stored.status, stored.message_count, stored.priority, stored.assignee_id,
            stored.subject) == ("closed", 1, "normal", None, "سفارشم هنوز نرسیده است")
    assert TimelineEvent.objects.count() == events_before


# --- assignment, priority, tags, update -----------------------------------------------------


def test_assign_records_before_and_after_and_skips_no_ops(
    open_conversation: Opener, agent: Agent, supervisor: Agent, team: Team,
) -> None:
    conversation = open_conversation()

    conversation_assign(actor=supervisor, conversation=conversation, assignee_id=agent.pk,
                        team_id=team.pk)
    conversation_assign(actor=supervisor, conversation=conversation, assignee_id=agent.pk,
                        team_id=team.pk)
    conversation_assign(actor=agent, conversation=conversation, assignee_id=None,
                        team_id=team.pk)

    events = TimelineEvent.objects.filter(conversation=conversation,
                                          verb="conversation.assigned").order_by("id")
    assert [(e.actor_id, e.customer_id, e.before, e.after) for e in events] == [
        (supervisor.pk, conversation.customer_id, {"assignee_id": None, "team_id": None},
         {"assignee_id": agent.pk, "team_id": team.pk}),
        (agent.pk, conversation.customer_id, {"assignee_id": agent.pk, "team_id": team.pk},
         {"assignee_id": None, "team_id": team.pk}),
    ]
    assert (fresh(conversation).assignee_id, fresh(conversation).team_id) == (None, team.pk)


@pytest.mark.parametrize(
    ("_case", "assignee"),
    [
        ("analyst", lambda make: make("analyst").pk),
        ("inactive agent", lambda make: make("agent", is_active=False).pk),
        ("unknown", lambda make: -1),
    ],
)
def test_assign_rejects_who_cannot_work_conversations(
    open_conversation: Opener, agent: Agent, make_agent: Callable[..., Agent], _case: str,
    assignee: Callable[..., int],
) -> None:
    conversation = open_conversation()
    assignee_id = assignee(lambda role, **extra: _agent(make_agent, role, **extra))

    with pytest.raises(Invalid) as caught:
        conversation_assign(actor=agent, conversation=conversation, assignee_id=assignee_id,
                            team_id=None)

    assert (caught.value.code, caught.value.field) == ("assignee_invalid", "assignee_id")
    assert fresh(conversation).assignee_id is None


def _agent(make_agent: Callable[..., Agent], role: str, is_active: bool = True) -> Agent:
    made = make_agent(role)
    if not is_active:
        Agent.objects.filter(pk=made.pk).update(is_active=False)
    return made


def test_assign_rejects_an_unknown_team(open_conversation: Opener, agent: Agent) -> None:
    conversation = open_conversation()

    with pytest.raises(Invalid) as caught:
        conversation_assign(actor=agent, conversation=conversation, assignee_id=None,
                            team_id=-1)

    assert (caught.value.code, caught.value.field) == ("team_not_found", "team_id")


def test_priority_change_is_recorded(open_conversation: Opener, agent: Agent) -> None:
    conversation = open_conversation()

    changed = conversation_set_priority(actor=agent, conversation=conversation, priority="urgent")
    conversation_set_priority(actor=agent, conversation=conversation, priority="urgent")

    event = TimelineEvent.objects.get(verb="conversation.priority_changed")
    assert changed.priority == "urgent"
    assert (event.before, event.after, event.customer_id) == (
        {"priority": "normal"}, {"priority": "urgent"}, conversation.customer_id)


def test_set_tags_replaces_and_records_sorted_lists(
    open_conversation: Opener, agent: Agent,
) -> None:
    conversation = open_conversation(tags=["VIP", "الفواتير"])

    conversation_set_tags(actor=agent, conversation=conversation,
                          tags=["الفواتير", " Late  Delivery "])
    conversation_set_tags(actor=agent, conversation=conversation,
                          tags=["late delivery", "الفواتير"])

    event = TimelineEvent.objects.get(verb="conversation.tags_changed")
    assert sorted(fresh(conversation).tags.values_list("name", flat=True)) == [
        "late delivery", "الفواتير"]
    assert (event.before, event.after) == ({"tags": ["vip", "الفواتير"]},
                                           {"tags": ["late delivery", "الفواتير"]})


def test_update_records_only_changed_fields(open_conversation: Opener, agent: Agent) -> None:
    conversation = open_conversation(custom_fields={"order": "4512"})

    conversation_update(actor=agent, conversation=conversation, subject="Η παραγγελία 4512",
                        custom_fields={"order": "4512"}, language="el")

    event = TimelineEvent.objects.get(verb="conversation.updated")
    assert (event.before, event.after) == (
        {"subject": "سفارشم هنوز نرسیده است", "language": "fa"},
        {"subject": "Η παραγγελία 4512", "language": "el"})


def test_timeline_verbs_in_order(open_conversation: Opener, agent: Agent, team: Team) -> None:
    conversation = open_conversation()

    message_add(actor=agent, conversation=conversation, text=AR_NOTE, is_internal=True)
    message_add(actor=agent, conversation=conversation, text=FA_REPLY)
    conversation_assign(actor=agent, conversation=conversation, assignee_id=agent.pk,
                        team_id=team.pk)
    conversation_set_priority(actor=agent, conversation=conversation, priority="high")
    conversation_set_tags(actor=agent, conversation=conversation, tags=["vip"])
    conversation_set_status(actor=agent, conversation=conversation, status="solved")

    assert verbs(conversation) == [
        "conversation.created", "message.added", "message.added",
        "conversation.status_changed", "conversation.assigned",
        "conversation.priority_changed", "conversation.tags_changed",
        "conversation.status_changed",
    ]
    assert set(TimelineEvent.objects.values_list("conversation_id", "customer_id")) - {
        (None, conversation.customer_id)} == {(conversation.pk, conversation.customer_id)}


# --- attachments ---------------------------------------------------------------------------


def test_attachment_is_stored_with_a_safe_name(open_conversation: Opener, agent: Agent) -> None:
    conversation = open_conversation()
    reply = message_add(actor=agent, conversation=conversation, text=FA_REPLY)

    attachment = attachment_add(actor=agent, message=reply, filename="../../etc/فاکتور\x00.PDF",
                                content_type="Application/PDF", data=b"%PDF-1.7 data")

    stored = Attachment.objects.get()
    assert (stored.filename, stored.content_type, stored.size_bytes) == (
        "فاکتور.PDF", "application/pdf", 13)
    assert stored.file.name.startswith("attachments/")
    assert stored.file.name.endswith(".pdf")
    with stored.file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.7 data"
    assert TimelineEvent.objects.get(verb="attachment.added").after == {
        "message_id": reply.pk, "attachment_id": attachment.pk, "filename": "فاکتور.PDF",
        "size_bytes": 13, "content_type": "application/pdf"}


def test_attachment_over_the_limit_is_refused(
    open_conversation: Opener, agent: Agent, settings: Any,
) -> None:
    settings.MEHVAR_MAX_ATTACHMENT_BYTES = 10
    conversation = open_conversation()
    reply = message_add(actor=agent, conversation=conversation, text=FA_REPLY)
    attachment_add(actor=agent, message=reply, filename="a.txt", content_type="text/plain",
                   data=b"0123456789")

    with pytest.raises(AttachmentTooLarge) as caught:
        attachment_add(actor=agent, message=reply, filename="b.txt", content_type="text/plain",
                       data=b"0123456789X")

    assert (caught.value.code, caught.value.status) == ("attachment_too_large", 413)
    assert isinstance(caught.value, Invalid)
    assert list(Attachment.objects.values_list("filename", flat=True)) == ["a.txt"]


def test_reply_with_attachments_refuses_all_when_one_is_too_large(
    open_conversation: Opener, agent: Agent, settings: Any,
) -> None:
    settings.MEHVAR_MAX_ATTACHMENT_BYTES = 4
    conversation = open_conversation()

    with pytest.raises(AttachmentTooLarge):
        message_add(actor=agent, conversation=conversation, text=FA_REPLY, attachments=[
            AttachmentUpload("a.txt", "text/plain", b"1234"),
            AttachmentUpload("b.txt", "text/plain", b"12345")])

    assert (Message.objects.count(), Attachment.objects.count()) == (1, 0)


def test_reply_with_attachments_returns_them(open_conversation: Opener, agent: Agent) -> None:
    conversation = open_conversation()

    reply = message_add(actor=agent, conversation=conversation, text=FA_REPLY, attachments=[
        AttachmentUpload("رسید.png", "image/png", b"\x89PNG"),
        AttachmentUpload("", "not a type", b"x")])

    assert [(a.filename, a.content_type, a.size_bytes) for a in reply.attachments.all()] == [
        ("رسید.png", "image/png", 4), ("attachment", "application/octet-stream", 1)]


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "write"),
    [
        ("create", lambda a, c: conversation_create(actor=a, subject="x", channel="email",
                                                    text="y", customer_id=c.customer_id)),
        ("reply", lambda a, c: message_add(actor=a, conversation=c, text=FA_REPLY)),
        ("note", lambda a, c: message_add(actor=a, conversation=c, text=AR_NOTE,
                                          is_internal=True)),
        ("assign", lambda a, c: conversation_assign(actor=a, conversation=c, assignee_id=None,
                                                    team_id=None)),
        ("status", lambda a, c: conversation_set_status(actor=a, conversation=c,
                                                        status="solved")),
        ("priority", lambda a, c: conversation_set_priority(actor=a, conversation=c,
                                                            priority="low")),
        ("tags", lambda a, c: conversation_set_tags(actor=a, conversation=c, tags=["x"])),
        ("update", lambda a, c: conversation_update(actor=a, conversation=c, subject="νέο")),
        ("attachment", lambda a, c: attachment_add(
            actor=a, message=c.messages.get(), filename="a", content_type="text/plain",
            data=b"x")),
    ],
)
def test_analyst_cannot_write_and_nothing_changes(
    open_conversation: Opener, analyst: Agent, _case: str, write: Callable[..., Any],
) -> None:
    conversation = open_conversation(tags=["vip"])
    events_before = TimelineEvent.objects.count()

    with pytest.raises(PermissionDenied) as caught:
        write(analyst, conversation)

    assert caught.value.code == "permission_denied"
    stored = fresh(conversation)
    assert (stored.status, stored.priority, stored.subject, stored.message_count,
            list(stored.tags.values_list("name", flat=True))) == (
        "new", "normal", "سفارشم هنوز نرسیده است", 1, ["vip"])
    assert (Conversation.objects.count(), Message.objects.count(), Attachment.objects.count(),
            TimelineEvent.objects.count()) == (1, 1, 0, events_before)
