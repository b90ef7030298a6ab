"""REST API of the feedback context: surveys, sending one by hand, responses and figures;
complaints, their recovery actions and what recovery cost."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from mehvar.core.permissions import Actor
from mehvar.feedback import (
    complaints,
    product,
    product_selectors,
    selectors,
    services,
    triggers,
    webhooks,
)
from mehvar.feedback.schemas import (
    ComplaintAssignIn,
    ComplaintCloseIn,
    ComplaintDetailOut,
    ComplaintIn,
    ComplaintPageOut,
    ComplaintParams,
    ComplaintResolveIn,
    FeedbackAttachIn,
    FeedbackCommentOut,
    FeedbackItemChangeIn,
    FeedbackItemDetailOut,
    FeedbackItemIn,
    FeedbackPageOut,
    FeedbackParams,
    FeedbackStatusIn,
    FigureParams,
    FiguresOut,
    InvitationOut,
    ObjectId,
    PageParams,
    PeriodParams,
    ProductAreaIn,
    ProductAreaListOut,
    ProductAreaOut,
    RecoveryActionIn,
    RecoveryCostsOut,
    ResponsePageOut,
    ResponseParams,
    ScheduleIn,
    ScheduleOut,
    SurveyIn,
    SurveyListOut,
    SurveyOut,
    SurveySendIn,
    WebhookDeliveryPageOut,
    WebhookEndpointIn,
    WebhookEndpointListOut,
    WebhookEndpointOut,
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


# --- relationship surveys ------------------------------------------------------------------


@router.post("/survey-schedules", response={201: ScheduleOut},
             operation_id="survey_schedule_create")
def survey_schedule_create(request: HttpRequest, payload: ScheduleIn) -> Any:
    """Admins. Every `every_days`, the survey invites the segment's customers who allow
    surveys and were not asked within the fatigue period; the first run is due now."""
    return Status(201, triggers.survey_schedule_save(actor=_actor(request), **payload.dict()))


@router.put("/survey-schedules/{schedule_id}", response=ScheduleOut,
            operation_id="survey_schedule_update")
def survey_schedule_update(request: HttpRequest, schedule_id: ObjectId,
                           payload: ScheduleIn) -> Any:
    return triggers.survey_schedule_save(actor=_actor(request), schedule_id=schedule_id,
                                         **payload.dict())


# --- feedback to product -------------------------------------------------------------------


@router.get("/product-areas", response=ProductAreaListOut, operation_id="product_area_list")
def product_area_list(request: HttpRequest) -> Any:
    return {"items": product_selectors.product_area_list(actor=_actor(request))}


@router.post("/product-areas", response={201: ProductAreaOut},
             operation_id="product_area_create")
def product_area_create(request: HttpRequest, payload: ProductAreaIn) -> Any:
    """Admins. 409 `product_area_taken` when another area has the name."""
    return Status(201, product.product_area_save(actor=_actor(request), **payload.dict()))


@router.put("/product-areas/{area_id}", response=ProductAreaOut,
            operation_id="product_area_update")
def product_area_update(request: HttpRequest, area_id: ObjectId, payload: ProductAreaIn) -> Any:
    return product.product_area_save(actor=_actor(request), area_id=area_id, **payload.dict())


def _item(request: HttpRequest, item_id: int) -> Any:
    return product_selectors.feedback_item_get(actor=_actor(request), item_id=item_id)


@router.get("/feedback-items", response=FeedbackPageOut, operation_id="feedback_item_list")
def feedback_item_list(request: HttpRequest, params: Query[FeedbackParams]) -> Any:
    """Newest first, by status or area, each with the number and total lifetime value of
    the customers asking."""
    page = product_selectors.feedback_item_page(actor=_actor(request), **params.dict())
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/feedback-items", response={201: FeedbackItemDetailOut},
             operation_id="feedback_item_create")
def feedback_item_create(request: HttpRequest, payload: FeedbackItemIn) -> Any:
    """Agents and up. With `response_id` (a survey answer with a comment) or
    `conversation_id`, that comment is filed under the new item."""
    created = product.feedback_item_create(actor=_actor(request), **payload.dict())
    return Status(201, _item(request, created.pk))


@router.get("/feedback-items/{item_id}", response=FeedbackItemDetailOut,
            operation_id="feedback_item_get")
def feedback_item_get(request: HttpRequest, item_id: ObjectId) -> Any:
    return _item(request, item_id)


@router.post("/feedback-items/{item_id}/comments", response={201: FeedbackCommentOut},
             operation_id="feedback_item_attach")
def feedback_item_attach(request: HttpRequest, item_id: ObjectId,
                         payload: FeedbackAttachIn) -> Any:
    """File a survey answer or a conversation under the item; a customer already asking is
    not counted twice. 409 `feedback_already_filed` for the same answer or conversation."""
    return Status(201, product.feedback_item_attach(actor=_actor(request), item_id=item_id,
                                                    **payload.dict()))


@router.patch("/feedback-items/{item_id}", response=FeedbackItemDetailOut,
              operation_id="feedback_item_update")
def feedback_item_update(request: HttpRequest, item_id: ObjectId,
                         payload: FeedbackItemChangeIn) -> Any:
    """Supervisors and admins: the title, description or product area."""
    product.feedback_item_update(actor=_actor(request), item_id=item_id, **payload.dict())
    return _item(request, item_id)


@router.post("/feedback-items/{item_id}/status", response=FeedbackItemDetailOut,
             operation_id="feedback_item_set_status")
def feedback_item_set_status(request: HttpRequest, item_id: ObjectId,
                             payload: FeedbackStatusIn) -> Any:
    """Supervisors and admins. "shipped" tells every customer who asked, once, on their
    channel and in their language (unless their consent says "product_updates": false)."""
    product.feedback_item_set_status(actor=_actor(request), item_id=item_id,
                                     status=payload.status)
    return _item(request, item_id)


# --- webhooks ------------------------------------------------------------------------------


@router.get("/webhooks", response=WebhookEndpointListOut, operation_id="webhook_list")
def webhook_list(request: HttpRequest) -> Any:
    return {"items": product_selectors.webhook_endpoint_list(actor=_actor(request))}


@router.post("/webhooks", response={201: WebhookEndpointOut}, operation_id="webhook_create")
def webhook_create(request: HttpRequest, payload: WebhookEndpointIn) -> Any:
    """Admins. New and changed feedback items are POSTed as JSON, signed: see
    docs/user/feedback-items.md."""
    return Status(201, webhooks.webhook_endpoint_save(actor=_actor(request), **payload.dict()))


@router.put("/webhooks/{endpoint_id}", response=WebhookEndpointOut,
            operation_id="webhook_update")
def webhook_update(request: HttpRequest, endpoint_id: ObjectId,
                   payload: WebhookEndpointIn) -> Any:
    return webhooks.webhook_endpoint_save(actor=_actor(request), endpoint_id=endpoint_id,
                                          **payload.dict())


@router.get("/webhooks/{endpoint_id}/deliveries", response=WebhookDeliveryPageOut,
            operation_id="webhook_delivery_list")
def webhook_delivery_list(request: HttpRequest, endpoint_id: ObjectId,
                          params: Query[PageParams]) -> Any:
    """Newest first, each with every attempt (status code, error, the answer's start)."""
    page = product_selectors.webhook_delivery_page(actor=_actor(request),
                                                   endpoint_id=endpoint_id, **params.dict())
    return {"items": page.items, "next_cursor": page.next_cursor}
