"""Writes for customer value: orders (one at a time, or a CSV file of them), the value
recompute (revenue, order count, cost to serve and tier) and the admins' tier rules.

Every service authorizes, validates, writes in one transaction and records timeline events
in it, like customers.services. The recompute runs a fixed number of queries per batch of
customers, whatever the batch size (up to MAX_RECOMPUTE_BATCH) and the amount of history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.services import audit_record
from mehvar.core.background import enqueue_on_commit
from mehvar.core.errors import Conflict, Invalid
from mehvar.core.permissions import Actor, require
from mehvar.core.timeline import timeline_event, timeline_record, timeline_record_many
from mehvar.customers import validation
from mehvar.customers.errors import CustomerErrorCode as Code
from mehvar.customers.models import Customer, CustomerOrder, Identity, IdentityKind, TierRule
from mehvar.customers.orders_csv import CustomerRef, OrderRow, RowError, parse_orders_csv
from mehvar.customers.rows import apply, jsonable, locked, reject_unknown
from mehvar.customers.value import cost_to_serve, money, tier_for

MAX_RECOMPUTE_BATCH = 500
MAX_TIER_RULES = 50
MAX_POSITION = 10_000
MAX_ORDERS_THRESHOLD = 2**31 - 1
MAX_REPORTED_ERRORS = 500
MAX_MERGE_FOLLOW = 10
LOOKUP_CHUNK = 2_000
INSERT_BATCH = 1_000
RECOMPUTE_ALL_TASK = "mehvar.customers.tasks.customer_value_recompute_all_task"
TIER_RULE_FIELDS = ("tier", "position", "min_revenue", "min_profitability", "min_orders",
                    "is_active")
AGENT_AUTHOR = "agent"  # conversations' AuthorKind.AGENT, read through the reverse relation
VALUE_FIELDS = ["lifetime_value", "order_count", "cost_to_serve", "tier", "updated_at"]


@dataclass(frozen=True)
class ValueResult:
    """Customers recomputed, how many of them changed, and how many changed tier."""

    customers: int = 0
    changed: int = 0
    tiers_changed: int = 0

    def __add__(self, other: ValueResult) -> ValueResult:
        return ValueResult(self.customers + other.customers, self.changed + other.changed,
                           self.tiers_changed + other.tiers_changed)


@dataclass(frozen=True)
class ImportResult:
    """What an orders import did: data rows read, orders stored, rows already recorded
    (same customer, external id, amount and date), rows refused (`errors` holds the first
    MAX_REPORTED_ERRORS of them, by line) and customers whose value was recomputed."""

    rows: int
    created: int
    unchanged: int
    error_count: int
    errors: list[RowError] = field(default_factory=list)
    customers: int = 0


# --- orders --------------------------------------------------------------------------------


@transaction.atomic
def order_record(
    *, actor: Actor, customer: Customer, amount: Decimal | int | str, ordered_at: datetime,
    external_id: str = "",
) -> CustomerOrder:
    """Record one order and recompute the customer's value. Recording an external id the
    customer already has returns that order unchanged; with another amount or date it is a
    Conflict("order_external_id_taken")."""
    require(actor, "order.record")
    amount = validation.clean_money(amount, field="amount")
    ordered_at = validation.clean_ordered_at(ordered_at)
    external_id = validation.clean_external_id(external_id)
    row = locked(Customer, customer.pk, Code.CUSTOMER_NOT_FOUND)
    if row.is_merged:
        raise Conflict(Code.CUSTOMER_MERGED,
                       _("This customer was merged into another; record the order there."))
    if external_id:  # the customer row is locked: no one else records for it meanwhile
        existing = CustomerOrder.objects.filter(customer=row, external_id=external_id).first()
        if existing is not None:
            if (existing.amount, existing.ordered_at) != (amount, ordered_at):
                raise _external_id_taken()
            return existing
    order = CustomerOrder.objects.create(customer=row, amount=amount, ordered_at=ordered_at,
                                         external_id=external_id)
    timeline_record(verb="order.recorded", actor_id=actor.pk, customer_id=row.pk,
                    after={"order_id": order.pk, "amount": str(amount),
                           "ordered_at": ordered_at.isoformat(), "external_id": external_id})
    _recompute([row.pk], actor_id=actor.pk)
    return order


@transaction.atomic
def orders_import_csv(*, actor: Actor, data: bytes) -> ImportResult:
    """Store the good rows of an orders CSV file (see customers.orders_csv for the format) and
    report the bad ones by line and column; then recompute the value of every customer who
    got an order. A problem with the whole file (size, encoding, header, too many rows) is
    Invalid and stores nothing. Importing the same file twice stores its orders once, when
    the rows have external ids."""
    require(actor, "order.import")
    parsed = parse_orders_csv(data)
    rows, errors = parsed.rows, parsed.errors
    owners = _owners({row.customer for row in rows})
    placed: list[tuple[OrderRow, int]] = []
    for row in rows:
        owner = owners.get(row.customer)
        if owner is None:
            errors.append(RowError(row.line, "customer", Code.IMPORT_CUSTOMER_NOT_FOUND,
                                   _("No customer has this id, email address or phone "
                                     "number.")))
        else:
            placed.append((row, owner))
    customer_ids = sorted({owner for _row, owner in placed})
    for chunk in _chunks(customer_ids, LOOKUP_CHUNK):  # serialise with order_record
        list(Customer.objects.select_for_update().filter(pk__in=chunk).values_list("pk"))
    new, unchanged = _new_orders(placed, errors)
    CustomerOrder.objects.bulk_create(new, batch_size=INSERT_BATCH)
    timeline_record_many(_import_events(new, actor_id=actor.pk))
    for chunk in _chunks(sorted({order.customer_id for order in new}), MAX_RECOMPUTE_BATCH):
        _recompute(chunk, actor_id=actor.pk)
    errors.sort(key=lambda error: (error.line, error.column))
    return ImportResult(rows=parsed.row_count, created=len(new), unchanged=unchanged,
                        error_count=len(errors),
                        errors=errors[:MAX_REPORTED_ERRORS],
                        customers=len({order.customer_id for order in new}))


def _owners(refs: Iterable[CustomerRef]) -> dict[CustomerRef, int]:
    """The live customer each reference denotes (following merges); references that denote
    nobody, or more than one customer, are left out. A few queries per 2,000 references."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for ref in refs:
        by_kind[ref.kind].append(ref.value)
    found: dict[CustomerRef, set[int]] = defaultdict(set)
    for chunk in _chunks(by_kind["id"], LOOKUP_CHUNK):
        for pk in Customer.objects.filter(pk__in=[int(value) for value in chunk]).values_list(
                "pk", flat=True):
            found[CustomerRef("id", str(pk))].add(pk)
    for kind, identity_kinds in (("email", [IdentityKind.EMAIL]),
                                 ("phone", [IdentityKind.PHONE, IdentityKind.WHATSAPP])):
        for chunk in _chunks(by_kind[kind], LOOKUP_CHUNK):
            for value, customer_id in Identity.objects.filter(
                    kind__in=identity_kinds, value__in=chunk).values_list("value", "customer_id"):
                found[CustomerRef(kind, value)].add(customer_id)
    survivors = _survivors({pk for pks in found.values() for pk in pks})
    owners: dict[CustomerRef, int] = {}
    for ref, pks in found.items():
        live = {survivors[pk] for pk in pks if pk in survivors}
        if len(live) == 1:
            owners[ref] = live.pop()
    return owners


