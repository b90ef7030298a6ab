"""Feedback to product through the services and the API: survey comments and conversations
filed as items (a customer counts once per item, with their lifetime value), product's
statuses, and the shipped notice sent exactly once to exactly the customers who asked, on
their channel (a real SMTP server) and in their language; refused roles change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from mehvar.accounts.models import Agent
from mehvar.channels.models import Mailbox, OutboundMessage
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.conversations import (
    conversation_set_status,
    conversation_set_tags,
)
from mehvar.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.customers.segment_services import segment_create
from mehvar.customers.services import customer_update
from mehvar.customers.value_services import order_record
from mehvar.feedback.links import invitation_token
from mehvar.feedback.models import FeedbackAsker, FeedbackComment, FeedbackItem, Invitation
from mehvar.feedback.product import (
    feedback_item_attach,
    feedback_item_create,
    feedback_item_set_status,
    feedback_item_update,
    product_area_save,
)
from mehvar.feedback.services import response_record, survey_save
from tests.channels.test_email_flow import Recorder, customer_mail, receive

pytestmark = pytest.mark.django_db(transaction=True)

FA = "لطفاً امکان پرداخت قسطی را اضافه کنید."
AR = "نتمنى إضافة الدفع بالتقسيط في التطبيق."
EL = "Θα θέλαμε πληρωμή με δόσεις στην εφαρμογή."


@pytest.fixture
def csat(admin: Agent, settings: Any) -> Any:
    settings.MEHVAR_PUBLIC_URL = "http://testserver"
    settings.MEHVAR_SURVEY_FATIGUE_DAYS = 0
    return survey_save(actor=admin, name="رضایت", kind="csat")


def answered(agent: Agent, mailbox: Mailbox, *, sender: str, comment: str,
             number: int) -> Any:
    """A solved e-mail conversation whose customer answered the survey with a comment."""
    envelope = receive(customer_mail(sender=sender, subject=f"سفارش {number}",
                                     message_id=f"p{number}@x", body=comment), mailbox)
    conversation = Conversation.objects.get(pk=envelope.conversation_id)
    conversation_set_status(actor=agent, conversation=conversation, status="solved")
    invitation = Invitation.objects.get(conversation_id=conversation.pk)
    return response_record(token=invitation_token(invitation.pk), score=3, comment=comment)


@pytest.fixture
def three(agent: Agent, mailbox: Mailbox, csat: Any, supervisor: Agent) -> list[Any]:
    answers = [answered(agent, mailbox, sender="Leila <leila@example.ir>", comment=FA,
                        number=1),
               answered(agent, mailbox, sender="Noor <noor@example.sa>", comment=AR,
                        number=2),
               answered(agent, mailbox, sender="Eleni <eleni@example.gr>", comment=EL,
                        number=3)]
    for response, amount in zip(answers, ("120.50", "80.00", "10.25"), strict=True):
        order_record(actor=supervisor, customer=response.customer, amount=amount,
                     ordered_at=datetime(2026, 1, 5, tzinfo=UTC))
    return answers


def test_filing_counts_each_customer_once_with_their_value(three: list[Any], agent: Agent,
                                                           admin: Agent) -> None:
    area = product_area_save(actor=admin, name="پرداخت")
    item = feedback_item_create(actor=agent, title="Πληρωμή με δόσεις", area_id=area.pk,
                                response_id=three[0].pk)
    feedback_item_attach(actor=agent, item_id=item.pk, response_id=three[1].pk)
    # The first customer again, through their conversation: a second comment, not a second
    # customer.
    feedback_item_attach(actor=agent, item_id=item.pk, conversation_id=three[0].conversation_id)
    assert FeedbackComment.objects.filter(item=item).count() == 3
    assert sorted(FeedbackAsker.objects.filter(item=item).values_list("customer_id", flat=True)
                  ) == sorted([three[0].customer_id, three[1].customer_id])
    comment = FeedbackComment.objects.get(item=item, source="conversation")
    assert (comment.text, comment.language) == (FA, "fa")
    events = TimelineEvent.objects.filter(verb="feedback.filed").order_by("pk")
    assert [(event.customer_id, event.after["counted"]) for event in events] == [
        (three[0].customer_id, True), (three[1].customer_id, True),
        (three[0].customer_id, False)]
    with pytest.raises(Conflict) as caught:
        feedback_item_attach(actor=agent, item_id=item.pk, response_id=three[1].pk)
    assert caught.value.code == "feedback_already_filed"


def test_shipping_tells_exactly_the_customers_who_asked_once(
        three: list[Any], agent: Agent, supervisor: Agent, smtp: Recorder) -> None:
    # Given two customers asking (the third answered but did not ask), one of whom refused
    # product news after asking
    item = feedback_item_create(actor=agent, title="پرداخت قسطی", response_id=three[0].pk)
    feedback_item_attach(actor=agent, item_id=item.pk, response_id=three[1].pk)
    feedback_item_attach(actor=agent, item_id=item.pk, response_id=three[2].pk)
    customer_update(actor=agent, customer=three[2].customer,
                    consent={"product_updates": False})
    before = len(smtp.messages)
    # When product marks it planned, then shipped, then shipped again after a detour
    feedback_item_set_status(actor=supervisor, item_id=item.pk, status="planned")
    assert len(smtp.messages) == before
    feedback_item_set_status(actor=supervisor, item_id=item.pk, status="shipped")
    feedback_item_set_status(actor=supervisor, item_id=item.pk, status="under_review")
    feedback_item_set_status(actor=supervisor, item_id=item.pk, status="shipped")
    # Then exactly the two who asked and allow news got one notice each, in their language
    notices = OutboundMessage.objects.filter(kind="product_update")
    assert sorted(notices.values_list("recipient", flat=True)) == [
        "leila@example.ir", "noor@example.sa"]
    sent = {message["To"]: message.get_body(("plain",)).get_content()
            for message in smtp.messages[before:]}
    assert sorted(sent) == ["leila@example.ir", "noor@example.sa"]
    for address, language in (("leila@example.ir", "fa"), ("noor@example.sa", "ar")):
        with translation.override(language):
            expected = gettext("Good news: what you asked us for is now available: "
                               "%(title)s. Thank you for telling us.") % {"title": "پرداخت قسطی"}
        assert sent[address].strip() == expected
    told = FeedbackAsker.objects.filter(item=item, notified_at__isnull=False)
    assert sorted(told.values_list("customer_id", flat=True)) == sorted(
        [three[0].customer_id, three[1].customer_id])
    assert TimelineEvent.objects.filter(verb="feedback.shipped_told").count() == 2
    assert FeedbackItem.objects.get().shipped_at is not None


@pytest.mark.parametrize("role", ["analyst"])
def test_refused_filing_changes_nothing(role: str, request: Any, three: list[Any]) -> None:
    who = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        feedback_item_create(actor=who, title="x", response_id=three[0].pk)
    assert not FeedbackItem.objects.exists()
    assert not TimelineEvent.objects.filter(verb="feedback.filed").exists()


@pytest.mark.parametrize("role", ["analyst", "agent"])
def test_only_product_deciders_change_the_status(role: str, request: Any, three: list[Any],
                                                 agent: Agent) -> None:
    item = feedback_item_create(actor=agent, title="Δόσεις", response_id=three[0].pk)
    with pytest.raises(PermissionDenied):
        feedback_item_set_status(actor=request.getfixturevalue(role), item_id=item.pk,
                                 status="shipped")
    item.refresh_from_db()
    assert (item.status, item.shipped_at) == ("new", None)
    assert not OutboundMessage.objects.filter(kind="product_update").exists()


def test_bad_filing(three: list[Any], agent: Agent, admin: Agent) -> None:
    with pytest.raises(Invalid) as caught:
        feedback_item_create(actor=agent, title="  ")
    assert caught.value.field == "title"
    with pytest.raises(NotFound):
        feedback_item_create(actor=agent, title="x", response_id=999_999)
    with pytest.raises(Invalid):
        feedback_item_create(actor=agent, title="x", area_id=999_999)
    with pytest.raises(Invalid):
        feedback_item_create(actor=agent, title="x", response_id=three[0].pk,
                             conversation_id=three[0].conversation_id)
    with pytest.raises(NotFound):
        feedback_item_attach(actor=agent, item_id=999_999, response_id=three[0].pk)
    with pytest.raises(PermissionDenied):
        product_area_save(actor=agent, name="Εφαρμογή")
    product_area_save(actor=admin, name="Εφαρμογή")
    with pytest.raises(Conflict):
        product_area_save(actor=admin, name="Εφαρμογή")
    assert not FeedbackItem.objects.exists()


# --- API -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("analyst", 403), ("agent", 201),
                                              ("supervisor", 201), ("admin", 201)])
def test_api_create_permissions(role: str, status: int, request: Any, api_as: Any,
                                three: list[Any]) -> None:
    response = api_as(request.getfixturevalue(role)).post("/feedback-items", {
        "title": "پرداخت قسطی", "response_id": three[0].pk})
    assert response.status_code == status
    assert FeedbackItem.objects.count() == (1 if status == 201 else 0)


def test_api_item_flow(api_as: Any, agent: Agent, supervisor: Agent, analyst: Agent,
                       admin: Agent, three: list[Any]) -> None:
    area = api_as(admin).post("/product-areas", {"name": "پرداخت"}).json()
    created = api_as(agent).post("/feedback-items", {
        "title": "پرداخت قسطی", "area_id": area["id"], "response_id": three[0].pk})
    assert created.status_code == 201
    body = created.json()
    assert (body["customer_count"], body["customer_value"], body["area"]["name"]) == (
        1, "120.50", "پرداخت")
    item_id = body["id"]
    attached = api_as(agent).post(f"/feedback-items/{item_id}/comments",
                                  {"response_id": three[1].pk})
    assert attached.status_code == 201
    assert attached.json()["text"] == AR
    again = api_as(agent).post(f"/feedback-items/{item_id}/comments",
                               {"response_id": three[1].pk})
    assert (again.status_code, again.json()["error"]) == (409, "feedback_already_filed")
    shown = api_as(analyst).get(f"/feedback-items/{item_id}").json()
    assert (shown["customer_count"], shown["customer_value"]) == (2, "200.50")
    assert [comment["text"] for comment in shown["comments"]] == [FA, AR]
    assert api_as(agent).post(f"/feedback-items/{item_id}/status",
                              {"status": "planned"}).status_code == 403
    planned = api_as(supervisor).post(f"/feedback-items/{item_id}/status",
                                      {"status": "planned"})
    assert planned.json()["status"] == "planned"
    assert api_as(supervisor).post(f"/feedback-items/{item_id}/status",
                                   {"status": "done"}).status_code == 422
    listed = api_as(analyst).get("/feedback-items", status="planned").json()
    assert [item["id"] for item in listed["items"]] == [item_id]
    assert api_as(None).get("/feedback-items").status_code == 401


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "/feedback-items/999999", None),
    ("post", "/feedback-items/999999/comments", {"response_id": 1}),
    ("post", "/feedback-items/999999/status", {"status": "planned"})])
def test_api_unknown_item(method: str, path: str, body: Any, api_as: Any,
                          supervisor: Agent) -> None:
    client = api_as(supervisor)
    response = client.get(path) if method == "get" else client.post(path, body)
    assert (response.status_code, response.json()["error"]) == (404,
                                                                "feedback_item_not_found")


@pytest.mark.parametrize("body", [{"title": ""}, {"title": "x" * 201},
                                  {"title": "x", "area_id": 0}, {"title": "a\u0000b"}])
def test_api_bad_item_is_422(body: dict[str, Any], api_as: Any, agent: Agent) -> None:
    assert api_as(agent).post("/feedback-items", body).status_code == 422
    assert not FeedbackItem.objects.exists()


def test_list_and_detail_queries_do_not_grow(api_as: Any, agent: Agent, analyst: Agent,
                                             three: list[Any],
                                             django_assert_num_queries: Any) -> None:
    client = api_as(analyst)
    client.get("/feedback-items")  # the token's first use writes last_used_at
    for size in (1, 3):
        while FeedbackItem.objects.count() < size:
            item = feedback_item_create(actor=agent, title="Δόσεις", response_id=three[0].pk)
            for response in three[1:size]:
                feedback_item_attach(actor=agent, item_id=item.pk, response_id=response.pk)
        with django_assert_num_queries(2):  # the token, the items with their figures
            assert len(client.get("/feedback-items").json()["items"]) == size
        with django_assert_num_queries(4):  # the token, the item, its comments, its askers
            assert client.get(f"/feedback-items/{item.pk}").json()["customer_count"] == size


def test_pages(three: list[Any], agent: Agent, analyst: Agent, supervisor: Agent) -> None:
    client = Client()
    client.force_login(agent)
    filed = client.post("/feedback/file", {"response": three[0].pk,
                                            "title": "پرداخت قسطی"})
    item = FeedbackItem.objects.get()
    assert filed.status_code == 302
    assert filed["Location"] == f"/feedback/{item.pk}"
    attached = client.post("/feedback/file", {"conversation": three[1].conversation_id,
                                               "item": item.pk})
    assert attached.status_code == 302
    board = client.get("/feedback?sort=value").content.decode()
    assert "پرداخت قسطی" in board
    assert EL in board  # the third comment waits to be filed
    page = client.get(f"/feedback/{item.pk}").content.decode()
    assert FA in page
    assert AR in page
    assert client.post(f"/feedback/{item.pk}/status", {"status": "shipped"}).status_code == 403
    assert client.get("/feedback/999999").status_code == 404
    bad = client.post("/feedback/file", {"response": three[2].pk, "title": ""})
    assert bad.status_code == 400
    assert FeedbackItem.objects.count() == 1
    lead = Client()
    lead.force_login(supervisor)
    assert lead.post(f"/feedback/{item.pk}/status", {"status": "shipped"}).status_code == 302
    assert FeedbackItem.objects.get().status == "shipped"
    reader = Client()
    reader.force_login(analyst)
    assert reader.get("/feedback/file?response=1").status_code == 403
    figures = reader.get("/feedback/figures?kind=csat&group_by=agent").content.decode()
    assert f"/conversations/{three[0].conversation_id}" in figures
    for group in ("team", "channel", "segment", "none"):
        assert reader.get(f"/feedback/figures?group_by={group}").status_code == 200
    segment_create(actor=supervisor, name="پاسخ‌دهندگان", match="all",
                   conditions=[{"field": "satisfaction", "op": "gte", "value": 0}])
    by_segment = reader.get("/feedback/figures?kind=csat&group_by=segment").content.decode()
    assert "پاسخ‌دهندگان" in by_segment


def test_deciders_edit_an_item_and_agents_cannot(three: list[Any], agent: Agent,
                                                 supervisor: Agent, admin: Agent,
                                                 api_as: Any) -> None:
    item = feedback_item_create(actor=agent, title="Δόσεις", response_id=three[0].pk)
    area = api_as(admin).post("/product-areas", {"name": "Πληρωμές"}).json()
    with pytest.raises(PermissionDenied):
        feedback_item_update(actor=agent, item_id=item.pk, title="άλλο")
    changed = feedback_item_update(actor=supervisor, item_id=item.pk,
                                   title="  پرداخت   قسطی ", area_id=area["id"])
    assert (changed.title, changed.area_id) == ("پرداخت قسطی", area["id"])
    with pytest.raises(Invalid):
        feedback_item_update(actor=supervisor, item_id=item.pk, area_id=999_999)
    with pytest.raises(NotFound):
        feedback_item_update(actor=supervisor, item_id=999_999, title="x")

    cleared = api_as(supervisor).patch(f"/feedback-items/{item.pk}",
                                       {"clear_area": True, "description": "Σε δόσεις"})
    assert cleared.status_code == 200
    assert (cleared.json()["area"], cleared.json()["description"]) == (None, "Σε δόσεις")
    assert api_as(agent).patch(f"/feedback-items/{item.pk}", {"title": "x"}).status_code == 403
    assert api_as(supervisor).patch(f"/feedback-items/{item.pk}",
                                    {"title": ""}).status_code == 422

    page = Client()
    page.force_login(supervisor)
    assert 'name="title"' in page.get(f"/feedback/{item.pk}").content.decode()
    edited = page.post(f"/feedback/{item.pk}/edit", {"title": "Instalments", "description": "",
                                                      "area": str(area["id"])})
    assert edited.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.area_id) == ("Instalments", area["id"])
    refused = Client()
    refused.force_login(agent)
    assert refused.post(f"/feedback/{item.pk}/edit", {"title": "x"}).status_code == 403


def test_the_board_lists_conversations_tagged_as_feedback(three: list[Any], agent: Agent,
                                                          settings: Any) -> None:
    conversation = Conversation.objects.get(pk=three[0].conversation_id)
    conversation_set_tags(actor=agent, conversation=conversation,
                          tags=[settings.MEHVAR_FEEDBACK_TAG])
    client = Client()
    client.force_login(agent)
    board = client.get("/feedback").content.decode()
    assert f"/feedback/file?conversation={conversation.pk}" in board
