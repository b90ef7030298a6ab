"""The feedback API: surveys (admins), sending by hand (agents), responses and figures
(everyone who reads insights), bad input and unknown ids."""

from __future__ import annotations

from typing import Any

import pytest

from mehvar.accounts.models import Agent
from mehvar.conversations.services.conversations import conversation_create
from mehvar.feedback.links import invitation_token
from mehvar.feedback.models import Invitation, Survey
from mehvar.feedback.services import response_record, survey_save
from tests.channels.test_email_flow import Recorder, customer_mail, receive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("role", "status"), [("analyst", 403), ("agent", 403),
                                              ("supervisor", 403), ("admin", 201)])
def test_only_admins_create_surveys(role: str, status: int, api_as: Any,
                                    request: Any) -> None:
    who = request.getfixturevalue(role)
    response = api_as(who).post("/surveys", {
        "name": "Ικανοποίηση", "kind": "csat",
        "texts": {"el": {"question": "Πόσο ικανοποιημένοι είστε;"}}})
    assert response.status_code == status
    assert Survey.objects.count() == (1 if status == 201 else 0)
    if status == 201:
        assert response.json()["texts"] == {"el": {"question": "Πόσο ικανοποιημένοι είστε;"}}
    assert api_as(who).get("/surveys").status_code == 200


@pytest.mark.parametrize("body", [
    {"name": "x", "kind": "stars"}, {"name": "", "kind": "nps"},
    {"name": "x", "kind": "nps", "trigger": "hourly"},
    {"name": "x", "kind": "nps", "texts": {"de": {"question": "?"}}},
    {"name": "x", "kind": "nps", "texts": {"fa": {"question": "x" * 501}}},
    {"name": "a\u0000b", "kind": "nps"}])
def test_bad_surveys_are_a_422(body: dict[str, Any], admin: Agent, api_as: Any) -> None:
    assert api_as(admin).post("/surveys", body).status_code == 422
    assert not Survey.objects.exists()


def test_update_unknown_survey_and_kind_change(admin: Agent, api_as: Any) -> None:
    client = api_as(admin)
    assert client.put("/surveys/999999", {"name": "x", "kind": "nps"}).json()["error"] == (
        "survey_not_found")
    created = client.post("/surveys", {"name": "NPS", "kind": "nps"}).json()
    changed = client.put(f"/surveys/{created['id']}", {"name": "NPS ۲", "kind": "nps",
                                                        "is_active": False})
    assert changed.status_code == 200
    assert changed.json()["is_active"] is False


def test_sending_by_hand_and_the_figures(smtp: Recorder, mailbox: Any, agent: Agent,
                                         analyst: Agent, admin: Agent, api_as: Any,
                                         settings: Any) -> None:
    settings.MEHVAR_PUBLIC_URL = "http://testserver"
    survey = survey_save(actor=admin, name="NPS", kind="nps", trigger="manual")
    envelope = receive(customer_mail(sender="nora@example.sa", subject="فاتورة",
                                     message_id="api1@x", body="لم تصل الفاتورة"), mailbox)
    path = f"/conversations/{envelope.conversation_id}/survey"
    assert api_as(analyst).post(path, {"survey_id": survey.pk}).status_code == 403
    sent = api_as(agent).post(path, {"survey_id": survey.pk})
    assert sent.status_code == 201
    assert sent.json()["channel"] == "email"
    again = api_as(agent).post(path, {"survey_id": survey.pk})
    assert (again.status_code, again.json()["error"]) == (409, "survey_not_deliverable")
    assert api_as(agent).post(path, {"survey_id": 999_999}).status_code == 404
    assert api_as(agent).post("/conversations/999999/survey",
                              {"survey_id": survey.pk}).status_code == 404
    # A chat conversation has no way to carry a link later.
    chat = conversation_create(actor=agent, subject="چت", channel="webchat", text="سلام",
                               identity_kind="webchat", identity_value="visitor-1")
    refused = api_as(agent).post(f"/conversations/{chat.pk}/survey", {"survey_id": survey.pk})
    assert refused.status_code == 409
    response_record(token=invitation_token(Invitation.objects.get().pk), score=10,
                    comment="خدمة ممتازة")
    figures = api_as(analyst).get("/surveys/figures", kind="nps")
    assert figures.json()["items"] == [{"group": None, "responses": 1, "value": 100.0}]
    answers = api_as(analyst).get("/survey-responses",
                                  conversation_id=envelope.conversation_id).json()
    assert [item["score"] for item in answers["items"]] == [10]
    assert api_as(analyst).get("/surveys/figures", kind="stars").status_code == 422
    assert api_as(None).get("/surveys/figures", kind="nps").status_code == 401