def _survivors(customer_ids: set[int]) -> dict[int, int]:
    """customer id -> the live customer it is or was merged into (one query per merge hop)."""
    result = {pk: pk for pk in customer_ids}
    pending = set(customer_ids)
    for _hop in range(MAX_MERGE_FOLLOW):
        if not pending:
            break
        next_of: dict[int, int] = {}
        for chunk in _chunks(sorted(pending), LOOKUP_CHUNK):
            next_of.update(Customer.objects.filter(pk__in=chunk, merged_into__isnull=False)
                           .values_list("pk", "merged_into_id"))
        for origin, current in list(result.items()):
            if current in next_of:
                result[origin] = next_of[current]
        pending = set(next_of.values())
    return result


def _new_orders(placed: Sequence[tuple[OrderRow, int]], errors: list[RowError]
                ) -> tuple[list[CustomerOrder], int]:
    """The orders to insert, and how many rows were already recorded; a row whose external
    id the customer already has with another amount or date is an error."""
    keys = {(owner, row.external_id) for row, owner in placed if row.external_id}
    known: dict[tuple[int, str], tuple[Decimal, datetime]] = {}
    for chunk in _chunks(sorted(keys), LOOKUP_CHUNK):
        for customer_id, external_id, amount, ordered_at in CustomerOrder.objects.filter(
                customer_id__in={owner for owner, _id in chunk},
                external_id__in={external_id for _owner, external_id in chunk}).values_list(
                "customer_id", "external_id", "amount", "ordered_at"):
            if (customer_id, external_id) in keys:
                known[(customer_id, external_id)] = (amount, ordered_at)
    new: list[CustomerOrder] = []
    unchanged = 0
    for row, owner in placed:
        key = (owner, row.external_id)
        if row.external_id and key in known:
            if known[key] != (row.amount, row.ordered_at):
                errors.append(RowError(row.line, "external_id", Code.ORDER_EXTERNAL_ID_TAKEN,
                                       _external_id_taken().detail))
            else:
                unchanged += 1
            continue
        if row.external_id:
            known[key] = (row.amount, row.ordered_at)
        new.append(CustomerOrder(customer_id=owner, amount=row.amount,
                                 ordered_at=row.ordered_at, external_id=row.external_id))
    return new, unchanged


