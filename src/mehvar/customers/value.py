"""The rules of customer value, shared by the recompute (customers.value_services), the
segments (customers.segments) and the selectors: revenue, cost to serve, profitability and
the tier a customer's numbers earn under the admins' tier rules. No reads, no writes."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet
from django.db.models.functions import Round

from mehvar.customers.models import Customer, Tier, TierRule
from mehvar.customers.validation import MAX_MONEY

CENT = Decimal("0.01")


def money(value: Decimal | int) -> Decimal:
    """Two decimal places, within the columns' range (0 to MAX_MONEY)."""
    return min(max(Decimal(value), Decimal(0)), MAX_MONEY).quantize(CENT, rounding=ROUND_HALF_UP)


def cost_to_serve(*, contacts: int, agent_replies: int, call_seconds: int = 0) -> Decimal:
    """What handling a customer cost: MEHVAR_COST_PER_CONTACT per conversation,
    MEHVAR_COST_PER_AGENT_REPLY per public agent reply (internal notes are free) and
    MEHVAR_COST_PER_CALL_MINUTE per minute on the phone with them (handle time)."""
    per_contact = Decimal(str(settings.MEHVAR_COST_PER_CONTACT))
    per_reply = Decimal(str(settings.MEHVAR_COST_PER_AGENT_REPLY))
    per_minute = Decimal(str(settings.MEHVAR_COST_PER_CALL_MINUTE))
    return money(per_contact * contacts + per_reply * agent_replies
                 + per_minute * Decimal(call_seconds) / 60)


def profitability_expression() -> ExpressionWrapper[Round]:
    """Lifetime value less cost to serve, as SQL. Rounded to cents: SQLite computes with
    binary floats, and 100.10 - 0.10 must compare equal to 100.00 as it does in Python."""
    return ExpressionWrapper(
        Round(F("lifetime_value") - F("cost_to_serve"), 2),
        output_field=DecimalField(max_digits=15, decimal_places=2),
    )


def with_profitability(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """The customers annotated with `profitability_amount` (the `profitability` property,
    computed by the database, for ordering and filtering)."""
    return customers.annotate(profitability_amount=profitability_expression())


def rule_matches(rule: TierRule, *, revenue: Decimal, profitability: Decimal,
                 orders: int) -> bool:
    """Every threshold the rule sets is met (a rule without thresholds matches everyone)."""
    return ((rule.min_revenue is None or revenue >= rule.min_revenue)
            and (rule.min_profitability is None or profitability >= rule.min_profitability)
            and (rule.min_orders is None or orders >= rule.min_orders))


def tier_for(rules: Sequence[TierRule], *, revenue: Decimal, profitability: Decimal,
             orders: int) -> tuple[str, TierRule | None]:
    """The tier of the first active rule, by position then id, that the numbers meet, and that
    rule; "standard" and None when none does."""
    for rule in sorted(rules, key=lambda row: (row.position, row.pk or 0)):
        if rule.is_active and rule_matches(rule, revenue=revenue, profitability=profitability,
                                           orders=orders):
            return rule.tier, rule
    return Tier.STANDARD, None
