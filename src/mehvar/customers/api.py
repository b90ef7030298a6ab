"""REST API for the customers context: customers, identities, merge, duplicates, timeline,
the customer 360, and organizations. Handlers parse, call one service or selector, shape."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from mehvar.core.permissions import Actor
from mehvar.customers import segment_services, selectors, services, value_services
from mehvar.customers.orders_csv import MAX_IMPORT_BYTES, file_too_large
from mehvar.customers.schemas import (
    Customer360Out,
    Customer360Params,
    CustomerFilters,
    CustomerIn,
    CustomerOut,
    CustomerPageOut,
    CustomerPatchIn,
    CustomerSegmentsOut,
    DuplicatesOut,
    IdentityIn,
    IdentityOut,
    MergeIn,
    ObjectId,
    OrderImportOut,
    OrderIn,
    OrderOut,
    OrderPageOut,
    OrganizationFilters,
    OrganizationIn,
    OrganizationOut,
    OrganizationPageOut,
    OrganizationPatchIn,
    PageParams,
    SegmentCountOut,
    SegmentIn,
    SegmentOut,
    SegmentPageOut,
    SegmentPatchIn,
    TierRuleIn,
    TierRuleListOut,
    TierRuleOut,
    TierRulePatchIn,
    TimelinePageOut,
    ValueRecomputeIn,
    ValueRecomputeOut,
)

router = Router(tags=["customers"])


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]  # set by ninja's authentication


def _customer(request: HttpRequest, customer_id: int) -> Any:
    return selectors.customer_get(actor=_actor(request), customer_id=customer_id)


@router.get("/customers", response=CustomerPageOut, operation_id="customer_list")
def customer_list(request: HttpRequest, filters: Query[CustomerFilters]) -> Any:
    """Live customers, newest first; search by name (`q`) or by any identity (`identity`)."""
    return selectors.customer_list(actor=_actor(request), **filters.dict())


@router.post("/customers", response={201: CustomerOut}, operation_id="customer_create")
def customer_create(request: HttpRequest, payload: CustomerIn) -> Any:
    data = payload.dict()
    identities = [(item["kind"], item["value"]) for item in data.pop("identities")]
    created = services.customer_create(actor=_actor(request), identities=identities, **data)
    return Status(201, _customer(request, created.pk))


# --- orders import and value recompute -----------------------------------------------------


@router.post("/customers/orders/import", response=OrderImportOut, operation_id="orders_import_csv")
def orders_import_csv(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Multipart upload (field `file`) of a UTF-8 CSV file with the columns customer (id,
    email address or phone number), amount, ordered_at and, optionally, external_id; at most
    5 MB and 20,000 rows. Good rows are stored, bad ones reported by line and column."""
    if (file.size or 0) > MAX_IMPORT_BYTES:  # refused before it is read into memory
        raise file_too_large()
    return value_services.orders_import_csv(actor=_actor(request), data=file.read())


@router.post("/customers/value/recompute", response={200: ValueRecomputeOut,
                                                     202: ValueRecomputeOut},
             operation_id="customer_value_recompute")
def customer_value_recompute(request: HttpRequest, payload: ValueRecomputeIn) -> Any:
    """Revenue, order count, cost to serve and tier of the given customers now (200), or of
    every customer in the background when no ids are given (202)."""
    if payload.customer_ids is None:
        value_services.customer_value_recompute_schedule(actor=_actor(request))
        return Status(202, {"scheduled": True, "customers": 0, "changed": 0,
                            "tiers_changed": 0})
    result = value_services.customer_value_recompute(actor=_actor(request),
                                                     customer_ids=payload.customer_ids)
    return {"scheduled": False, "customers": result.customers, "changed": result.changed,
            "tiers_changed": result.tiers_changed}


@router.get("/customers/{customer_id}", response=CustomerOut, operation_id="customer_get")
def customer_get(request: HttpRequest, customer_id: ObjectId) -> Any:
    """A merged customer is returned with `merged_into_id`: follow it to the survivor."""
    return _customer(request, customer_id)


@router.patch("/customers/{customer_id}", response=CustomerOut, operation_id="customer_update")
def customer_update(request: HttpRequest, customer_id: ObjectId, payload: CustomerPatchIn) -> Any:
    customer = _customer(request, customer_id)
    services.customer_update(actor=_actor(request), customer=customer,
                             **payload.dict(exclude_unset=True))
    return _customer(request, customer_id)


@router.delete("/customers/{customer_id}", response={204: None}, operation_id="customer_delete")
def customer_delete(request: HttpRequest, customer_id: ObjectId) -> Any:
    services.customer_delete(actor=_actor(request), customer=_customer(request, customer_id))
    return Status(204, None)


