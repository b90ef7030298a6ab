"""Reads of the feedback context: the survey page's invitation, responses, and CSAT / NPS /
CES figures by agent, team, channel and period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.selectors import AGENT_NAME_FIELDS, agent_choices, team_choices
from mehvar.core.errors import NotFound
from mehvar.core.pagination import Page, keyset_page
from mehvar.core.permissions import Actor, require
from mehvar.customers.selectors import segment_list, segment_member_ids
from mehvar.feedback.errors import FeedbackErrorCode as Code
from mehvar.feedback.models import (
    Complaint,
    Invitation,
    RecoveryAction,
    Response,
    Survey,
    SurveyKind,
)

MAX_SEGMENTS = 50
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


@dataclass(frozen=True)
class NamedFigure:
    """A figure with its group's name, for the figures page."""

    label: str
    responses: int
    value: float | None


def survey_figures_named(*, actor: Actor, kind: str, group_by: str = "none",
                         since: datetime | None = None, until: datetime | None = None,
                         ) -> list[NamedFigure]:
    """survey_figures with agents' and teams' names; by segment, one grouped query per saved
    segment (the customers in it now)."""
    if group_by == "segment":
        return _segment_figures(actor=actor, kind=kind, since=since, until=until)
    figures = survey_figures(actor=actor, kind=kind, group_by=group_by, since=since,
                             until=until)
    names: dict[Any, str] = {}
    ids = [figure.group for figure in figures if figure.group is not None]
    if group_by == "agent" and ids:
        names = {agent.pk: agent.get_full_name() or agent.get_username()
                 for agent in agent_choices(actor=actor)}
    elif group_by == "team" and ids:
        names = {team.pk: team.name for team in team_choices(actor=actor)}
    return [NamedFigure(label=str(names.get(figure.group, figure.group))
                        if figure.group is not None else "—",
                        responses=figure.responses, value=figure.value) for figure in figures]


def _segment_figures(*, actor: Actor, kind: str, since: datetime | None,
                     until: datetime | None) -> list[NamedFigure]:
    require(actor, "survey.view")
    segments = segment_list(actor=actor, cursor=None, limit=MAX_SEGMENTS).items
    aggregates = {"responses": Count("pk"), "mean": Avg("score"),
                  "high": Count("pk", filter=_high(kind)), "low": Count("pk", filter=_low(kind))}
    found = []
    for segment in sorted(segments, key=lambda row: row.name):
        rows = Response.objects.filter(kind=kind,
                                       customer__in=segment_member_ids(segment=segment))
        if since is not None:
            rows = rows.filter(answered_at__gte=since)
        if until is not None:
            rows = rows.filter(answered_at__lt=until)
        row = rows.aggregate(**aggregates)
        if row["responses"]:
            found.append(NamedFigure(label=segment.name, responses=row["responses"],
                                     value=_value(kind, row)))
    return found


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
                  kind: str | None = None, since: datetime | None = None,
                  until: datetime | None = None) -> Page[Response]:
    """Responses newest first (for a conversation, a customer, a kind or a period), with the
    customer's and agent's names (one query)."""
    require(actor, "survey.view")
    rows = (Response.objects.select_related("customer", "agent")
            .only(*(field.attname for field in Response._meta.concrete_fields),
                  "customer__id", "customer__name",
                  *(f"agent__{name}" for name in AGENT_NAME_FIELDS)))
    if since is not None:
        rows = rows.filter(answered_at__gte=since)
    if until is not None:
        rows = rows.filter(answered_at__lt=until)
    if conversation_id is not None:
        rows = rows.filter(conversation_id=conversation_id)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return keyset_page(rows, field="answered_at", cursor=cursor, limit=limit)


# --- complaints ----------------------------------------------------------------------------

_MONEY = DecimalField(max_digits=14, decimal_places=2)
# A complaint names its customer, owner and team as {"id", "name"}: only those columns load.
_REFS = {"customer": ("id", "name"), "owner": AGENT_NAME_FIELDS, "team": ("id", "name")}
_INVITATION = ("id", "kind", "channel", "created_at", "expires_at")


def _complaints() -> QuerySet[Complaint]:
    """Complaints with their people's names, the answer that raised them, the follow-up
    invitation with its answer, and the recovery cost so far: one query."""
    own = [field.name for field in Complaint._meta.concrete_fields]
    refs = [f"{relation}__{name}" for relation, names in _REFS.items() for name in names]
    costs = (RecoveryAction.objects.filter(complaint=OuterRef("pk")).order_by()
             .values("complaint").annotate(total=Sum("cost")).values("total"))
    return (Complaint.objects
            .select_related(*_REFS, "response", "follow_up_invitation__response")
            .only(*own, *refs, *(f"follow_up_invitation__{name}" for name in _INVITATION),
                  "follow_up_invitation__response")
            .annotate(recovery_cost=Coalesce(Subquery(costs, output_field=_MONEY),
                                             Value(0), output_field=_MONEY)))


def complaint_page(*, actor: Actor, cursor: str | None, limit: int, status: str | None = None,
                   owner_id: int | None = None, customer_id: int | None = None
                   ) -> Page[Complaint]:
    """Complaints newest first, by status, owner or customer (their indexes)."""
    require(actor, "complaint.view")
    rows = _complaints()
    if status:
        rows = rows.filter(status=status)
    if owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    return keyset_page(rows, field="created_at", cursor=cursor, limit=limit)


def complaint_get(*, actor: Actor, complaint_id: int) -> Complaint:
    """One complaint with its recovery actions (oldest first) and who recorded them."""
    require(actor, "complaint.view")
    actions = (RecoveryAction.objects.select_related("created_by")
               .only("id", "complaint_id", "kind", "cost", "note", "created_at",
                     *(f"created_by__{name}" for name in AGENT_NAME_FIELDS))
               .order_by("created_at", "id"))
    complaint = (_complaints().prefetch_related(Prefetch("actions", queryset=actions))
                 .filter(pk=complaint_id).first())
    if complaint is None:
        raise NotFound(Code.COMPLAINT_NOT_FOUND, _("No complaint has this id."))
    return complaint


@dataclass(frozen=True)
class RecoveryCost:
    category: str
    actions: int
    total: Decimal


def recovery_costs(*, actor: Actor, since: datetime | None = None,
                   until: datetime | None = None) -> list[RecoveryCost]:
    """What recovery cost, by the complaints' category, for the actions recorded in the
    period (one grouped query)."""
    require(actor, "complaint.view")
    rows = RecoveryAction.objects.all()
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    grouped = (rows.values("complaint__category").annotate(actions=Count("pk"),
                                                           total=Sum("cost"))
               .order_by("complaint__category"))
    return [RecoveryCost(category=row["complaint__category"], actions=row["actions"],
                         total=Decimal(row["total"]).quantize(Decimal("0.01")))
            for row in grouped]
