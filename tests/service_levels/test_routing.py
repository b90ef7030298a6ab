"""Routing rules: precedence, conditions (channel, language, keywords in Arabic, Persian and
Greek, tags, tier, business hours), the actions, and the record of which rule routed and why."""

from __future__ import annotations

from typing import Any

import pytest

from mehvar.accounts.models import Agent, Team
from mehvar.accounts.services import team_create
from mehvar.core.errors import Invalid, NotFound, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.customers.services import customer_update
from mehvar.service_levels.models import RoutingRule
from mehvar.service_levels.routing import RoutingFacts, decide, routing_text
from mehvar.service_levels.services.configuration import (
    calendar_create,
    routing_rule_create,
    routing_rule_delete,
    routing_rule_update,
    routing_rules_reorder,
)
from mehvar.service_levels.services.lifecycle import active_rules
from tests.service_levels.conftest import EL_TEXT, FA_TEXT, RIYADH_WEEK, state_of, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing(admin: Agent) -> Team:
    return team_create(actor=admin, name="الفواتير")


@pytest.fixture
def greek_desk(admin: Agent) -> Team:
    return team_create(actor=admin, name="Ελληνική υποστήριξη")


def test_the_first_matching_rule_by_position_routes_and_records_why(
    admin: Agent, open_conversation: Any, billing: Team, greek_desk: Team,
) -> None:
    keyword = routing_rule_create(actor=admin, name="Invoices", position=20,
                                  keywords=["فاتورة", "فاکتور"], team_id=billing.pk,
                                  priority="high", add_tags=["billing"])
    routing_rule_create(actor=admin, name="Arabic email", position=30, languages=["ar"],
                        channels=["email"], team_id=greek_desk.pk)
    conversation = open_conversation()  # Arabic text mentions فاتورة
    assert conversation.team_id == billing.pk
    assert conversation.priority == "high"
    assert [tag.name for tag in conversation.tags.all()] == ["billing"]
    event = TimelineEvent.objects.get(conversation_id=conversation.pk, verb="conversation.routed")
    assert event.after["rule_id"] == keyword.pk
    assert event.after["rule_name"] == "Invoices"
    assert event.after["reasons"] == [{"condition": "keyword", "value": "فاتورة"}]
    assert state_of(conversation).routed_by_id == keyword.pk


def test_reordering_changes_which_rule_wins(
    admin: Agent, open_conversation: Any, billing: Team, greek_desk: Team,
) -> None:
    first = routing_rule_create(actor=admin, name="Invoices", position=10,
                                keywords=["فاتورة"], team_id=billing.pk)
    second = routing_rule_create(actor=admin, name="Email", position=20, channels=["email"],
                                 team_id=greek_desk.pk)
    routing_rules_reorder(actor=admin, rule_ids=[second.pk, first.pk])
    assert open_conversation().team_id == greek_desk.pk


def test_persian_keywords_match_whatever_the_letter_forms(
    admin: Agent, open_conversation: Any, billing: Team,
) -> None:
    # The rule is written with the Arabic kaf and yeh; the customer types Persian ones.
    routing_rule_create(actor=admin, name="Orders", keywords=["ثبت كردم", "پيش"],
                        team_id=billing.pk)
    conversation = open_conversation(subject="پیگیری", text=FA_TEXT, language="fa")
    assert conversation.team_id == billing.pk
    event = TimelineEvent.objects.get(conversation_id=conversation.pk, verb="conversation.routed")
    assert event.after["reasons"] == [{"condition": "keyword", "value": "ثبت كردم"}]


def test_every_condition_must_hold(admin: Agent, open_conversation: Any, billing: Team) -> None:
    routing_rule_create(actor=admin, name="Greek WhatsApp", languages=["el"],
                        channels=["whatsapp"], team_id=billing.pk)
    assert open_conversation(text=EL_TEXT, language="el").team_id is None  # by email
    assert open_conversation(channel="whatsapp", identity_kind="whatsapp",
                             identity_value="+306912345678", text=EL_TEXT,
                             language="el").team_id == billing.pk


def test_tier_and_tag_conditions(admin: Agent, agent: Agent, open_conversation: Any,
                                 billing: Team, greek_desk: Team) -> None:
    routing_rule_create(actor=admin, name="Platinum", position=1, tiers=["platinum"],
                        team_id=billing.pk)
    routing_rule_create(actor=admin, name="Refunds", position=2, tags=["refund"],
                        team_id=greek_desk.pk)
    platinum = open_conversation(identity_value="vip@example.com")
    assert platinum.team_id is None
    customer_update(actor=agent, customer=platinum.customer, tier="platinum")
    assert open_conversation(identity_value="vip@example.com").team_id == billing.pk
    assert open_conversation(tags=["refund"]).team_id == greek_desk.pk


