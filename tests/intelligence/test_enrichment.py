"""Enrichment end to end: a new message is analysed in the background once its transaction
commits (language, sentiment, emotion, intent, with the model versions), the conversation's
insight follows, agents correct in one click, corrections and intents train new versions,
rollback, the sweep and the backfill, and routing by intent once it is known."""

from __future__ import annotations

from typing import Any

import pytest

from mehvar.accounts.models import Agent, AuditLogEntry
from mehvar.accounts.services import team_create
from mehvar.conversations.models import Channel, Conversation
from mehvar.conversations.services.conversations import conversation_create
from mehvar.conversations.services.messages import message_add, message_add_from_customer
from mehvar.core.errors import Invalid, NotFound, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.intelligence.enrichment import backfill, enrich_new, sweep
from mehvar.intelligence.models import (
    ConversationInsight,
    MessageInsight,
    ModelTask,
    TrainedModel,
)
from mehvar.intelligence.services import (
    insight_correct,
    intent_create,
    intent_update,
    model_activate,
    model_deactivate,
)
from mehvar.intelligence.store import current_models, forget_loaded
from mehvar.intelligence.training import model_train
from mehvar.service_levels.services.configuration import routing_rule_create

pytestmark = pytest.mark.django_db

REFUND = ("I want my money back", "Please refund my order", "أريد استرداد المبلغ",
          "پولم را پس می‌خواهم", "Θέλω επιστροφή χρημάτων", "refund the payment please")
DELIVERY = ("Where is my parcel?", "My order has not arrived", "طلبي لم يصل بعد",
            "سفارشم هنوز نرسیده", "Το δέμα μου δεν έχει φτάσει", "the courier never came")


@pytest.fixture(autouse=True)
def _fresh_models() -> Any:
    forget_loaded()
    yield
    forget_loaded()


def open_conversation(agent: Agent, text: str, *, language: str = "",
                      phone: str = "+989121234567", **extra: Any) -> Conversation:
    return conversation_create(actor=agent, subject=text[:60], channel=Channel.WHATSAPP,
                               text=text, identity_kind="phone", identity_value=phone,
                               customer_name="مریم احمدی", language=language, **extra)


def with_intents(supervisor: Agent, admin: Agent) -> TrainedModel:
    intent_create(actor=supervisor, name="refund", label="بازپرداخت", examples=REFUND)
    intent_create(actor=supervisor, name="delivery", label="Παράδοση", examples=DELIVERY)
    return model_train(actor=admin, task=ModelTask.INTENT)


