"""Segment conditions: validation, a database filter (`segment_q`) and the same rule in Python
on one loaded customer (`segment_contains`). The two must agree on every customer; a property
test checks that they do.

A condition is {"field", "op", "value"}. Fields and the operators each allows:

- tier, journey_stage, language, organization (an id): eq, ne, in, not_in;
- segment_tag (one of the customer's segment tags): contains;
- lifetime_value, cost_to_serve, profitability (money), order_count: gt, gte, lt, lte;
- satisfaction (the latest survey answer, 0–100; a customer who never answered meets no
  satisfaction condition): gt, gte, lt, lte;
- created_days_ago, last_contact_days (days since the customer's most recent conversation
  had a message; a customer who never wrote in meets no last_contact_days condition):
  gt, gte, lt, lte.

Customers merged into another are in no segment. Neither module reads another context's
models: the conversations are reached through Customer's reverse relation.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import reduce
from typing import Any, NamedTuple, Protocol

from django.db import NotSupportedError
from django.db.models import BooleanField, Exists, F, Func, Model, OuterRef, Q, Value
from django.db.models.lookups import (
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import Invalid
from mehvar.customers import validation
from mehvar.customers.errors import CustomerErrorCode as Code
from mehvar.customers.models import Customer, JourneyStage, SegmentMatch, Tier
from mehvar.customers.value import profitability_expression

MAX_CONDITIONS = 20
MAX_VALUES = 50
MAX_DAYS = 36_500
MAX_COUNT = 2**31 - 1
DB_ID_MAX = 2**63 - 1
EQUALITY_OPS = ("eq", "ne", "in", "not_in")
RANGE_OPS = ("gt", "gte", "lt", "lte")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le,
}
_LOOKUP = {"gt": GreaterThan, "gte": GreaterThanOrEqual, "lt": LessThan, "lte": LessThanOrEqual}
# A number of days ago compared with `op` is the moment it began compared the other way.
_BEFORE = {"gt": "lt", "gte": "lte", "lt": "gt", "lte": "gte"}


class FieldRule(NamedTuple):
    kind: str  # choice, language, id, tag, money, signed_money, count, score, days
    ops: tuple[str, ...]
    column: str
    choices: tuple[str, ...] = ()


FIELDS: dict[str, FieldRule] = {
    "tier": FieldRule("choice", EQUALITY_OPS, "tier", tuple(Tier.values)),
    "journey_stage": FieldRule("choice", EQUALITY_OPS, "journey_stage",
                               tuple(JourneyStage.values)),
    "language": FieldRule("language", EQUALITY_OPS, "language"),
    "organization": FieldRule("id", EQUALITY_OPS, "organization_id"),
    "segment_tag": FieldRule("tag", ("contains",), "segment_tags"),
    "lifetime_value": FieldRule("money", RANGE_OPS, "lifetime_value"),
    "cost_to_serve": FieldRule("money", RANGE_OPS, "cost_to_serve"),
    "profitability": FieldRule("signed_money", RANGE_OPS, "profitability"),
    "order_count": FieldRule("count", RANGE_OPS, "order_count"),
    "satisfaction": FieldRule("score", RANGE_OPS, "satisfaction"),
    "created_days_ago": FieldRule("days", RANGE_OPS, "created_at"),
    "last_contact_days": FieldRule("days", RANGE_OPS, "last_message_at"),
}


class SegmentSpec(Protocol):
    @property
    def match(self) -> str: ...
    @property
    def conditions(self) -> Any: ...


# --- validation ----------------------------------------------------------------------------


def clean_match(value: object) -> str:
    if value not in SegmentMatch.values:
        raise Invalid(Code.SEGMENT_MATCH_INVALID, _("Choose all or any."), field="match")
    return str(value)


def clean_conditions(value: object) -> list[dict[str, Any]]:
    """The conditions in canonical form (money as a string with two decimals, lists without
    repeats); Invalid with the position of the condition at fault."""
    if not isinstance(value, list | tuple) or len(value) > MAX_CONDITIONS:
        raise Invalid(Code.SEGMENT_CONDITIONS_INVALID, _("Give a list of at most %(max)d "
                      "conditions.") % {"max": MAX_CONDITIONS}, field="conditions")
    return [_clean_condition(index, condition) for index, condition in enumerate(value)]


def _clean_condition(index: int, condition: object) -> dict[str, Any]:
    where = f"conditions.{index}"
    if not isinstance(condition, Mapping) or set(condition) != {"field", "op", "value"}:
        raise Invalid(Code.SEGMENT_CONDITIONS_INVALID, _("Each condition has a field, an "
                      "operator (op) and a value."), field=where)
    field, op = condition["field"], condition["op"]
    rule = FIELDS.get(field) if isinstance(field, str) else None
    if rule is None:
        raise Invalid(Code.SEGMENT_FIELD_UNKNOWN, _("Choose one of the fields: %(fields)s.")
                      % {"fields": ", ".join(FIELDS)}, field=f"{where}.field")
    if op not in rule.ops:
        raise Invalid(Code.SEGMENT_OP_INVALID, _("For %(field)s choose one of: %(ops)s.")
                      % {"field": field, "ops": ", ".join(rule.ops)}, field=f"{where}.op")
    raw = condition["value"]
    if op in {"in", "not_in"}:
        if not isinstance(raw, list | tuple) or not 0 < len(raw) <= MAX_VALUES:
            raise Invalid(Code.SEGMENT_VALUE_INVALID, _("Give a list of 1 to %(max)d values.")
                          % {"max": MAX_VALUES}, field=f"{where}.value")
        value: Any = list(dict.fromkeys(_clean_value(rule, item, f"{where}.value")
                                        for item in raw))
    else:
        value = _clean_value(rule, raw, f"{where}.value")
    return {"field": field, "op": op, "value": value}


def _clean_value(rule: FieldRule, value: object, where: str) -> Any:
    """One value of the field's kind, as JSON stores it; Invalid("segment_value_invalid")."""
    cleaned = _value_or_none(rule, value)
    if cleaned is None:
        raise Invalid(Code.SEGMENT_VALUE_INVALID, _VALUE_PROBLEMS[rule.kind], field=where)
    return cleaned


