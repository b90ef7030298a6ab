"""Writes of the intelligence context: intents, agents' corrections of what the models
found, and which trained version of a model is in use. Training lives in training.py,
enrichment (a background job) in enrichment.py."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.services import audit_record
from mehvar.conversations.lifecycle import ConversationChange, Happening
from mehvar.conversations.selectors import conversation_get
from mehvar.core.background import enqueue_on_commit
from mehvar.core.errors import Conflict, Invalid, NotFound
from mehvar.core.permissions import Actor, require
from mehvar.intelligence.errors import IntelligenceErrorCode as Code
from mehvar.intelligence.models import Intent, MessageInsight, Sentiment, TrainedModel
from mehvar.intelligence.rollup import UNKNOWN_INTENT, conversations_refresh

MAX_EXAMPLES = 500
MAX_EXAMPLE_CHARS = 1_000
INTENT_CODE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
ENRICHED = (Happening.OPENED, Happening.CUSTOMER_MESSAGE, Happening.AGENT_REPLY)


_deferred: ContextVar[bool] = ContextVar("enrichment_deferred", default=False)
# A new message queues the enrichment of everything new once its transaction commits, at most
# once a second per process: under load one task enriches a batch (the models' fast path)
# and the write path pays one queue row a second instead of one per message. What arrives
# in between is taken by that task or the next, and by the five-second periodic run.
QUEUE_AT_MOST_EVERY_SECONDS = 1.0
_queued_at = [float("-inf")]
_queue_lock = threading.Lock()


def on_conversation_change(change: ConversationChange) -> None:
    """Every new public message is enriched in the background soon after its transaction
    commits (not while a bulk load defers it: see enrichment_deferred)."""
    if (change.message is None or change.happening not in ENRICHED
            or not settings.MEHVAR_ENRICHMENT or _deferred.get()):
        return
    now = time.monotonic()
    with _queue_lock:
        if now - _queued_at[0] < QUEUE_AT_MOST_EVERY_SECONDS:
            return
        _queued_at[0] = now
    enqueue_on_commit("mehvar.intelligence.tasks.enrich_new_task")


def forget_queued() -> None:
    """The next new message queues the enrichment at once (tests; a new process does)."""
    with _queue_lock:
        _queued_at[0] = float("-inf")


@contextmanager
def enrichment_deferred() -> Iterator[None]:
    """Inside: new messages queue no enrichment task each. For bulk loads (the demo,
    imports), which enrich in batches afterwards (enrichment.backfill) — far faster than
    one task per message."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


# --- corrections ----------------------------------------------------------------------------


def insight_correct(*, actor: Actor, conversation_id: int, message_id: int,
                    sentiment: str | None = None, intent: str | None = None) -> MessageInsight:
    """An agent's correction of a message's sentiment or intent ("" clears it): shown
    instead of the prediction from now on, and training data for the next model."""
    require(actor, "insight.correct")
    conversation_get(actor=actor, conversation_id=conversation_id)
    if sentiment is not None and sentiment not in {"", *Sentiment.values}:
        raise Invalid(Code.SENTIMENT_INVALID, _("Sentiment is negative, neutral or positive."),
                      field="sentiment")
    if intent and not Intent.objects.filter(name=intent, is_active=True).exists():
        raise Invalid(Code.INTENT_INVALID, _("No active intent has this code."),
                      field="intent")
    with transaction.atomic():
        insight = (MessageInsight.objects.select_for_update()
                   .filter(message_id=message_id, conversation_id=conversation_id).first())
        if insight is None:
            raise NotFound(Code.INSIGHT_NOT_FOUND,
                           _("This message has not been analysed (yet)."))
        if intent and not insight.from_customer:
            raise Invalid(Code.INTENT_INVALID, _("Only a customer's message has an intent."),
                          field="intent")
        now = timezone.now()
        if sentiment is not None:
            insight.corrected_sentiment = sentiment
        if intent is not None:
            insight.corrected_intent = intent
        insight.corrected_by_id = actor.pk
        insight.corrected_at = now
        insight.save(update_fields=["corrected_sentiment", "corrected_intent", "corrected_by",
                                    "corrected_at"])
        conversations_refresh([conversation_id], now=now)
    return insight


# --- intents --------------------------------------------------------------------------------


def _clean_examples(examples: Sequence[str]) -> list[str]:
    if len(examples) > MAX_EXAMPLES:
        raise Invalid(Code.INTENT_INVALID, _("An intent has at most 500 examples."),
                      field="examples")
    cleaned = [" ".join(str(text).split())[:MAX_EXAMPLE_CHARS] for text in examples]
    return list(dict.fromkeys(text for text in cleaned if text))


