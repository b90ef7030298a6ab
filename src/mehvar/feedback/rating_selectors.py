"""Ratings as labels for the contexts that learn from them (intelligence's satisfaction
prediction): each rated conversation's latest CSAT or NPS answer as good or bad. No
permission scope: the callers are background training jobs."""

from __future__ import annotations

from collections.abc import Sequence

from mehvar.feedback.models import Response, SurveyKind


def rating_is_bad(kind: str, score: int) -> bool | None:
    """True for a bad rating (CSAT 1–2, NPS detractor 0–6), False for a good one (CSAT 4–5,
    NPS promoter 9–10), None for the middle and for effort scores."""
    if kind == SurveyKind.CSAT:
        return True if score <= 2 else False if score >= 4 else None
    if kind == SurveyKind.NPS:
        return True if score <= 6 else False if score >= 9 else None
    return None


def conversation_ratings(*, limit: int) -> dict[int, bool]:
    """conversation id -> bad? for the latest `limit` rated conversations."""
    labels: dict[int, bool] = {}
    rows = (Response.objects.filter(conversation__isnull=False,
                                    kind__in=(SurveyKind.CSAT, SurveyKind.NPS))
            .order_by("-answered_at").values_list("conversation_id", "kind", "score")[:limit])
    for conversation_id, kind, score in rows:
        bad = rating_is_bad(kind, score)
        if bad is not None and conversation_id not in labels:
            labels[conversation_id] = bad
    return labels


def bad_ratings_by_customer(*, customer_ids: Sequence[int]) -> dict[int, int]:
    """How many bad ratings each customer has given."""
    counts: dict[int, int] = {}
    for customer_id, kind, score in (Response.objects
                                     .filter(customer_id__in=list(customer_ids))
                                     .values_list("customer_id", "kind", "score")):
        if rating_is_bad(kind, score):
            counts[customer_id] = counts.get(customer_id, 0) + 1
    return counts