def _value_or_none(rule: FieldRule, value: object) -> Any:
    if rule.kind == "choice":
        return value if value in rule.choices else None
    if rule.kind == "language":
        try:
            return validation.clean_language(value)
        except Invalid:
            return None
    if rule.kind == "tag":
        text = " ".join(value.split()) if isinstance(value, str) else ""
        return text if 0 < len(text) <= validation.MAX_TAG_LENGTH else None
    if rule.kind in {"money", "signed_money"}:
        return _money_or_none(value, signed=rule.kind == "signed_money")
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    limits = {"id": (1, DB_ID_MAX), "count": (0, MAX_COUNT), "score": (0, 100),
              "days": (0, MAX_DAYS)}[rule.kind]
    return value if limits[0] <= value <= limits[1] else None


def _money_or_none(value: object, *, signed: bool) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    if isinstance(value, str) and len(value) > 40:
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    lowest = -validation.MAX_MONEY if signed else Decimal(0)
    if not amount.is_finite() or not lowest <= amount <= validation.MAX_MONEY:
        return None
    return str(amount.quantize(Decimal("0.01")))


_VALUE_PROBLEMS = {
    "choice": _("Choose one of the listed values."),
    "language": _("Enter a language code such as fa or ar-EG."),
    "id": _("Give an organization id."),
    "tag": _("Give a segment tag of 1 to 64 characters."),
    "money": _("Give an amount between 0 and 999999999999.99."),
    "signed_money": _("Give an amount between -999999999999.99 and 999999999999.99."),
    "count": _("Give a whole number, 0 or more."),
    "score": _("Give a whole number from 0 to 100."),
    "days": _("Give a whole number of days between 0 and 36500."),
}


# --- the database filter -------------------------------------------------------------------


