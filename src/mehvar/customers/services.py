"""Writes for organizations, customers and identities: create, update, delete, resolve, merge.

Every service authorizes first (core.permissions), validates (customers.validation), writes in
one transaction and records TimelineEvents in it. `actor=None` is accepted only by
`customer_resolve`, for trusted system paths (an inbound channel message has no agent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.services import audit_record
from mehvar.core import rawrow
from mehvar.core.errors import Conflict, Invalid, NotFound
from mehvar.core.models import TimelineEvent
from mehvar.core.permissions import Actor, require
from mehvar.core.text import normalize_text
from mehvar.core.timeline import timeline_event, timeline_record, timeline_record_many
from mehvar.customers import validation
from mehvar.customers.errors import CustomerErrorCode as Code
from mehvar.customers.identities import identity_match_key, normalize_identity
from mehvar.customers.merging import (
    TOMBSTONES,
    customer_references,
    duplicate_orders,
    merged_profile,
    order_overlap,
)
from mehvar.customers.models import Customer, Identity, JourneyStage, Organization, Tier
from mehvar.customers.rows import apply as _apply
from mehvar.customers.rows import jsonable as _jsonable
from mehvar.customers.rows import locked as _locked
from mehvar.customers.rows import reject_unknown as _reject_unknown

CUSTOMER_FIELDS = (
    "name", "language", "time_zone", "journey_stage", "segment_tags", "lifetime_value",
    "cost_to_serve", "tier", "custom_attributes", "consent", "notes", "organization_id",
)
ORGANIZATION_FIELDS = ("name", "domain", "notes", "custom_attributes")
MAX_MERGE_FOLLOW = 10


# --- organizations -------------------------------------------------------------------------


@transaction.atomic
def organization_create(
    *, actor: Actor, name: str, domain: str = "", notes: str = "",
    custom_attributes: Mapping[str, Any] | None = None,
) -> Organization:
    require(actor, "organization.create")
    values = _clean_organization_fields(
        {"name": name, "domain": domain, "notes": notes,
         "custom_attributes": {} if custom_attributes is None else custom_attributes}
    )
    organization = Organization.objects.create(name_key=normalize_text(values["name"]), **values)
    timeline_record(verb="organization.created", actor_id=actor.pk,
                    after={"organization_id": organization.pk, **values})
    return organization


@transaction.atomic
def organization_update(
    *, actor: Actor, organization: Organization, **changes: Any
) -> Organization:
    require(actor, "organization.update")
    _reject_unknown(changes, ORGANIZATION_FIELDS)
    values = _clean_organization_fields(changes)
    locked = _locked(Organization, organization.pk, Code.ORGANIZATION_NOT_FOUND)
    before, after = _apply(locked, values)
    if not after:
        return locked
    fields = list(after)
    if "name" in after:
        locked.name_key = normalize_text(locked.name)
        fields.append("name_key")
    locked.save(update_fields=[*fields, "updated_at"])
    timeline_record(verb="organization.updated", actor_id=actor.pk,
                    before={"organization_id": locked.pk, **before},
                    after={"organization_id": locked.pk, **after})
    return locked


@transaction.atomic
def organization_delete(*, actor: Actor, organization: Organization) -> None:
    """Delete the organization; its customers stay, without an organization."""
    require(actor, "organization.delete")
    locked = _locked(Organization, organization.pk, Code.ORGANIZATION_NOT_FOUND)
    detached = Customer.objects.filter(organization=locked).update(organization=None)
    timeline_record(verb="organization.deleted", actor_id=actor.pk,
                    before={"organization_id": locked.pk, "name": locked.name},
                    after={"customers_detached": detached})
    audit_record(actor_id=actor.pk, action="organization.delete", target_type="organization",
                 target_id=locked.pk, data={"name": locked.name})
    locked.delete()


def _clean_organization_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    cleaners = {
        "name": validation.clean_name,
        "domain": validation.clean_domain,
        "notes": validation.clean_notes,
        "custom_attributes": validation.clean_custom_attributes,
    }
    return {field: cleaners[field](value) for field, value in values.items()}


# --- customers -----------------------------------------------------------------------------


@transaction.atomic
def customer_create(
    *,
    actor: Actor,
    name: str,
    language: str = "",
    time_zone: str = "",
    journey_stage: str = JourneyStage.ACTIVE,
    segment_tags: Sequence[str] | None = None,
    lifetime_value: Decimal | int | str = Decimal("0"),
    cost_to_serve: Decimal | int | str = Decimal("0"),
    tier: str = Tier.STANDARD,
    custom_attributes: Mapping[str, Any] | None = None,
    consent: Mapping[str, bool] | None = None,
    notes: str = "",
    organization_id: int | None = None,
    identities: Iterable[tuple[str, str]] | None = None,
) -> Customer:
    """Create a customer with its identities (kind, raw value); the first identity of each kind
    is primary. Conflict("identity_taken") when another customer already has one of them."""
    require(actor, "customer.create")
    values = _clean_customer_fields({
        "name": name, "language": language, "time_zone": time_zone,
        "journey_stage": journey_stage, "tier": tier,
        "segment_tags": [] if segment_tags is None else segment_tags,
        "lifetime_value": lifetime_value, "cost_to_serve": cost_to_serve,
        "custom_attributes": {} if custom_attributes is None else custom_attributes,
        "consent": {} if consent is None else consent,
        "notes": notes, "organization_id": organization_id,
    })
    pairs = _clean_identity_pairs(identities or ())
    if pairs and Identity.objects.filter(_any_of(pairs)).exists():
        raise _identity_taken()
    customer = _customer_insert(actor_id=actor.pk, values=values)
    try:
        with transaction.atomic():
            _identities_insert(actor_id=actor.pk, customer=customer, pairs=pairs)
    except IntegrityError as error:  # another request took one of them just now
        raise _identity_taken() from error
    return customer


@transaction.atomic
def customer_update(*, actor: Actor, customer: Customer, **changes: Any) -> Customer:
    """Change the given fields; records before/after of the fields that really changed."""
    require(actor, "customer.update")
    _reject_unknown(changes, CUSTOMER_FIELDS)
    values = _clean_customer_fields(changes)
    locked = _locked(Customer, customer.pk, Code.CUSTOMER_NOT_FOUND)
    if locked.is_merged:
        raise Conflict(Code.CUSTOMER_MERGED,
                       _("This customer was merged into another; edit that one instead."))
    before, after = _apply(locked, values)
    if not after:
        return locked
    fields = list(after)
    if "name" in after:
        locked.name_key = normalize_text(locked.name)
        fields.append("name_key")
    locked.save(update_fields=[*fields, "updated_at"])
    timeline_record(verb="customer.updated", actor_id=actor.pk, customer_id=locked.pk,
                    before=_jsonable(before), after=_jsonable(after))
    return locked


@transaction.atomic
def customer_delete(*, actor: Actor, customer: Customer) -> None:
    """Delete a customer without conversations, with its identities, timeline and the
    customers earlier merged into it. Recorded in the audit log."""
    require(actor, "customer.delete")
    locked = _locked(Customer, customer.pk, Code.CUSTOMER_NOT_FOUND)
    merged_ids = list(Customer.objects.filter(merged_into=locked).values_list("pk", flat=True))
    if locked.conversations.exists() or Customer.objects.filter(
            pk__in=merged_ids, conversations__isnull=False).exists():
        raise Conflict(Code.CUSTOMER_HAS_CONVERSATIONS,
                       _("This customer has conversations and cannot be deleted."))
    audit_record(actor_id=actor.pk, action="customer.delete", target_type="customer",
                 target_id=locked.pk, data={"name": locked.name, "merged_ids": merged_ids})
    try:
        Customer.objects.filter(pk__in=merged_ids).delete()
        locked.delete()
    except ProtectedError as error:  # a row of a later context protects the customer
        raise Conflict(Code.CUSTOMER_IN_USE,
                       _("Other records still refer to this customer.")) from error


@transaction.atomic
def identity_add(
    *, actor: Actor, customer: Customer, kind: str, value: str, is_primary: bool = False
) -> Identity:
    """Add an identity; adding one the customer already has returns it (and may make it
    primary). Conflict("identity_taken") when it belongs to another customer."""
    require(actor, "identity.add")
    normalized = normalize_identity(kind, value)
    locked = _locked(Customer, customer.pk, Code.CUSTOMER_NOT_FOUND)
    if locked.is_merged:
        raise Conflict(Code.CUSTOMER_MERGED,
                       _("This customer was merged into another; edit that one instead."))
    identity = Identity.objects.filter(kind=kind, value=normalized).first()
    if identity is None:
        try:
            with transaction.atomic():
                identity = _identities_insert(actor_id=actor.pk, customer=locked,
                                              pairs=[(kind, normalized)], primary=is_primary)[0]
        except IntegrityError:
            identity = Identity.objects.get(kind=kind, value=normalized)
        else:
            return identity
    if identity.customer_id != locked.pk:
        raise _identity_taken()
    if is_primary and not identity.is_primary:
        Identity.objects.filter(customer=locked, kind=kind).update(is_primary=False)
        identity.is_primary = True
        identity.save(update_fields=["is_primary"])
    return identity


@transaction.atomic
def identity_remove(*, actor: Actor, identity: Identity) -> None:
    require(actor, "identity.remove")
    locked = Identity.objects.select_for_update().filter(pk=identity.pk).first()
    if locked is None:
        raise NotFound(Code.IDENTITY_NOT_FOUND, _("No identity has this id."))
    timeline_record(verb="identity.removed", actor_id=actor.pk, customer_id=locked.customer_id,
                    before={"kind": locked.kind, "value": locked.value})
    locked.delete()


def customer_resolve(
    *,
    actor: Actor | None,
    customer_id: int | None = None,
    identity_kind: str | None = None,
    identity_value: str | None = None,
    name: str = "",
    language: str = "",
) -> tuple[Customer, bool]:
    """The live customer a new conversation belongs to, and whether it was created now.

    By id, or by identity (following merges to the surviving customer); an unknown identity
    creates a customer named after `name` (or the identity value). Safe under concurrency: the
    (kind, value) unique constraint decides who creates, the loser re-reads. Only the create
    runs in a (nested) transaction: the common path, a known identity, is one read and no
    savepoint."""
    if actor is not None:
        require(actor, "customer.view")
    if customer_id is not None:
        customer = Customer.objects.filter(pk=customer_id).first()
        if customer is None:
            raise NotFound(Code.CUSTOMER_NOT_FOUND, _("No customer has this id."))
        return _surviving(customer), False
    if not identity_kind or identity_value is None:
        raise Invalid(Code.CUSTOMER_RESOLVE_NEEDS_INPUT,
                      _("Give a customer id or an identity (kind and value)."), field="customer")
    value = normalize_identity(identity_kind, identity_value)
    # Hand-written SQL: the hot path of every inbound message, where compiling the
    # select_related query cost more CPU than the database spent answering it.
    if rows := rawrow.fetch_rows(_CUSTOMER_BY_IDENTITY_SQL, [identity_kind, value]):
        return _surviving(rawrow.build(Customer, rows[0])), False
    if actor is not None:
        require(actor, "customer.create")
    # Inbound data is forgiving: an unusable display name or language tag is dropped.
    values = {"name": _or_default(validation.clean_name, name,
                                  default=value[: validation.MAX_NAME_LENGTH]),
              "language": _or_default(validation.clean_language, language, default="")}
    return _customer_insert_with_identity(
        actor_id=actor.pk if actor is not None else None, values=values,
        identity_kind=identity_kind, value=value)


@transaction.atomic(savepoint=False)
def _customer_insert_with_identity(
    *, actor_id: int | None, values: dict[str, Any], identity_kind: str, value: str,
) -> tuple[Customer, bool]:
    """A new customer with one identity, unless a concurrent resolve stored that identity
    first: then its customer, and ours is deleted again. No savepoint (two round trips on
    every new customer of every channel): the identity insert skips a conflicting row
    instead of raising."""
    customer = _new_customer(values)
    rawrow.insert(customer)
    identity = Identity(customer=customer, kind=identity_kind, value=value,
                        match_key=identity_match_key(identity_kind, value), is_primary=True)
    if not rawrow.insert(identity, ignore_conflicts=True):
        Customer.objects.filter(pk=customer.pk).delete()
        existing = Identity.objects.select_related("customer").get(
            kind=identity_kind, value=value)
        return _surviving(existing.customer), False
    timeline_record_many([_customer_created(actor_id, customer, values),
                          _identity_added(actor_id, identity)])
    return customer, True


_CUSTOMER_BY_IDENTITY_SQL = (
    f"SELECT {rawrow.columns_sql(Customer, 'customer')} FROM {Customer._meta.db_table} AS customer "
    f"JOIN {Identity._meta.db_table} AS identity ON identity.customer_id = customer.id "
    f"WHERE identity.kind = %s AND identity.value = %s"
)


# --- merge ---------------------------------------------------------------------------------


@transaction.atomic
def customer_merge(*, actor: Actor, source: Customer, target: Customer) -> Customer:
    """Merge `source` into `target`: every row that references the source (identities,
    conversations, messages, timeline events, and whatever later contexts add) moves to the
    target; profile fields combine; the source stays as a tombstone pointing at the target."""
    require(actor, "customer.merge")
    if source.pk == target.pk:
        raise Invalid(Code.CUSTOMER_MERGE_INTO_SELF, _("A customer cannot be merged into itself."),
                      field="source_id")
    locked = Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
    rows = {row.pk: row for row in locked.order_by("pk")}
    if source.pk not in rows or target.pk not in rows:
        raise NotFound(Code.CUSTOMER_NOT_FOUND, _("No customer has this id."))
    source, target = rows[source.pk], rows[target.pk]
    if source.is_merged or target.is_merged:
        raise Conflict(Code.CUSTOMER_ALREADY_MERGED,
                       _("One of these customers was already merged into another."))
    primary_kinds = Identity.objects.filter(customer=target, is_primary=True).values("kind")
    Identity.objects.filter(customer=source, is_primary=True, kind__in=primary_kinds).update(
        is_primary=False)
    orders = order_overlap(source_id=source.pk, target_id=target.pk)
    if orders.dropped:  # the same order on both records: keep the target's
        duplicate_orders(source_id=source.pk, target_id=target.pk).delete()
    moved = _move_references(source=source, target=target)
    before, after = _apply(target, merged_profile(source=source, target=target, orders=orders))
    if after:
        target.save(update_fields=[*after, "updated_at"])
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    data = {"source_id": source.pk, "moved": moved}
    timeline_record(verb="customer.merged", actor_id=actor.pk, customer_id=target.pk,
                    before={**_jsonable(before), "source_id": source.pk},
                    after={**_jsonable(after), **data})
    audit_record(actor_id=actor.pk, action="customer.merge", target_type="customer",
                 target_id=target.pk, data=data)
    return target


def _move_references(*, source: Customer, target: Customer) -> dict[str, int]:
    """Re-point every foreign key to the source at the target (merging.customer_references,
    which the preview counts too)."""
    moved: dict[str, int] = {}
    for reference in customer_references():
        moved[reference.key] = reference.model._base_manager.filter(
            **{reference.field: source}).update(**{reference.field: target})
    # Customers merged into the source earlier now point at the surviving target directly.
    moved[TOMBSTONES] = Customer.objects.filter(merged_into=source).update(merged_into=target)
    return moved


# --- helpers -------------------------------------------------------------------------------


def _clean_customer_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for field, value in values.items():
        if field == "organization_id":
            cleaned[field] = _clean_organization_id(value)
        elif field in {"lifetime_value", "cost_to_serve"}:
            cleaned[field] = validation.clean_money(value, field=field)
        else:
            cleaned[field] = validation.CUSTOMER_CLEANERS[field](value)
    return cleaned


def _clean_organization_id(value: object) -> int | None:
    if value is None:
        return None
    if (isinstance(value, bool) or not isinstance(value, int)
            or not Organization.objects.filter(pk=value).exists()):
        raise Invalid(Code.ORGANIZATION_NOT_FOUND, _("No organization has this id."),
                      field="organization_id")
    return value


def _clean_identity_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    cleaned = [(kind, normalize_identity(kind, value)) for kind, value in pairs]
    if len(cleaned) > validation.MAX_IDENTITIES:
        raise Invalid(Code.IDENTITY_INVALID, _("A customer can be created with at most 20 "
                                               "identities."), field="identities")
    return list(dict.fromkeys(cleaned))


def _any_of(pairs: Sequence[tuple[str, str]]) -> models.Q:
    query = models.Q(pk__in=[])
    for kind, value in pairs:
        query |= models.Q(kind=kind, value=value)
    return query


def _customer_insert(*, actor_id: int | None, values: dict[str, Any]) -> Customer:
    customer = _new_customer(values)
    rawrow.insert(customer)
    timeline_record_many([_customer_created(actor_id, customer, values)])
    return customer


def _new_customer(values: dict[str, Any]) -> Customer:
    return Customer(name_key=normalize_text(values["name"]), **values)


def _customer_created(actor_id: int | None, customer: Customer, values: dict[str, Any]
                      ) -> TimelineEvent:
    return timeline_event(verb="customer.created", actor_id=actor_id, customer_id=customer.pk,
                          after=_jsonable(values))


def _identity_added(actor_id: int | None, identity: Identity) -> TimelineEvent:
    return timeline_event(verb="identity.added", actor_id=actor_id,
                          customer_id=identity.customer_id,
                          after={"kind": identity.kind, "value": identity.value,
                                 "is_primary": identity.is_primary})


def _identities_insert(
    *, actor_id: int | None, customer: Customer, pairs: Sequence[tuple[str, str]],
    primary: bool | None = None,
) -> list[Identity]:
    """Insert identities; `primary=None` makes the first of each kind primary, True makes the
    (single) new one primary in place of the current one."""
    if primary:
        Identity.objects.filter(customer=customer, kind__in=[kind for kind, _v in pairs]).update(
            is_primary=False)
    seen: set[str] = set()
    rows = []
    for kind, value in pairs:
        rows.append(Identity(customer=customer, kind=kind, value=value,
                             match_key=identity_match_key(kind, value),
                             is_primary=bool(primary) if primary is not None else kind not in seen))
        seen.add(kind)
    created = [_saved(row) for row in rows]
    timeline_record_many([_identity_added(actor_id, row) for row in created])
    return created


def _saved(row: Identity) -> Identity:
    rawrow.insert(row)
    return row


def _or_default(clean: Callable[[object], str], value: object, *, default: str) -> str:
    try:
        return clean(value) or default
    except Invalid:
        return default


def _surviving(customer: Customer) -> Customer:
    for _hop in range(MAX_MERGE_FOLLOW):
        if customer.merged_into_id is None:
            return customer
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


def _identity_taken() -> Conflict:
    return Conflict(Code.IDENTITY_TAKEN, _("Another customer already has this identity."),
                    field="value")


def customer_record_satisfaction(*, customer_id: int, satisfaction: int) -> None:
    """The customer's latest survey answer on a 0–100 scale (the feedback context calls this
    when an answer arrives; no acting agent: the answer is the customer's own)."""
    if not 0 <= satisfaction <= 100:
        raise Invalid(Code.CHOICE_INVALID, _("Satisfaction is from 0 to 100."),
                      field="satisfaction")
    Customer.objects.filter(pk=customer_id).update(satisfaction=satisfaction)
