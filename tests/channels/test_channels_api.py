"""The channels API: inbound envelopes and mailboxes (admins), deliveries and sending a failed
one again (agents), phone calls. Each endpoint: its permission matrix (a refusal changes
nothing), a 422, an unknown id (404 with its code); lists keep a constant query count."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mehvar.accounts.models import Agent, AuditLogEntry
from mehvar.accounts.services import team_create
from mehvar.channels.email.receive import mail_receive
from mehvar.channels.models import (
    DeliveryStatus,
    EnvelopeStatus,
    InboundEnvelope,
    Mailbox,
    OutboundMessage,
    PhoneCall,
)
from mehvar.channels.services.calls import call_log
from mehvar.channels.services.envelopes import envelope_process
from mehvar.channels.services.mailboxes import mailbox_create
from mehvar.channels.services.outbound import outbound_record_bounce
from mehvar.conversations.models import Conversation, Message
from mehvar.conversations.services.messages import message_add
from tests.channels.test_calls import FA_NOTES, email_conversation, phone_conversation
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

ROLES = ("analyst", "agent", "supervisor", "admin")
ApiAs = Callable[[Agent | None], ApiClient]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def people(analyst, agent, supervisor, admin) -> dict[str, Agent]:
    return {"analyst": analyst, "agent": agent, "supervisor": supervisor, "admin": admin}


def receive_mail(number: int, *, mailbox: Mailbox | None = None) -> InboundEnvelope:
    raw = (f"From: customer{number}@example.com\r\nTo: support@example.com\r\n"
           f"Subject: سفارش {number}\r\nMessage-ID: <m{number}@example.com>\r\n\r\n"
           "مرحباً، لم تصل فاتورة هذا الشهر.\r\n").encode()
    envelope, _created = mail_receive(raw=raw, mailbox=mailbox)
    return envelope


def parked_envelope(settings: Any, number: int = 1) -> InboundEnvelope:
    settings.MEHVAR_INBOUND_RATE_LIMIT_PER_HOUR = 0  # every sender is over the limit
    envelope = receive_mail(number)
    processed = envelope_process(envelope_id=envelope.pk)
    assert processed is not None
    assert processed.status == EnvelopeStatus.PARKED
    return processed


def failed_delivery(admin: Agent, agent: Agent) -> OutboundMessage:
    conversation = email_conversation(admin)
    reply = message_add(actor=agent, conversation=conversation, text="سلام، پیگیری شد.")
    outbound = OutboundMessage.objects.get(message_id=reply.pk)
    outbound_record_bounce(provider_id=outbound.provider_id, detail="550 5.1.1 no such user")
    outbound.refresh_from_db()
    assert outbound.status == DeliveryStatus.FAILED
    return outbound


# --- envelopes -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_see_and_retry_envelopes(api_as: ApiAs, people, settings, role) -> None:
    envelope = parked_envelope(settings)
    client = api_as(people[role])
    listing = client.get("/channels/envelopes", status="parked")
    detail = client.get(f"/channels/envelopes/{envelope.pk}")
    retry = client.post(f"/channels/envelopes/{envelope.pk}/retry")
    envelope.refresh_from_db()
    if role != "admin":
        assert (listing.status_code, detail.status_code, retry.status_code) == (403, 403, 403)
        assert envelope.status == EnvelopeStatus.PARKED
        return
    assert listing.status_code == 200
    assert [item["id"] for item in listing.json()["items"]] == [envelope.pk]
    assert listing.json()["items"][0]["outcome"] == "rate_limited"
    body = detail.json()
    assert body["status"] == "parked"
    assert "مرحباً" in body["raw_text"]
    assert body["raw_truncated"] is False
    assert retry.status_code == 200
    assert retry.json()["status"] == "pending"
    assert envelope.status == EnvelopeStatus.PENDING
    again = client.post(f"/channels/envelopes/{envelope.pk}/retry")
    assert (again.status_code, again.json()["error"]) == (409, "envelope_not_parked")


def test_anonymous_callers_get_401(api_as: ApiAs, settings) -> None:
    envelope = parked_envelope(settings)
    client = api_as(None)
    assert client.get("/channels/envelopes").status_code == 401
    assert client.post(f"/channels/envelopes/{envelope.pk}/retry").status_code == 401
    assert client.post("/calls", {}).status_code == 401
    assert client.get("/channels/mailboxes").status_code == 401


def test_envelope_raw_payload_is_cut_at_64_kib(api_as: ApiAs, admin, settings) -> None:
    raw = b"Subject: big\r\nMessage-ID: <big@example.com>\r\n\r\n" + "ω".encode() * 40_000
    envelope, _created = mail_receive(raw=raw)
    body = api_as(admin).get(f"/channels/envelopes/{envelope.pk}").json()
    assert body["raw_truncated"] is True
    assert body["raw_size_bytes"] == len(raw)
    assert len(body["raw_text"].encode()) <= 65_536 + 3


def test_envelope_errors(api_as: ApiAs, admin) -> None:
    client = api_as(admin)
    bad = client.get("/channels/envelopes", status="sideways")
    assert (bad.status_code, bad.json()["error"]) == (422, "validation_error")
    for response in (client.get("/channels/envelopes/987654"),
                     client.post("/channels/envelopes/987654/retry")):
        assert (response.status_code, response.json()["error"]) == (404, "envelope_not_found")


@pytest.mark.parametrize("count", [2, 12])
def test_envelope_list_query_count_is_constant(api_as: ApiAs, admin, count) -> None:
    for number in range(count):
        receive_mail(number)
    client = api_as(admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/channels/envelopes", status="pending", limit=5)
    assert len(response.json()["items"]) == min(count, 5)
    assert (response.json()["next_cursor"] is not None) == (count > 5)
    # the token with its agent, the token's last use, the page
    assert len(queries) == 3, [query["sql"] for query in queries]
    assert all("raw" not in query["sql"].split("FROM")[0] for query in queries)


def test_envelope_pages_walk_newest_first(api_as: ApiAs, admin) -> None:
    envelopes = [receive_mail(number) for number in range(5)]
    client = api_as(admin)
    first = client.get("/channels/envelopes", limit=3).json()
    second = client.get("/channels/envelopes", limit=3, cursor=first["next_cursor"]).json()
    seen = [item["id"] for item in first["items"] + second["items"]]
    assert seen == [envelope.pk for envelope in reversed(envelopes)]
    assert second["next_cursor"] is None


# --- deliveries ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_deliveries_are_read_by_everyone_and_retried_by_agents(
    api_as: ApiAs, people, role,
) -> None:
    outbound = failed_delivery(people["admin"], people["agent"])
    client = api_as(people[role])
    listing = client.get(f"/conversations/{outbound.conversation_id}/deliveries")
    assert listing.status_code == 200
    assert [(item["id"], item["status"]) for item in listing.json()["items"]] == [
        (outbound.pk, "failed")]
    assert "550 5.1.1" in listing.json()["items"][0]["last_error"]
    retry = client.post(f"/deliveries/{outbound.pk}/retry")
    outbound.refresh_from_db()
    if role == "analyst":
        assert retry.status_code == 403
        assert outbound.status == DeliveryStatus.FAILED
        return
    assert retry.status_code == 200
    assert retry.json()["status"] == "queued"
    assert outbound.status == DeliveryStatus.QUEUED
    again = client.post(f"/deliveries/{outbound.pk}/retry")
    assert (again.status_code, again.json()["error"]) == (409, "outbound_not_failed")


def test_delivery_errors(api_as: ApiAs, agent) -> None:
    client = api_as(agent)
    unknown = client.get("/conversations/987654/deliveries")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "conversation_not_found")
    retry = client.post("/deliveries/987654/retry")
    assert (retry.status_code, retry.json()["error"]) == (404, "outbound_not_found")
    bad = client.get("/conversations/1/deliveries", limit=1000)
    assert bad.status_code == 422


def test_an_empty_delivery_list_of_a_known_conversation(api_as: ApiAs, agent) -> None:
    conversation = phone_conversation(agent)
    response = api_as(agent).get(f"/conversations/{conversation.pk}/deliveries")
    assert response.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("replies", [1, 8])
def test_delivery_list_query_count_is_constant(api_as: ApiAs, admin, agent, replies) -> None:
    conversation = email_conversation(admin)
    for number in range(replies):
        message_add(actor=agent, conversation=conversation, text=f"پاسخ {number}")
    client = api_as(agent)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/conversations/{conversation.pk}/deliveries")
    assert len(response.json()["items"]) == replies
    assert len(queries) == 3  # the token with its agent, its last use, the page


# --- mailboxes -----------------------------------------------------------------------------


MAILBOX = {"name": "پشتیبانی فروش", "address": "Sales@Example.com", "imap_host": "imap.example.com",
           "imap_port": 993, "imap_security": "ssl", "imap_username": "sales",
           "imap_password": "s3cret-گذرواژه", "imap_folder": "INBOX"}


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_manage_mailboxes(api_as: ApiAs, people, role) -> None:
    client = api_as(people[role])
    created = client.post("/channels/mailboxes", MAILBOX)
    listing = client.get("/channels/mailboxes")
    if role != "admin":
        assert (created.status_code, listing.status_code) == (403, 403)
        assert not Mailbox.objects.exists()
        assert not AuditLogEntry.objects.filter(action__startswith="mailbox.").exists()
        mailbox = mailbox_create(actor=people["admin"], name="x", address="x@example.com")
        assert client.get(f"/channels/mailboxes/{mailbox.pk}").status_code == 403
        patch = client.patch(f"/channels/mailboxes/{mailbox.pk}", {"name": "y"})
        assert patch.status_code == 403
        assert Mailbox.objects.get().name == "x"
        return
    assert created.status_code == 201
    body = created.json()
    assert body["address"] == "sales@example.com"
    assert body["has_imap_password"] is True
    assert "imap_password" not in body
    assert "s3cret" not in created.content.decode()
    assert "s3cret" not in listing.content.decode()
    assert [item["id"] for item in listing.json()["items"]] == [body["id"]]
    entry = AuditLogEntry.objects.get(action="mailbox.create")
    assert "s3cret" not in str(entry.data)


def test_mailbox_patch_keeps_the_password_unless_sent(api_as: ApiAs, admin) -> None:
    client = api_as(admin)
    team = team_create(actor=admin, name="فروش")
    mailbox_id = client.post("/channels/mailboxes", MAILBOX).json()["id"]
    renamed = client.patch(f"/channels/mailboxes/{mailbox_id}",
                           {"name": "Πωλήσεις", "team_id": team.pk})
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["team_id"]) == ("Πωλήσεις", team.pk)
    assert Mailbox.objects.get().imap_password == MAILBOX["imap_password"]
    client.patch(f"/channels/mailboxes/{mailbox_id}", {"imap_password": "new-one"})
    assert Mailbox.objects.get().imap_password == "new-one"
    cleared = client.patch(f"/channels/mailboxes/{mailbox_id}", {"team_id": None})
    assert cleared.json()["team_id"] is None
    assert client.get(f"/channels/mailboxes/{mailbox_id}").json()["name"] == "Πωλήσεις"
    entry = AuditLogEntry.objects.filter(action="mailbox.update").order_by("id").first()
    assert entry is not None
    assert entry.data["fields"] == ["name", "team_id"]


@pytest.mark.parametrize(("body", "field"), [
    ({**MAILBOX, "address": "not-an-address"}, "address"),
    ({**MAILBOX, "imap_security": "none"}, "imap_security"),
    ({**MAILBOX, "imap_password": ""}, "imap_password"),
    ({**MAILBOX, "imap_folder": "INBOX\r\nA1 LOGOUT"}, "imap_folder"),
    ({**MAILBOX, "team_id": 987654}, "team_id"),
])
def test_mailbox_bad_input_is_a_422(api_as: ApiAs, admin, body, field) -> None:
    response = api_as(admin).post("/channels/mailboxes", body)
    assert response.status_code == 422
    assert (response.json()["error"], response.json()["field"]) == ("mailbox_invalid", field)
    assert not Mailbox.objects.exists()


def test_mailbox_schema_errors_and_unknown_ids(api_as: ApiAs, admin) -> None:
    client = api_as(admin)
    assert client.post("/channels/mailboxes", {**MAILBOX, "imap_port": 70_000}
                       ).status_code == 422
    client.post("/channels/mailboxes", MAILBOX)
    duplicate = client.post("/channels/mailboxes", {**MAILBOX, "address": "sales@example.com"})
    assert (duplicate.status_code, duplicate.json()["field"]) == (422, "address")
    for response in (client.get("/channels/mailboxes/987654"),
                     client.patch("/channels/mailboxes/987654", {"name": "x"})):
        assert (response.status_code, response.json()["error"]) == (404, "mailbox_not_found")


@pytest.mark.parametrize("count", [1, 6])
def test_mailbox_list_query_count_is_constant(api_as: ApiAs, admin, count) -> None:
    team = team_create(actor=admin, name="پشتیبانی")
    for number in range(count):
        mailbox_create(actor=admin, name=f"صندوق {number}", address=f"box{number}@example.com",
                       team_id=team.pk)
    client = api_as(admin)
    with CaptureQueriesContext(connection) as queries:
        assert len(client.get("/channels/mailboxes").json()["items"]) == count
    assert len(queries) == 3  # the token with its agent, its last use, the mailboxes


# --- calls ---------------------------------------------------------------------------------


CALL = {"direction": "inbound", "number": "+98 912 123 4567", "duration_seconds": 245,
        "outcome": "resolved", "notes": FA_NOTES}


@pytest.mark.parametrize("role", ROLES)
def test_agents_log_calls(api_as: ApiAs, people, role) -> None:
    conversation = phone_conversation(people["agent"])
    client = api_as(people[role])
    response = client.post("/calls", {**CALL, "conversation_id": conversation.pk})
    if role == "analyst":
        assert response.status_code == 403
        assert not PhoneCall.objects.exists()
        assert Message.objects.count() == 1
        return
    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["duration_seconds"], body["outcome"]) == (
        "+989121234567", 245, "resolved")
    assert body["recordings"] == []
    call = PhoneCall.objects.get()
    upload = SimpleUploadedFile("تماس.ogg", b"OggS\x00\x02", content_type="audio/ogg")
    recording = client.client.post(f"/api/v1/calls/{call.pk}/recording", {"file": upload},
                                   headers=client.headers)
    assert recording.status_code == 201
    assert recording.json()["content_type"] == "audio/ogg"


def test_a_call_for_a_customer_opens_a_conversation(api_as: ApiAs, agent) -> None:
    customer_id = phone_conversation(agent).customer_id
    response = api_as(agent).post("/calls", {**CALL, "customer_id": customer_id,
                                             "direction": "outbound"})
    assert response.status_code == 201
    conversation = Conversation.objects.get(pk=response.json()["conversation_id"])
    assert (conversation.channel, conversation.customer_id) == ("phone", customer_id)


def test_call_errors(api_as: ApiAs, agent) -> None:
    client = api_as(agent)
    conversation = phone_conversation(agent)
    schema = client.post("/calls", {**CALL, "conversation_id": conversation.pk,
                                    "duration_seconds": -5})
    assert (schema.status_code, schema.json()["error"]) == (422, "validation_error")
    number = client.post("/calls", {**CALL, "conversation_id": conversation.pk,
                                    "number": "call me maybe"})
    assert (number.status_code, number.json()["error"], number.json()["field"]) == (
        422, "call_invalid", "number")
    nowhere = client.post("/calls", CALL)
    assert (nowhere.status_code, nowhere.json()["field"]) == (422, "conversation_id")
    unknown = client.post("/calls", {**CALL, "conversation_id": 987654})
    assert (unknown.status_code, unknown.json()["error"]) == (404, "conversation_not_found")
    upload = SimpleUploadedFile("a.ogg", b"OggS", content_type="audio/ogg")
    missing = client.client.post("/api/v1/calls/987654/recording", {"file": upload},
                                 headers=client.headers)
    assert (missing.status_code, missing.json()["error"]) == (404, "call_not_found")
    call = call_log(actor=agent, conversation_id=conversation.pk, customer_id=None,
                    direction="inbound", number="+989121234567", duration_seconds=1,
                    outcome="answered")
    page = SimpleUploadedFile("a.html", b"<script>", content_type="text/html")
    refused = client.client.post(f"/api/v1/calls/{call.pk}/recording", {"file": page},
                                 headers=client.headers)
    assert (refused.status_code, refused.json()["field"]) == (422, "recording")
    assert not Message.objects.get(pk=call.message_id).attachments.exists()
    assert not PhoneCall.objects.exclude(pk=call.pk).exists()
