"""The rules of a customer merge, shared by the merge itself (services.customer_merge) and its
preview (selectors.customer_merge_preview), so that the preview shows exactly what the merge
will do: which rows move, and what the surviving customer's profile becomes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from django.db import models
from django.db.models import Count, Q, Sum

from mehvar.customers import validation
from mehvar.customers.models import Customer, CustomerOrder

TOMBSTONES = "customers.customer.merged_into"
ORDERS = "customers.customerorder.customer"


class Reference(NamedTuple):
    """A foreign key to Customer on another table: `key` names it in the merge's `moved`."""

    key: str
    model: type[models.Model]
    field: str


def customer_references() -> list[Reference]:
    """Every foreign key that points at a customer, found through the model's reverse
    relations, so that contexts built later are covered without being imported here.
    `merged_into` (customer to customer) is left out: tombstones are handled apart."""
    references = []
    for relation in Customer._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and relation.one_to_many):
            continue
        field = relation.field  # type: ignore[union-attr]
        if field.model is Customer:
            continue
        references.append(Reference(f"{field.model._meta.label_lower}.{field.name}",
                                    field.model, field.name))
    return references


class OrderOverlap(NamedTuple):
    """The source's orders in a merge: how many move to the target, and how many (and their
    amount) are dropped because the target has an order with the same external id: the
    same order recorded on both records, which the merge keeps once."""

    moving: int = 0
    dropped: int = 0
    dropped_amount: Decimal = Decimal(0)


def duplicate_orders(*, source_id: int, target_id: int) -> models.QuerySet[CustomerOrder]:
    target_ids = CustomerOrder.objects.filter(customer_id=target_id).exclude(
        external_id="").values("external_id")
    return CustomerOrder.objects.filter(customer_id=source_id, external_id__in=target_ids)


def order_overlap(*, source_id: int, target_id: int) -> OrderOverlap:
    """One query."""
    duplicate = Q(pk__in=duplicate_orders(source_id=source_id, target_id=target_id).values("pk"))
    totals = CustomerOrder.objects.filter(customer_id=source_id).aggregate(
        moving=Count("pk", filter=~duplicate), dropped=Count("pk", filter=duplicate),
        dropped_amount=Sum("amount", filter=duplicate))
    return OrderOverlap(totals["moving"], totals["dropped"],
                        totals["dropped_amount"] or Decimal(0))


def merged_profile(*, source: Customer, target: Customer,
                   orders: OrderOverlap | None = None) -> dict[str, Any]:
    """The profile values the target gets from a merge (only some of them change): tags,
    attributes and consent combined (the target wins on conflicts), money and order counts
    added up (less the orders dropped as recorded twice), notes joined, and language, time
    zone and organization taken from the source when missing."""
    orders = orders or OrderOverlap()
    tags = list(dict.fromkeys([*target.segment_tags, *source.segment_tags]))
    notes = "\n\n".join(note for note in (target.notes, source.notes) if note)
    return {
        "segment_tags": tags[: validation.MAX_TAGS],
        "custom_attributes": {**source.custom_attributes, **target.custom_attributes},
        "consent": {**source.consent, **target.consent},
        "lifetime_value": validation.clean_money(
            max(target.lifetime_value + source.lifetime_value - orders.dropped_amount,
                Decimal(0)), field="lifetime_value"),
        "order_count": max(target.order_count + source.order_count - orders.dropped, 0),
        "cost_to_serve": validation.clean_money(
            target.cost_to_serve + source.cost_to_serve, field="cost_to_serve"),
        "notes": notes[: validation.MAX_NOTES_LENGTH],
        "language": target.language or source.language,
        "time_zone": target.time_zone or source.time_zone,
        "organization_id": target.organization_id or source.organization_id,
    }