def test_a_new_message_is_enriched_after_commit_with_model_versions(
    agent: Agent, django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        conversation = open_conversation(agent, "سلام، سفارش من خیلی دیر شده و هیچ‌کس "
                                                "جواب نمی‌دهد. واقعاً ناامید شدم.")
    insight = MessageInsight.objects.get(conversation_id=conversation.pk)
    assert insight.from_customer
    assert insight.language == "fa"
    assert insight.sentiment in {"negative", "neutral", "positive"}
    assert 0.0 < insight.sentiment_score <= 1.0
    assert insight.model_versions["sentiment"] == "sentiment-fa starter"
    assert insight.intent == ""  # no intent model yet
    summary = ConversationInsight.objects.get(conversation_id=conversation.pk)
    assert summary.sentiment == insight.sentiment
    assert summary.risk is None  # no satisfaction model yet

    # An agent's reply is enriched too (sentiment, no intent); an internal note is not. In
    # the same second it queues nothing more: the five-second run (or the next task) takes
    # every new message at once.
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_add(actor=agent, conversation=conversation,
                            text="Σας ευχαριστούμε, το ελέγχουμε αμέσως.")
        message_add(actor=agent, conversation=reply.conversation, text="note",
                    is_internal=True)
    assert not MessageInsight.objects.filter(message_id=reply.pk).exists()
    assert enrich_new() == 1
    assert enrich_new() == 0
    rows = MessageInsight.objects.filter(conversation_id=conversation.pk)
    assert rows.count() == 2
    answer = rows.get(message_id=reply.pk)
    assert (answer.from_customer, answer.language, answer.intent) == (False, "el", "")


def test_enriching_twice_changes_nothing(agent: Agent) -> None:
    conversation = open_conversation(agent, "شكراً جزيلاً على المساعدة السريعة")
    assert backfill() == 1
    first = MessageInsight.objects.get(conversation_id=conversation.pk)
    assert backfill() == 0
    assert sweep() == 0
    again = MessageInsight.objects.get(conversation_id=conversation.pk)
    assert (again.sentiment, again.analyzed_at) == (first.sentiment, first.analyzed_at)
    assert again.language == "ar"


def test_the_sweep_enriches_what_the_tasks_missed(agent: Agent) -> None:
    # No on_commit callbacks run here: the tasks "missed" these messages.
    conversation = open_conversation(agent, "Το τηλέφωνο ήρθε σπασμένο, είμαι πολύ θυμωμένος")
    message_add_from_customer(conversation=conversation, text="Καμία απάντηση ακόμα;")
    assert MessageInsight.objects.count() == 0
    assert sweep() == 2
    assert set(MessageInsight.objects.values_list("language", flat=True)) == {"el"}


def test_intents_train_a_model_and_low_confidence_is_unknown(
    agent: Agent, supervisor: Agent, admin: Agent, settings: Any,
) -> None:
    model = with_intents(supervisor, admin)
    assert (model.task, model.version, model.is_active) == ("intent", 1, True)
    assert sorted(model.classes) == ["delivery", "refund"]
    assert model.train_size == len(REFUND) + len(DELIVERY)
    assert model.size_bytes == len(bytes(model.blob)) > 0
    refund = open_conversation(agent, "I want my money back for this order")
    backfill()
    insight = MessageInsight.objects.get(conversation_id=refund.pk)
    assert insight.intent == "refund"
    assert insight.model_versions["intent"] == "intent-all v1"
    assert ConversationInsight.objects.get(conversation_id=refund.pk).intent == "refund"

    settings.MEHVAR_INTENT_MIN_CONFIDENCE = 0.999
    unsure = open_conversation(agent, "hello", phone="+302101234567")
    backfill()
    assert MessageInsight.objects.get(conversation_id=unsure.pk).intent == "unknown"


def test_an_agent_corrects_in_one_click_and_the_conversation_follows(
    agent: Agent, analyst: Agent, supervisor: Agent, admin: Agent,
) -> None:
    with_intents(supervisor, admin)
    conversation = open_conversation(agent, "سفارشم هنوز نرسیده")
    backfill()
    message_id = MessageInsight.objects.get(conversation_id=conversation.pk).message_id

    with pytest.raises(PermissionDenied):
        insight_correct(actor=analyst, conversation_id=conversation.pk,
                        message_id=message_id, sentiment="positive")
    assert MessageInsight.objects.get(message_id=message_id).corrected_sentiment == ""

    corrected = insight_correct(actor=agent, conversation_id=conversation.pk,
                                message_id=message_id, sentiment="negative", intent="refund")
    assert (corrected.effective_sentiment, corrected.effective_intent) == ("negative", "refund")
    assert corrected.corrected_by_id == agent.pk
    summary = ConversationInsight.objects.get(conversation_id=conversation.pk)
    assert (summary.sentiment, summary.intent, summary.intent_score) == (
        "negative", "refund", 1.0)

    with pytest.raises(Invalid) as bad:
        insight_correct(actor=agent, conversation_id=conversation.pk, message_id=message_id,
                        sentiment="furious")
    assert bad.value.code == "sentiment_invalid"
    with pytest.raises(Invalid) as unknown_intent:
        insight_correct(actor=agent, conversation_id=conversation.pk, message_id=message_id,
                        intent="nonexistent")
    assert unknown_intent.value.code == "intent_invalid"
    with pytest.raises(NotFound) as missing:
        insight_correct(actor=agent, conversation_id=conversation.pk, message_id=10**9,
                        sentiment="neutral")
    assert missing.value.code == "insight_not_found"


def test_corrections_train_a_sentiment_version_and_rollback_restores_the_starter(
    agent: Agent, admin: Agent, supervisor: Agent,
) -> None:
    texts = ["این محصول افتضاح بود", "خیلی ممنون، عالی بود", "سفارشم کی می‌رسد؟"]
    conversations = [open_conversation(agent, text, phone=f"+98912123456{i}")
                     for i, text in enumerate(texts)]
    backfill()
    for conversation, label in zip(conversations, ["negative", "positive", "neutral"],
                                   strict=True):
        message_id = MessageInsight.objects.get(conversation_id=conversation.pk).message_id
        insight_correct(actor=agent, conversation_id=conversation.pk, message_id=message_id,
                        sentiment=label)

    with pytest.raises(PermissionDenied):
        model_train(actor=supervisor, task=ModelTask.SENTIMENT, language="fa")
    first = model_train(actor=admin, task=ModelTask.SENTIMENT, language="fa")
    assert (first.task, first.language, first.version) == ("sentiment", "fa", 1)
    assert first.train_size >= 3
    assert first.metrics["test_size"] > 0
    assert "current_accuracy" in first.metrics  # scored beside the starter model
    second = model_train(actor=admin, task=ModelTask.SENTIMENT, language="fa")
    assert second.version == 2

    model_activate(actor=admin, model_id=second.pk)
    assert current_models().label("sentiment", "fa") == "sentiment-fa v2"
    model_activate(actor=admin, model_id=first.pk)  # rollback
    assert list(TrainedModel.objects.filter(is_active=True).values_list("version", flat=True)) \
        == [1]
    assert current_models().label("sentiment", "fa") == "sentiment-fa v1"
    model_deactivate(actor=admin, model_id=first.pk)
    assert current_models().label("sentiment", "fa") == "sentiment-fa starter"
    assert AuditLogEntry.objects.filter(action="model.activated").count() >= 1

    with pytest.raises(Invalid) as bad_language:
        model_train(actor=admin, task=ModelTask.SENTIMENT, language="xx")
    assert bad_language.value.code == "model_language_invalid"
    with pytest.raises(NotFound):
        model_activate(actor=admin, model_id=10**9)


def test_an_intent_model_needs_two_intents(supervisor: Agent, admin: Agent) -> None:
    intent_create(actor=supervisor, name="refund", label="Refund", examples=REFUND)
    with pytest.raises(Invalid) as error:
        model_train(actor=admin, task=ModelTask.INTENT)
    assert error.value.code == "not_enough_training_data"
    assert not TrainedModel.objects.exists()


def test_intent_rules(supervisor: Agent, agent: Agent) -> None:
    with pytest.raises(PermissionDenied):
        intent_create(actor=agent, name="refund", label="Refund")
    intent = intent_create(actor=supervisor, name=" Refund ", label=" بازپرداخت ",
                           examples=["  پولم را   پس بدهید ", "", "پولم را پس بدهید"])
    assert (intent.name, intent.label, intent.examples) == (
        "refund", "بازپرداخت", ["پولم را پس بدهید"])
    for bad in ("unknown", "1st", "با فارسی", "x" * 65):
        with pytest.raises(Invalid):
            intent_create(actor=supervisor, name=bad, label="x")
    with pytest.raises(Exception) as duplicate:
        intent_create(actor=supervisor, name="refund", label="again")
    assert getattr(duplicate.value, "code", "") == "intent_exists"
    changed = intent_update(actor=supervisor, intent_id=intent.pk, is_active=False,
                            examples=["Θέλω τα λεφτά μου πίσω"])
    assert (changed.is_active, changed.examples) == (False, ["Θέλω τα λεφτά μου πίσω"])
    with pytest.raises(NotFound):
        intent_update(actor=supervisor, intent_id=10**9, label="x")


def test_an_intent_routes_the_conversation_once_it_is_known(
    agent: Agent, supervisor: Agent, admin: Agent,
) -> None:
    with_intents(supervisor, admin)
    refunds = team_create(actor=admin, name="بازپرداخت")
    rule = routing_rule_create(actor=admin, name="Refunds to billing", intents=["refund"],
                               team_id=refunds.pk, priority="high")
    conversation = open_conversation(agent, "I want my money back, refund the payment")
    assert conversation.team_id is None  # the intent was not known when it opened
    backfill()
    conversation.refresh_from_db()
    assert (conversation.team_id, conversation.priority) == (refunds.pk, "high")
    routed = TimelineEvent.objects.get(conversation_id=conversation.pk,
                                       verb="conversation.routed")
    assert routed.after["rule_id"] == rule.pk
