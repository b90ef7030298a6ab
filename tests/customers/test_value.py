"""Customer value: the recompute (revenue, order count, cost to serve, tier), tier rules and
their precedence, and the recompute's fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import override_settings

from mehvar.accounts.models import AuditLogEntry
from mehvar.channels.services.calls import call_log
from mehvar.conversations.services.conversations import conversation_create
from mehvar.conversations.services.messages import message_add
from mehvar.core.errors import Conflict, Invalid, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.customers.models import Customer, TierRule
from mehvar.customers.services import customer_create, customer_merge
from mehvar.customers.value_services import (
    MAX_TIER_RULES,
    ValueResult,
    customer_value_recompute,
    customer_value_recompute_all,
    order_record,
    tier_rule_create,
    tier_rule_delete,
    tier_rule_update,
)
from tests.customers.helpers import insert_conversation, insert_messages
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db

MARCH_21 = datetime(2025, 3, 21, tzinfo=UTC)


def values(customer: Customer) -> tuple[Decimal, int, Decimal, str]:
    customer.refresh_from_db()
    return customer.lifetime_value, customer.order_count, customer.cost_to_serve, customer.tier


def buy(agent, customer: Customer, *amounts: str) -> None:
    for amount in amounts:
        order_record(actor=agent, customer=customer, amount=amount, ordered_at=MARCH_21)


# --- revenue and cost to serve -------------------------------------------------------------


def test_cost_to_serve_counts_contacts_and_public_agent_replies(agent, supervisor) -> None:
    # Given: two conversations, three public replies, one internal note
    first = conversation_create(actor=agent, subject="Η παραγγελία μου καθυστερεί",
                                channel="email", text="Πότε θα έρθει;",
                                identity_kind="email", identity_value="eleni@example.gr")
    customer = first.customer
    second = conversation_create(actor=agent, subject="فاتورة خاطئة", channel="email",
                                 text="المبلغ غير صحيح", customer_id=customer.pk)
    for conversation, text in ((first, "Θα σας ενημερώσουμε."), (first, "Εστάλη σήμερα."),
                               (second, "تم تصحيح الفاتورة")):
        message_add(actor=agent, conversation=conversation, text=text)
    message_add(actor=agent, conversation=first, text="Ο πελάτης είναι θυμωμένος",
                is_internal=True)
    # When
    result = customer_value_recompute(actor=supervisor, customer_ids=[customer.pk])
    # Then: 2 contacts x 2.00 + 3 replies x 1.50
    assert result == ValueResult(customers=1, changed=1, tiers_changed=0)
    assert values(customer)[2] == Decimal("8.50")


def test_cost_to_serve_counts_minutes_on_the_phone(agent, supervisor) -> None:
    # Given: one conversation with two logged calls, 4:30 and 1:30
    conversation = conversation_create(actor=agent, subject="مودم قطع است", channel="phone",
                                       text="تماس مشتری", identity_kind="phone",
                                       identity_value="+989121234567")
    for seconds in (270, 90):
        call_log(actor=agent, conversation_id=conversation.pk, customer_id=None,
                 direction="inbound", number="+989121234567", duration_seconds=seconds,
                 outcome="answered")
    # When
    customer_value_recompute(actor=supervisor, customer_ids=[conversation.customer_id])
    # Then: 1 contact x 2.00, the two calls' messages as replies 2 x 1.50 (on a phone
    # conversation a logged call is the agent's public answer), 6 minutes x 1.00
    assert values(conversation.customer)[2] == Decimal("11.00")


@override_settings(MEHVAR_COST_PER_CONTACT=Decimal("0.75"),
                   MEHVAR_COST_PER_AGENT_REPLY=Decimal("0.10"))
def test_cost_weights_come_from_the_settings(agent, supervisor) -> None:
    customer = customer_create(actor=agent, name="يوسف الحداد")
    conversation = insert_conversation(customer=customer)
    insert_messages(conversation, agent=agent, replies=4, notes=2)
    customer_value_recompute(actor=supervisor, customer_ids=[customer.pk])
    assert values(customer)[2] == Decimal("1.15")


def test_revenue_is_the_sum_of_orders_or_the_profile_value_without_orders(agent,
                                                                          supervisor) -> None:
    with_orders = customer_create(actor=agent, name="مریم حسینی", lifetime_value="5000")
    without = customer_create(actor=agent, name="Γιώργος", lifetime_value="640.20",
                              cost_to_serve="3")
    buy(agent, with_orders, "120.10", "79.90")
    customer_value_recompute(actor=supervisor, customer_ids=[with_orders.pk, without.pk])
    assert values(with_orders) == (Decimal("200.00"), 2, Decimal("0.00"), "standard")
    assert values(without) == (Decimal("640.20"), 0, Decimal("0.00"), "standard")
    assert without.profitability == Decimal("640.20")


def test_unknown_and_merged_customers_are_skipped(agent, supervisor) -> None:
    source = customer_create(actor=agent, name="Sara", lifetime_value="10")
    target = customer_create(actor=agent, name="سارا")
    customer_merge(actor=supervisor, source=source, target=target)
    result = customer_value_recompute(actor=supervisor, customer_ids=[source.pk, target.pk, -1])
    assert result == ValueResult(customers=1, changed=0, tiers_changed=0)


@pytest.mark.parametrize("role", ["analyst", "agent"])
def test_roles_below_supervisor_cannot_recompute(request, agent, role) -> None:
    customer = customer_create(actor=agent, name="Νίκος", lifetime_value="5")
    insert_conversation(customer=customer)
    with pytest.raises(PermissionDenied):
        customer_value_recompute(actor=request.getfixturevalue(role), customer_ids=[customer.pk])
    assert values(customer) == (Decimal("5.00"), 0, Decimal("0.00"), "standard")


def test_recompute_takes_at_most_500_customers(supervisor) -> None:
    with pytest.raises(Invalid) as caught:
        customer_value_recompute(actor=supervisor, customer_ids=list(range(1, 502)))
    assert (caught.value.code, caught.value.field) == ("value_recompute_too_many",
                                                       "customer_ids")


def test_recompute_all_walks_every_live_customer_in_batches(agent, admin) -> None:
    customers = [customer_create(actor=agent, name=name) for name in
                 ("علی", "Ελένη", "محمد", "Νίκος", "فاطمه", "Sarah", "Γιάννης")]
    for customer in customers:
        insert_conversation(customer=customer)
    customer_merge(actor=admin, source=customers[0], target=customers[1])
    result = customer_value_recompute_all(actor=admin, batch_size=3)
    assert result == ValueResult(customers=6, changed=6, tiers_changed=0)
    assert sorted(Customer.objects.filter(merged_into__isnull=True)
                  .values_list("cost_to_serve", flat=True)) == [Decimal("2.00")] * 5 + [
        Decimal("4.00")]


@pytest.mark.parametrize("size", [10, 50])
def test_recompute_runs_the_same_queries_for_10_or_50_customers(
        agent, admin, django_assert_num_queries, size) -> None:
    # Given: customers with orders, conversations, replies, and rules that change tiers
    customers = CustomerFactory.create_batch(size)
    for customer in customers:
        conversation = insert_conversation(customer=customer)
        insert_messages(conversation, agent=agent, replies=2, notes=1)
    tier_rule_create(actor=admin, tier="silver", min_revenue="0")
    ids = [customer.pk for customer in customers]
    # savepoint, lock, orders, effort, call minutes, rules, update, events, release
    with django_assert_num_queries(9):
        result = customer_value_recompute(actor=admin, customer_ids=ids)
    assert result == ValueResult(customers=size, changed=size, tiers_changed=size)
    assert set(Customer.objects.values_list("cost_to_serve", "tier")) == {
        (Decimal("5.00"), "silver")}


# --- tiers ---------------------------------------------------------------------------------


@pytest.fixture
def rules(admin) -> dict[str, TierRule]:
    """Tried in order: an inactive catch-all, platinum (revenue and orders), gold (revenue),
    silver (profitability)."""
    return {
        "inactive": tier_rule_create(actor=admin, tier="platinum", position=0, is_active=False),
        "platinum": tier_rule_create(actor=admin, tier="platinum", position=1,
                                     min_revenue="10000", min_orders=3),
        "gold": tier_rule_create(actor=admin, tier="gold", position=2, min_revenue="1000"),
        "silver": tier_rule_create(actor=admin, tier="silver", position=3,
                                   min_profitability="100"),
    }


@pytest.mark.parametrize(
    ("_case", "amounts", "replies", "tier"),
    [
        ("meets every platinum threshold", ["5000", "5000", "1"], 0, "platinum"),
        ("platinum revenue, too few orders", ["20000"], 0, "gold"),
        ("gold revenue, however costly", ["1000"], 2000, "gold"),
        ("profitable enough for silver", ["150"], 10, "silver"),
        ("silver revenue eaten by cost", ["150"], 33, "standard"),
        ("no orders, no profit", [], 0, "standard"),
    ],
)
def test_the_first_active_rule_met_gives_the_tier(agent, admin, rules, _case, amounts,
                                                  replies, tier) -> None:
    customer = customer_create(actor=agent, name="Ελένη Κωνσταντίνου", tier="silver")
    conversation = insert_conversation(customer=customer)
    insert_messages(conversation, agent=agent, replies=replies)
    buy(agent, customer, *amounts)
    customer_value_recompute(actor=admin, customer_ids=[customer.pk])
    assert values(customer)[3] == tier


def test_rules_at_one_position_are_tried_in_creation_order(agent, admin) -> None:
    first = tier_rule_create(actor=admin, tier="gold", position=5)
    tier_rule_create(actor=admin, tier="platinum", position=5)
    customer = customer_create(actor=agent, name="محمد العبدالله")
    customer_value_recompute(actor=admin, customer_ids=[customer.pk])
    event = TimelineEvent.objects.get(verb="customer.tier_changed")
    assert (event.customer_id, event.actor_id, event.before, event.after) == (
        customer.pk, admin.pk, {"tier": "standard"}, {"tier": "gold", "tier_rule_id": first.pk})


def test_a_tier_change_is_recorded_once(agent, admin, rules) -> None:
    customer = customer_create(actor=agent, name="علی‌رضا کریمی")
    buy(agent, customer, "1500")
    customer_value_recompute(actor=admin, customer_ids=[customer.pk])
    again = customer_value_recompute(actor=admin, customer_ids=[customer.pk])
    assert again == ValueResult(customers=1, changed=0, tiers_changed=0)
    assert list(TimelineEvent.objects.filter(verb="customer.tier_changed").values_list(
        "actor_id", "before", "after")) == [
        (agent.pk, {"tier": "standard"}, {"tier": "gold", "tier_rule_id": rules["gold"].pk})]


def test_without_active_rules_tiers_stay_as_set_by_hand(agent, admin) -> None:
    tier_rule_create(actor=admin, tier="platinum", is_active=False)
    customer = customer_create(actor=agent, name="نورة القحطاني", tier="gold")
    buy(agent, customer, "1")
    assert values(customer)[3] == "gold"
    assert not TimelineEvent.objects.filter(verb="customer.tier_changed").exists()


# --- tier rule services --------------------------------------------------------------------


def test_tier_rule_create_update_delete_are_recorded(admin) -> None:
    rule = tier_rule_create(actor=admin, tier="gold", position=2, min_revenue="1000.5",
                            min_profitability="-50")
    assert (rule.min_revenue, rule.min_profitability, rule.min_orders) == (
        Decimal("1000.50"), Decimal("-50.00"), None)
    tier_rule_update(actor=admin, rule=rule, min_revenue=None, min_orders=3)
    tier_rule_update(actor=admin, rule=rule, min_orders=3)  # no change, no event
    tier_rule_delete(actor=admin, rule=rule)
    assert list(TimelineEvent.objects.order_by("pk").values_list("verb", "before", "after")) == [
        ("tier_rule.created", {}, {"tier_rule_id": rule.pk, "tier": "gold", "position": 2,
                                   "min_revenue": "1000.50", "min_profitability": "-50.00",
                                   "min_orders": None, "is_active": True}),
        ("tier_rule.updated", {"tier_rule_id": rule.pk, "min_revenue": "1000.50",
                               "min_orders": None},
         {"tier_rule_id": rule.pk, "min_revenue": None, "min_orders": 3}),
        ("tier_rule.deleted", {"tier_rule_id": rule.pk, "tier": "gold", "position": 2,
                               "min_revenue": None, "min_profitability": "-50.00",
                               "min_orders": 3, "is_active": True}, {}),
    ]
    assert AuditLogEntry.objects.filter(action="tier_rule.delete").count() == 1
    assert not TierRule.objects.exists()


def test_a_rule_change_recomputes_every_tier_after_commit(
        agent, admin, django_capture_on_commit_callbacks) -> None:
    customers = [customer_create(actor=agent, name=name) for name in ("Αλέξης", "هادی")]
    buy(agent, customers[0], "500")
    with django_capture_on_commit_callbacks(execute=True):
        tier_rule_create(actor=admin, tier="silver", min_revenue="100")
    assert [values(customer)[3] for customer in customers] == ["silver", "standard"]


@pytest.mark.parametrize("role", ["analyst", "agent", "supervisor"])
def test_only_admins_manage_tier_rules(request, admin, role) -> None:
    actor = request.getfixturevalue(role)
    rule = tier_rule_create(actor=admin, tier="gold")
    with pytest.raises(PermissionDenied):
        tier_rule_create(actor=actor, tier="silver")
    with pytest.raises(PermissionDenied):
        tier_rule_update(actor=actor, rule=rule, tier="silver")
    with pytest.raises(PermissionDenied):
        tier_rule_delete(actor=actor, rule=rule)
    assert list(TierRule.objects.values_list("tier", flat=True)) == ["gold"]


@pytest.mark.parametrize(
    ("_case", "changes", "code", "field"),
    [
        ("unknown tier", {"tier": "diamond"}, "choice_invalid", "tier"),
        ("negative position", {"position": -1}, "tier_rule_invalid", "position"),
        ("position as text", {"position": "1"}, "tier_rule_invalid", "position"),
        ("orders as a flag", {"min_orders": True}, "tier_rule_invalid", "min_orders"),
        ("negative revenue", {"min_revenue": "-1"}, "money_invalid", "min_revenue"),
        ("profitability not a number", {"min_profitability": "πολύ"}, "money_invalid",
         "min_profitability"),
        ("active as text", {"is_active": "yes"}, "tier_rule_invalid", "is_active"),
    ],
)
def test_tier_rule_rejects_invalid_values(admin, _case, changes, code, field) -> None:
    with pytest.raises(Invalid) as caught:
        tier_rule_create(actor=admin, **{"tier": "gold", **changes})
    assert (caught.value.code, caught.value.field) == (code, field)
    assert not TierRule.objects.exists()


def test_there_are_at_most_50_tier_rules(admin) -> None:
    for number in range(MAX_TIER_RULES):
        tier_rule_create(actor=admin, tier="silver", position=number)
    with pytest.raises(Conflict) as caught:
        tier_rule_create(actor=admin, tier="gold")
    assert caught.value.code == "tier_rules_too_many"
    assert TierRule.objects.count() == MAX_TIER_RULES
