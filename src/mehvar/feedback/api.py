"""REST API of the feedback context: surveys, sending one by hand, responses and figures."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from mehvar.core.permissions import Actor
from mehvar.feedback import selectors, services
from mehvar.feedback.schemas import (
    FigureParams,
    FiguresOut,
    InvitationOut,
    ObjectId,
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
