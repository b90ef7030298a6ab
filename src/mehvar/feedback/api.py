"""REST API of the feedback context: surveys, sending one by hand, responses and figures;
complaints, their recovery actions and what recovery cost."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from mehvar.core.permissions import Actor
from mehvar.feedback import complaints, selectors, services
from mehvar.feedback.schemas import (
    ComplaintAssignIn,
    ComplaintCloseIn,
    ComplaintDetailOut,
    ComplaintIn,
    ComplaintPageOut,
    ComplaintParams,
    ComplaintResolveIn,
    FigureParams,
    FiguresOut,
    InvitationOut,
    ObjectId,
    PeriodParams,
    RecoveryActionIn,
    RecoveryCostsOut,
    ResponsePageOut,
    ResponseParams,
    SurveyIn,
    SurveyListOut,
    SurveyOut,
    SurveySendIn,
)

router = Router(tags=["voice of the customer"])


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]  # set by ninja's authentication


def _survey_values(payload: SurveyIn) -> dict[str, Any]:
    values = payload.dict()
    values["texts"] = {language: {key: value for key, value in texts.items() if value}
                       for language, texts in values["texts"].items()}
    return values


@router.get("/surveys", response=SurveyListOut, operation_id="survey_list")
def survey_list(request: HttpRequest) -> Any:
    """Every survey by name (a company keeps a handful)."""
    return {"items": selectors.survey_list(actor=_actor(request))}


@router.post("/surveys", response={201: SurveyOut}, operation_id="survey_create")
def survey_create(request: HttpRequest, payload: SurveyIn) -> Any:
    """Admins. The active survey triggered by "solved" invites each solved conversation's
    customer (the first by name when there are several)."""
    return Status(201, services.survey_save(actor=_actor(request), **_survey_values(payload)))


@router.get("/surveys/figures", response=FiguresOut, operation_id="survey_figures")
def figures(request: HttpRequest, params: Query[FigureParams]) -> Any:
    """CSAT, NPS or CES overall or by agent, team or channel, over an optional period."""
    items = selectors.survey_figures(actor=_actor(request), **params.dict())
    return {"kind": params.kind, "group_by": params.group_by, "items": items}


@router.put("/surveys/{survey_id}", response=SurveyOut, operation_id="survey_update")
def survey_update(request: HttpRequest, survey_id: ObjectId, payload: SurveyIn) -> Any:
    """Admins. 409 when a survey already sent would change its kind."""
    return services.survey_save(actor=_actor(request), survey_id=survey_id,
                                **_survey_values(payload))


@router.post("/conversations/{conversation_id}/survey", response={201: InvitationOut},
             operation_id="survey_send")
def survey_send(request: HttpRequest, conversation_id: ObjectId, payload: SurveySendIn) -> Any:
    """Invite the conversation's customer now, on its channel. 409 `survey_not_deliverable`
    when they were asked within the fatigue period, declined surveys, or the channel cannot
    carry a link (web chat, phone)."""
    return Status(201, services.survey_send(actor=_actor(request), survey_id=payload.survey_id,
                                            conversation_id=conversation_id))


@router.get("/survey-responses", response=ResponsePageOut, operation_id="survey_response_list")
def response_list(request: HttpRequest, params: Query[ResponseParams]) -> Any:
    """Answers newest first, for a conversation, a customer or a kind."""
    page = selectors.response_page(actor=_actor(request), **params.dict())
    return {"items": page.items, "next_cursor": page.next_cursor}


# --- complaints ----------------------------------------------------------------------------


def _complaint(request: HttpRequest, complaint_id: int) -> Any:
    return selectors.complaint_get(actor=_actor(request), complaint_id=complaint_id)


@router.get("/complaints", response=ComplaintPageOut, operation_id="complaint_list")
def complaint_list(request: HttpRequest, params: Query[ComplaintParams]) -> Any:
    """Newest first, by status, owner or customer."""
    page = selectors.complaint_page(actor=_actor(request), **params.dict())
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/complaints", response={201: ComplaintDetailOut}, operation_id="complaint_raise")
def complaint_raise(request: HttpRequest, payload: ComplaintIn) -> Any:
    """Agents and up. Due by severity: critical 4 h, high 24 h, medium 72 h, low 168 h."""
    created = complaints.complaint_raise(actor=_actor(request), **payload.dict())
    return Status(201, _complaint(request, created.pk))


@router.get("/complaints/costs", response=RecoveryCostsOut, operation_id="complaint_costs")
def complaint_costs(request: HttpRequest, params: Query[PeriodParams]) -> Any:
    """What recovery actions recorded in the period cost, by complaint category."""
    items = selectors.recovery_costs(actor=_actor(request), **params.dict())
    return {"items": items, "total": sum((item.total for item in items), Decimal("0.00"))}


@router.get("/complaints/{complaint_id}", response=ComplaintDetailOut,
            operation_id="complaint_get")
def complaint_get(request: HttpRequest, complaint_id: ObjectId) -> Any:
    return _complaint(request, complaint_id)


@router.post("/complaints/{complaint_id}/assign", response=ComplaintDetailOut,
             operation_id="complaint_assign")
def complaint_assign(request: HttpRequest, complaint_id: ObjectId,
                     payload: ComplaintAssignIn) -> Any:
    """409 `complaint_finished` once resolved or closed."""
    complaints.complaint_assign(actor=_actor(request), complaint_id=complaint_id,
                                **payload.dict())
    return _complaint(request, complaint_id)


@router.post("/complaints/{complaint_id}/actions", response={201: ComplaintDetailOut},
             operation_id="complaint_add_action")
def complaint_add_action(request: HttpRequest, complaint_id: ObjectId,
                         payload: RecoveryActionIn) -> Any:
    """An apology, refund, credit or discount, replacement or call back, with its cost; an
    open complaint is then in progress."""
    complaints.complaint_add_action(actor=_actor(request), complaint_id=complaint_id,
                                    **payload.dict())
    return Status(201, _complaint(request, complaint_id))


@router.post("/complaints/{complaint_id}/resolve", response=ComplaintDetailOut,
             operation_id="complaint_resolve")
def complaint_resolve(request: HttpRequest, complaint_id: ObjectId,
                      payload: ComplaintResolveIn) -> Any:
    """Records the outcome and sends the customer a follow-up survey on the conversation's
    channel (despite the fatigue period); `follow_up_invitation` is null when none could be
    sent."""
    complaints.complaint_resolve(actor=_actor(request), complaint_id=complaint_id,
                                 **payload.dict())
    return _complaint(request, complaint_id)


@router.post("/complaints/{complaint_id}/close", response=ComplaintDetailOut,
             operation_id="complaint_close")
def complaint_close(request: HttpRequest, complaint_id: ObjectId,
                    payload: ComplaintCloseIn) -> Any:
    """409 `complaint_closed` when already closed; an unresolved complaint needs `outcome`."""
    complaints.complaint_close(actor=_actor(request), complaint_id=complaint_id,
                               **payload.dict())
    return _complaint(request, complaint_id)