class JSONListContains(Func):
    """True when the JSON array in the first expression holds the string in the second."""

    output_field = BooleanField()
    arity = 2

    def as_sql(self, compiler: Any, connection: Any, function: str | None = None,
               template: str | None = None, arg_joiner: str | None = None,
               **extra_context: Any) -> Any:
        raise NotSupportedError("JSONListContains runs on PostgreSQL and SQLite only")

    def _compiled(self, compiler: Any) -> tuple[str, str, list[Any]]:
        (array_sql, array_params), (item_sql, item_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions())
        return array_sql, item_sql, [*array_params, *item_params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        array_sql, item_sql, params = self._compiled(compiler)
        return f"({array_sql} @> jsonb_build_array(({item_sql})::text))", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        array_sql, item_sql, params = self._compiled(compiler)
        return (f"EXISTS (SELECT 1 FROM json_each({array_sql}) AS tag "
                f"WHERE tag.type = 'text' AND tag.value = {item_sql})"), params


def segment_q(spec: SegmentSpec | Sequence[Mapping[str, Any]], match: str | None = None,
              now: datetime | None = None) -> Q:
    """A filter on Customer for the live customers in the segment (or in the conditions
    `spec`, joined by `match`); one row per customer (conversations are read through EXISTS,
    never joined)."""
    conditions, match = _spec(spec, match)
    now = now or timezone.now()
    parts = [_condition_q(condition, now) for condition in conditions]
    if match == SegmentMatch.ANY:
        combined = reduce(operator.or_, parts) if parts else Q(pk__in=[])
    else:
        combined = reduce(operator.and_, parts, Q())
    return Q(merged_into__isnull=True) & combined


def _spec(spec: SegmentSpec | Sequence[Mapping[str, Any]], match: str | None
          ) -> tuple[list[dict[str, Any]], str]:
    if isinstance(spec, Sequence):
        return clean_conditions(list(spec)), clean_match(match or SegmentMatch.ALL)
    return clean_conditions(spec.conditions), clean_match(match or spec.match)


def _conversations() -> type[Model]:
    return Customer._meta.get_field("conversations").related_model


def _contacted(**lookups: Any) -> Exists:
    """EXISTS a conversation of the outer customer matching the lookups."""
    relation = Customer._meta.get_field("conversations")
    customer_field = relation.field.name
    return Exists(_conversations()._default_manager.filter(
        **{customer_field: OuterRef("pk")}, **lookups))


def _condition_q(condition: Mapping[str, Any], now: datetime) -> Q:
    field, op, value = condition["field"], condition["op"], condition["value"]
    rule = FIELDS[field]
    if rule.kind in {"choice", "language", "id"}:
        lookup = "in" if op in {"in", "not_in"} else "exact"
        q = Q(**{f"{rule.column}__{lookup}": value})
        return ~q if op in {"ne", "not_in"} else q
    if rule.kind == "tag":
        return Q(JSONListContains(F(rule.column), Value(value)))
    if field == "profitability":
        return Q(_LOOKUP[op](profitability_expression(), Decimal(value)))
    if rule.kind == "money":
        return Q(**{f"{rule.column}__{op}": Decimal(value)})
    if rule.kind in {"count", "score"}:  # a customer without an answer meets no score test
        return Q(**{f"{rule.column}__{op}": value})
    cutoff = now - timedelta(days=value)
    if field == "created_days_ago":
        return Q(**{f"created_at__{_BEFORE[op]}": cutoff})
    # last_contact_days: the latest last_message_at compared with the cutoff, through EXISTS.
    if op in {"lt", "lte"}:  # latest after the cutoff: some conversation is that recent
        return Q(_contacted(**{f"last_message_at__{_BEFORE[op]}": cutoff}))
    newer = "gte" if op == "gt" else "gt"
    return Q(_contacted(last_message_at__isnull=False)) & ~Q(
        _contacted(**{f"last_message_at__{newer}": cutoff}))


# --- the same rule in Python ---------------------------------------------------------------


class CustomerFacts:
    """What conditions read beyond the customer's columns, loaded once when first needed:
    the latest message time over the customer's conversations (one small query)."""

    def __init__(self, customer: Customer) -> None:
        self.customer = customer
        self._latest_contact: datetime | None = None
        self._loaded = False

    def latest_contact(self) -> datetime | None:
        if not self._loaded:
            relation = Customer._meta.get_field("conversations")
            customer_field = relation.field.name
            self._latest_contact = (
                _conversations()._default_manager
                .filter(**{customer_field: self.customer.pk}, last_message_at__isnull=False)
                .order_by("-last_message_at").values_list("last_message_at", flat=True).first())
            self._loaded = True
        return self._latest_contact


def segment_contains(spec: SegmentSpec, customer: Customer, now: datetime | None = None, *,
                     facts: CustomerFacts | None = None) -> bool:
    """Whether `customer` (a loaded row) is in the segment: the rule of segment_q, in Python.
    Reads the database only for last_contact_days (once per `facts`)."""
    if customer.merged_into_id is not None:
        return False
    conditions, match = _spec(spec, None)
    now = now or timezone.now()
    facts = facts or CustomerFacts(customer)
    results = (_condition_holds(condition, customer, now, facts) for condition in conditions)
    return any(results) if match == SegmentMatch.ANY else all(results)


def _condition_holds(condition: Mapping[str, Any], customer: Customer, now: datetime,
                     facts: CustomerFacts) -> bool:
    field, op, value = condition["field"], condition["op"], condition["value"]
    rule = FIELDS[field]
    if rule.kind in {"choice", "language", "id"}:
        actual = getattr(customer, rule.column)
        if op in {"in", "not_in"}:
            return (actual in value) is (op == "in")
        return (actual == value) is (op == "eq")
    if rule.kind == "tag":
        return value in customer.segment_tags
    compare = _COMPARE[op]
    if rule.kind in {"money", "signed_money"}:
        return compare(Decimal(getattr(customer, rule.column)), Decimal(value))
    if rule.kind in {"count", "score"}:
        actual = getattr(customer, rule.column)
        return actual is not None and compare(actual, value)
    cutoff = now - timedelta(days=value)
    if field == "created_days_ago":
        return _COMPARE[_BEFORE[op]](customer.created_at, cutoff)
    latest = facts.latest_contact()
    return latest is not None and _COMPARE[_BEFORE[op]](latest, cutoff)
