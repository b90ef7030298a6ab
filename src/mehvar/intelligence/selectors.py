"""Reads of the intelligence context, permission-checked, in a fixed number of queries.

Query budget (asserted in tests/intelligence/test_selectors.py):
- message_insights: 1. conversation_insight: 1. conversation_insights: 1.
- sentiment_trend: 1. intent_list: 1. model_list: 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import NotFound
from mehvar.core.permissions import Actor, require
from mehvar.feedback.rating_selectors import conversation_ratings
from mehvar.intelligence.errors import IntelligenceErrorCode as Code
from mehvar.intelligence.models import (
    ConversationInsight,
    Intent,
    MessageInsight,
    TrainedModel,
)

MODEL_FIELDS = ("pk", "task", "language", "version", "backend", "size_bytes", "train_size",
                "classes", "metrics", "is_active", "trained_at", "trained_by_id")


def message_insights(*, actor: Actor, message_ids: Sequence[int]) -> dict[int, MessageInsight]:
    """The insights of the given messages, by message id."""
    require(actor, "insight.view")
    if not message_ids:
        return {}
    return {insight.message_id: insight
            for insight in MessageInsight.objects.filter(message_id__in=list(message_ids))}


def conversation_message_insights(*, actor: Actor,
                                  conversation_id: int) -> list[MessageInsight]:
    """Every analysed message of the conversation, oldest first."""
    require(actor, "insight.view")
    return list(MessageInsight.objects.filter(conversation_id=conversation_id)
                .order_by("created_at", "message_id"))


def conversation_insight(*, actor: Actor, conversation_id: int) -> ConversationInsight | None:
    require(actor, "insight.view")
    return ConversationInsight.objects.filter(conversation_id=conversation_id).first()


def conversation_insights(*, actor: Actor,
                          conversation_ids: Sequence[int]) -> dict[int, ConversationInsight]:
    """The insights of a page of conversations (the inbox), by conversation id."""
    require(actor, "insight.view")
    if not conversation_ids:
        return {}
    return {insight.conversation_id: insight for insight in
            ConversationInsight.objects.filter(conversation_id__in=list(conversation_ids))}


def conversation_ids_with(*, actor: Actor, sentiment: str = "", intent: str = "",
                          risk_level: str = "") -> QuerySet[Any]:
    """A subquery of the conversations whose insight matches, for the inbox's filters."""
    require(actor, "insight.view")
    where = Q()
    if sentiment:
        where &= Q(sentiment=sentiment)
    if intent:
        where &= Q(intent=intent)
    if risk_level:
        where &= Q(risk_level=risk_level)
    return ConversationInsight.objects.filter(where).values("conversation_id")


@dataclass(frozen=True)
class TrendPoint:
    month: datetime
    negative: int
    neutral: int
    positive: int

    @property
    def total(self) -> int:
        return self.negative + self.neutral + self.positive

    def share(self, part: int) -> int:
        return round(100 * part / self.total) if self.total else 0

    @property
    def negative_share(self) -> int:
        return self.share(self.negative)

    @property
    def neutral_share(self) -> int:
        return self.share(self.neutral)

    @property
    def positive_share(self) -> int:
        return self.share(self.positive)


def sentiment_trend(*, actor: Actor, customer_id: int, months: int = 12,
                    now: datetime | None = None) -> list[TrendPoint]:
    """The customer's messages by month and sentiment (corrections first), across all their
    conversations on every channel, for the last `months` months."""
    require(actor, "insight.view")
    since = (now or timezone.now()) - timedelta(days=31 * months)
    effective = Coalesce(NullIf("corrected_sentiment", Value("")), "sentiment")
    rows = (MessageInsight.objects
            .filter(conversation__customer_id=customer_id, from_customer=True,
                    created_at__gte=since)
            .annotate(month=TruncMonth("created_at"), feeling=effective)
            .values("month", "feeling").annotate(count=Count("pk")).order_by("month"))
    points: dict[datetime, dict[str, int]] = {}
    for row in rows:
        points.setdefault(row["month"], {})[row["feeling"]] = row["count"]
    return [TrendPoint(month, counts.get("negative", 0), counts.get("neutral", 0),
                       counts.get("positive", 0)) for month, counts in points.items()]


def intent_list(*, actor: Actor, active_only: bool = False) -> list[Intent]:
    require(actor, "insight.view")
    intents = Intent.objects.order_by("name")
    if active_only:
        intents = intents.filter(is_active=True)
    return list(intents)


def intent_get(*, actor: Actor, intent_id: int) -> Intent:
    require(actor, "insight.view")
    intent = Intent.objects.filter(pk=intent_id).first()
    if intent is None:
        raise NotFound(Code.INTENT_NOT_FOUND, _("No intent has this id."))
    return intent


def model_list(*, actor: Actor, task: str = "") -> list[TrainedModel]:
    """Every trained version (newest first per task and language), without the weights."""
    require(actor, "model.view")
    models = TrainedModel.objects.only(*MODEL_FIELDS).order_by("task", "language", "-version")
    if task:
        models = models.filter(task=task)
    return list(models)


def model_versions(*, task: str = "") -> list[TrainedModel]:
    """model_list without a permission check, for the operator's command line."""
    models = TrainedModel.objects.only(*MODEL_FIELDS).order_by("task", "language", "-version")
    return list(models.filter(task=task) if task else models)


def model_get(*, actor: Actor, model_id: int) -> TrainedModel:
    require(actor, "model.view")
    model = TrainedModel.objects.only(*MODEL_FIELDS).filter(pk=model_id).first()
    if model is None:
        raise NotFound(Code.MODEL_NOT_FOUND, _("No trained model has this id."))
    return model


RATED_LIMIT = 20_000  # the newest rated conversations satisfaction prediction learns from


def rating_counts() -> tuple[int, int]:
    """(good, bad) rated conversations available for training."""
    return good_and_bad(conversation_ratings(limit=RATED_LIMIT))


def good_and_bad(ratings: dict[int, bool]) -> tuple[int, int]:
    """(good, bad) of conversation_ratings' answer (True: a bad rating)."""
    bad = sum(1 for value in ratings.values() if value)
    return len(ratings) - bad, bad
