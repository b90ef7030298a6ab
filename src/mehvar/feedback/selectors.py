"""Reads of the feedback context: the survey page's invitation, responses, and CSAT / NPS /
CES figures by agent, team, channel and period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import NotFound
from mehvar.core.pagination import Page, keyset_page
from mehvar.core.permissions import Actor, require
from mehvar.feedback.errors import FeedbackErrorCode as Code
from mehvar.feedback.models import Invitation, Response, Survey, SurveyKind

GROUPS = {"agent": "agent_id", "team": "team_id", "channel": "channel", "none": None}


def invitation_for_page(*, invitation_id: int) -> Invitation:
    """The invitation a valid signed link names, with its survey and any response (the link
    is the permission: no actor)."""
    invitation = (Invitation.objects.select_related("survey", "response")
                  .filter(pk=invitation_id).first())
    if invitation is None:
        raise NotFound(Code.LINK_INVALID, _("This survey link is not valid."))
    return invitation


@dataclass(frozen=True)
class Figure:
    """One group's score: CSAT % satisfied (4–5), NPS (promoters − detractors, %), CES mean."""

    group: Any
    responses: int
    value: float | None


def survey_figures(*, actor: Actor, kind: str, group_by: str = "none",
                   since: datetime | None = None, until: datetime | None = None,
                   ) -> list[Figure]:
    """The kind's figure per group (agent, team, channel or overall) in one grouped query."""
    require(actor, "survey.view")
    rows = Response.objects.filter(kind=kind)
    if since is not None:
        rows = rows.filter(answered_at__gte=since)
    if until is not None:
        rows = rows.filter(answered_at__lt=until)
    column = GROUPS.get(group_by)
    aggregates = {"responses": Count("pk"), "mean": Avg("score"),
                  "high": Count("pk", filter=_high(kind)), "low": Count("pk", filter=_low(kind))}
    data: list[dict[str, Any]] = (
        list(rows.values(column).annotate(**aggregates).order_by(column)) if column
        else [rows.aggregate(**aggregates)])
    return [Figure(group=row.get(column) if column else None, responses=row["responses"],
                   value=_value(kind, row)) for row in data if row["responses"]]


def _high(kind: str) -> Q:
    return Q(score__gte=9) if kind == SurveyKind.NPS else Q(score__gte=4)


def _low(kind: str) -> Q:
    return Q(score__lte=6) if kind == SurveyKind.NPS else Q(score__lte=2)


def _value(kind: str, row: dict[str, Any]) -> float | None:
    if not row["responses"]:
        return None
    if kind == SurveyKind.CSAT:
        return round(100 * row["high"] / row["responses"], 1)
    if kind == SurveyKind.NPS:
        return round(100 * (row["high"] - row["low"]) / row["responses"], 1)
    return round(float(row["mean"]), 2)


def survey_list(*, actor: Actor) -> list[Survey]:
    require(actor, "survey.view")
    return list(Survey.objects.order_by("name", "id"))


def response_page(*, actor: Actor, cursor: str | None, limit: int,
                  conversation_id: int | None = None, customer_id: int | None = None,
                  kind: str | None = None) -> Page[Response]:
    """Responses newest first (for a conversation, a customer or a kind)."""
    require(actor, "survey.view")
    rows = Response.objects.all()
    if conversation_id is not None:
        rows = rows.filter(conversation_id=conversation_id)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return keyset_page(rows, field="answered_at", cursor=cursor, limit=limit)


def conversation_responses(*, conversation_id: int) -> list[Response]:
    """The survey answers about one conversation (its page shows them; the caller has read
    the conversation through its selector)."""
    return list(Response.objects.filter(conversation_id=conversation_id)
                .order_by("-answered_at")[:10])