def _check_code(name: str) -> str:
    name = name.strip().lower()
    if not INTENT_CODE.match(name) or name == UNKNOWN_INTENT:
        raise Invalid(Code.INTENT_INVALID,
                      _("A code is lower-case Latin letters, digits, '-' and '_', starting "
                        "with a letter (and not 'unknown')."), field="name")
    return name


def intent_create(*, actor: Actor, name: str, label: str, description: str = "",
                  examples: Sequence[str] = (), tag: str = "") -> Intent:
    require(actor, "intent.manage")
    name = _check_code(name)
    label = label.strip()
    if not label:
        raise Invalid(Code.INTENT_INVALID, _("Give the intent a name."), field="label")
    intent = Intent(name=name, label=label[:200], description=description.strip(),
                    examples=_clean_examples(examples), tag=tag.strip()[:64])
    try:
        with transaction.atomic():
            intent.save()
            audit_record(actor_id=actor.pk, action="intent.created", target_type="intent",
                         target_id=intent.pk, data={"name": name})
    except IntegrityError as error:
        raise Conflict(Code.INTENT_EXISTS, _("An intent with this code exists."),
                       field="name") from error
    return intent


def intent_get_for_update(intent_id: int) -> Intent:
    intent = Intent.objects.select_for_update().filter(pk=intent_id).first()
    if intent is None:
        raise NotFound(Code.INTENT_NOT_FOUND, _("No intent has this id."))
    return intent


def intent_update(*, actor: Actor, intent_id: int, **changes: Any) -> Intent:
    """Change an intent's name, description, examples, tag or active flag (not its code:
    routing rules and stored insights refer to it)."""
    require(actor, "intent.manage")
    with transaction.atomic():
        intent = intent_get_for_update(intent_id)
        fields = []
        if changes.get("label") is not None:
            label = str(changes["label"]).strip()
            if not label:
                raise Invalid(Code.INTENT_INVALID, _("Give the intent a name."), field="label")
            intent.label = label[:200]
            fields.append("label")
        if changes.get("description") is not None:
            intent.description = str(changes["description"]).strip()
            fields.append("description")
        if changes.get("examples") is not None:
            intent.examples = _clean_examples(changes["examples"])
            fields.append("examples")
        if changes.get("tag") is not None:
            intent.tag = str(changes["tag"]).strip()[:64]
            fields.append("tag")
        if changes.get("is_active") is not None:
            intent.is_active = bool(changes["is_active"])
            fields.append("is_active")
        if fields:
            intent.save(update_fields=[*fields, "updated_at"])
            audit_record(actor_id=actor.pk, action="intent.updated", target_type="intent",
                         target_id=intent.pk, data={"fields": fields})
    return intent


# --- model versions -------------------------------------------------------------------------


def model_activate(*, actor: Actor, model_id: int) -> TrainedModel:
    """Use this version for its task and language from now on (a rollback when older)."""
    require(actor, "model.manage")
    with transaction.atomic():
        model = TrainedModel.objects.select_for_update().filter(pk=model_id).first()
        if model is None:
            raise NotFound(Code.MODEL_NOT_FOUND, _("No trained model has this id."))
        if not model.is_active:
            activate(model)
            audit_record(actor_id=actor.pk, action="model.activated", target_type="model",
                         target_id=model.pk, data=_model_facts(model))
    return model


def model_use(*, model_id: int) -> TrainedModel:
    """The system's rollback (`mehvar models rollback`): no acting agent, audited."""
    with transaction.atomic():
        model = TrainedModel.objects.select_for_update().filter(pk=model_id).first()
        if model is None:
            raise NotFound(Code.MODEL_NOT_FOUND, _("No trained model has this id."))
        activate(model)
        audit_record(actor_id=None, action="model.activated", target_type="model",
                     target_id=model.pk, data=_model_facts(model))
    return model


def activate(model: TrainedModel) -> None:
    """Inside the caller's transaction: `model` becomes its task and language's only active
    version."""
    TrainedModel.objects.filter(task=model.task, language=model.language,
                                is_active=True).exclude(pk=model.pk).update(is_active=False)
    model.is_active = True
    model.save(update_fields=["is_active"])


def model_deactivate(*, actor: Actor, model_id: int) -> TrainedModel:
    """Stop using this version: its task falls back to the shipped starter model (sentiment,
    emotion) or to none (intent, satisfaction)."""
    require(actor, "model.manage")
    with transaction.atomic():
        model = TrainedModel.objects.select_for_update().filter(pk=model_id).first()
        if model is None:
            raise NotFound(Code.MODEL_NOT_FOUND, _("No trained model has this id."))
        if model.is_active:
            model.is_active = False
            model.save(update_fields=["is_active"])
            audit_record(actor_id=actor.pk, action="model.deactivated", target_type="model",
                         target_id=model.pk, data=_model_facts(model))
    return model


def _model_facts(model: TrainedModel) -> dict[str, Any]:
    return {"task": model.task, "language": model.language, "version": model.version}
