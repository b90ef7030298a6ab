"""REST API for the customers context: customers, identities, merge, duplicates, timeline,
the customer 360, and organizations. Handlers parse, call one service or selector, shape."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from mehvar.core.permissions import Actor
from mehvar.customers import selectors, services
from mehvar.customers.schemas import (
    Customer360Out,
    Customer360Params,
    CustomerFilters,
    CustomerIn,
    CustomerOut,
    CustomerPageOut,
    CustomerPatchIn,
    DuplicatesOut,
    IdentityIn,
    IdentityOut,
    MergeIn,
    ObjectId,
    OrganizationFilters,
    OrganizationIn,
    OrganizationOut,
    OrganizationPageOut,
    OrganizationPatchIn,
    PageParams,
    TimelinePageOut,
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
