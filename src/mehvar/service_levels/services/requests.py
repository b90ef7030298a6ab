"""Internal requests: one department asks another on a customer's behalf, with an owner and
a due time, linked to the customer's conversation (whose timeline records each step)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.models import Agent, Team
from mehvar.accounts.selectors import agent_get, team_get
from mehvar.conversations.selectors import conversation_get
from mehvar.core.errors import Conflict, Invalid, NotFound
from mehvar.core.permissions import Actor, require
from mehvar.core.timeline import timeline_record
from mehvar.service_levels.errors import ServiceLevelErrorCode as Code
from mehvar.service_levels.models import InternalRequest, RequestStatus
from mehvar.service_levels.validation import clean_text

MAX_TITLE, MAX_DETAILS = 200, 10_000


def request_not_found() -> NotFound:
    return NotFound(Code.REQUEST_NOT_FOUND, _("No internal request has this id."))


@transaction.atomic
def internal_request_create(
    *, actor: Actor, to_team_id: int, title: str, details: str = "",
    due_at: datetime | None = None, conversation_id: int | None = None,
    owner_id: int | None = None, from_team_id: int | None = None,
) -> InternalRequest:
    require(actor, "internal_request.create")
    title = " ".join(clean_text(title, field="title", max_length=MAX_TITLE,
                                code=Code.REQUEST_INVALID).split())
    if not title:
        raise Invalid(Code.REQUEST_INVALID,
                      _("Give a title of 1 to %(max)d characters.") % {"max": MAX_TITLE},
                      field="title")
    details = clean_text(details, field="details", max_length=MAX_DETAILS,
                         code=Code.REQUEST_INVALID)
    now = timezone.now()
    if due_at is not None and (due_at.tzinfo is None or due_at <= now):
        raise Invalid(Code.DUE_INVALID, _("The due time must be in the future."),
                      field="due_at")
    to_team = _team(actor, to_team_id, "to_team_id")
    from_team = _team(actor, from_team_id, "from_team_id") if from_team_id else None
    conversation = conversation_get(actor=actor, conversation_id=conversation_id) \
        if conversation_id is not None else None
    owner = _owner(actor, owner_id) if owner_id is not None else None
    request = InternalRequest.objects.create(
        conversation=conversation, title=title, details=details.strip(),
        requested_by_id=actor.pk, from_team=from_team, to_team=to_team, owner=owner,
        due_at=due_at, created_at=now)
    _record(request, actor, "internal_request.created",
            {"title": title, "to_team_id": to_team.pk, "owner_id": owner_id,
             "due_at": due_at.isoformat() if due_at else None})
    return request


@transaction.atomic
def internal_request_assign(*, actor: Actor, request_id: int, owner_id: int | None
                            ) -> InternalRequest:
    require(actor, "internal_request.update")
    request = _locked_open(request_id)
    owner = _owner(actor, owner_id) if owner_id is not None else None
    if request.owner_id == owner_id:
        return request
    before = {"owner_id": request.owner_id}
    request.owner = owner
    request.save(update_fields=["owner"])
    _record(request, actor, "internal_request.assigned", {"owner_id": owner_id}, before)
    return request


@transaction.atomic
def internal_request_finish(*, actor: Actor, request_id: int, outcome: str,
                            cancelled: bool = False) -> InternalRequest:
    """Done (with what was done) or cancelled; the requester sees the outcome on the
    conversation."""
    require(actor, "internal_request.update")
    outcome = clean_text(outcome, field="outcome", max_length=MAX_DETAILS,
                         code=Code.REQUEST_INVALID)
    request = _locked_open(request_id)
    request.status = RequestStatus.CANCELLED if cancelled else RequestStatus.DONE
    request.outcome, request.done_at = outcome.strip(), timezone.now()
    request.save(update_fields=["status", "outcome", "done_at"])
    _record(request, actor, "internal_request.finished",
            {"status": request.status, "outcome": request.outcome})
    return request


def _locked_open(request_id: int) -> InternalRequest:
    request = InternalRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise request_not_found()
    if request.status != RequestStatus.OPEN:
        raise Conflict(Code.REQUEST_FINISHED, _("This request is already finished."))
    return request


def _team(actor: Actor, team_id: int | None, field: str) -> Team:
    try:
        return team_get(actor=actor, team_id=team_id or 0)
    except NotFound as error:
        raise Invalid(Code.TEAM_NOT_FOUND, _("No team has this id."), field=field) from error


def _owner(actor: Actor, owner_id: int) -> Agent:
    """An active agent (agent_get also returns deactivated ones, whom history names)."""
    try:
        owner = agent_get(actor=actor, agent_id=owner_id)
    except NotFound as error:
        raise Invalid(Code.REQUEST_INVALID, _("No agent has this id."),
                      field="owner_id") from error
    if not owner.is_active:
        raise Invalid(Code.REQUEST_INVALID, _("The owner must be an active agent."),
                      field="owner_id")
    return owner


def _record(request: InternalRequest, actor: Actor, verb: str, after: Mapping[str, object],
            before: Mapping[str, object] | None = None) -> None:
    customer_id = None
    if request.conversation_id is not None:
        customer_id = conversation_customer_id(request)
    timeline_record(verb=verb, actor_id=actor.pk, customer_id=customer_id,
                    conversation_id=request.conversation_id,
                    before={"request_id": request.pk, **(before or {})},
                    after={"request_id": request.pk, **after})


def conversation_customer_id(request: InternalRequest) -> int | None:
    return (InternalRequest.objects.filter(pk=request.pk)
            .values_list("conversation__customer_id", flat=True).first())
