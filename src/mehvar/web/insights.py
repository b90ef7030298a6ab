"""What the intelligence models found, on the pages: the badges on each message with the
one-click correction, the conversation's mood, intent and risk of a bad rating, and the
customer's sentiment trend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from mehvar.accounts.models import Agent
from mehvar.core.errors import DomainError
from mehvar.core.permissions import can
from mehvar.intelligence.models import (
    ConversationInsight,
    Intent,
    MessageInsight,
    RiskLevel,
    Sentiment,
)
from mehvar.intelligence.satisfaction import FEATURE_LABELS
from mehvar.intelligence.selectors import (
    conversation_insight,
    intent_list,
    message_insights,
)
from mehvar.intelligence.services import insight_correct

# The emotions the starter models name (XED's eight, after Plutchik), translated for display.
EMOTION_LABELS: dict[str, Any] = {
    "anger": _("Anger"), "anticipation": _("Anticipation"), "disgust": _("Disgust"),
    "fear": _("Fear"), "joy": _("Joy"), "sadness": _("Sadness"), "surprise": _("Surprise"),
    "trust": _("Trust"), "neutral": _("Calm"),
}
SENTIMENT_LABELS: dict[str, Any] = dict(Sentiment.choices)
RISK_LABELS: dict[str, Any] = dict(RiskLevel.choices)


@dataclass(frozen=True)
class InsightView:
    """One message's insight as its badges show it (corrections first)."""

    message_id: int
    conversation_id: int
    from_customer: bool
    sentiment: str
    sentiment_label: Any
    sentiment_score: float
    corrected_sentiment: bool
    emotion_label: Any
    intent: str
    intent_label: str
    corrected_intent: bool
    language: str
    models: str


def _view(insight: MessageInsight, intents: dict[str, str]) -> InsightView:
    sentiment = insight.effective_sentiment
    intent = insight.effective_intent
    return InsightView(
        message_id=insight.message_id, conversation_id=insight.conversation_id,
        from_customer=insight.from_customer, sentiment=sentiment,
        sentiment_label=SENTIMENT_LABELS.get(sentiment, ""),
        sentiment_score=insight.sentiment_score,
        corrected_sentiment=bool(insight.corrected_sentiment),
        emotion_label=EMOTION_LABELS.get(insight.emotion, insight.emotion),
        intent=intent,
        intent_label=(str(_("Unknown")) if intent == "unknown" else intents.get(intent, intent)),
        corrected_intent=bool(insight.corrected_intent), language=insight.language,
        models=", ".join(insight.model_versions.values()))


def insight_views(agent: Agent, message_ids: Sequence[int]
                  ) -> tuple[dict[int, InsightView], list[Intent]]:
    """The badges of a window of messages and the intents to correct them with: two
    queries whatever the window's size (one when none is analysed yet, none without the
    right to see insights)."""
    if not can(agent, "insight.view") or not message_ids:
        return {}, []
    insights = message_insights(actor=agent, message_ids=message_ids)
    if not insights:
        return {}, []
    intents = intent_list(actor=agent, active_only=True)
    labels = {intent.name: intent.label for intent in intents}
    return {pk: _view(insight, labels) for pk, insight in insights.items()}, intents


def conversation_insight_context(agent: Agent, conversation_id: int,
                                 intents: Sequence[Intent]) -> dict[str, Any]:
    """The conversation's mood, intent and risk with its reasons, for the side panel (one
    query; `intents` name the intent)."""
    if not can(agent, "insight.view"):
        return {}
    insight: ConversationInsight | None = conversation_insight(
        actor=agent, conversation_id=conversation_id)
    if insight is None:
        return {}
    intent_label = ""
    if insight.intent == "unknown":
        intent_label = str(_("Unknown"))
    elif insight.intent:
        intent_label = next((intent.label for intent in intents
                             if intent.name == insight.intent), insight.intent)
    return {"insight": {
        "sentiment": insight.sentiment,
        "sentiment_label": SENTIMENT_LABELS.get(insight.sentiment, ""),
        "intent_label": intent_label,
        "risk_level": insight.risk_level,
        "risk_label": RISK_LABELS.get(insight.risk_level, ""),
        "risk_percent": round(100 * insight.risk) if insight.risk is not None else None,
        "reasons": [FEATURE_LABELS.get(str(reason.get("feature")), "")
                    for reason in insight.risk_reasons],
        "risk_model": insight.risk_model,
    }}


@login_required
@require_POST
def insight_correct_view(request: HttpRequest, conversation_id: int,
                         message_id: int) -> HttpResponse:
    """One click: `sentiment` or `intent` from the message's badge form. With htmx the badge
    is swapped; without, the page reloads at the message."""
    assert isinstance(request.user, Agent)
    agent = request.user
    changes: dict[str, str] = {}
    for name in ("sentiment", "intent"):
        if name in request.POST:
            changes[name] = request.POST.get(name, "")[:64]
    error = None
    try:
        insight_correct(actor=agent, conversation_id=conversation_id, message_id=message_id,
                        **changes)
    except DomainError as problem:
        error = problem
    if not request.headers.get("HX-Request"):
        if error is not None:
            return HttpResponse(str(error.detail), status=error.status)
        url = reverse("conversation", args=[conversation_id])
        return HttpResponseRedirect(f"{url}#m-{message_id}")
    views, intents = insight_views(agent, [message_id])
    return render(request, "web/intelligence/insight.html", {
        "insight": views.get(message_id), "intents": intents, "message_id": message_id,
        "conversation_id": conversation_id, "error": error.detail if error else "",
        "may_correct": can(agent, "insight.correct")}, status=error.status if error else 200)