@router.post("/customers/{customer_id}/identities", response={201: IdentityOut},
             operation_id="identity_add")
def identity_add(request: HttpRequest, customer_id: ObjectId, payload: IdentityIn) -> Any:
    customer = _customer(request, customer_id)
    identity = services.identity_add(actor=_actor(request), customer=customer, **payload.dict())
    return Status(201, identity)


@router.delete("/customers/{customer_id}/identities/{identity_id}", response={204: None},
               operation_id="identity_remove")
def identity_remove(request: HttpRequest, customer_id: ObjectId, identity_id: ObjectId) -> Any:
    identity = selectors.identity_get(actor=_actor(request), customer_id=customer_id,
                                      identity_id=identity_id)
    services.identity_remove(actor=_actor(request), identity=identity)
    return Status(204, None)


@router.post("/customers/{customer_id}/merge", response=CustomerOut,
             operation_id="customer_merge")
def customer_merge(request: HttpRequest, customer_id: ObjectId, payload: MergeIn) -> Any:
    """Merge the customer `source_id` INTO this one; returns this (surviving) customer."""
    target = _customer(request, customer_id)
    source = _customer(request, payload.source_id)
    services.customer_merge(actor=_actor(request), source=source, target=target)
    return _customer(request, customer_id)


@router.get("/customers/{customer_id}/duplicates", response=DuplicatesOut,
            operation_id="customer_duplicates")
def customer_duplicates(request: HttpRequest, customer_id: ObjectId) -> Any:
    customer = _customer(request, customer_id)
    return {"items": selectors.customer_duplicates(actor=_actor(request), customer=customer)}


@router.get("/customers/{customer_id}/timeline", response=TimelinePageOut,
            operation_id="customer_timeline")
def customer_timeline(request: HttpRequest, customer_id: ObjectId,
                      params: Query[PageParams]) -> Any:
    return selectors.customer_timeline(actor=_actor(request), customer_id=customer_id,
                                       **params.dict())


@router.get("/customers/{customer_id}/360", response=Customer360Out,
            operation_id="customer_360")
def customer_360(request: HttpRequest, customer_id: ObjectId,
                 params: Query[Customer360Params]) -> Any:
    """Profile, identities, organization, a page of conversations on every channel, a page of
    the timeline, and conversation counts by status and channel."""
    return selectors.customer_360(actor=_actor(request), customer_id=customer_id, **params.dict())


@router.post("/customers/{customer_id}/orders", response={201: OrderOut},
             operation_id="order_record")
def order_record(request: HttpRequest, customer_id: ObjectId, payload: OrderIn) -> Any:
    """Recording an external id the customer already has returns that order (idempotent);
    with another amount or date it is 409 `order_external_id_taken`."""
    order = value_services.order_record(actor=_actor(request),
                                        customer=_customer(request, customer_id),
                                        **payload.dict())
    return Status(201, order)


@router.get("/customers/{customer_id}/orders", response=OrderPageOut, operation_id="order_list")
def order_list(request: HttpRequest, customer_id: ObjectId, params: Query[PageParams]) -> Any:
    return selectors.order_list(actor=_actor(request), customer_id=customer_id, **params.dict())


@router.get("/customers/{customer_id}/segments", response=CustomerSegmentsOut,
            operation_id="customer_segments")
def customer_segments(request: HttpRequest, customer_id: ObjectId) -> Any:
    """The saved segments the customer is in now."""
    return {"items": selectors.customer_segments(actor=_actor(request),
                                                 customer_id=customer_id)}


# --- tier rules ----------------------------------------------------------------------------


def _tier_rule(request: HttpRequest, tier_rule_id: int) -> Any:
    return selectors.tier_rule_get(actor=_actor(request), tier_rule_id=tier_rule_id)


@router.get("/tier-rules", response=TierRuleListOut, operation_id="tier_rule_list")
def tier_rule_list(request: HttpRequest) -> Any:
    """Every tier rule in the order they are tried (position, then id)."""
    return {"items": selectors.tier_rule_list(actor=_actor(request))}


@router.post("/tier-rules", response={201: TierRuleOut}, operation_id="tier_rule_create")
def tier_rule_create(request: HttpRequest, payload: TierRuleIn) -> Any:
    """Customers' tiers follow the new rules once the background recompute has run."""
    return Status(201, value_services.tier_rule_create(actor=_actor(request), **payload.dict()))


@router.patch("/tier-rules/{tier_rule_id}", response=TierRuleOut,
              operation_id="tier_rule_update")
