"""The rules of a customer merge, shared by the merge itself (services.customer_merge) and its
preview (selectors.customer_merge_preview), so that the preview shows exactly what the merge
will do: which rows move, and what the surviving customer's profile becomes."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db import models

from mehvar.customers import validation
from mehvar.customers.models import Customer

TOMBSTONES = "customers.customer.merged_into"


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


def merged_profile(*, source: Customer, target: Customer) -> dict[str, Any]:
    """The profile values the target gets from a merge (only some of them change): tags,
    attributes and consent combined (the target wins on conflicts), money added up, notes
    joined, and language, time zone and organization taken from the source when missing."""
    tags = list(dict.fromkeys([*target.segment_tags, *source.segment_tags]))
    notes = "\n\n".join(note for note in (target.notes, source.notes) if note)
    return {
        "segment_tags": tags[: validation.MAX_TAGS],
        "custom_attributes": {**source.custom_attributes, **target.custom_attributes},
        "consent": {**source.consent, **target.consent},
        "lifetime_value": validation.clean_money(
            target.lifetime_value + source.lifetime_value, field="lifetime_value"),
        "cost_to_serve": validation.clean_money(
            target.cost_to_serve + source.cost_to_serve, field="cost_to_serve"),
        "notes": notes[: validation.MAX_NOTES_LENGTH],
        "language": target.language or source.language,
        "time_zone": target.time_zone or source.time_zone,
        "organization_id": target.organization_id or source.organization_id,
    }
