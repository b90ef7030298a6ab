"""Complaints and service recovery: agents raise, assign, act on (with what it cost),
resolve and close complaints; resolving asks the customer again whether they are satisfied
now; complaints past their due time escalate to the team lead.

Complaints from a detractor's survey answer and from the customer's own link arrive through
complaint_intake.py."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.selectors import agent_get, team_get
from mehvar.conversations.selectors import conversation_get
from mehvar.core.errors import Conflict, Invalid, NotFound
from mehvar.core.permissions import Actor, can, require
from mehvar.core.timeline import timeline_event, timeline_record_many
from mehvar.customers.selectors import customer_get
from mehvar.feedback.complaint_intake import (
    UNFINISHED,
    clean_text,
    complaint_due_at,
    complaint_record,
    default_owner_id,
    raised_after,
)
from mehvar.feedback.errors import FeedbackErrorCode as Code
from mehvar.feedback.models import (
    Complaint,
    ComplaintCategory,
    ComplaintSeverity,
    ComplaintSource,
    ComplaintStatus,
    Invitation,
    RecoveryAction,
    RecoveryActionKind,
    Survey,
)
from mehvar.feedback.services import invitation_send

MAX_COST = Decimal("9999999999.99")  # Decimal(12, 2)
CENT = Decimal("0.01")
ESCALATION_BATCH = 500


def complaint_not_found() -> NotFound:
    return NotFound(Code.COMPLAINT_NOT_FOUND, _("No complaint has this id."))


@transaction.atomic
def complaint_raise(*, actor: Actor, category: str, severity: str, description: str,
                    conversation_id: int | None = None, customer_id: int | None = None,
                    owner_id: int | None = None, team_id: int | None = None) -> Complaint:
    """An agent records a customer's complaint, about a conversation or the customer alone.
    Without an owner it goes to the conversation's team lead, else its assignee, else the
    agent raising it; it is due by its severity (complaint_intake.DUE_HOURS)."""
    require(actor, "complaint.manage")
    _check_choice(category, ComplaintCategory.values, "category")
    _check_choice(severity, ComplaintSeverity.values, "severity")
    description = clean_text(description, field="description", required=True)
    if conversation_id is None and customer_id is None:
        raise Invalid(Code.COMPLAINT_INVALID, _("Give the customer or the conversation."),
                      field="customer_id")
    if owner_id is not None:
        _owner(actor, owner_id)
    if team_id is not None:
        _team(actor, team_id)
    if conversation_id is not None:
        conversation = conversation_get(actor=actor, conversation_id=conversation_id)
        if customer_id is not None and customer_id != conversation.customer_id:
            raise Invalid(Code.COMPLAINT_INVALID,
                          _("The conversation belongs to another customer."),
                          field="customer_id")
        customer_id, language = conversation.customer_id, conversation.language
        team_id = team_id if team_id is not None else conversation.team_id
        assignee_id = conversation.assignee_id
    else:
        customer = customer_get(actor=actor, customer_id=customer_id or 0)
        # A merged-away customer's complaint belongs to the customer it was merged into.
        customer_id = customer.merged_into_id or customer.pk
        language, assignee_id = customer.language, None
    if owner_id is None:
        owner_id = default_owner_id(team_id=team_id, agent_id=assignee_id) or actor.pk
    now = timezone.now()
    complaint = Complaint.objects.create(
        customer_id=customer_id, conversation_id=conversation_id, source=ComplaintSource.AGENT,
        category=category, severity=severity, owner_id=owner_id,
        team_id=team_id, raised_by_id=actor.pk, description=description, language=language,
        due_at=complaint_due_at(severity, now), created_at=now)
    complaint_record(complaint, "complaint.raised", actor_id=actor.pk,
                     after=raised_after(complaint))
    return complaint


@transaction.atomic
def complaint_assign(*, actor: Actor, complaint_id: int, owner_id: int,
                     team_id: int | None = None) -> Complaint:
    """Give an unfinished complaint to another owner (and team)."""
    require(actor, "complaint.manage")
    owner = _owner(actor, owner_id)
    changes: dict[str, Any] = {"owner_id": owner.pk}
    if team_id is not None:
        changes["team_id"] = _team(actor, team_id)
    complaint = _locked_unfinished(complaint_id)
    before = {field: getattr(complaint, field) for field in changes}
    if before == changes:
        return complaint
    for field, value in changes.items():
        setattr(complaint, field, value)
    complaint.save(update_fields=[field.removesuffix("_id") for field in changes])
    complaint_record(complaint, "complaint.assigned", actor_id=actor.pk, after=changes,
                     before=before)
    return complaint


@transaction.atomic
def complaint_add_action(*, actor: Actor, complaint_id: int, kind: str,
                         cost: Decimal | int | str = Decimal("0"), note: str = ""
                         ) -> RecoveryAction:
    """Record what was done to recover the service and what it cost; an open complaint is
    then in progress."""
    require(actor, "complaint.manage")
    _check_choice(kind, RecoveryActionKind.values, "kind")
    amount = _money(cost)
    note = clean_text(note, field="note", required=False)
    complaint = _locked_unfinished(complaint_id)
    action = RecoveryAction.objects.create(complaint=complaint, kind=kind, cost=amount,
                                           note=note, created_by_id=actor.pk,
                                           created_at=timezone.now())
    if complaint.status == ComplaintStatus.OPEN:
        complaint.status = ComplaintStatus.IN_PROGRESS
        complaint.save(update_fields=["status"])
    complaint_record(complaint, "complaint.action_added", actor_id=actor.pk,
                     after={"action_id": action.pk, "kind": kind, "cost": str(amount),
                            "note": note, "status": complaint.status})
    return action


@transaction.atomic
def complaint_resolve(*, actor: Actor, complaint_id: int, outcome: str,
                      root_cause: str = "") -> Complaint:
    """The owner records the outcome (and the root cause); the customer is then asked, on
    the conversation's channel, whether they are satisfied now: the first active survey, sent
    even within the fatigue period. The invitation is kept on the complaint, so its answer
    shows there."""
    require(actor, "complaint.manage")
    outcome = clean_text(outcome, field="outcome", required=True)
    root_cause = clean_text(root_cause, field="root_cause", required=False)
    complaint = _locked_unfinished(complaint_id)
    now = timezone.now()
    complaint.status, complaint.resolved_at = ComplaintStatus.RESOLVED, now
    complaint.outcome, complaint.root_cause = outcome, root_cause
    invitation = _follow_up(actor, complaint, now)
    complaint.follow_up_invitation = invitation
    complaint.save(update_fields=["status", "resolved_at", "outcome", "root_cause",
                                  "follow_up_invitation"])
    complaint_record(complaint, "complaint.resolved", actor_id=actor.pk,
                     after={"outcome": outcome, "root_cause": root_cause,
                            "follow_up_invitation_id": invitation.pk if invitation else None})
    return complaint


@transaction.atomic
def complaint_close(*, actor: Actor, complaint_id: int, outcome: str = "") -> Complaint:
    """Close a resolved complaint; an unresolved one (unfounded, a duplicate) closes only
    with an outcome saying why."""
    require(actor, "complaint.manage")
    outcome = clean_text(outcome, field="outcome", required=False)
    complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
    if complaint is None:
        raise complaint_not_found()
    if complaint.status == ComplaintStatus.CLOSED:
        raise Conflict(Code.COMPLAINT_CLOSED, _("This complaint is already closed."))
    if complaint.status != ComplaintStatus.RESOLVED and not outcome:
        raise Invalid(Code.COMPLAINT_INVALID,
                      _("Say why a complaint that was not resolved is closed."),
                      field="outcome")
    before = {"status": complaint.status}
    complaint.status, complaint.closed_at = ComplaintStatus.CLOSED, timezone.now()
    if outcome and not complaint.outcome:
        complaint.outcome = outcome
    complaint.save(update_fields=["status", "closed_at", "outcome"])
    complaint_record(complaint, "complaint.closed", actor_id=actor.pk, before=before,
                     after={"status": complaint.status, "note": outcome})
    return complaint


# --- overdue complaints --------------------------------------------------------------------


@transaction.atomic
def complaints_escalate_overdue(*, now: datetime | None = None) -> int:
    """Unfinished complaints past their due time, not yet escalated: marked escalated and
    given to their team's lead when the team has one (periodic, every 5 minutes). A batch
    of the most overdue at a time; returns how many were escalated."""
    now = now or timezone.now()
    rows = list(Complaint.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status__in=UNFINISHED, escalated_at__isnull=True, due_at__lt=now)
                .order_by("due_at", "pk")
                .values("pk", "customer_id", "conversation_id", "owner_id", "team__lead_id",
                        "due_at")[:ESCALATION_BATCH])
    if not rows:
        return 0
    ids = [row["pk"] for row in rows]
    moved = {row["pk"]: row["team__lead_id"] for row in rows
             if row["team__lead_id"] is not None and row["team__lead_id"] != row["owner_id"]}
    changes: dict[str, Any] = {"escalated_at": now}
    if moved:
        changes["owner_id"] = Case(*[When(pk=pk, then=Value(lead)) for pk, lead in moved.items()],
                                   default="owner_id", output_field=IntegerField())
    Complaint.objects.filter(pk__in=ids, escalated_at__isnull=True).update(**changes)
    timeline_record_many([
        timeline_event(verb="complaint.escalated", actor_id=None,
                       customer_id=row["customer_id"], conversation_id=row["conversation_id"],
                       before={"complaint_id": row["pk"], "owner_id": row["owner_id"]},
                       after={"complaint_id": row["pk"],
                              "owner_id": moved.get(row["pk"], row["owner_id"]),
                              "due_at": row["due_at"].isoformat()})
        for row in rows])
    return len(rows)


# --- helpers -------------------------------------------------------------------------------


def _follow_up(actor: Actor, complaint: Complaint, now: datetime) -> Invitation | None:
    """The follow-up survey, or None without a conversation, an active survey, consent or a
    channel that carries a link."""
    if complaint.conversation_id is None:
        return None
    survey = Survey.objects.filter(is_active=True).order_by("name", "id").first()
    if survey is None:
        return None
    conversation = conversation_get(actor=actor, conversation_id=complaint.conversation_id)
    return invitation_send(survey=survey, conversation=conversation, at=now, follow_up=True)


def _locked_unfinished(complaint_id: int) -> Complaint:
    complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
    if complaint is None:
        raise complaint_not_found()
    if complaint.status not in UNFINISHED:
        raise Conflict(Code.COMPLAINT_FINISHED, _("This complaint is already resolved."))
    return complaint


def _check_choice(value: object, allowed: list[str], field: str) -> None:
    if value not in allowed:
        raise Invalid(Code.COMPLAINT_INVALID, _("Choose one of: %(choices)s.")
                      % {"choices": ", ".join(allowed)}, field=field)


def _money(value: object) -> Decimal:
    """A cost from 0 to MAX_COST with at most two decimals (a float would round silently)."""
    amount, valid = Decimal("0"), False
    if isinstance(value, Decimal | int | str) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value).strip())
            valid = (amount.is_finite() and 0 <= amount <= MAX_COST
                     and amount == amount.quantize(CENT))
        except InvalidOperation:
            valid = False
    if not valid:
        raise Invalid(Code.COMPLAINT_INVALID,
                      _("Give a cost of at least 0 with at most two decimals."), field="cost")
    return amount.quantize(CENT)


def _owner(actor: Actor, owner_id: int) -> Actor:
    """An active agent who may manage complaints."""
    try:
        owner = agent_get(actor=actor, agent_id=owner_id)
    except NotFound as error:
        raise Invalid(Code.OWNER_INVALID, _("No agent has this id."),
                      field="owner_id") from error
    if not can(owner, "complaint.manage"):
        raise Invalid(Code.OWNER_INVALID,
                      _("The owner must be an active agent who handles complaints."),
                      field="owner_id")
    return owner


def _team(actor: Actor, team_id: int) -> int:
    try:
        return team_get(actor=actor, team_id=team_id).pk
    except NotFound as error:
        raise Invalid(Code.TEAM_NOT_FOUND, _("No team has this id."), field="team_id") from error
