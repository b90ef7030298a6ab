"""REST API of the intelligence context: what the models found in a conversation and its
messages, agents' corrections, intents, and trained model versions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from mehvar.conversations.selectors import conversation_get
from mehvar.core.permissions import Actor
from mehvar.intelligence import selectors, services
from mehvar.intelligence.schemas import (
    ConversationInsightsOut,
    InsightCorrectIn,
    IntentChangeIn,
    IntentIn,
    IntentListOut,
    IntentOut,
    MessageInsightOut,
    ModelTrainIn,
    ObjectId,
    TrainedModelListOut,
    TrainedModelOut,
)

router = Router(tags=["intelligence"])


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]  # set by ninja's authentication


class ModelParams(Schema):
    task: str = ""


@router.get("/conversations/{conversation_id}/insights", response=ConversationInsightsOut,
            operation_id="conversation_insights")
def conversation_insights(request: HttpRequest, conversation_id: ObjectId) -> Any:
    """The conversation's sentiment, intent and risk of a bad rating (with the reasons), and
    each analysed message's language, sentiment, emotion and intent with the model versions."""
    actor = _actor(request)
    conversation_get(actor=actor, conversation_id=conversation_id)
    insights = selectors.conversation_message_insights(actor=actor,
                                                        conversation_id=conversation_id)
    return {"conversation": selectors.conversation_insight(actor=actor,
                                                           conversation_id=conversation_id),
            "messages": insights}


@router.post("/conversations/{conversation_id}/messages/{message_id}/insight",
             response=MessageInsightOut, operation_id="insight_correct")
def insight_correct(request: HttpRequest, conversation_id: ObjectId, message_id: ObjectId,
                    payload: InsightCorrectIn) -> Any:
    """Agents. Correct a message's sentiment or intent ("" clears the correction)."""
    return services.insight_correct(actor=_actor(request), conversation_id=conversation_id,
                                    message_id=message_id, **payload.dict())


@router.get("/intents", response=IntentListOut, operation_id="intent_list")
def intent_list(request: HttpRequest) -> Any:
    return {"items": selectors.intent_list(actor=_actor(request))}


@router.post("/intents", response={201: IntentOut}, operation_id="intent_create")
def intent_create(request: HttpRequest, payload: IntentIn) -> Any:
    """Supervisors. Examples may be in any language; the next intent model learns them."""
    return Status(201, services.intent_create(actor=_actor(request), **payload.dict()))


@router.get("/intents/{intent_id}", response=IntentOut, operation_id="intent_get")
def intent_get(request: HttpRequest, intent_id: ObjectId) -> Any:
    return selectors.intent_get(actor=_actor(request), intent_id=intent_id)


@router.patch("/intents/{intent_id}", response=IntentOut, operation_id="intent_update")
def intent_update(request: HttpRequest, intent_id: ObjectId, payload: IntentChangeIn) -> Any:
    """Supervisors. The code cannot change: routing rules and stored insights name it."""
    return services.intent_update(actor=_actor(request), intent_id=intent_id,
                                  **payload.dict(exclude_unset=True))


@router.get("/models", response=TrainedModelListOut, operation_id="model_list")
def model_list(request: HttpRequest, params: Query[ModelParams]) -> Any:
    """Supervisors. Every trained version with its training size and held-out figures."""
    return {"items": selectors.model_list(actor=_actor(request), task=params.task[:16])}


@router.post("/models", response={201: TrainedModelOut}, operation_id="model_train")
def model_train_now(request: HttpRequest, payload: ModelTrainIn) -> Any:
    """Admins. Train a new version now (422 "not_enough_training_data" when there is too
    little); it becomes active unless it scored worse than the model in use."""
    # Imported here: scikit-learn and SciPy add about 100 MB and a second or more to every
    # web worker that loads them, and only training (and enrichment, in the worker) needs them.
    from mehvar.intelligence.training import model_train

    return Status(201, model_train(actor=_actor(request), **payload.dict()))


@router.post("/models/{model_id}/activate", response=TrainedModelOut,
             operation_id="model_activate")
def model_activate(request: HttpRequest, model_id: ObjectId) -> Any:
    """Admins. Use this version (a rollback when it is older)."""
    return services.model_activate(actor=_actor(request), model_id=model_id)


@router.post("/models/{model_id}/deactivate", response=TrainedModelOut,
             operation_id="model_deactivate")
def model_deactivate(request: HttpRequest, model_id: ObjectId) -> Any:
    """Admins. Stop using this version (sentiment falls back to the starter model)."""
    return services.model_deactivate(actor=_actor(request), model_id=model_id)