def tier_rule_update(request: HttpRequest, tier_rule_id: ObjectId,
                     payload: TierRulePatchIn) -> Any:
    return value_services.tier_rule_update(actor=_actor(request),
                                           rule=_tier_rule(request, tier_rule_id),
                                           **payload.dict(exclude_unset=True))


@router.delete("/tier-rules/{tier_rule_id}", response={204: None},
               operation_id="tier_rule_delete")
def tier_rule_delete(request: HttpRequest, tier_rule_id: ObjectId) -> Any:
    value_services.tier_rule_delete(actor=_actor(request), rule=_tier_rule(request, tier_rule_id))
    return Status(204, None)


# --- segments ------------------------------------------------------------------------------


def _segment(request: HttpRequest, segment_id: int) -> Any:
    return selectors.segment_get(actor=_actor(request), segment_id=segment_id)


@router.get("/segments", response=SegmentPageOut, operation_id="segment_list")
def segment_list(request: HttpRequest, params: Query[PageParams]) -> Any:
    return selectors.segment_list(actor=_actor(request), **params.dict())


@router.post("/segments", response={201: SegmentOut}, operation_id="segment_create")
def segment_create(request: HttpRequest, payload: SegmentIn) -> Any:
    segment = segment_services.segment_create(actor=_actor(request), **payload.dict())
    return Status(201, _segment(request, segment.pk))


@router.get("/segments/{segment_id}", response=SegmentOut, operation_id="segment_get")
def segment_get(request: HttpRequest, segment_id: ObjectId) -> Any:
    return _segment(request, segment_id)


@router.patch("/segments/{segment_id}", response=SegmentOut, operation_id="segment_update")
def segment_update(request: HttpRequest, segment_id: ObjectId, payload: SegmentPatchIn) -> Any:
    segment_services.segment_update(actor=_actor(request), segment=_segment(request, segment_id),
                                    **payload.dict(exclude_unset=True))
    return _segment(request, segment_id)


@router.delete("/segments/{segment_id}", response={204: None}, operation_id="segment_delete")
def segment_delete(request: HttpRequest, segment_id: ObjectId) -> Any:
    segment_services.segment_delete(actor=_actor(request), segment=_segment(request, segment_id))
    return Status(204, None)


@router.get("/segments/{segment_id}/members", response=CustomerPageOut,
            operation_id="segment_members")
def segment_members(request: HttpRequest, segment_id: ObjectId,
                    params: Query[PageParams]) -> Any:
    """The segment's customers now, newest first."""
    return selectors.segment_members(actor=_actor(request),
                                     segment=_segment(request, segment_id), **params.dict())


@router.get("/segments/{segment_id}/count", response=SegmentCountOut,
            operation_id="segment_count")
def segment_count(request: HttpRequest, segment_id: ObjectId) -> Any:
    return {"count": selectors.segment_member_count(actor=_actor(request),
                                                    segment=_segment(request, segment_id))}


# --- organizations -------------------------------------------------------------------------


@router.get("/organizations", response=OrganizationPageOut, operation_id="organization_list")
def organization_list(request: HttpRequest, filters: Query[OrganizationFilters]) -> Any:
    return selectors.organization_list(actor=_actor(request), **filters.dict())


@router.post("/organizations", response={201: OrganizationOut},
             operation_id="organization_create")
def organization_create(request: HttpRequest, payload: OrganizationIn) -> Any:
    organization = services.organization_create(actor=_actor(request), **payload.dict())
    return Status(201, organization)


@router.get("/organizations/{organization_id}", response=OrganizationOut,
            operation_id="organization_get")
def organization_get(request: HttpRequest, organization_id: ObjectId) -> Any:
    return selectors.organization_get(actor=_actor(request), organization_id=organization_id)


@router.patch("/organizations/{organization_id}", response=OrganizationOut,
              operation_id="organization_update")
def organization_update(request: HttpRequest, organization_id: ObjectId,
                        payload: OrganizationPatchIn) -> Any:
    organization = selectors.organization_get(actor=_actor(request),
                                              organization_id=organization_id)
    return services.organization_update(actor=_actor(request), organization=organization,
                                        **payload.dict(exclude_unset=True))


@router.delete("/organizations/{organization_id}", response={204: None},
               operation_id="organization_delete")
def organization_delete(request: HttpRequest, organization_id: ObjectId) -> Any:
    organization = selectors.organization_get(actor=_actor(request),
                                              organization_id=organization_id)
    services.organization_delete(actor=_actor(request), organization=organization)
    return Status(204, None)
