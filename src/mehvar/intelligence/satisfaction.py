"""Satisfaction prediction: the risk that an open conversation ends in a bad rating.

A logistic regression over a few facts an agent would weigh too (how the customer's mood
went, how long they waited, reopenings, hand-offs, their history), trained on the company's
own rated conversations once enough good and bad ratings exist. The reasons shown with the
risk are the facts that pushed it up most for this conversation."""

from __future__ import annotations

import io
import json
import math
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.utils.translation import gettext_lazy as _

from mehvar.conversations.learning_selectors import ConversationFacts, conversation_facts
from mehvar.feedback.rating_selectors import bad_ratings_by_customer
from mehvar.intelligence.models import MessageInsight, ModelTask, RiskLevel, TrainedModel

FEATURES = (
    "negative_share", "latest_negative", "mood_falling", "customer_messages",
    "longest_wait_hours", "first_response_hours", "reopenings", "handoffs",
    "earlier_conversations", "earlier_bad_ratings", "urgent",
)
FEATURE_LABELS = {
    "negative_share": _("Many negative messages"),
    "latest_negative": _("The customer's latest message is negative"),
    "mood_falling": _("The customer's mood got worse"),
    "customer_messages": _("Long conversation"),
    "longest_wait_hours": _("Long wait for a reply"),
    "first_response_hours": _("Slow first response"),
    "reopenings": _("Reopened"),
    "handoffs": _("Handed off between teams"),
    "earlier_conversations": _("Contacted us often before"),
    "earlier_bad_ratings": _("Rated us badly before"),
    "urgent": _("Urgent or high priority"),
}
HIGH_RISK, MEDIUM_RISK = 0.5, 0.25
_SIGN = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


@dataclass(frozen=True)
class Risk:
    probability: float
    level: str
    reasons: list[dict[str, float | str]]
    model: str


@dataclass(frozen=True)
class SatisfactionModel:
    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        header = json.dumps({"format": 1, "features": list(FEATURES)})
        np.savez_compressed(buffer, coef=self.coef, intercept=np.array([self.intercept]),
                            mean=self.mean, scale=self.scale, header=np.array(header))
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> SatisfactionModel:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                header = json.loads(str(arrays["header"]))
                if header.get("features") != list(FEATURES):
                    raise ValueError("the model was trained on other features")
                return cls(arrays["coef"].astype(float), float(arrays["intercept"][0]),
                           arrays["mean"].astype(float), arrays["scale"].astype(float))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError) as error:
            raise ValueError(f"not a satisfaction model: {error}") from error

    def contributions(self, rows: np.ndarray) -> np.ndarray:
        return ((rows - self.mean) / self.scale) * self.coef

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        logits = self.contributions(rows).sum(axis=1) + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))


# --- features -------------------------------------------------------------------------------


def feature_rows(conversation_ids: Sequence[int], *, now: datetime | None
                 ) -> tuple[list[int], np.ndarray, dict[int, ConversationFacts]]:
    """(ids, one row of FEATURES per id, facts) in a fixed number of queries. `now` None: as of each
    conversation's last message (rated, finished conversations); else as of `now`."""
    facts = conversation_facts(conversation_ids=conversation_ids)
    ids = [pk for pk in conversation_ids if pk in facts]
    messages: dict[int, list[tuple[bool, datetime, str, float]]] = {}
    for conversation_id, from_customer, at, sentiment, corrected, score in (
            MessageInsight.objects.filter(conversation_id__in=ids)
            .order_by("conversation_id", "created_at", "message_id")
            .values_list("conversation_id", "from_customer", "created_at", "sentiment",
                         "corrected_sentiment", "sentiment_score")):
        messages.setdefault(conversation_id, []).append(
            (from_customer, at, corrected or sentiment, 1.0 if corrected else score))
    bad_before = bad_ratings_by_customer(customer_ids=[facts[pk].customer_id for pk in ids])
    rows = [_features(facts[pk], messages.get(pk, []), now, bad_before) for pk in ids]
    return ids, np.array(rows, dtype=float).reshape(len(ids), len(FEATURES)), facts


def _features(facts: ConversationFacts, messages: list[tuple[bool, datetime, str, float]],
              now: datetime | None, bad_before: dict[int, int]) -> list[float]:
    end = now or (messages[-1][1] if messages else facts.created_at)
    said = [(at, sentiment, score) for customer, at, sentiment, score in messages if customer]
    signed = [_SIGN.get(sentiment, 0.0) * score for _at, sentiment, score in said]
    negative = sum(1 for _at, sentiment, _score in said if sentiment == "negative")
    longest = 0.0
    waiting_since: datetime | None = None
    for from_customer, at, _sentiment, _score in messages:
        if from_customer and waiting_since is None:
            waiting_since = at
        elif not from_customer and waiting_since is not None:
            longest = max(longest, (at - waiting_since).total_seconds())
            waiting_since = None
    if waiting_since is not None and now is not None:
        longest = max(longest, (end - waiting_since).total_seconds())
    first = facts.first_response_at or (end if now is not None else facts.created_at)
    return [
        negative / len(said) if said else 0.0,
        1.0 if said and said[-1][1] == "negative" else 0.0,
        max(0.0, signed[0] - signed[-1]) if signed else 0.0,
        math.log1p(len(said)),
        math.log1p(longest / 3600),
        math.log1p(max(0.0, (first - facts.created_at).total_seconds()) / 3600),
        float(facts.reopenings),
        float(facts.handoffs),
        math.log1p(facts.earlier_conversations),
        float(bad_before.get(facts.customer_id, 0)),
        1.0 if facts.priority in ("urgent", "high") else 0.0,
    ]


# --- prediction -----------------------------------------------------------------------------

_lock = threading.Lock()
_loaded: dict[str, tuple[int, SatisfactionModel, str]] = {}


def active_model() -> tuple[SatisfactionModel, str] | None:
    row = (TrainedModel.objects.filter(task=ModelTask.SATISFACTION, is_active=True)
           .values_list("pk", "version").first())
    if row is None:
        return None
    pk, version = row
    with _lock:
        cached = _loaded.get("model")
        if cached is not None and cached[0] == pk:
            return cached[1], cached[2]
    blob = TrainedModel.objects.filter(pk=pk).values_list("blob", flat=True).first()
    if blob is None:
        return None
    model = SatisfactionModel.from_bytes(bytes(blob))
    label = f"satisfaction v{version}"
    with _lock:
        _loaded["model"] = (pk, model, label)
    return model, label


def risks_for(conversation_ids: Sequence[int], *, now: datetime) -> dict[int, Risk]:
    """The risk of each open conversation, when a satisfaction model is active."""
    loaded = active_model()
    if loaded is None or not conversation_ids:
        return {}
    model, label = loaded
    ids, rows, facts = feature_rows(conversation_ids, now=now)
    if not ids:
        return {}
    probabilities = model.probabilities(rows)
    contributions = model.contributions(rows)
    risks: dict[int, Risk] = {}
    for index, pk in enumerate(ids):
        if facts[pk].status in ("solved", "closed"):
            continue
        probability = float(probabilities[index])
        order = np.argsort(-contributions[index])
        reasons: list[dict[str, float | str]] = [
            {"feature": FEATURES[i], "weight": round(float(contributions[index][i]), 3)}
            for i in order[:3] if contributions[index][i] > 0.1]
        level = (RiskLevel.HIGH if probability >= HIGH_RISK else
                 RiskLevel.MEDIUM if probability >= MEDIUM_RISK else RiskLevel.LOW)
        risks[pk] = Risk(round(probability, 4), level, reasons, label)
    return risks