def _import_events(orders: Sequence[CustomerOrder], *, actor_id: int | None) -> list[Any]:
    """One "orders.imported" event per customer, with the number and total of its orders."""
    totals: dict[int, tuple[int, Decimal]] = {}
    for order in orders:
        count, amount = totals.get(order.customer_id, (0, Decimal(0)))
        totals[order.customer_id] = (count + 1, amount + order.amount)
    return [timeline_event(verb="orders.imported", actor_id=actor_id, customer_id=customer_id,
                           after={"orders": count, "amount": str(amount)})
            for customer_id, (count, amount) in sorted(totals.items())]


def _external_id_taken() -> Conflict:
    return Conflict(Code.ORDER_EXTERNAL_ID_TAKEN, _("This customer already has an order with "
                    "this external id, with another amount or date."), field="external_id")


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    values = list(values)
    return (values[start:start + size] for start in range(0, len(values), size))


# --- value recompute -----------------------------------------------------------------------


@transaction.atomic
def customer_value_recompute(
    *, actor: Actor | None = None, customer_ids: Sequence[int]
) -> ValueResult:
    """Recompute revenue, order count, cost to serve and tier of these customers (at most
    MAX_RECOMPUTE_BATCH; unknown and merged ones are skipped). `actor=None` is for trusted
    system paths (the background task)."""
    if actor is not None:
        require(actor, "customer_value.recompute")
    if len(customer_ids) > MAX_RECOMPUTE_BATCH:
        raise Invalid(Code.VALUE_RECOMPUTE_TOO_MANY, _("Recompute at most %(max)d customers at "
                      "a time.") % {"max": MAX_RECOMPUTE_BATCH}, field="customer_ids")
    return _recompute(customer_ids, actor_id=actor.pk if actor is not None else None)


