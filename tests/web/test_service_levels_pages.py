"""The service-levels admin pages: the overview (analysts and up), routing rules, SLA policies,
calendars and team settings (admins), agents' capacity, languages and skills (supervisors).
Refused roles get the 403 page and change nothing; bad input is a 400 with the message beside
the field; an unknown id is the 404 page; the overview costs the same at any size."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from mehvar.accounts.models import Agent, AuditLogEntry, Team
from mehvar.accounts.services import team_create
from mehvar.service_levels.models import (
    AgentProfile,
    BusinessCalendar,
    Holiday,
    RoutingRule,
    SlaPolicy,
    TeamServiceSettings,
)
from mehvar.service_levels.services.assignment import agent_profile_update
from mehvar.service_levels.services.configuration import (
    calendar_create,
    calendar_set_holidays,
    routing_rule_create,
    sla_policy_create,
    team_service_update,
)
from mehvar.service_levels.views import minutes_text
from tests.web.helpers import browser

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"
TEHRAN_FORM = {"hours_sat": "08:00-16:00", "hours_sun": "۰۸:۰۰-۱۶:۰۰",
               "hours_mon": "08:00-12:30, 13:30-16:00", "hours_tue": "08:00-16:00",
               "hours_wed": "08:00-16:00", "hours_thu": "08:00–12:00", "hours_fri": ""}
RIYADH_WEEK = {day: ["09:00-17:00"] for day in ("sun", "mon", "tue", "wed", "thu")}


def rule_form(**changes: Any) -> dict[str, Any]:
    return {"name": "فارسی‌زبان‌ها", "is_active": "on", "languages": "fa, prs",
            "keywords": "سفارش\nπαραγγελία\nفاتورة", "tags": "", "intents": "",
            "segment_ids": "", "business_hours": "any", "team_id": "", "priority": "",
            "add_tags": "", **changes}


def policy_form(**changes: Any) -> dict[str, Any]:
    return {"name": "عملاء ذهبيون", "position": "10", "is_active": "on", "tiers": ["gold"],
            "segment_ids": "", "first_response_minutes": "90", "next_response_minutes": "",
            "resolution_minutes": "1440", "business_hours": "on", "at_risk_percent": "75",
            **changes}


def calendar_form(**changes: Any) -> dict[str, Any]:
    return {"name": "دفتر تهران", "time_zone": "Asia/Tehran", **TEHRAN_FORM,
            "holidays": "2027-03-21 نوروز\n\n۲۰۲۷-۰۴-۰۱ روز جمهوری اسلامی\n2027-04-02 سیزده‌به‌در",
            **changes}


@pytest.fixture
def persian_team(admin: Agent) -> Team:
    return team_create(actor=admin, name="پشتیبانی فارسی")


@pytest.fixture
def configured(admin: Agent, persian_team: Team) -> dict[str, Any]:
    """One of each, named in Persian, Arabic and Greek, created through the services."""
    riyadh = calendar_create(actor=admin, name="مكتب الرياض", time_zone="Asia/Riyadh",
                             weekly_hours=RIYADH_WEEK, is_default=True)
    calendar_set_holidays(actor=admin, calendar_id=riyadh.pk,
                          holidays=[(date(2027, 9, 23), "اليوم الوطني")])
    first = routing_rule_create(actor=admin, name="سفارش‌ها", position=10, keywords=["سفارش"],
                                team_id=persian_team.pk)
    second = routing_rule_create(actor=admin, name="Ελληνόφωνοι", position=20, languages=["el"],
                                 priority="high", add_tags=["ελληνικά"])
    third = routing_rule_create(actor=admin, name="عاجل", position=30, tiers=["gold"],
                                priority="urgent", is_active=False)
    policy = sla_policy_create(actor=admin, name="Χρυσοί πελάτες", position=10, tiers=["gold"],
                               first_response_minutes=90, resolution_minutes=1440)
    team_service_update(actor=admin, team_id=persian_team.pk, assignment_mode="round_robin",
                        calendar_id=riyadh.pk)
    return {"calendar": riyadh, "rules": [first, second, third], "policy": policy}


def rule_order() -> list[str]:
    return list(RoutingRule.objects.order_by("position", "id").values_list("name", flat=True))


def field_error(response: Any, field: str | None, status: int = 400) -> str:
    """The message shown beside `field` (a field name, or None for the whole form)."""
    assert response.status_code == status
    assert 'class="field-error"' in response.content.decode() or field is None
    form = response.context["form"]
    message = " ".join(form.non_field_errors() if field is None else form.errors.get(field, []))
    assert message
    return message


# --- the overview --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "agent", "supervisor"])
def test_everyone_reads_the_overview_without_edit_controls(make_agent: Callable[..., Agent],
                                                           configured: dict[str, Any],
                                                           role: str) -> None:
    client = browser(make_agent(role))
    assert 'href="/service-levels"' in client.get("/inbox").content.decode()  # header link
    response = client.get("/service-levels")
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("سفارش‌ها", "Ελληνόφωνοι", "عاجل", "Χρυσοί πελάτες", "مكتب الرياض",
                 "پشتیبانی فارسی", "Asia/Riyadh", "Round-robin"):
        assert name in html
    for text in ("1 h 30 min", "24 h"):
        assert text in html
    assert "/service-levels/rules/new" not in html
    assert f'href="/service-levels/rules/{configured["rules"][0].pk}"' not in html
    assert "/move" not in html


def test_admins_see_edit_links_new_buttons_and_the_order(admin: Agent,
                                                         configured: dict[str, Any]) -> None:
    html = browser(admin).get("/service-levels").content.decode()
    first, second = configured["rules"][:2]
    for url in ("/service-levels/rules/new", "/service-levels/policies/new",
                "/service-levels/calendars/new", f"/service-levels/rules/{first.pk}",
                f"/service-levels/policies/{configured['policy'].pk}",
                f"/service-levels/calendars/{configured['calendar'].pk}",
                f"/service-levels/rules/{second.pk}/move"):
        assert f'href="{url}"' in html or f'action="{url}"' in html, url
    assert html.index("سفارش‌ها") < html.index("Ελληνόφωνοι") < html.index("عاجل")
    assert 'dir="auto">سفارش</bdi>' in html  # a keyword, isolated for right-to-left pages


def test_signed_out_visitors_go_to_sign_in(db: None) -> None:
    for url in ("/service-levels", "/service-levels/rules/new", "/service-levels/agents"):
        assert Client().get(url).status_code == 302


def test_names_are_escaped(admin: Agent) -> None:
    routing_rule_create(actor=admin, name=HOSTILE, keywords=[HOSTILE], priority="low")
    html = browser(admin).get("/service-levels").content.decode()
    assert HOSTILE not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("count", [3, 30])
def test_the_overview_costs_the_same_at_any_size(admin: Agent, count: int,
                                                 django_assert_max_num_queries: Any) -> None:
    calendar = calendar_create(actor=admin, name="Αθήνα", time_zone="Europe/Athens",
                               weekly_hours={"mon": ["09:00-17:00"]})
    for number in range(count):
        team = team_create(actor=admin, name=f"تیم {number}")
        team_service_update(actor=admin, team_id=team.pk, assignment_mode="least_loaded",
                            calendar_id=calendar.pk if number % 2 else None)
        routing_rule_create(actor=admin, name=f"قاعدة {number}", position=number,
                            team_id=team.pk, keywords=["فاتورة"])
        sla_policy_create(actor=admin, name=f"Πολιτική {number}", position=number,
                          first_response_minutes=60 + number)
        extra = calendar_create(actor=admin, name=f"تقویم {number}", time_zone="Asia/Tehran",
                                weekly_hours={"sat": ["08:00-16:00"]})
        calendar_set_holidays(actor=admin, calendar_id=extra.pk,
                              holidays=[(date(2027, 3, 21), "نوروز")])
    client = browser(admin)
    client.get("/service-levels")
    # session, agent, rules with teams, policies, calendars + holidays, team settings, teams
    with django_assert_max_num_queries(8):
        response = client.get("/service-levels")
    assert len(response.context["rules"]) == count
    assert len(response.context["teams"]) == count


def test_targets_read_as_hours_and_minutes() -> None:
    assert [minutes_text(value) for value in (None, 45, 60, 90, 1500)] == [
        "", "45 min", "1 h", "1 h 30 min", "25 h"]


# --- refused roles -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "agent", "supervisor"])
def test_other_roles_are_refused_every_change_and_nothing_changes(
    make_agent: Callable[..., Agent], configured: dict[str, Any], persian_team: Team,
    role: str,
) -> None:
    client = browser(make_agent(role))
    rule, policy, calendar = configured["rules"][0], configured["policy"], configured["calendar"]
    for url in ("/service-levels/rules/new", f"/service-levels/rules/{rule.pk}",
                "/service-levels/policies/new", f"/service-levels/policies/{policy.pk}",
                "/service-levels/calendars/new", f"/service-levels/calendars/{calendar.pk}",
                f"/service-levels/teams/{persian_team.pk}"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert 'role="alert"' in response.content.decode()
    posts = [("/service-levels/rules/new", rule_form()),
             (f"/service-levels/rules/{rule.pk}", rule_form(name="x", priority="low")),
             (f"/service-levels/rules/{rule.pk}/delete", {}),
             (f"/service-levels/rules/{rule.pk}/move", {"direction": "down"}),
             ("/service-levels/policies/new", policy_form()),
             (f"/service-levels/policies/{policy.pk}", policy_form(name="x")),
             (f"/service-levels/policies/{policy.pk}/delete", {}),
             ("/service-levels/calendars/new", calendar_form()),
             (f"/service-levels/calendars/{calendar.pk}", calendar_form(name="x")),
             (f"/service-levels/calendars/{calendar.pk}/delete", {}),
             (f"/service-levels/teams/{persian_team.pk}",
              {"assignment_mode": "manual", "calendar_id": ""})]
    audits = AuditLogEntry.objects.count()
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert AuditLogEntry.objects.count() == audits
    assert rule_order() == ["سفارش‌ها", "Ελληνόφωνοι", "عاجل"]
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["Χρυσοί πελάτες"]
    assert list(BusinessCalendar.objects.values_list("name", flat=True)) == ["مكتب الرياض"]
    settings = TeamServiceSettings.objects.get(team=persian_team)
    assert (settings.assignment_mode, settings.calendar_id) == ("round_robin", calendar.pk)


# --- routing rules -------------------------------------------------------------------------


def test_an_admin_creates_edits_and_deletes_a_rule(admin: Agent, persian_team: Team) -> None:
    client = browser(admin)
    page = client.get("/service-levels/rules/new")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ('name="channels" value="telegram"', 'name="tiers" value="gold"',
                 "Segments are managed on the segments page"):
        assert text in html
    created = client.post("/service-levels/rules/new", rule_form(
        channels=["email", "telegram"], tiers=["gold", "platinum"], tags="vip، فوری",
        intents="refund", segment_ids="۱۲, 7", business_hours="open",
        team_id=str(persian_team.pk), priority="high", add_tags="فارسی"))
    assert created.status_code == 302
    assert created["Location"] == "/service-levels#rules"
    rule = RoutingRule.objects.get()
    assert (rule.name, rule.channels, rule.languages, rule.keywords) == (
        "فارسی‌زبان‌ها", ["email", "telegram"], ["fa", "prs"], ["سفارش", "παραγγελία", "فاتورة"])
    assert (rule.tags, rule.intents, rule.tiers, rule.segment_ids) == (
        ["vip", "فوری"], ["refund"], ["gold", "platinum"], [12, 7])
    assert (rule.business_hours, rule.team_id, rule.priority, rule.is_active) == (
        "open", persian_team.pk, "high", True)

    form = client.get(f"/service-levels/rules/{rule.pk}").content.decode()
    for text in ("سفارش\nπαραγγελία\nفاتورة", f'action="/service-levels/rules/{rule.pk}/delete"'):
        assert text in form

    edited = client.post(f"/service-levels/rules/{rule.pk}", rule_form(
        name="Ελληνικά θέματα", is_active="", languages="el", keywords="", priority="low"))
    assert edited.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.is_active, rule.languages, rule.keywords, rule.team_id,
            rule.priority, rule.channels) == ("Ελληνικά θέματα", False, ["el"], [], None,
                                              "low", [])

    deleted = client.post(f"/service-levels/rules/{rule.pk}/delete")
    assert (deleted.status_code, deleted["Location"]) == (302, "/service-levels#rules")
    assert not RoutingRule.objects.exists()
    assert AuditLogEntry.objects.filter(action__startswith="routing_rule.").count() == 3


def test_a_new_rule_goes_to_the_end(admin: Agent, configured: dict[str, Any]) -> None:
    browser(admin).post("/service-levels/rules/new", rule_form(priority="normal"))
    assert rule_order() == ["سفارش‌ها", "Ελληνόφωνοι", "عاجل", "فارسی‌زبان‌ها"]


def test_moving_rules_up_and_down_changes_the_order(admin: Agent,
                                                    configured: dict[str, Any]) -> None:
    first, third = configured["rules"][0], configured["rules"][2]
    client = browser(admin)
    moved = client.post(f"/service-levels/rules/{third.pk}/move", {"direction": "up"})
    assert (moved.status_code, moved["Location"]) == (302, "/service-levels#rules")
    assert rule_order() == ["سفارش‌ها", "عاجل", "Ελληνόφωνοι"]
    client.post(f"/service-levels/rules/{first.pk}/move", {"direction": "down"})
    assert rule_order() == ["عاجل", "سفارش‌ها", "Ελληνόφωνοι"]
    client.post(f"/service-levels/rules/{third.pk}/move", {"direction": "up"})  # already first
    assert rule_order() == ["عاجل", "سفارش‌ها", "Ελληνόφωνοι"]
    html = client.get("/service-levels").content.decode()
    assert html.index("عاجل") < html.index("سفارش‌ها") < html.index("Ελληνόφωνοι")
    sideways = client.post(f"/service-levels/rules/{third.pk}/move", {"direction": "sideways"})
    assert sideways.status_code == 400
    assert rule_order() == ["عاجل", "سفارش‌ها", "Ελληνόφωνοι"]


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({}, "team_id", "must route to a team"),  # no action
    ({"priority": "low", "segment_ids": "12, دوازده"}, "segment_ids", "دوازده"),
    ({"priority": "low", "channels": ["pigeon"]}, "channels", "pigeon"),
    ({"priority": "low", "keywords": "ک" * 65}, "keywords", "64"),
    ({"priority": "low", "name": "  "}, "name", ""),
    ({"priority": "low", "team_id": "987654"}, "team_id", "987654"),
])
def test_rule_errors_are_shown_beside_the_field(admin: Agent, changes: dict[str, Any],
                                                field: str, words: str) -> None:
    response = browser(admin).post("/service-levels/rules/new", rule_form(**changes))
    assert words in field_error(response, field)
    assert not RoutingRule.objects.exists()


# --- SLA policies --------------------------------------------------------------------------


def test_an_admin_creates_edits_and_deletes_a_policy(admin: Agent) -> None:
    client = browser(admin)
    assert client.get("/service-levels/policies/new").status_code == 200
    created = client.post("/service-levels/policies/new", policy_form(
        priorities=["high", "urgent"], channels=["whatsapp"], segment_ids="3"))
    assert (created.status_code, created["Location"]) == (302, "/service-levels#policies")
    policy = SlaPolicy.objects.get()
    assert (policy.name, policy.tiers, policy.priorities, policy.channels, policy.segment_ids,
            policy.first_response_minutes, policy.next_response_minutes,
            policy.resolution_minutes, policy.business_hours, policy.at_risk_percent) == (
        "عملاء ذهبيون", ["gold"], ["high", "urgent"], ["whatsapp"], [3], 90, None, 1440, True,
        75)
    form = client.get(f"/service-levels/policies/{policy.pk}").content.decode()
    assert 'value="عملاء ذهبيون"' in form
    edited = client.post(f"/service-levels/policies/{policy.pk}", policy_form(
        name="Όλοι", tiers=[], first_response_minutes="", next_response_minutes="۳۰",
        business_hours="", is_active="", at_risk_percent="80"))
    assert edited.status_code == 302
    policy.refresh_from_db()
    assert (policy.name, policy.tiers, policy.first_response_minutes,
            policy.next_response_minutes, policy.business_hours, policy.is_active,
            policy.at_risk_percent) == ("Όλοι", [], None, 30, False, False, 80)
    html = client.get("/service-levels").content.decode()
    for text in ("24/7", "30 min"):
        assert text in html
    assert client.post(f"/service-levels/policies/{policy.pk}/delete").status_code == 302
    assert not SlaPolicy.objects.exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"first_response_minutes": "0"}, "first_response_minutes"),
    ({"resolution_minutes": "525601"}, "resolution_minutes"),
    ({"at_risk_percent": "100"}, "at_risk_percent"),
    ({"tiers": ["diamond"]}, "tiers"),
    ({"position": "-1"}, "position"),
])
def test_policy_errors_are_shown_beside_the_field(admin: Agent, changes: dict[str, Any],
                                                  field: str) -> None:
    field_error(browser(admin).post("/service-levels/policies/new", policy_form(**changes)),
                field)
    assert not SlaPolicy.objects.exists()


# --- calendars -----------------------------------------------------------------------------


def test_an_admin_creates_edits_and_deletes_a_calendar(admin: Agent) -> None:
    client = browser(admin)
    page = client.get("/service-levels/calendars/new").content.decode()
    for text in ('<datalist id="time-zones">', '<option value="Asia/Tehran">'):
        assert text in page
    created = client.post("/service-levels/calendars/new", calendar_form(is_default="on"))
    assert (created.status_code, created["Location"]) == (302, "/service-levels#calendars")
    calendar = BusinessCalendar.objects.get()
    assert (calendar.name, calendar.time_zone, calendar.is_default) == (
        "دفتر تهران", "Asia/Tehran", True)
    assert calendar.weekly_hours == {
        "mon": ["08:00-12:30", "13:30-16:00"], "tue": ["08:00-16:00"], "wed": ["08:00-16:00"],
        "thu": ["08:00-12:00"], "sat": ["08:00-16:00"], "sun": ["08:00-16:00"]}
    assert list(Holiday.objects.order_by("date").values_list("date", "name")) == [
        (date(2027, 3, 21), "نوروز"), (date(2027, 4, 1), "روز جمهوری اسلامی"),
        (date(2027, 4, 2), "سیزده‌به‌در")]

    form = client.get(f"/service-levels/calendars/{calendar.pk}").content.decode()
    for text in ('value="08:00-12:30, 13:30-16:00"',
                 "2027-03-21 نوروز\n2027-04-01 روز جمهوری اسلامی"):
        assert text in form

    audits = AuditLogEntry.objects.filter(action="calendar.holidays_set").count()
    edited = client.post(f"/service-levels/calendars/{calendar.pk}", calendar_form(
        name="دفتر مرکزی تهران", hours_thu="", is_default="on",
        holidays="2027-03-21 نوروز\n2027-04-01 روز جمهوری اسلامی\n2027-04-02 سیزده‌به‌در"))
    assert edited.status_code == 302
    calendar.refresh_from_db()
    assert calendar.name == "دفتر مرکزی تهران"
    assert "thu" not in calendar.weekly_hours
    # The same holidays: not written again.
    assert AuditLogEntry.objects.filter(action="calendar.holidays_set").count() == audits

    client.post(f"/service-levels/calendars/{calendar.pk}", calendar_form(
        name="دفتر مرکزی تهران", holidays="2028-03-20 نوروز ۱۴۰۷"))
    assert list(Holiday.objects.values_list("date", "name")) == [(date(2028, 3, 20),
                                                                 "نوروز ۱۴۰۷")]
    html = client.get("/service-levels").content.decode()
    for text in ("دفتر مرکزی تهران", "Closed"):
        assert text in html

    deleted = client.post(f"/service-levels/calendars/{calendar.pk}/delete")
    assert deleted.status_code == 302
    assert not BusinessCalendar.objects.exists()
    assert not Holiday.objects.exists()


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"hours_mon": "25:00-26:00"}, "hours_mon", "25:00-26:00"),
    ({"hours_tue": "9 to 5"}, "hours_tue", "9 to 5"),
    ({"hours_wed": "13:00-12:00"}, "hours_wed", "13:00-12:00"),
    ({"hours_wed": "08:00-12:00, 11:00-16:00"}, "hours_wed", "overlap"),
    ({"time_zone": "Asia/Esfahan"}, "time_zone", "Asia/Esfahan"),
    ({"time_zone": "../../etc/passwd"}, "time_zone", "not a time zone"),
    ({"holidays": "2027-03-21 نوروز\n21/03/2027 نوروز"}, "holidays", "Line 2"),
    ({"holidays": "2027-02-30 روز"}, "holidays", "Line 1"),
    ({"holidays": "2027-03-21 نوروز\n2027-03-21 عید"}, "holidays", "repeats"),
    ({"holidays": "2027-03-21 " + "ن" * 101}, "holidays", "Line 1"),
    ({"name": ""}, "name", ""),
])
def test_calendar_errors_are_shown_beside_the_field(admin: Agent, changes: dict[str, str],
                                                    field: str, words: str) -> None:
    response = browser(admin).post("/service-levels/calendars/new", calendar_form(**changes))
    assert words in field_error(response, field)
    assert not BusinessCalendar.objects.exists()


def test_a_week_without_hours_and_a_taken_name_are_refused(admin: Agent) -> None:
    client = browser(admin)
    closed = client.post("/service-levels/calendars/new", calendar_form(
        **{f"hours_{day}": "" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}))
    assert "at least one day" in field_error(closed, None)
    calendar_create(actor=admin, name="دفتر تهران", time_zone="Asia/Tehran",
                    weekly_hours={"sat": ["08:00-16:00"]})
    taken = client.post("/service-levels/calendars/new", calendar_form())
    assert "exists" in field_error(taken, "name", status=409)
    assert BusinessCalendar.objects.count() == 1
    assert not Holiday.objects.exists()


# --- teams ---------------------------------------------------------------------------------


def test_an_admin_sets_a_teams_assignment_and_calendar(admin: Agent, persian_team: Team,
                                                       configured: dict[str, Any]) -> None:
    client = browser(admin)
    page = client.get(f"/service-levels/teams/{persian_team.pk}")
    assert page.status_code == 200
    assert "پشتیبانی فارسی" in page.content.decode()
    saved = client.post(f"/service-levels/teams/{persian_team.pk}",
                        {"assignment_mode": "least_loaded", "calendar_id": ""})
    assert (saved.status_code, saved["Location"]) == (302, "/service-levels#teams")
    settings = TeamServiceSettings.objects.get(team=persian_team)
    assert (settings.assignment_mode, settings.calendar_id) == ("least_loaded", None)
    bad = client.post(f"/service-levels/teams/{persian_team.pk}",
                      {"assignment_mode": "lottery", "calendar_id": "987654"})
    field_error(bad, "assignment_mode")
    field_error(bad, "calendar_id")


# --- agents --------------------------------------------------------------------------------


def test_the_agents_page_lists_profiles_and_supervisors_edit_them(
    make_agent: Callable[..., Agent], supervisor: Agent, analyst: Agent, agent: Agent,
) -> None:
    greek = make_agent("agent", username="eleni", display_name="Ελένη Κωνσταντίνου")
    team_create(actor=None, name="Δίκτυο", members=[greek])
    read = browser(analyst).get("/service-levels/agents")
    html = read.content.decode()
    assert read.status_code == 200
    for text in ("Ελένη Κωνσταντίνου", "Δίκτυο", "Offline"):
        assert text in html
    assert f'href="/service-levels/agents/{greek.pk}"' not in html
    assert browser(analyst).get(f"/service-levels/agents/{greek.pk}").status_code == 403
    refused = browser(agent).post(f"/service-levels/agents/{greek.pk}",
                                  {"capacity": "3", "languages": "el", "skills": ""})
    assert refused.status_code == 403
    assert not AgentProfile.objects.filter(agent=greek).exists()

    client = browser(supervisor)
    assert f'href="/service-levels/agents/{greek.pk}"' in client.get(
        "/service-levels/agents").content.decode()
    assert client.get(f"/service-levels/agents/{greek.pk}").status_code == 200
    saved = client.post(f"/service-levels/agents/{greek.pk}",
                        {"capacity": "۶", "languages": "el, en", "skills": "Δίκτυο، ρούτερ"})
    assert (saved.status_code, saved["Location"]) == (302, "/service-levels/agents")
    profile = AgentProfile.objects.get(agent=greek)
    assert (profile.capacity, profile.languages, profile.skills) == (
        6, ["el", "en"], ["Δίκτυο", "ρούτερ"])
    too_many = client.post(f"/service-levels/agents/{greek.pk}",
                           {"capacity": "501", "languages": "", "skills": ""})
    assert "500" in field_error(too_many, "capacity")
    profile.refresh_from_db()
    assert profile.capacity == 6


@pytest.mark.parametrize("count", [3, 30])
def test_the_agents_page_costs_the_same_at_any_size(make_agent: Callable[..., Agent],
                                                    admin: Agent, count: int,
                                                    django_assert_max_num_queries: Any) -> None:
    for number in range(count):
        member = make_agent("agent", username=f"agent{number:02d}")
        team_create(actor=None, name=f"Ομάδα {number}", members=[member])
        agent_profile_update(actor=admin, agent_id=member.pk, capacity=number,
                             languages=["ar", "fa"], skills=["فوترة"])
    team_create(actor=None, name="الدعم العربي", members=[admin])
    client = browser(admin)
    client.get("/service-levels/agents")
    with django_assert_max_num_queries(5):  # session, agent, agents, their teams, profiles
        response = client.get("/service-levels/agents")
    assert len(response.context["rows"]) == count + 1


def test_the_agents_page_is_paged(make_agent: Callable[..., Agent], admin: Agent) -> None:
    for number in range(51):
        make_agent("agent", username=f"agent{number:02d}")
    client = browser(admin)
    first = client.get("/service-levels/agents")
    assert len(first.context["rows"]) == 50
    assert first.context["next_url"].startswith("?cursor=")
    second = client.get("/service-levels/agents" + first.context["next_url"])
    assert len(second.context["rows"]) == 2  # 52 agents with the admin
    assert client.get("/service-levels/agents?cursor=%%%").status_code == 400


# --- unknown ids ---------------------------------------------------------------------------


def test_unknown_ids_are_not_found(admin: Agent, supervisor: Agent) -> None:
    client = browser(admin)
    for url in ("/service-levels/rules/987654", "/service-levels/policies/987654",
                "/service-levels/calendars/987654", "/service-levels/teams/987654",
                "/service-levels/agents/987654"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert 'role="alert"' in response.content.decode()
    for url in ("/service-levels/rules/987654/delete", "/service-levels/rules/987654/move",
                "/service-levels/policies/987654/delete",
                "/service-levels/calendars/987654/delete"):
        assert client.post(url, {"direction": "up"}).status_code == 404, url
    assert client.post("/service-levels/rules/987654", rule_form(priority="low")
                       ).status_code == 404
    assert browser(supervisor).get("/service-levels/agents/987654").status_code == 404
    assert not RoutingRule.objects.exists()
