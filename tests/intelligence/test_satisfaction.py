"""Satisfaction prediction: switched on only with enough good and bad ratings (real survey
answers through the real e-mail channel), trained with a held-out AUC, and shown on open
conversations as a risk with its reasons."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from mehvar.accounts.models import Agent
from mehvar.channels.models import Mailbox
from mehvar.conversations.models import Conversation
from mehvar.conversations.services.conversations import conversation_set_status
from mehvar.conversations.services.messages import message_add_from_customer
from mehvar.core.errors import Invalid
from mehvar.feedback.links import invitation_token
from mehvar.feedback.models import Invitation
from mehvar.feedback.services import response_record
from mehvar.intelligence.enrichment import backfill, risks_refresh
from mehvar.intelligence.models import ConversationInsight, ModelTask, TrainedModel
from mehvar.intelligence.retraining import retrain_due
from mehvar.intelligence.satisfaction import FEATURES, SatisfactionModel
from mehvar.intelligence.selectors import rating_counts
from mehvar.intelligence.store import forget_loaded
from mehvar.intelligence.training import model_train
from tests.channels.test_email_flow import Recorder, customer_mail, receive
from tests.feedback.test_surveys import solved_email_conversation

pytestmark = pytest.mark.django_db(transaction=True)

HAPPY = "Ευχαριστώ πολύ, όλα τέλεια!"
UPSET = "Απαράδεκτο! Τρίτη φορά γράφω και κανείς δεν απαντά. Είμαι έξαλλος."


def rated(agent: Agent, mailbox: Mailbox, number: int, *, bad: bool) -> None:
    conversation = solved_email_conversation(
        agent, mailbox, sender=f"pelatis{number}@example.gr", message_id=f"r{number}@x",
        subject=f"Παραγγελία {number}")
    if bad:
        message_add_from_customer(conversation=conversation, text=UPSET)
    invitation = Invitation.objects.get(conversation_id=conversation.pk)
    response_record(token=invitation_token(invitation.pk), score=1 if bad else 5)


def test_prediction_waits_for_enough_ratings_then_shows_risk_with_reasons(
    smtp: Recorder, mailbox: Mailbox, agent: Agent, admin: Agent, csat: Any,
    settings: Any,
) -> None:
    forget_loaded()
    settings.MEHVAR_SATISFACTION_MIN_RATINGS = 4
    for number in range(3):
        rated(agent, mailbox, number, bad=number % 2 == 0)
    with pytest.raises(Invalid) as early:
        model_train(actor=admin, task=ModelTask.SATISFACTION)
    assert early.value.code == "not_enough_training_data"
    assert not any("satisfaction" in label for label in retrain_due())

    for number in range(3, 12):
        rated(agent, mailbox, number, bad=number % 2 == 0)
    good, bad = rating_counts()
    assert (good, bad) == (6, 6)
    model = model_train(actor=admin, task=ModelTask.SATISFACTION)
    assert (model.task, model.is_active, model.train_size) == ("satisfaction", True, 12)
    assert 0.0 <= model.metrics["auc"] <= 1.0
    assert set(model.metrics["weights"]) == set(FEATURES)
    loaded = SatisfactionModel.from_bytes(bytes(TrainedModel.objects.get(pk=model.pk).blob))
    assert loaded.coef.shape == (len(FEATURES),)

    # An open conversation whose customer is upset gets a risk and its reasons.
    envelope = receive(customer_mail(sender="thymomenos@example.gr", subject="Ακόμα τίποτα",
                                     message_id="open1@x", body=UPSET), mailbox)
    backfill()
    insight = ConversationInsight.objects.get(conversation_id=envelope.conversation_id)
    assert insight.risk is not None
    assert 0.0 <= insight.risk <= 1.0
    assert insight.risk_level in {"low", "medium", "high"}
    assert insight.risk_model == "satisfaction v1"
    assert all(reason["feature"] in FEATURES for reason in insight.risk_reasons)

    # The sweep keeps risks current; a solved conversation has none.
    conversation_set_status(actor=agent, status="solved",
                            conversation=Conversation.objects.get(pk=insight.conversation_id))
    assert risks_refresh(now=timezone.now()) >= 1
    insight.refresh_from_db()
    assert (insight.risk, insight.risk_level, insight.risk_reasons) == (None, "", [])


def test_a_corrupted_satisfaction_model_is_refused() -> None:
    with pytest.raises(ValueError, match="not a satisfaction model"):
        SatisfactionModel.from_bytes(b"PK\x03\x04 not really")