def customer_value_recompute_all(
    *, actor: Actor | None = None, batch_size: int = MAX_RECOMPUTE_BATCH
) -> ValueResult:
    """Recompute every live customer, in batches by id (each batch its own transaction, so
    no lock is held long)."""
    if actor is not None:
        require(actor, "customer_value.recompute")
    batch_size = max(1, min(batch_size, MAX_RECOMPUTE_BATCH))
    total, last_pk = ValueResult(), 0
    while True:
        ids = list(Customer.objects.filter(pk__gt=last_pk, merged_into__isnull=True)
                   .order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return total
        with transaction.atomic():
            total += _recompute(ids, actor_id=actor.pk if actor is not None else None)
        last_pk = ids[-1]


def customer_value_recompute_schedule(*, actor: Actor) -> None:
    """Recompute every customer in the background (mehvar worker), after this commits."""
    require(actor, "customer_value.recompute")
    enqueue_on_commit(RECOMPUTE_ALL_TASK)


def _recompute(customer_ids: Sequence[int], *, actor_id: int | None) -> ValueResult:
    """Six queries whatever the number of customers (up to MAX_RECOMPUTE_BATCH) and their
    history: lock, order totals, handling effort, tier rules, one update, one insert of
    "customer.tier_changed" events. Revenue is the sum of the customer's orders; a customer
    without orders keeps the lifetime value set on the profile. Tiers follow the rules only
    when there is an active rule."""
    ids = sorted(set(customer_ids))
    customers = list(Customer.objects.select_for_update().filter(
        pk__in=ids, merged_into__isnull=True).order_by("pk"))
    if not customers:
        return ValueResult()
    orders = {row["customer_id"]: (row["total"], row["count"]) for row in (
        CustomerOrder.objects.filter(customer_id__in=ids).order_by().values("customer_id")
        .annotate(total=Sum("amount"), count=Count("pk")))}
    agent_reply = Q(conversations__messages__author_kind=AGENT_AUTHOR,
                    conversations__messages__is_internal=False)
    effort = {row["pk"]: (row["contacts"], row["replies"]) for row in (
        Customer.objects.filter(pk__in=ids).order_by().values("pk").annotate(
            contacts=Count("conversations", distinct=True),
            replies=Count("conversations__messages", filter=agent_reply)))}
    # Handle time: minutes on the phone, in a query of its own (joined with the messages it
    # would count each call once per message).
    calls = {row["pk"]: row["seconds"] or 0 for row in (
        Customer.objects.filter(pk__in=ids).order_by().values("pk").annotate(
            seconds=Sum("conversations__phone_calls__duration_seconds")))}
    rules = list(TierRule.objects.filter(is_active=True).order_by("position", "pk"))
    now = timezone.now()
    changed: list[Customer] = []
    events = []
    for customer in customers:
        total, count = orders.get(customer.pk, (None, 0))
        revenue = money(total) if total is not None else customer.lifetime_value
        contacts, replies = effort.get(customer.pk, (0, 0))
        cost = cost_to_serve(contacts=contacts, agent_replies=replies,
                             call_seconds=calls.get(customer.pk, 0))
        tier, rule = customer.tier, None
        if rules:
            tier, rule = tier_for(rules, revenue=revenue, profitability=revenue - cost,
                                  orders=count)
        if (revenue, count, cost, tier) == (customer.lifetime_value, customer.order_count,
                                            customer.cost_to_serve, customer.tier):
            continue
        if tier != customer.tier:
            events.append(timeline_event(
                verb="customer.tier_changed", actor_id=actor_id, customer_id=customer.pk,
                before={"tier": customer.tier},
                after={"tier": tier, "tier_rule_id": rule.pk if rule is not None else None}))
        customer.lifetime_value, customer.order_count = revenue, count
        customer.cost_to_serve, customer.tier, customer.updated_at = cost, tier, now
        changed.append(customer)
    if changed:
        Customer.objects.bulk_update(changed, VALUE_FIELDS)
    if events:
        timeline_record_many(events)
    return ValueResult(customers=len(customers), changed=len(changed), tiers_changed=len(events))


# --- tier rules ----------------------------------------------------------------------------


@transaction.atomic
def tier_rule_create(
    *, actor: Actor, tier: str, position: int = 0, min_revenue: Decimal | int | str | None = None,
    min_profitability: Decimal | int | str | None = None, min_orders: int | None = None,
    is_active: bool = True,
) -> TierRule:
    """Add a rule; every customer's tier is recomputed in the background after commit."""
    require(actor, "tier_rule.manage")
    values = _clean_tier_rule({"tier": tier, "position": position, "min_revenue": min_revenue,
                               "min_profitability": min_profitability,
                               "min_orders": min_orders, "is_active": is_active})
    if TierRule.objects.count() >= MAX_TIER_RULES:
        raise Conflict(Code.TIER_RULES_TOO_MANY, _("There can be at most %(max)d tier rules.")
                       % {"max": MAX_TIER_RULES})
    rule = TierRule.objects.create(**values)
    timeline_record(verb="tier_rule.created", actor_id=actor.pk,
                    after={"tier_rule_id": rule.pk, **jsonable(values)})
    enqueue_on_commit(RECOMPUTE_ALL_TASK)
    return rule


@transaction.atomic
def tier_rule_update(*, actor: Actor, rule: TierRule, **changes: Any) -> TierRule:
    require(actor, "tier_rule.manage")
    reject_unknown(changes, TIER_RULE_FIELDS)
    values = _clean_tier_rule(changes)
    row = locked(TierRule, rule.pk, Code.TIER_RULE_NOT_FOUND)
    before, after = apply(row, values)
    if not after:
        return row
    row.save(update_fields=[*after, "updated_at"])
    timeline_record(verb="tier_rule.updated", actor_id=actor.pk,
                    before={"tier_rule_id": row.pk, **jsonable(before)},
                    after={"tier_rule_id": row.pk, **jsonable(after)})
    enqueue_on_commit(RECOMPUTE_ALL_TASK)
    return row


@transaction.atomic
def tier_rule_delete(*, actor: Actor, rule: TierRule) -> None:
    require(actor, "tier_rule.manage")
    row = locked(TierRule, rule.pk, Code.TIER_RULE_NOT_FOUND)
    snapshot = jsonable({name: getattr(row, name) for name in TIER_RULE_FIELDS})
    timeline_record(verb="tier_rule.deleted", actor_id=actor.pk,
                    before={"tier_rule_id": row.pk, **snapshot})
    audit_record(actor_id=actor.pk, action="tier_rule.delete", target_type="tier_rule",
                 target_id=row.pk, data=snapshot)
    row.delete()
    enqueue_on_commit(RECOMPUTE_ALL_TASK)


def _clean_tier_rule(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name == "tier":
            cleaned[name] = validation.CUSTOMER_CLEANERS["tier"](value)
        elif name in {"min_revenue", "min_profitability"}:
            cleaned[name] = None if value is None else _threshold_money(
                value, signed=name == "min_profitability", field=name)
        elif name == "is_active":
            if not isinstance(value, bool):
                raise _rule_invalid(_("Give true or false."), name)
            cleaned[name] = value
        else:
            limit = MAX_POSITION if name == "position" else MAX_ORDERS_THRESHOLD
            if value is None and name == "min_orders":
                cleaned[name] = None
            elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
                raise _rule_invalid(_("Give a whole number from 0 to %(max)d.")
                                    % {"max": limit}, name)
            else:
                cleaned[name] = value
    return cleaned


def _threshold_money(value: object, *, signed: bool, field: str) -> Decimal:
    """A threshold amount; min_profitability may be negative (a loss the tier tolerates)."""
    if signed and isinstance(value, int | float | str | Decimal) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            amount = Decimal(0)
        if amount.is_finite() and amount < 0:
            return -validation.clean_money(-amount, field=field)
    return validation.clean_money(value, field=field)


def _rule_invalid(detail: Any, field: str) -> Invalid:
    return Invalid(Code.TIER_RULE_INVALID, detail, field=field)
