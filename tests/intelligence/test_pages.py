"""The intelligence on the pages: badges and the one-click correction on the conversation,
the risk panel, the inbox filters, the customer's sentiment trend, and the intents and
models admin pages with their permissions."""

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
from tests.web.helpers import browser

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fresh_models() -> Any:
    forget_loaded()
    yield
    forget_loaded()


def greek_conversation(agent: Agent, text: str = "Το προϊόν ήρθε σπασμένο, απαράδεκτο!",
                       phone: str = "+302101234567") -> Any:
    item = conversation_create(actor=agent, subject="Παραγγελία 7781", channel=Channel.SMS,
                               text=text, identity_kind="phone", identity_value=phone,
                               customer_name="Νίκος Παπαδόπουλος")
    backfill()
    return item


def test_the_conversation_shows_badges_and_an_agent_corrects_in_one_click(
    agent: Agent, analyst: Agent, supervisor: Agent,
) -> None:
    intent_create(actor=supervisor, name="damaged", label="Χαλασμένο προϊόν")
    item = greek_conversation(agent)
    insight = MessageInsight.objects.get(conversation_id=item.pk)
    page = browser(agent).get(f"/conversations/{item.pk}").content.decode()
    assert f'id="insight-{insight.message_id}"' in page
    assert f"mood-{insight.sentiment}" in page
    assert "Χαλασμένο προϊόν" in page  # the intents to correct with

    url = f"/conversations/{item.pk}/messages/{insight.message_id}/insight"
    swapped = browser(agent).post(url, {"sentiment": "negative"}, headers=HTMX)
    assert swapped.status_code == 200
    assert "mood-negative" in swapped.content.decode()
    assert MessageInsight.objects.get(pk=insight.pk).corrected_sentiment == "negative"
    chosen = browser(agent).post(url, {"intent": "damaged"})
    assert chosen.status_code == 302
    assert MessageInsight.objects.get(pk=insight.pk).corrected_intent == "damaged"

    refused = browser(analyst).post(url, {"sentiment": "positive"}, headers=HTMX)
    assert refused.status_code == 403
    assert MessageInsight.objects.get(pk=insight.pk).corrected_sentiment == "negative"
    assert "insight-correct" not in browser(analyst).get(f"/conversations/{item.pk}") \
        .content.decode()
    bad = browser(agent).post(url, {"sentiment": "furious"}, headers=HTMX)
    assert bad.status_code == 422
    assert 'role="alert"' in bad.content.decode()


def test_inbox_filters_by_sentiment_and_intent(agent: Agent) -> None:
    angry = greek_conversation(agent)
    calm = greek_conversation(agent, text="Καλησπέρα, πότε ανοίγει το κατάστημα;",
                              phone="+302107654321")
    for item, label in ((angry, "negative"), (calm, "neutral")):
        message_id = MessageInsight.objects.get(conversation_id=item.pk).message_id
        browser(agent).post(f"/conversations/{item.pk}/messages/{message_id}/insight",
                            {"sentiment": label})
    client = browser(agent)
    negative = client.get("/inbox", {"view": "open", "sentiment": "negative"})
    assert [row.pk for row in negative.context["page"].items] == [angry.pk]
    assert "mood-negative" in negative.content.decode()
    neutral = client.get("/inbox", {"view": "open", "sentiment": "neutral"})
    assert [row.pk for row in neutral.context["page"].items] == [calm.pk]
    tabs = client.get("/inbox", {"view": "open", "sentiment": "negative", "fragment": "tabs"})
    assert tabs.status_code == 200
    assert client.get("/inbox", {"sentiment": "furious"}).status_code == 400
    assert client.get("/inbox", {"risk_level": "extreme"}).status_code == 400
    assert client.get("/inbox", {"view": "open", "intent": "unknown"}).context["page"] \
        .items == []


def test_the_customer_page_shows_the_sentiment_trend(agent: Agent) -> None:
    item = greek_conversation(agent)
    page = browser(agent).get(f"/customers/{item.customer_id}").content.decode()
    assert "trend-bar" in page


@pytest.mark.parametrize(("role", "may_create"), [("analyst", False), ("agent", False),
                                                  ("supervisor", True)])
def test_intents_page(role: str, may_create: bool, request: Any) -> None:
    who = request.getfixturevalue(role)
    client = browser(who)
    page = client.get("/intelligence/intents")
    assert page.status_code == 200
    assert ('name="examples"' in page.content.decode()) is may_create
    created = client.post("/intelligence/intents", {
        "name": "refund", "label": "بازپرداخت",
        "examples": "پولم را پس بدهید\nأريد استرداد المبلغ\n\n", "tag": "refund"})
    assert created.status_code == (302 if may_create else 403)
    assert Intent.objects.count() == (1 if may_create else 0)
    if may_create:
        intent = Intent.objects.get()
        assert intent.examples == ["پولم را پس بدهید", "أريد استرداد المبلغ"]
        edit = client.post(f"/intelligence/intents/{intent.pk}", {
            "label": "Refund", "examples": "refund", "tag": ""})
        assert edit.status_code == 302
        intent.refresh_from_db()
        assert (intent.label, intent.is_active) == ("Refund", False)
        bad = client.post("/intelligence/intents", {"name": "Bad Code", "label": "x"})
        assert bad.status_code == 400
        assert client.get("/intelligence/intents/999999").status_code == 404


def test_models_page_trains_and_rolls_back(admin: Agent, supervisor: Agent,
                                           agent: Agent) -> None:
    for name, examples in (("refund", "refund please\nپولم را پس بدهید\nأريد استرداد المبلغ"),
                           ("delivery", "where is my parcel\nسفارشم نرسیده\nΠού είναι;")):
        browser(supervisor).post("/intelligence/intents",
                                 {"name": name, "label": name, "examples": examples})
    assert browser(agent).get("/intelligence/models").status_code == 403
    page = browser(supervisor).get("/intelligence/models")
    assert page.status_code == 200
    assert 'value="train"' not in page.content.decode()
    assert browser(supervisor).post("/intelligence/models/action",
                                    {"action": "train", "task": "intent"}).status_code == 403
    client = browser(admin)
    trained = client.post("/intelligence/models/action", {"action": "train", "task": "intent"})
    assert trained.status_code == 302
    assert "notice=trained" in trained["Location"]
    client.post("/intelligence/models/action", {"action": "train", "task": "intent"})
    first = TrainedModel.objects.get(version=1)
    client.post("/intelligence/models/action", {"action": "activate", "model": first.pk})
    assert TrainedModel.objects.get(is_active=True).version == 1
    listing = client.get("/intelligence/models").content.decode()
    assert "Use this version" in listing
    refused = client.post("/intelligence/models/action",
                          {"action": "train", "task": "satisfaction"})
    assert refused.status_code == 400
    assert client.post("/intelligence/models/action",
                       {"action": "activate", "model": "999999"}).status_code == 404
