"""SLA clocks on real conversations at controlled times: business hours in the team's time
zone, Friday–Saturday and Saturday–Sunday weekends, holidays, pauses while waiting on the
customer, warnings and breaches in the timeline, and the customer's waiting time."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command

from mehvar.accounts.models import Agent, Team
from mehvar.conversations.services.conversations import conversation_set_status
from mehvar.conversations.services.messages import message_add, message_add_from_customer
from mehvar.core.errors import Conflict, Invalid
from mehvar.core.models import TimelineEvent
from mehvar.service_levels.models import AlertKind, SlaAlert, SlaState
from mehvar.service_levels.selectors import customer_waiting
from mehvar.service_levels.services.clocks import sla_recompute, sla_tick, waited_now
from mehvar.service_levels.services.configuration import (
    calendar_create,
    calendar_delete,
    calendar_set_holidays,
    sla_policy_update,
    team_service_update,
)
from tests.service_levels.conftest import ATHENS_WEEK, EL_TEXT, FA_TEXT, TEHRAN_WEEK, state_of, utc

pytestmark = pytest.mark.django_db


def test_first_response_and_resolution_run_over_a_friday_saturday_weekend(
    clock: Any, open_conversation: Any, support_team: Team, gold_policy: Any, agent: Agent,
) -> None:
    # Thursday 16:00 in Riyadh (13:00 UTC): one business hour left before the weekend.
    clock(utc(2027, 1, 7, 13, 0))
    conversation = open_conversation(team_id=support_team.pk)
    state = state_of(conversation)
    assert state.policy_id == gold_policy.pk
    assert state.state == SlaState.ON_TRACK
    # 2 h: Thursday 16–17, then Sunday 09–10 (Riyadh) = 07:00 UTC.
    assert state.first_response_due == utc(2027, 1, 10, 7, 0)
    # 8 h: Thursday 16–17 and Sunday 09–16.
    assert state.resolution_due == utc(2027, 1, 10, 13, 0)
    assert state.deadline == state.first_response_due


def test_a_saturday_sunday_weekend_and_a_holiday_in_athens(
    clock: Any, admin: Agent, open_conversation: Any, support_team: Team, gold_policy: Any,
) -> None:
    athens = calendar_create(actor=admin, name="Αθήνα", time_zone="Europe/Athens",
                             weekly_hours=ATHENS_WEEK)
    calendar_set_holidays(actor=admin, calendar_id=athens.pk,
                          holidays=[(date(2027, 3, 25), "Ευαγγελισμός")])
    team_service_update(actor=admin, team_id=support_team.pk, calendar_id=athens.pk)
    # Wednesday 24 March 2027, 16:30 in Athens (EET, UTC+2).
    clock(utc(2027, 3, 24, 14, 30))
    conversation = open_conversation(team_id=support_team.pk, text=EL_TEXT, language="el")
    # 2 h: 16:30–17:00 Wednesday; Thursday the 25th is a holiday; 09:00–10:30 Friday.
    assert state_of(conversation).first_response_due == utc(2027, 3, 26, 8, 30)


def test_nowruz_holidays_in_tehran(
    clock: Any, admin: Agent, open_conversation: Any, support_team: Team, gold_policy: Any,
) -> None:
    tehran = calendar_create(actor=admin, name="تهران", time_zone="Asia/Tehran",
                             weekly_hours=TEHRAN_WEEK)
    calendar_set_holidays(actor=admin, calendar_id=tehran.pk, holidays=[
        (date(2027, 3, day), "نوروز") for day in (20, 21, 22, 23, 24)])
    team_service_update(actor=admin, team_id=support_team.pk, calendar_id=tehran.pk)
    # Friday 19 March 2027 (the weekend), 10:00 in Tehran (UTC+3:30).
    clock(utc(2027, 3, 19, 6, 30))
    conversation = open_conversation(team_id=support_team.pk, text=FA_TEXT, language="fa")
    # Saturday to Wednesday are Nowruz; Thursday the 25th opens 08:00–12:00: due 10:00.
    assert state_of(conversation).first_response_due == utc(2027, 3, 25, 6, 30)


def test_the_same_moment_gives_different_due_times_in_different_time_zones(
    clock: Any, admin: Agent, open_conversation: Any, support_team: Team, gold_policy: Any,
) -> None:
    clock(utc(2027, 1, 7, 13, 0))  # Thursday: 16:00 in Riyadh, 15:00 in Athens
    in_riyadh = state_of(open_conversation(team_id=support_team.pk))
    athens = calendar_create(actor=admin, name="Αθήνα", time_zone="Europe/Athens",
                             weekly_hours=ATHENS_WEEK)
    team_service_update(actor=admin, team_id=support_team.pk, calendar_id=athens.pk)
    in_athens = state_of(open_conversation(team_id=support_team.pk))
    assert in_riyadh.first_response_due == utc(2027, 1, 10, 7, 0)  # Sunday, after the weekend
    assert in_athens.first_response_due == utc(2027, 1, 7, 15, 0)  # the same Thursday, 17:00


def test_warning_then_breach_then_reply_then_pause_and_resume(
    clock: Any, open_conversation: Any, support_team: Team, gold_policy: Any, agent: Agent,
    lead: Agent,
) -> None:
    support_team.lead = lead
    clock(utc(2027, 1, 7, 13, 0))
    conversation = open_conversation(team_id=support_team.pk, assignee_id=agent.pk)

    # Sunday 09:40 Riyadh: 100 of 120 business minutes gone (warning at 75 %).
    clock(utc(2027, 1, 10, 6, 40))
    assert sla_tick()["warned"] == 1  # the first response (at 90 of 120 minutes)
    state = state_of(conversation)
    assert state.state == SlaState.AT_RISK
    warnings = SlaAlert.objects.filter(conversation_id=conversation.pk, kind=AlertKind.WARNING)
    assert {alert.agent_id for alert in warnings} == {agent.pk, lead.pk}
    assert sla_tick()["warned"] == 0  # a warning is given once

    # 10:01: the first response is late.
    clock(utc(2027, 1, 10, 7, 1))
    assert sla_tick()["breached"] == 1
    state = state_of(conversation)
    assert state.state == SlaState.BREACHED
    breach = TimelineEvent.objects.get(conversation_id=conversation.pk, verb="sla.breached")
    assert breach.after["target"] == "first_response"
    assert breach.customer_id == conversation.customer_id

    # 10:30: the agent answers; only the resolution clock runs (due Sunday 16:00).
    clock(utc(2027, 1, 10, 7, 30))
    message_add(actor=agent, conversation=conversation, text="نعتذر عن التأخير، أرسلنا الفاتورة.")
    state = state_of(conversation)
    assert state.first_responded_at == utc(2027, 1, 10, 7, 30)
    assert state.state == SlaState.ON_TRACK  # resolution warns at 6 of 8 h: Sunday 14:00
    assert state.resolution_due == utc(2027, 1, 10, 13, 0)
    assert state.breached == ["first_response"]

    # 11:00: waiting on the customer; the clock stands still until Monday 09:00.
    clock(utc(2027, 1, 10, 8, 0))
    conversation_set_status(actor=agent, conversation=conversation, status="pending")
    assert state_of(conversation).state == SlaState.PAUSED
    clock(utc(2027, 1, 11, 6, 0))
    message_add_from_customer(conversation=conversation, text="لم تصلني بعد.")
    state = state_of(conversation)
    # Paused Sunday 11:00–17:00 = 6 business hours: from Sunday 16:00 to Monday 14:00.
    assert state.paused_seconds == 6 * 3600
    assert state.resolution_due == utc(2027, 1, 11, 11, 0)
    assert state.next_response_since == utc(2027, 1, 11, 6, 0)
    assert state.next_response_due == utc(2027, 1, 11, 7, 0)
    assert state.state == SlaState.ON_TRACK


def test_waiting_time_counts_every_wait_for_us_and_not_for_the_customer(
    clock: Any, open_conversation: Any, agent: Agent,
) -> None:
    clock(utc(2027, 1, 7, 13, 0))
    conversation = open_conversation()
    clock(utc(2027, 1, 7, 15, 0))  # we answer after 2 h
    message_add(actor=agent, conversation=conversation, text="شكراً لتواصلك.")
    clock(utc(2027, 1, 8, 15, 0))  # the customer answers a day later: not our wait
    message_add_from_customer(conversation=conversation, text="ما زالت المشكلة قائمة.")
    clock(utc(2027, 1, 8, 15, 30))
    state = state_of(conversation)
    assert waited_now(state, utc(2027, 1, 8, 15, 30)) == 2 * 3600 + 30 * 60
    conversation_set_status(actor=agent, conversation=conversation, status="solved")
    state = state_of(conversation)
    assert state.waiting_since is None
    assert state.waited_seconds == 2 * 3600 + 30 * 60


def test_solved_on_time_is_met_and_reopening_resumes_the_clock(
    clock: Any, open_conversation: Any, support_team: Team, gold_policy: Any, agent: Agent,
) -> None:
    clock(utc(2027, 1, 10, 6, 0))  # Sunday 09:00 Riyadh
    conversation = open_conversation(team_id=support_team.pk)
    clock(utc(2027, 1, 10, 7, 0))
    message_add(actor=agent, conversation=conversation, text="تم الحل.")
    conversation_set_status(actor=agent, conversation=conversation, status="solved")
    assert state_of(conversation).state == SlaState.DONE
    clock(utc(2027, 1, 11, 6, 0))  # Monday 09:00: the customer writes again
    message_add_from_customer(conversation=conversation, text="عادت المشكلة.")
    state = state_of(conversation)
    assert state.solved_at is None
    # Solved Sunday 10:00–17:00 (7 h) stood still: due Sunday 17:00 + 7 h = Monday 16:00.
    assert state.resolution_due == utc(2027, 1, 11, 13, 0)


def test_an_agent_started_conversation_waits_on_the_customer(
    clock: Any, open_conversation: Any, support_team: Team, gold_policy: Any,
) -> None:
    clock(utc(2027, 1, 10, 6, 0))
    conversation = open_conversation(author="agent", team_id=support_team.pk)
    state = state_of(conversation)
    assert state.state == SlaState.PAUSED
    assert state.waiting_since is None
    assert state.first_responded_at is not None


def test_a_policy_change_recomputes_the_open_conversations(
    clock: Any, admin: Agent, open_conversation: Any, support_team: Team, gold_policy: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    clock(utc(2027, 1, 10, 6, 0))  # Sunday 09:00 Riyadh
    conversation = open_conversation(team_id=support_team.pk)
    with django_capture_on_commit_callbacks(execute=True):
        sla_policy_update(actor=admin, policy_id=gold_policy.pk, first_response_minutes=30)
    # The immediate task backend ran the recompute once the change committed.
    assert state_of(conversation).first_response_due == utc(2027, 1, 10, 6, 30)
    clock(utc(2027, 1, 10, 6, 0) + timedelta(minutes=31))
    assert sla_recompute() == 1
    assert state_of(conversation).state == SlaState.BREACHED


def test_no_policy_means_no_clock_but_waiting_is_still_measured(
    clock: Any, open_conversation: Any,
) -> None:
    clock(utc(2027, 1, 10, 6, 0))
    state = state_of(open_conversation())
    assert state.state == SlaState.NONE
    assert state.deadline is None
    assert state.warn_at is None
    assert state.waiting_since == utc(2027, 1, 10, 6, 0)


def test_the_customers_waiting_adds_up_across_conversations(
    clock: Any, open_conversation: Any, agent: Agent,
) -> None:
    clock(utc(2027, 1, 7, 13, 0))
    first = open_conversation(identity_value="nora@example.com")
    clock(utc(2027, 1, 7, 14, 0))  # answered after an hour
    message_add(actor=agent, conversation=first, text="أهلاً نورة، تم الإرسال.")
    clock(utc(2027, 1, 8, 9, 0))
    open_conversation(identity_value="nora@example.com", subject="طلب جديد")
    clock(utc(2027, 1, 8, 9, 30))  # the second one has waited half an hour so far
    waiting = customer_waiting(actor=agent, customer_id=first.customer_id)
    assert (waiting.conversations, waiting.waiting_now) == (2, 1)
    assert waiting.total_seconds == 3600 + 1800
    assert waiting.average_seconds == 2700


def test_rebuilding_from_history_gives_the_clocks_the_live_hooks_gave(
    clock: Any, open_conversation: Any, support_team: Team, gold_policy: Any, agent: Agent,
) -> None:
    clock(utc(2027, 1, 7, 13, 0))
    conversation = open_conversation(team_id=support_team.pk)
    clock(utc(2027, 1, 10, 7, 30))  # answered late, with no tick in between
    message_add(actor=agent, conversation=conversation, text="نعتذر عن التأخير.")
    clock(utc(2027, 1, 10, 8, 0))
    conversation_set_status(actor=agent, conversation=conversation, status="pending")
    clock(utc(2027, 1, 11, 6, 0))
    message_add_from_customer(conversation=conversation, text="لم تصلني بعد.")
    live = state_of(conversation)
    breaches = TimelineEvent.objects.filter(conversation_id=conversation.pk,
                                            verb="sla.breached")
    # The late reply itself recorded the breach, at the moment it happened.
    assert [(event.after["target"], event.at) for event in breaches] == [
        ("first_response", utc(2027, 1, 10, 7, 0))]
    breaches.delete()
    call_command("sla", "rebuild", "--all", stdout=io.StringIO())
    rebuilt = state_of(conversation)
    fields = ("started_at", "first_responded_at", "next_response_since", "paused_since",
              "paused_seconds", "solved_at", "waiting_since", "waited_seconds", "state",
              "first_response_due", "next_response_due", "resolution_due", "deadline",
              "breached", "policy_id", "calendar_id")
    assert {f: getattr(rebuilt, f) for f in fields} == {f: getattr(live, f) for f in fields}
    assert [(event.after["target"], event.at) for event in TimelineEvent.objects.filter(
        conversation_id=conversation.pk, verb="sla.breached")] == [
        ("first_response", utc(2027, 1, 10, 7, 0))]


def test_changing_a_teams_hours_moves_its_open_conversations_clocks(
    clock: Any, admin: Agent, open_conversation: Any, support_team: Team, gold_policy: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    clock(utc(2027, 1, 7, 13, 0))  # Thursday: 16:00 in Riyadh, 15:00 in Athens
    conversation = open_conversation(team_id=support_team.pk)
    assert state_of(conversation).first_response_due == utc(2027, 1, 10, 7, 0)
    athens = calendar_create(actor=admin, name="Αθήνα", time_zone="Europe/Athens",
                             weekly_hours=ATHENS_WEEK)
    with django_capture_on_commit_callbacks(execute=True):
        team_service_update(actor=admin, team_id=support_team.pk, calendar_id=athens.pk)
    state = state_of(conversation)
    assert state.calendar_id == athens.pk
    assert state.first_response_due == utc(2027, 1, 7, 15, 0)  # Athens, 17:00 the same day


def test_a_calendar_a_team_uses_cannot_be_deleted(admin: Agent, support_team: Team,
                                                  riyadh: Any) -> None:
    with pytest.raises(Conflict) as caught:
        calendar_delete(actor=admin, calendar_id=riyadh.pk)
    assert caught.value.code == "calendar_in_use"


def test_calendar_input_errors_name_their_field(admin: Agent) -> None:
    cases = [({"time_zone": "Mars/Olympus"}, "time_zone"),
             ({"weekly_hours": {"mon": ["25:00-26:00"]}}, "weekly_hours"),
             ({"weekly_hours": {}}, "weekly_hours"),
             ({"name": "a\x00b"}, "name")]
    for values, field in cases:
        arguments = {"name": "Σπάρτη", "time_zone": "Europe/Athens",
                     "weekly_hours": ATHENS_WEEK, **values}
        with pytest.raises(Invalid) as caught:
            calendar_create(actor=admin, **arguments)
        assert caught.value.field == field, values
    calendar_create(actor=admin, name="Σπάρτη", time_zone="Europe/Athens",
                    weekly_hours=ATHENS_WEEK)
    with pytest.raises(Conflict):
        calendar_create(actor=admin, name="Σπάρτη", time_zone="UTC", weekly_hours=ATHENS_WEEK)
