"""Conversations over HTTP: the role matrix, validation, 404s, hostile bodies, shapes, paging and
query counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mehvar.accounts.models import Agent, Team
from mehvar.accounts.services import token_create
from mehvar.conversations.models import Attachment, Conversation, Message
from mehvar.conversations.services.messages import message_add
from mehvar.core.models import TimelineEvent
from mehvar.customers.models import Customer
from tests.conversations.conftest import AR_NOTE, AR_TEXT, EL_TEXT, FA_REPLY, FA_TEXT
from tests.factories.conversations import ConversationFactory

pytestmark = pytest.mark.django_db
Opener = Callable[..., Conversation]
CREATE_BODY = {
    "subject": "لم تصل فاتورة هذا الشهر", "channel": "email", "text": AR_TEXT,
    "customer": {"identity": {"kind": "email", "value": "Noura@Example.com"},
                 "name": "نورة القحطاني", "language": "ar"},
    "tags": ["الفواتير", " VIP "], "custom_fields": {"رقم الطلب": "4512"},
}


def as_role(request: pytest.FixtureRequest, api_as: Callable[..., Any], role: str) -> Any:
    return api_as(None if role == "anonymous" else request.getfixturevalue(role))


def snapshot(conversation: Conversation) -> tuple[Any, ...]:
    row = Conversation.objects.get(pk=conversation.pk)
    return (row.status, row.priority, row.subject, row.language, row.assignee_id, row.team_id,
            row.custom_fields, row.message_count, sorted(row.tags.values_list("name", flat=True)),
            Message.objects.count(), Attachment.objects.count(), TimelineEvent.objects.count())


# --- create --------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 201), ("admin", 201)])
def test_create_role_matrix(request: pytest.FixtureRequest, api_as: Any, role: str,
                            status: int) -> None:
    response = as_role(request, api_as, role).post("conversations", CREATE_BODY)

    assert response.status_code == status
    assert Conversation.objects.count() == (1 if status == 201 else 0)
    assert Customer.objects.count() == (1 if status == 201 else 0)


def test_create_returns_the_conversation_with_its_first_message(api_as: Any, agent: Agent,
                                                                team: Team) -> None:
    body = dict(CREATE_BODY, team_id=team.pk, assignee_id=agent.pk, priority="high")

    response = api_as(agent).post("conversations", body)

    data = response.json()
    conversation = Conversation.objects.get()
    message = Message.objects.get()
    assert response.status_code == 201
    assert {key: data[key] for key in (
        "id", "subject", "status", "priority", "channel", "language", "customer", "team",
        "assignee", "tags", "custom_fields", "message_count", "first_response_at",
        "messages_next_cursor")} == {
        "id": conversation.pk, "subject": "لم تصل فاتورة هذا الشهر", "status": "new",
        "priority": "high", "channel": "email", "language": "ar",
        "customer": {"id": conversation.customer_id, "name": "نورة القحطاني"},
        "team": {"id": team.pk, "name": "پشتیبانی فارسی"},
        "assignee": {"id": agent.pk, "name": "agent"}, "tags": ["الفواتير", "vip"],
        "custom_fields": {"رقم الطلب": "4512"}, "message_count": 1, "first_response_at": None,
        "messages_next_cursor": None}
    assert [{key: item[key] for key in ("id", "author_kind", "author_agent", "is_internal",
                                        "text", "html", "language", "attachments")}
            for item in data["messages"]] == [
        {"id": message.pk, "author_kind": "customer", "author_agent": None,
         "is_internal": False, "text": AR_TEXT, "html": "", "language": "ar", "attachments": []}]


def test_create_by_customer_id_and_by_unknown_customer_id(api_as: Any, agent: Agent) -> None:
    client = api_as(agent)
    first = client.post("conversations", CREATE_BODY).json()

    again = client.post("conversations", {"subject": "Δεύτερο", "channel": "phone",
                                          "text": EL_TEXT,
                                          "customer_id": first["customer"]["id"]})
    unknown = client.post("conversations", {"subject": "x", "channel": "phone", "text": "y",
                                            "customer_id": -1})

    assert (again.status_code, again.json()["customer"]["id"]) == (201, first["customer"]["id"])
    assert (unknown.status_code, unknown.json()["error"]) == (404, "customer_not_found")


def test_create_is_idempotent_on_external_id(api_as: Any, agent: Agent) -> None:
    client = api_as(agent)
    body = dict(CREATE_BODY, external_id="<CAF-1@mail.example>")

    first = client.post("conversations", body)
    second = client.post("conversations", dict(body, subject="دیگر"))

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["subject"] == "لم تصل فاتورة هذا الشهر"
    assert (Conversation.objects.count(), Message.objects.count()) == (1, 1)


@pytest.mark.parametrize(
    ("_case", "changes"),
    [
        ("no subject", {"subject": None}),
        ("subject too long", {"subject": "ف" * 301}),
        ("subject of the wrong type", {"subject": 12}),
        ("unknown channel", {"channel": "pigeon"}),
        ("text of the wrong type", {"text": {"a": 1}}),
        ("tags not a list", {"tags": "vip"}),
        ("21 tags", {"tags": [f"t{n}" for n in range(21)]}),
        ("nested custom field", {"custom_fields": {"a": {"b": 1}}}),
        ("customer id too big", {"customer_id": 2**64}),
        ("identity without value", {"customer": {"identity": {"kind": "email"}}}),
        ("unknown author", {"author": "system"}),
    ],
)
def test_create_rejects_bad_bodies(api_as: Any, agent: Agent, _case: str,
                                   changes: dict[str, Any]) -> None:
    body = {key: value for key, value in {**CREATE_BODY, **changes}.items() if value is not None}

    response = api_as(agent).post("conversations", body)

    assert (response.status_code, response.json()["error"]) == (422, "validation_error")
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "changes", "code"),
    [
        ("no customer", {"customer": None}, "customer_resolve_needs_input"),
        ("no body", {"text": "  "}, "message_empty"),
        ("bad email", {"customer": {"identity": {"kind": "email", "value": "نه"}}},
         "identity_invalid"),
        ("unknown team", {"team_id": -1}, "team_not_found"),
        ("analyst assignee", {"assignee_id": "analyst"}, "assignee_invalid"),
    ],
)
def test_create_reports_domain_errors(request: pytest.FixtureRequest, api_as: Any,
                                      agent: Agent, _case: str, changes: dict[str, Any],
                                      code: str) -> None:
    if changes.get("assignee_id") == "analyst":
        changes = {"assignee_id": request.getfixturevalue("analyst").pk}
    body = {key: value for key, value in {**CREATE_BODY, **changes}.items() if value is not None}

    response = api_as(agent).post("conversations", body)

    assert (response.status_code, response.json()["error"]) == (422, code)
    assert Conversation.objects.count() == 0


def test_create_refuses_text_over_the_configured_limit(api_as: Any, agent: Agent,
                                                       settings: Any) -> None:
    settings.MEHVAR_MAX_MESSAGE_CHARS = 1_000

    response = api_as(agent).post("conversations", dict(CREATE_BODY, text="ع" * 1_001))

    assert (response.status_code, response.json()["error"]) == (422, "message_too_long")


@pytest.mark.parametrize(
    ("_case", "body"),
    [
        ("broken utf-8", b'{"subject": "\xff\xfe", "channel": "email", "text": "\xc3\x28"}'),
        ("not json", b"{subject: "),
        ("json array", b"[1, 2]"),
        ("json null", b"null"),
        ("huge subject", b'{"subject": "' + "ب".encode() * 300_000 + b'", "channel": "email"}'),
        ("deep nesting", b'{"custom_fields": ' + b"[" * 3000 + b"]" * 3000 + b"}"),
    ],
)
def test_create_answers_hostile_bodies_with_a_client_error(api_as: Any, agent: Agent,
                                                           _case: str, body: bytes) -> None:
    response = api_as(agent).post("conversations", body)

    assert 400 <= response.status_code < 500
    assert Conversation.objects.count() == 0


def test_create_refuses_a_body_over_the_upload_limit(agent: Agent, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5_000
    secret = token_create(actor=agent, name="t").secret
    client = Client(headers={"Authorization": f"Bearer {secret}"}, raise_request_exception=False)

    response = client.post("/api/v1/conversations", data=b'{"text": "' + b"a" * 6_000 + b'"}',
                           content_type="application/json")

    assert response.status_code == 400
    assert Conversation.objects.count() == 0


# --- list ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 200),
                                              ("agent", 200), ("admin", 200)])
def test_reading_needs_a_signed_in_agent(request: pytest.FixtureRequest, api_as: Any,
                                         open_conversation: Opener, role: str,
                                         status: int) -> None:
    conversation = open_conversation()
    client = as_role(request, api_as, role)

    for path in ("conversations", f"conversations/{conversation.pk}",
                 f"conversations/{conversation.pk}/messages",
                 f"conversations/{conversation.pk}/timeline"):
        assert client.get(path).status_code == status, path


def test_list_filters_by_status_comma_separated_or_repeated(
    api_as: Any, analyst: Agent, agent: Agent, open_conversation: Opener,
) -> None:
    new = open_conversation()
    pending = open_conversation(author="agent", text=FA_REPLY)
    solved = open_conversation()
    Conversation.objects.filter(pk=solved.pk).update(status="solved")
    client = api_as(analyst)

    by_comma = client.get("conversations", status="pending,solved").json()
    by_repeat = client.get("conversations", status=["new", "solved"]).json()
    unassigned = client.get("conversations", unassigned="true", limit=2).json()

    assert [item["id"] for item in by_comma["items"]] == [solved.pk, pending.pk]
    assert [item["id"] for item in by_repeat["items"]] == [solved.pk, new.pk]
    assert [item["id"] for item in unassigned["items"]] == [solved.pk, pending.pk]
    assert unassigned["next_cursor"] is not None


def test_list_pages_with_next_cursor(api_as: Any, analyst: Agent) -> None:
    rows = ConversationFactory.create_batch(7)
    client = api_as(analyst)

    first = client.get("conversations", limit=4).json()
    second = client.get("conversations", limit=4, cursor=first["next_cursor"]).json()

    assert [item["id"] for item in first["items"] + second["items"]] == [row.pk for row in rows]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("_case", "params", "code"),
    [
        ("limit too big", {"limit": 101}, "validation_error"),
        ("limit zero", {"limit": 0}, "validation_error"),
        ("unknown status", {"status": "new,lost"}, "validation_error"),
        ("unknown channel", {"channel": "pigeon"}, "validation_error"),
        ("assignee not a number", {"assignee_id": "ali"}, "validation_error"),
        ("forged cursor", {"cursor": "bm90LWEtY3Vyc29y"}, "invalid_cursor"),
        ("garbage cursor", {"cursor": "@@\u202e@@"}, "invalid_cursor"),
    ],
)
def test_list_rejects_bad_filters(api_as: Any, analyst: Agent, _case: str,
                                  params: dict[str, Any], code: str) -> None:
    response = api_as(analyst).get("conversations", **params)

    assert (response.status_code, response.json()["error"]) == (422, code)


@pytest.mark.parametrize("size", [3, 30])
def test_list_query_count_is_constant(api_as: Any, analyst: Agent, team: Team, size: int,
                                      django_assert_num_queries: Any) -> None:
    ConversationFactory.create_batch(size, team=team, assignee=analyst)
    client = api_as(analyst)
    client.get("conversations")  # the token's first use is recorded once

    with django_assert_num_queries(3):  # token; page with joins; tags
        response = client.get("conversations", status="new", limit=100)

    assert len(response.json()["items"]) == size


# --- detail, messages, timeline -------------------------------------------------------------


def test_get_shows_messages_oldest_first_with_a_cursor(api_as: Any, agent: Agent,
                                                       analyst: Agent,
                                                       open_conversation: Opener) -> None:
    conversation = open_conversation()
    for number in range(100):
        message_add(actor=agent, conversation=conversation, text=f"{FA_REPLY} {number}")
    client = api_as(analyst)

    detail = client.get(f"conversations/{conversation.pk}").json()
    rest = client.get(f"conversations/{conversation.pk}/messages",
                      cursor=detail["messages_next_cursor"]).json()

    assert (len(detail["messages"]), detail["messages"][0]["text"]) == (100, FA_TEXT)
    assert detail["message_count"] == 101
    assert [item["text"] for item in rest["items"]] == [f"{FA_REPLY} 99"]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize("size", [2, 15])
def test_get_query_count_is_constant(api_as: Any, agent: Agent, analyst: Agent, size: int,
                                     open_conversation: Opener,
                                     django_assert_num_queries: Any) -> None:
    conversation = open_conversation(tags=["vip"])
    for _number in range(size):
        message_add(actor=agent, conversation=conversation, text=AR_NOTE, is_internal=True)
    client = api_as(analyst)
    client.get("conversations")

    with django_assert_num_queries(5):  # token; conversation; tags; messages; attachments
        response = client.get(f"conversations/{conversation.pk}")

    assert len(response.json()["messages"]) == size + 1


@pytest.mark.parametrize("path", ["conversations/{id}", "conversations/{id}/messages",
                                  "conversations/{id}/timeline"])
@pytest.mark.parametrize("conversation_id", [-1, 0, 987654321, 2**63 - 1])
def test_unknown_conversation_is_404(api_as: Any, analyst: Agent, path: str,
                                     conversation_id: int) -> None:
    response = api_as(analyst).get(path.format(id=conversation_id))

    assert (response.status_code, response.json()["error"]) == (404, "conversation_not_found")


@pytest.mark.parametrize("conversation_id", ["abc", "99999999999999999999", "١٢"])
def test_malformed_conversation_id_is_a_client_error(api_as: Any, analyst: Agent,
                                                     conversation_id: str) -> None:
    response = api_as(analyst).get(f"conversations/{conversation_id}")

    assert response.status_code in {404, 422}


def test_timeline_lists_events_newest_first(api_as: Any, agent: Agent, analyst: Agent,
                                            open_conversation: Opener) -> None:
    conversation = open_conversation()
    message_add(actor=agent, conversation=conversation, text=FA_REPLY)

    body = api_as(analyst).get(f"conversations/{conversation.pk}/timeline").json()

    assert [(item["verb"], item["actor"], item["conversation_id"]) for item in body["items"]] == [
        ("conversation.status_changed", {"id": agent.pk, "name": "agent"}, conversation.pk),
        ("message.added", {"id": agent.pk, "name": "agent"}, conversation.pk),
        ("conversation.created", {"id": agent.pk, "name": "agent"}, conversation.pk)]
    assert body["next_cursor"] is None


# --- writes: the role matrix -----------------------------------------------------------------

WRITES = [
    ("reply", "post", "conversations/{id}/replies", {"text": FA_REPLY}, 201),
    ("note", "post", "conversations/{id}/notes", {"text": AR_NOTE}, 201),
    ("assign", "post", "conversations/{id}/assign", {"assignee_id": None, "team_id": "team"}, 200),
    ("status", "post", "conversations/{id}/status", {"status": "pending"}, 200),
    ("priority", "post", "conversations/{id}/priority", {"priority": "urgent"}, 200),
    ("tags", "put", "conversations/{id}/tags", {"tags": ["Επείγον"]}, 200),
    ("update", "patch", "conversations/{id}", {"subject": "Νέο θέμα", "language": "el"}, 200),
]


def _body(request: pytest.FixtureRequest, body: dict[str, Any]) -> dict[str, Any]:
    return {key: request.getfixturevalue("team").pk if value == "team" else value
            for key, value in body.items()}


@pytest.mark.parametrize(("_case", "method", "path", "body", "ok"), WRITES)
@pytest.mark.parametrize("role", ["anonymous", "analyst", "agent", "admin"])
def test_write_role_matrix(request: pytest.FixtureRequest, api_as: Any,
                           open_conversation: Opener, role: str, _case: str, method: str,
                           path: str, body: dict[str, Any], ok: int) -> None:
    conversation = open_conversation(tags=["vip"])
    before = snapshot(conversation)
    client = as_role(request, api_as, role)

    response = getattr(client, method)(path.format(id=conversation.pk), _body(request, body))

    expected = {"anonymous": 401, "analyst": 403}.get(role, ok)
    assert response.status_code == expected
    if expected in {401, 403}:
        assert response.json()["error"] in {"not_authenticated", "permission_denied"}
        assert snapshot(conversation) == before
    else:
        assert snapshot(conversation) != before


@pytest.mark.parametrize(("_case", "method", "path", "body", "ok"), WRITES)
def test_write_to_unknown_conversation_is_404(request: pytest.FixtureRequest, api_as: Any,
                                              agent: Agent, _case: str, method: str, path: str,
                                              body: dict[str, Any], ok: int) -> None:
    response = getattr(api_as(agent), method)(path.format(id=-1), _body(request, body))

    assert (response.status_code, response.json()["error"]) == (404, "conversation_not_found")


@pytest.mark.parametrize(
    ("_case", "method", "path", "body"),
    [
        ("reply text of the wrong type", "post", "replies", {"text": 5}),
        ("note text too long for the API", "post", "notes", {"text": "x" * 1_000_001}),
        ("assign to a string", "post", "assign", {"assignee_id": "ali"}),
        ("unknown status", "post", "status", {"status": "done"}),
        ("missing status", "post", "status", {}),
        ("unknown priority", "post", "priority", {"priority": "asap"}),
        ("21 tags", "put", "tags", {"tags": [str(n) for n in range(21)]}),
        ("tags of the wrong type", "put", "tags", {"tags": [1, 2]}),
        ("empty subject", "patch", "", {"subject": ""}),
        ("custom field list too long", "patch", "", {"custom_fields": {"a": list(range(51))}}),
    ],
)
def test_write_validation_errors(api_as: Any, agent: Agent, open_conversation: Opener,
                                 _case: str, method: str, path: str,
                                 body: dict[str, Any]) -> None:
    conversation = open_conversation()
    before = snapshot(conversation)
    url = f"conversations/{conversation.pk}/{path}".rstrip("/")

    response = getattr(api_as(agent), method)(url, body)

    assert (response.status_code, response.json()["error"]) == (422, "validation_error")
    assert snapshot(conversation) == before


def test_reply_and_note_shapes(api_as: Any, agent: Agent, open_conversation: Opener) -> None:
    conversation = open_conversation()
    client = api_as(agent)

    reply = client.post(f"conversations/{conversation.pk}/replies",
                        {"html": '<p>سلام <a href="javascript:x()">اینجا</a></p>'}).json()
    note = client.post(f"conversations/{conversation.pk}/notes", {"text": AR_NOTE}).json()

    assert {key: reply[key] for key in ("author_kind", "author_agent", "is_internal", "text",
                                        "html", "channel")} == {
        "author_kind": "agent", "author_agent": {"id": agent.pk, "name": "agent"},
        "is_internal": False, "text": "سلام اینجا",
        "html": '<p>سلام <a rel="noopener noreferrer nofollow">اینجا</a></p>',
        "channel": "email"}
    assert (note["is_internal"], note["text"]) == (True, AR_NOTE)
    stored = Conversation.objects.get(pk=conversation.pk)
    assert (stored.status, stored.message_count) == ("open", 3)


def test_reply_with_empty_body_is_a_domain_error(api_as: Any, agent: Agent,
                                                 open_conversation: Opener) -> None:
    conversation = open_conversation()

    response = api_as(agent).post(f"conversations/{conversation.pk}/replies", {"text": " "})

    assert (response.status_code, response.json()["error"]) == (422, "message_empty")


def test_assign_keeps_fields_left_out_and_clears_nulls(api_as: Any, agent: Agent, team: Team,
                                                       open_conversation: Opener) -> None:
    conversation = open_conversation(assignee_id=agent.pk)
    client = api_as(agent)
    url = f"conversations/{conversation.pk}/assign"

    with_team = client.post(url, {"team_id": team.pk}).json()
    cleared = client.post(url, {"assignee_id": None}).json()

    assert (with_team["assignee"], with_team["team"]) == (
        {"id": agent.pk, "name": "agent"}, {"id": team.pk, "name": "پشتیبانی فارسی"})
    assert (cleared["assignee"], cleared["team"]) == (None, {"id": team.pk,
                                                              "name": "پشتیبانی فارسی"})


def test_assign_to_an_analyst_is_refused(api_as: Any, agent: Agent, analyst: Agent,
                                         open_conversation: Opener) -> None:
    conversation = open_conversation()

    response = api_as(agent).post(f"conversations/{conversation.pk}/assign",
                                  {"assignee_id": analyst.pk})

    assert (response.status_code, response.json()["error"]) == (422, "assignee_invalid")


def test_closed_conversation_is_a_conflict(api_as: Any, agent: Agent,
                                           open_conversation: Opener) -> None:
    conversation = open_conversation()
    client = api_as(agent)
    client.post(f"conversations/{conversation.pk}/status", {"status": "closed"})

    reopen = client.post(f"conversations/{conversation.pk}/status", {"status": "open"})
    reply = client.post(f"conversations/{conversation.pk}/replies", {"text": FA_REPLY})

    assert (reopen.status_code, reopen.json()["error"]) == (409, "conversation_closed")
    assert (reply.status_code, reply.json()["error"]) == (409, "conversation_closed")


def test_tags_are_normalised_in_the_answer(api_as: Any, agent: Agent,
                                           open_conversation: Opener) -> None:
    conversation = open_conversation()

    body = api_as(agent).put(f"conversations/{conversation.pk}/tags",
                             {"tags": ["  Late   Delivery ", "late delivery", "ارسال فوری"]}).json()

    assert body["tags"] == ["late delivery", "ارسال فوری"]


# --- attachments ---------------------------------------------------------------------------


def upload(client: Any, conversation_id: int, message_id: int, content: bytes,
           name: str = "رسید.pdf") -> Any:
    return client.client.post(
        f"/api/v1/conversations/{conversation_id}/messages/{message_id}/attachments",
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        headers=client.headers)


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 201), ("admin", 201)])
def test_attachment_role_matrix(request: pytest.FixtureRequest, api_as: Any, role: str,
                                status: int, open_conversation: Opener) -> None:
    conversation = open_conversation()
    message = conversation.messages.get()

    response = upload(as_role(request, api_as, role), conversation.pk, message.pk, b"%PDF-1.7")

    assert response.status_code == status
    assert Attachment.objects.count() == (1 if status == 201 else 0)
    if status == 201:
        assert {key: response.json()[key] for key in ("filename", "content_type",
                                                      "size_bytes")} == {
            "filename": "رسید.pdf", "content_type": "application/pdf", "size_bytes": 8}


def test_attachment_over_the_limit_is_413(api_as: Any, agent: Agent, settings: Any,
                                          open_conversation: Opener) -> None:
    settings.MEHVAR_MAX_ATTACHMENT_BYTES = 100
    conversation = open_conversation()

    response = upload(api_as(agent), conversation.pk, conversation.messages.get().pk, b"x" * 101)

    assert (response.status_code, response.json()["error"]) == (413, "attachment_too_large")
    assert Attachment.objects.count() == 0


def test_attachment_to_a_message_of_another_conversation_is_404(
    api_as: Any, agent: Agent, open_conversation: Opener,
) -> None:
    one = open_conversation()
    other = open_conversation()

    response = upload(api_as(agent), other.pk, one.messages.get().pk, b"x")

    assert (response.status_code, response.json()["error"]) == (404, "message_not_found")


def test_attachment_without_a_file_is_422(api_as: Any, agent: Agent,
                                          open_conversation: Opener) -> None:
    conversation = open_conversation()
    client = api_as(agent)

    response = client.client.post(
        f"/api/v1/conversations/{conversation.pk}/messages/"
        f"{conversation.messages.get().pk}/attachments", {}, headers=client.headers)

    assert (response.status_code, response.json()["error"]) == (422, "validation_error")