def test_business_hours_condition_uses_the_teams_calendar(
    admin: Agent, clock: Any, open_conversation: Any, billing: Team, greek_desk: Team,
) -> None:
    calendar_create(actor=admin, name="الرياض", time_zone="Asia/Riyadh",
                    weekly_hours=RIYADH_WEEK, is_default=True)
    routing_rule_create(actor=admin, name="After hours", position=1, business_hours="closed",
                        team_id=greek_desk.pk)
    routing_rule_create(actor=admin, name="Office", position=2, business_hours="open",
                        team_id=billing.pk)
    clock(utc(2027, 1, 8, 9, 0))  # Friday noon in Riyadh: the weekend
    assert open_conversation().team_id == greek_desk.pk
    clock(utc(2027, 1, 10, 9, 0))  # Sunday noon
    assert open_conversation().team_id == billing.pk


def test_inactive_rules_and_agent_started_conversations_are_not_routed(
    admin: Agent, open_conversation: Any, billing: Team,
) -> None:
    rule = routing_rule_create(actor=admin, name="All", team_id=billing.pk)
    assert open_conversation(author="agent").team_id is None
    routing_rule_update(actor=admin, rule_id=rule.pk, is_active=False)
    assert open_conversation().team_id is None


def test_a_team_given_at_creation_is_replaced_only_by_a_rule_with_a_team(
    admin: Agent, open_conversation: Any, billing: Team, greek_desk: Team,
) -> None:
    routing_rule_create(actor=admin, name="Urgent words", keywords=["فوری", "عاجل"],
                        priority="urgent")
    conversation = open_conversation(team_id=greek_desk.pk, text="عاجل! " + FA_TEXT)
    assert (conversation.team_id, conversation.priority) == (greek_desk.pk, "urgent")


def test_rules_are_validated_and_admin_only(admin: Agent, supervisor: Agent,
                                            billing: Team) -> None:
    with pytest.raises(PermissionDenied):
        routing_rule_create(actor=supervisor, name="x", team_id=billing.pk)
    bad = [
        ({"channels": ["pigeon"]}, "channels"),
        ({"tiers": ["diamond"]}, "tiers"),
        ({"keywords": ["x" * 65]}, "keywords"),
        ({"keywords": "فاتورة"}, "keywords"),
        ({"business_hours": "sometimes"}, "business_hours"),
        ({"priority": "whenever"}, "priority"),
        ({"team_id": 999_999}, "team_id"),
        ({"team_id": None}, "team_id"),  # a rule must do something
    ]
    for values, field in bad:
        with pytest.raises(Invalid) as caught:
            routing_rule_create(actor=admin, name="Bad", **values)
        assert caught.value.field == field, values
    assert not RoutingRule.objects.exists()
    with pytest.raises(NotFound):
        routing_rule_delete(actor=admin, rule_id=999_999)


def test_decide_is_pure_and_fast_to_reject() -> None:
    rules = [RoutingRule(pk=number, name=f"r{number}", channels=["sms"], position=number)
             for number in range(1, 50)]
    rules.append(RoutingRule(pk=99, name="Greek", languages=["el"], position=99))
    asked: list[str] = []
    facts = RoutingFacts(channel="email", language="el", tier="standard",
                         text=routing_text("Σύνδεση", EL_TEXT),
                         tags=lambda: asked.append("tags") or frozenset())
    decision = decide(rules, facts)
    assert decision.rule is not None
    assert decision.rule.pk == 99
    assert decision.reasons == [{"condition": "language", "value": "el"}]
    assert asked == []  # no rule needed the tags, so nobody asked for them


def test_rules_are_held_in_memory_until_they_change(
    admin: Agent, billing: Team, greek_desk: Team, django_assert_num_queries: Any,
) -> None:
    routing_rule_create(actor=admin, name="Invoices", keywords=["فاتورة"], team_id=billing.pk)
    assert [rule.name for rule in active_rules()] == ["Invoices"]
    with django_assert_num_queries(1):  # the version counter only
        assert [rule.name for rule in active_rules()] == ["Invoices"]
    routing_rule_create(actor=admin, name="Ελληνικά", languages=["el"], team_id=greek_desk.pk)
    assert [rule.name for rule in active_rules()] == ["Invoices", "Ελληνικά"]
    # A team deleted takes its rules along without any service raising the counter.
    greek_desk.delete()
    assert [rule.name for rule in active_rules()] == ["Invoices"]


def test_tag_conditions_and_added_tags_spell_tags_as_conversations_do(
    admin: Agent, open_conversation: Any, billing: Team,
) -> None:
    routing_rule_create(actor=admin, name="Δίκτυο", tags=["Δίκτυο", "فاتورة"],
                        add_tags=["Ρούτερ"], team_id=billing.pk)
    conversation = open_conversation(tags=["Δίκτυο"])
    assert conversation.team_id == billing.pk
    assert sorted(tag.name for tag in conversation.tags.all()) == ["Δίκτυο", "Ρούτερ"]


def test_new_rules_go_last_and_many_rules_can_be_reordered(admin: Agent,
                                                           billing: Team) -> None:
    rules = [routing_rule_create(actor=admin, name=f"قاعدة {n}", keywords=[f"k{n}"],
                                 team_id=billing.pk) for n in range(60)]
    assert [rule.position for rule in rules[:3]] == [10, 20, 30]
    routing_rules_reorder(actor=admin, rule_ids=[rule.pk for rule in reversed(rules)])
    assert [rule.name for rule in active_rules()][:2] == ["قاعدة 59", "قاعدة 58"]
