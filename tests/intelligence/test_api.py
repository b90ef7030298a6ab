"""The intelligence API: insights of a conversation, one-click corrections (agents), intents
(supervisors), model versions (supervisors read, admins train and roll back), bad input and
unknown ids."""

from __future__ import annotations

from typing import Any

import pytest

from mehvar.accounts.models import Agent
from mehvar.conversations.models import Channel
from mehvar.conversations.services.conversations import conversation_create
from mehvar.intelligence.enrichment import backfill
from mehvar.intelligence.models import Intent, MessageInsight, TrainedModel
from mehvar.intelligence.services import intent_create
from mehvar.intelligence.store import forget_loaded

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_models() -> Any:
    forget_loaded()
    yield
    forget_loaded()


def conversation(agent: Agent) -> Any:
    return conversation_create(actor=agent, subject="الفاتورة", channel=Channel.SMS,
                               text="تم خصم المبلغ مرتين من بطاقتي، أرجو الاسترداد",
                               identity_kind="phone", identity_value="+971501234567",
                               customer_name="سارة")


@pytest.mark.parametrize(("role", "status"), [("analyst", 403), ("agent", 403),
                                              ("supervisor", 201), ("admin", 201)])
def test_supervisors_define_intents(role: str, status: int, api_as: Any, request: Any) -> None:
    who = request.getfixturevalue(role)
    response = api_as(who).post("/intents", {
        "name": "billing", "label": "صورت‌حساب", "examples": ["تم خصم المبلغ مرتين",
                                                           "Με χρέωσαν δύο φορές"]})
    assert response.status_code == status
    assert Intent.objects.count() == (1 if status == 201 else 0)
    listed = api_as(who).get("/intents")
    assert listed.status_code == 200
    if status == 201:
        body = response.json()
        assert (body["name"], body["label"]) == ("billing", "صورت‌حساب")
        changed = api_as(who).patch(f"/intents/{body['id']}", {"is_active": False})
        assert changed.json()["is_active"] is False
        assert api_as(who).get(f"/intents/{body['id']}").json()["examples"][1] == \
            "Με χρέωσαν δύο φορές"


@pytest.mark.parametrize("body", [
    {"name": "Billing", "label": "x"}, {"name": "billing", "label": ""},
    {"name": "billing", "label": "x", "examples": ["x" * 1001]},
    {"name": "billing", "label": "x", "examples": "not a list"},
    {"name": "billing", "label": "a\u0000b"}, {"label": "x"}])
def test_bad_intents_are_422(body: dict[str, Any], supervisor: Agent, api_as: Any) -> None:
    response = api_as(supervisor).post("/intents", body)
    assert response.status_code == 422
    assert "error" in response.json()
    assert not Intent.objects.exists()


def test_duplicate_and_unknown_intents(supervisor: Agent, api_as: Any) -> None:
    client = api_as(supervisor)
    assert client.post("/intents", {"name": "refund", "label": "x"}).status_code == 201
    again = client.post("/intents", {"name": "refund", "label": "y"})
    assert (again.status_code, again.json()["error"]) == (409, "intent_exists")
    missing = client.get("/intents/999999")
    assert (missing.status_code, missing.json()["error"]) == (404, "intent_not_found")
    assert client.patch("/intents/999999", {"label": "x"}).status_code == 404


def test_insights_and_corrections(agent: Agent, analyst: Agent, api_as: Any) -> None:
    item = conversation(agent)
    backfill()
    message_id = MessageInsight.objects.get(conversation_id=item.pk).message_id
    body = api_as(analyst).get(f"/conversations/{item.pk}/insights").json()
    assert body["conversation"]["conversation_id"] == item.pk
    [message] = body["messages"]
    assert (message["message_id"], message["language"]) == (message_id, "ar")
    assert message["model_versions"]["sentiment"] == "sentiment-ar starter"

    path = f"/conversations/{item.pk}/messages/{message_id}/insight"
    assert api_as(analyst).post(path, {"sentiment": "negative"}).status_code == 403
    corrected = api_as(agent).post(path, {"sentiment": "negative"})
    assert corrected.status_code == 200
    assert corrected.json()["corrected_sentiment"] == "negative"
    assert api_as(agent).post(path, {"sentiment": "furious"}).status_code == 422
    unknown = api_as(agent).post(f"/conversations/{item.pk}/messages/999999/insight",
                                 {"sentiment": "neutral"})
    assert (unknown.status_code, unknown.json()["error"]) == (404, "insight_not_found")
    gone = api_as(agent).get("/conversations/999999/insights")
    assert gone.status_code == 404


def test_models_train_list_and_roll_back(agent: Agent, supervisor: Agent, admin: Agent,
                                         api_as: Any) -> None:
    intent_create(actor=supervisor, name="refund", label="Refund",
                  examples=["refund please", "پولم را پس بدهید", "أريد استرداد المبلغ"])
    intent_create(actor=supervisor, name="delivery", label="Delivery",
                  examples=["where is my parcel", "سفارشم نرسیده", "Πού είναι το δέμα μου;"])
    assert api_as(supervisor).post("/models", {"task": "intent"}).status_code == 403
    first = api_as(admin).post("/models", {"task": "intent"})
    assert first.status_code == 201
    second = api_as(admin).post("/models", {"task": "intent"}).json()
    assert (second["version"], second["is_active"]) == (2, True)
    listed = api_as(supervisor).get("/models", task="intent").json()["items"]
    assert [item["version"] for item in listed] == [2, 1]
    assert "blob" not in listed[0]
    assert api_as(agent).get("/models").status_code == 403
    rolled = api_as(admin).post(f"/models/{first.json()['id']}/activate")
    assert rolled.json()["is_active"] is True
    assert TrainedModel.objects.get(is_active=True).version == 1
    assert api_as(admin).post("/models/999999/activate").status_code == 404
    assert api_as(admin).post("/models", {"task": "horoscope"}).status_code == 422
    too_little = api_as(admin).post("/models", {"task": "satisfaction"})
    assert (too_little.status_code, too_little.json()["error"]) == (
        422, "not_enough_training_data")
    stopped = api_as(admin).post(f"/models/{first.json()['id']}/deactivate")
    assert stopped.json()["is_active"] is False
