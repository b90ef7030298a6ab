"""Pardis Market's service levels and surveys: office hours in Dubai, Riyadh, Tehran and
Athens with their holidays, SLA policies by tier and priority, routing rules in four
languages, team assignment, agents' skills, and a CSAT survey on solving. Written through the
services after the conversations are back-dated, then every demo conversation's clocks are
rebuilt from its history."""

from __future__ import annotations

from datetime import date
from typing import Any

from mehvar.accounts.models import Agent, Team
from mehvar.feedback.services import survey_save
from mehvar.service_levels.services.assignment import agent_profile_update, agent_set_availability
from mehvar.service_levels.services.backfill import service_states_rebuild_all
from mehvar.service_levels.services.configuration import (
    calendar_create,
    calendar_set_holidays,
    routing_rule_create,
    sla_policy_create,
    team_service_update,
)

MON_FRI = {day: ["09:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
SUN_THU = {day: ["09:00-13:00", "14:00-17:00"] for day in ("sun", "mon", "tue", "wed", "thu")}
SAT_WED = {**{day: ["08:00-16:00"] for day in ("sat", "sun", "mon", "tue", "wed")},
           "thu": ["08:00-12:00"]}

CALENDARS = (
    ("Dubai office", "Asia/Dubai", MON_FRI, True,
     [(date(2026, 12, 2), "اليوم الوطني"), (date(2026, 12, 3), "اليوم الوطني"),
      (date(2027, 3, 20), "عيد الفطر")]),
    ("مكتب الرياض", "Asia/Riyadh", SUN_THU, False,
     [(date(2026, 9, 23), "اليوم الوطني"), (date(2027, 2, 22), "يوم التأسيس"),
      (date(2027, 3, 20), "عيد الفطر"), (date(2027, 3, 21), "عيد الفطر")]),
    ("دفتر تهران", "Asia/Tehran", SAT_WED, False,
     [(date(2027, 3, day), "نوروز") for day in (21, 22, 23, 24)]
     + [(date(2027, 2, 10), "سالروز پیروزی انقلاب")]),
    ("Γραφείο Αθήνας", "Europe/Athens", MON_FRI, False,
     [(date(2026, 10, 28), "Επέτειος του Όχι"), (date(2026, 12, 25), "Χριστούγεννα"),
      (date(2027, 1, 6), "Θεοφάνεια"), (date(2027, 3, 25), "Ευαγγελισμός")]),
)
TEAM_SETTINGS = {  # team -> (assignment mode, calendar)
    "Orders & delivery": ("least_loaded", "Dubai office"),
    "Telecom support": ("round_robin", "دفتر تهران"),
    "Billing": ("round_robin", "مكتب الرياض"),
    "VIP desk": ("least_loaded", "Dubai office"),
    "Returns": ("least_loaded", "Γραφείο Αθήνας"),
}
SKILLS = {"omar": ["delivery", "courier"], "maryam": ["returns", "warranty"],
          "reza": ["internet", "router", "esim"], "khalid": ["sim", "esim"],
          "eleni": ["internet", "router"], "fatima": ["invoice", "refund"],
          "katerina": ["refund", "invoice"], "niloufar": ["roaming"],
          "priya": ["invoice", "internet"], "james": ["delivery"], "sophie": ["returns"],
          "nikos": ["delivery"]}
ONLINE = ("omar", "fatima", "reza", "maryam", "nikos", "eleni", "priya", "sophie")
AWAY = ("khalid", "james")
# name, conditions, first response, next response, resolution, business hours
POLICIES: tuple[tuple[str, dict[str, Any], int, int, int, bool], ...] = (
    ("Platinum · 24/7", {"tiers": ["platinum"]}, 30, 60, 8 * 60, False),
    ("Urgent", {"priorities": ["urgent"]}, 60, 120, 16 * 60, False),
    ("Gold", {"tiers": ["gold"]}, 60, 180, 16 * 60, True),
    ("Standard", {}, 4 * 60, 8 * 60, 3 * 8 * 60, True),
)
# name, conditions, team, priority, tags
RULES: tuple[tuple[str, dict[str, Any], str, str, list[str]], ...] = (
    ("Platinum and gold customers → VIP desk", {"tiers": ["platinum", "gold"]}, "VIP desk",
     "high", ["vip"]),
    ("Invoices and charges", {"keywords": ["فاتورة", "فاکتور", "صورتحساب", "τιμολόγιο",
                                           "χρέωση", "invoice", "charged", "roaming"]},
     "Billing", "", ["billing"]),
    ("Returns and refunds", {"keywords": ["إرجاع", "استرداد", "مرجوعی", "بازگشت وجه",
                                          "επιστροφή", "refund", "return"]},
     "Returns", "", []),
    ("Internet, SIM and data", {"keywords": ["إنترنت", "شريحة", "اینترنت", "سیم‌کارت",
                                             "σύνδεση", "ρούτερ", "internet", "sim", "router"]},
     "Telecom support", "", ["telecom"]),
    ("Outside office hours → urgent words", {"keywords": ["عاجل", "فوری", "επείγον", "urgent"],
                                             "business_hours": "closed"},
     "VIP desk", "urgent", ["after-hours"]),
    ("Everything else → Orders & delivery", {}, "Orders & delivery", "", []),
)


def build_service_levels(admin: Agent, agents: dict[str, Agent],
                         teams: dict[str, Team]) -> int:
    """Configure service levels and rebuild the demo conversations' clocks; returns how many
    conversations got clocks."""
    calendars = {}
    for name, zone, weekly, default, holidays in CALENDARS:
        calendar = calendar_create(actor=admin, name=name, time_zone=zone, weekly_hours=weekly,
                                   is_default=default)
        calendar_set_holidays(actor=admin, calendar_id=calendar.pk, holidays=holidays)
        calendars[name] = calendar
    for team_name, (mode, calendar_name) in TEAM_SETTINGS.items():
        team_service_update(actor=admin, team_id=teams[team_name].pk, assignment_mode=mode,
                            calendar_id=calendars[calendar_name].pk)
    for position, (name, conditions, first, following, resolution, hours) in enumerate(POLICIES):
        sla_policy_create(actor=admin, name=name, position=(position + 1) * 10,
                          first_response_minutes=first, next_response_minutes=following,
                          resolution_minutes=resolution, business_hours=hours, **conditions)
    rebuilt = service_states_rebuild_all(everything=True)
    for username, agent in agents.items():
        if agent.role not in {"agent", "supervisor"}:
            continue
        agent_profile_update(actor=admin, agent_id=agent.pk, capacity=12,
                             languages=[agent.language, "en"],
                             skills=SKILLS.get(username, []))
        if username in ONLINE or username in AWAY:
            agent_set_availability(actor=admin, agent_id=agent.pk,
                                   availability="online" if username in ONLINE else "away")
    # Surveys: every conversation solved from now on asks its customer (CSAT); NPS by hand.
    survey_save(actor=admin, name="CSAT after solving", kind="csat")
    survey_save(actor=admin, name="NPS", kind="nps", trigger="manual")
    for position, (name, conditions, team, priority, tags) in enumerate(RULES):
        routing_rule_create(actor=admin, name=name, position=(position + 1) * 10,
                            team_id=teams[team].pk, priority=priority, add_tags=tags,
                            **conditions)
    return rebuilt
