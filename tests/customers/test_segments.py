"""Saved segments: the conditions' validation, the database filter and the Python predicate
(which must agree on every customer), the selectors and the services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mehvar.accounts.models import AuditLogEntry
from mehvar.core.errors import Conflict, Invalid, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.customers.models import Customer, JourneyStage, Segment, Tier
from mehvar.customers.segment_services import segment_create, segment_delete, segment_update
from mehvar.customers.segments import FIELDS, CustomerFacts, segment_contains, segment_q
from mehvar.customers.selectors import (
    segment_member_count,
    segment_members,
    segments_for_customer,
)
from mehvar.customers.services import customer_create, customer_merge, organization_create
from tests.customers.helpers import insert_conversation

pytestmark = pytest.mark.django_db

LANGUAGES = ["fa", "ar", "el", "en", "", "fa-IR"]
TAGS = [[], ["vip"], ["vip", "مشتری وفادار"], ["عميل مميز"], ["Αθήνα", "vip"], ["vip2"]]
LIFETIME = ["0", "100.10", "100.00", "999.99", "1500.50", "20000"]
COSTS = ["0", "0.10", "100.10", "50", "1500.50"]
ORDER_COUNTS = [0, 1, 2, 5, 10]
CREATED_DAYS = [0, 1, 7, 30, 30.5, 365]
CONTACT_DAYS: list[list[float]] = [[], [0], [7, 90], [30], [90], [1, 30]]
NAMES = ["فاطمه احمدی", "محمد العبدالله", "Γιώργος Παπαδόπουλος", "Sarah O'Connor",
         "نورة القحطاني", "Ελένη Κωνσταντίνου", "علی‌رضا کریمی"]


def population(agent, supervisor, now) -> dict[str, Any]:
    """31 customers whose fields vary independently (cycles of co-prime lengths), with
    conversations last active some days ago, plus one customer merged into another. Creation
    times and order counts are set directly: no service sets a past creation time, and order
    counts are derived (the recompute would also overwrite lifetime values)."""
    organizations = [organization_create(actor=agent, name=name).pk
                     for name in ("شركة النخيل", "Αθηναϊκή Τηλεπικοινωνίες")]
    customers = []
    for number in range(31):
        customer = customer_create(
            actor=agent, name=NAMES[number % len(NAMES)],
            tier=Tier.values[number % 4], journey_stage=JourneyStage.values[number % 6],
            language=LANGUAGES[number % 6], segment_tags=TAGS[(number * 5) % 6],
            lifetime_value=LIFETIME[number % 6], cost_to_serve=COSTS[(number * 3) % 5],
            organization_id=[None, *organizations][number % 3])
        Customer.objects.filter(pk=customer.pk).update(
            order_count=ORDER_COUNTS[(number * 2) % 5],
            satisfaction=[None, 0, 25, 50, 100][(number * 3) % 5],
            created_at=now - timedelta(days=CREATED_DAYS[(number * 7) % 6]))
        for days in CONTACT_DAYS[(number * 11) % 6]:
            insert_conversation(customer=customer, at=now - timedelta(days=days))
        customers.append(customer)
    customer_merge(actor=supervisor, source=customers[1], target=customers[2])
    return {"organizations": organizations, "customers": customers}


def values_for(field: str, organizations: list[int]) -> st.SearchStrategy[Any]:
    kind = FIELDS[field].kind
    pools: dict[str, list[Any]] = {
        "choice": list(FIELDS[field].choices),
        "language": [*LANGUAGES, "de"],
        "id": [*organizations, 987654],
        "tag": ["vip", "مشتری وفادار", "عميل مميز", "Αθήνα", "vip2", "κανένα"],
        "money": ["0", "0.10", "100.00", "100.10", "99.99", "1500.50", "20000", 100, 100.1],
        "signed_money": ["-1500.50", "-100", "0", "0.00", "99.90", "100.00", "1400.40",
                         "19999.90", -50],
        "count": [0, 1, 2, 5, 10, 11],
        "score": [0, 25, 50, 75, 100],
        "days": [0, 1, 7, 30, 31, 90, 365],
    }
    return st.sampled_from(pools[kind])


def conditions(organizations: list[int]) -> st.SearchStrategy[dict[str, Any]]:
    def for_field(field: str) -> st.SearchStrategy[dict[str, Any]]:
        values = values_for(field, organizations)
        return st.sampled_from(FIELDS[field].ops).flatmap(lambda op: st.fixed_dictionaries({
            "field": st.just(field), "op": st.just(op),
            "value": st.lists(values, min_size=1, max_size=3) if op in {"in", "not_in"}
            else values}))
    return st.sampled_from(sorted(FIELDS)).flatmap(for_field)


def test_the_filter_and_the_predicate_agree_on_every_customer(agent, supervisor) -> None:
    now = timezone.now()
    data = population(agent, supervisor, now)
    loaded = list(Customer.objects.all())
    facts = {customer.pk: CustomerFacts(customer) for customer in loaded}
    sizes: list[int] = []

    @settings(max_examples=200, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(match=st.sampled_from(["all", "any"]),
           spec=st.lists(conditions(data["organizations"]), max_size=4))
    def check(match: str, spec: list[dict[str, Any]]) -> None:
        in_database = set(Customer.objects.filter(segment_q(spec, match, now))
                          .values_list("pk", flat=True))
        segment = Segment(match=match, conditions=spec)
        in_python = {customer.pk for customer in loaded
                     if segment_contains(segment, customer, now, facts=facts[customer.pk])}
        assert in_database == in_python
        sizes.append(len(in_python))

    check()
    # not vacuous: most generated segments hold some customers and leave others out
    assert sum(0 < size < len(loaded) - 1 for size in sizes) > len(sizes) // 2


@pytest.mark.parametrize(
    ("_case", "condition", "expected"),
    [
        ("no organization is not that organization", {"field": "organization", "op": "ne"},
         ["Ελένη", "None"]),
        ("never contacted matches no last-contact condition",
         {"field": "last_contact_days", "op": "gt", "value": 1}, ["Ελένη", "فاطمه"]),
        ("recently contacted", {"field": "last_contact_days", "op": "lte", "value": 10},
         ["فاطمه"]),
        ("the latest conversation counts", {"field": "last_contact_days", "op": "gt",
                                            "value": 10}, ["Ελένη"]),
        ("profitability rounds like money", {"field": "profitability", "op": "gte",
                                             "value": "100"}, ["فاطمه"]),
        ("a tag is matched whole", {"field": "segment_tag", "op": "contains", "value": "vip"},
         ["None"]),
        ("created long ago", {"field": "created_days_ago", "op": "gte", "value": 0},
         ["Ελένη", "None", "فاطمه"]),
    ],
)
def test_conditions_on_examples(agent, _case, condition, expected) -> None:
    # Given
    organization = organization_create(actor=agent, name="فروشگاه آنلاین پارس")
    fatemeh = customer_create(actor=agent, name="فاطمه", lifetime_value="100.10",
                              cost_to_serve="0.10", organization_id=organization.pk,
                              segment_tags=["vip2", "VIP"])
    eleni = customer_create(actor=agent, name="Ελένη", segment_tags=["vipp"])
    customer_create(actor=agent, name="None", segment_tags=["vip"])
    now = timezone.now()
    insert_conversation(customer=fatemeh, at=now - timedelta(days=40))
    insert_conversation(customer=fatemeh, at=now - timedelta(days=2))
    insert_conversation(customer=eleni, at=now - timedelta(days=20))
    condition = {"value": organization.pk, **condition}
    # When
    names = sorted(Customer.objects.filter(segment_q([condition], "all", now))
                   .values_list("name", flat=True))
    # Then
    assert names == sorted(expected)
    segment = Segment(match="all", conditions=[condition])
    assert sorted(customer.name for customer in Customer.objects.all()
                  if segment_contains(segment, customer, now)) == sorted(expected)


def test_no_conditions_means_everyone_for_all_and_no_one_for_any(agent) -> None:
    customer_create(actor=agent, name="Νίκος")
    assert Customer.objects.filter(segment_q([], "all")).count() == 1
    assert Customer.objects.filter(segment_q([], "any")).count() == 0


# --- validation ----------------------------------------------------------------------------


def test_create_stores_canonical_conditions_and_records_it(supervisor) -> None:
    segment = segment_create(actor=supervisor, name="  مشتریان   طلایی ", description="Αθήνα",
                             match="any", conditions=[
                                 {"field": "lifetime_value", "op": "gte", "value": 1000},
                                 {"field": "language", "op": "in", "value": ["FA_ir", "fa-IR",
                                                                             "ar"]},
                                 {"field": "segment_tag", "op": "contains",
                                  "value": " مشتری  وفادار "},
                                 {"field": "profitability", "op": "lt", "value": -2.5}])
    segment.refresh_from_db()
    assert (segment.name, segment.match, segment.created_by_id) == (
        "مشتریان طلایی", "any", supervisor.pk)
    assert segment.conditions == [
        {"field": "lifetime_value", "op": "gte", "value": "1000.00"},
        {"field": "language", "op": "in", "value": ["fa-IR", "ar"]},
        {"field": "segment_tag", "op": "contains", "value": "مشتری وفادار"},
        {"field": "profitability", "op": "lt", "value": "-2.50"}]
    event = TimelineEvent.objects.get(verb="segment.created")
    assert (event.actor_id, event.customer_id, event.after["segment_id"],
            event.after["conditions"]) == (supervisor.pk, None, segment.pk, segment.conditions)


@pytest.mark.parametrize(
    ("_case", "changes", "code", "field"),
    [
        ("conditions not a list", {"conditions": {"field": "tier"}},
         "segment_conditions_invalid", "conditions"),
        ("too many conditions", {"conditions": [{"field": "tier", "op": "eq",
                                                 "value": "gold"}] * 21},
         "segment_conditions_invalid", "conditions"),
        ("a condition without value", {"conditions": [{"field": "tier", "op": "eq"}]},
         "segment_conditions_invalid", "conditions.0"),
        ("an extra key", {"conditions": [{"field": "tier", "op": "eq", "value": "gold",
                                          "and": 1}]}, "segment_conditions_invalid",
         "conditions.0"),
        ("unknown field", {"conditions": [{"field": "mood", "op": "gt", "value": 3}]},
         "segment_field_unknown", "conditions.0.field"),
        ("range op on a choice", {"conditions": [{"field": "tier", "op": "gt",
                                                  "value": "gold"}]},
         "segment_op_invalid", "conditions.0.op"),
        ("eq on money", {"conditions": [{"field": "lifetime_value", "op": "eq", "value": 1}]},
         "segment_op_invalid", "conditions.0.op"),
        ("unknown tier", {"conditions": [{"field": "tier", "op": "eq", "value": "diamond"}]},
         "segment_value_invalid", "conditions.0.value"),
        ("in without a list", {"conditions": [{"field": "tier", "op": "in", "value": "gold"}]},
         "segment_value_invalid", "conditions.0.value"),
        ("empty list", {"conditions": [{"field": "tier", "op": "in", "value": []}]},
         "segment_value_invalid", "conditions.0.value"),
        ("list too long", {"conditions": [{"field": "organization", "op": "in",
                                           "value": list(range(1, 52))}]},
         "segment_value_invalid", "conditions.0.value"),
        ("negative lifetime value", {"conditions": [
            {"field": "tier", "op": "eq", "value": "gold"},
            {"field": "lifetime_value", "op": "gt", "value": "-1"}]},
         "segment_value_invalid", "conditions.1.value"),
        ("money as words", {"conditions": [{"field": "cost_to_serve", "op": "gt",
                                            "value": "δέκα"}]},
         "segment_value_invalid", "conditions.0.value"),
        ("count as a flag", {"conditions": [{"field": "order_count", "op": "gt",
                                             "value": True}]},
         "segment_value_invalid", "conditions.0.value"),
        ("days beyond a century", {"conditions": [{"field": "created_days_ago", "op": "gt",
                                                   "value": 36_501}]},
         "segment_value_invalid", "conditions.0.value"),
        ("fractional days", {"conditions": [{"field": "last_contact_days", "op": "gt",
                                             "value": 1.5}]},
         "segment_value_invalid", "conditions.0.value"),
        ("bad language", {"conditions": [{"field": "language", "op": "eq",
                                          "value": "فارسی"}]},
         "segment_value_invalid", "conditions.0.value"),
        ("organization id as text", {"conditions": [{"field": "organization", "op": "eq",
                                                     "value": "1"}]},
         "segment_value_invalid", "conditions.0.value"),
        ("unknown match", {"match": "most"}, "segment_match_invalid", "match"),
        ("empty name", {"name": " "}, "name_invalid", "name"),
        ("description with controls", {"description": "a\x00b"},
         "segment_description_invalid", "description"),
    ],
)
def test_create_rejects_invalid_input(supervisor, _case, changes, code, field) -> None:
    with pytest.raises(Invalid) as caught:
        segment_create(actor=supervisor, **{"name": "Ελίτ", **changes})
    assert (caught.value.code, caught.value.field) == (code, field)
    assert not Segment.objects.exists()


def test_names_are_unique(supervisor) -> None:
    first = segment_create(actor=supervisor, name="VIP")
    other = segment_create(actor=supervisor, name="عملاء مميزون")
    with pytest.raises(Conflict) as created:
        segment_create(actor=supervisor, name="VIP")
    with pytest.raises(Conflict) as renamed:
        segment_update(actor=supervisor, segment=other, name="VIP")
    assert (created.value.code, renamed.value.code, renamed.value.field) == (
        "segment_name_taken", "segment_name_taken", "name")
    assert sorted(Segment.objects.values_list("name", flat=True)) == ["VIP", "عملاء مميزون"]
    assert first.pk != other.pk


def test_update_records_what_changed_and_delete_is_audited(supervisor, admin) -> None:
    segment = segment_create(actor=supervisor, name="Αθήνα", conditions=[
        {"field": "tier", "op": "eq", "value": "gold"}])
    segment_update(actor=supervisor, segment=segment, name="Αθήνα",
                   conditions=[{"field": "tier", "op": "in", "value": ["gold", "platinum"]}])
    segment_update(actor=supervisor, segment=segment, match="all")  # unchanged: no event
    segment_delete(actor=admin, segment=segment)
    updated = TimelineEvent.objects.get(verb="segment.updated")
    assert (updated.before, updated.after) == (
        {"segment_id": segment.pk, "conditions": [{"field": "tier", "op": "eq",
                                                   "value": "gold"}]},
        {"segment_id": segment.pk, "conditions": [{"field": "tier", "op": "in",
                                                   "value": ["gold", "platinum"]}]})
    assert TimelineEvent.objects.filter(verb__startswith="segment.").count() == 3
    entry = AuditLogEntry.objects.get(action="segment.delete")
    assert (entry.actor_id, entry.target_id, entry.data["name"]) == (admin.pk, str(segment.pk),
                                                                     "Αθήνα")
    assert not Segment.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "agent"])
def test_roles_below_supervisor_cannot_manage_segments(request, supervisor, role) -> None:
    actor = request.getfixturevalue(role)
    segment = segment_create(actor=supervisor, name="VIP")
    with pytest.raises(PermissionDenied):
        segment_create(actor=actor, name="Άλλο")
    with pytest.raises(PermissionDenied):
        segment_update(actor=actor, segment=segment, name="Άλλο")
    with pytest.raises(PermissionDenied):
        segment_delete(actor=actor, segment=segment)
    assert list(Segment.objects.values_list("name", flat=True)) == ["VIP"]
    assert TimelineEvent.objects.filter(verb__startswith="segment.").count() == 1


# --- selectors -----------------------------------------------------------------------------


def test_members_count_and_segments_for_customer(agent, supervisor, analyst) -> None:
    gold = segment_create(actor=supervisor, name="Χρυσοί", conditions=[
        {"field": "tier", "op": "in", "value": ["gold", "platinum"]}])
    quiet = segment_create(actor=supervisor, name="ساکت", match="any", conditions=[
        {"field": "last_contact_days", "op": "gt", "value": 30},
        {"field": "segment_tag", "op": "contains", "value": "در خطر"}])
    members = [customer_create(actor=agent, name=f"مشتری {number}", tier="gold")
               for number in range(3)]
    outsider = customer_create(actor=agent, name="Ξένος", segment_tags=["در خطر"])
    first = segment_members(actor=analyst, segment=gold, limit=2)
    rest = segment_members(actor=analyst, segment=gold, cursor=first.next_cursor)
    assert [row.pk for row in [*first.items, *rest.items]] == [row.pk for row in members[::-1]]
    assert rest.next_cursor is None
    assert segment_member_count(actor=analyst, segment=gold) == 3
    assert segments_for_customer(members[0]) == [gold.pk]
    assert segments_for_customer(outsider) == [quiet.pk]


@pytest.mark.parametrize(("_case", "conditions", "queries"), [
    ("profile fields only", [{"field": "tier", "op": "eq", "value": "gold"}], 1),
    ("last contact", [{"field": "last_contact_days", "op": "lt", "value": 3}], 2),
])
def test_segments_for_customer_runs_one_or_two_queries(agent, supervisor,
                                                       django_assert_num_queries, _case,
                                                       conditions, queries) -> None:
    customer = customer_create(actor=agent, name="Ελένη", tier="gold")
    insert_conversation(customer=customer)
    for number in range(5):
        segment_create(actor=supervisor, name=f"Τμήμα {number}", conditions=conditions)
    with django_assert_num_queries(queries):
        found = segments_for_customer(customer)
    assert len(found) == 5


def test_an_analyst_may_read_members_and_an_inactive_one_may_not(supervisor, analyst) -> None:
    segment = segment_create(actor=supervisor, name="VIP")
    assert segment_member_count(actor=analyst, segment=segment) == 0
    analyst.is_active = False
    with pytest.raises(PermissionDenied):
        segment_members(actor=analyst, segment=segment)


def test_money_values_compare_as_decimals(agent) -> None:
    customer_create(actor=agent, name="Ακριβής", lifetime_value="0.30", cost_to_serve="0.10")
    spec = [{"field": "profitability", "op": "gte", "value": "0.20"}]
    customer = Customer.objects.get()
    assert customer.profitability == Decimal("0.20")
    assert Customer.objects.filter(segment_q(spec, "all")).count() == 1
    assert segment_contains(Segment(match="all", conditions=spec), customer)
