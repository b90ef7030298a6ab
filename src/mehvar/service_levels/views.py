"""Service-levels admin pages: an overview of the routing rules, SLA policies, business-hours
calendars and teams' assignment (analysts and up read it), the forms that change them
(admins), and the agents' capacity, languages and skills (supervisors change them).

A form page parses with a form from forms.py and calls one service (a calendar's holidays are
a second call in the same transaction). The services check the role: a refused change is the
403 page and changes nothing; an admin-only form is refused the same way before it is shown.
Bad input is a 400 with the message beside the field, an unknown id the 404 page."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mehvar.accounts.models import Agent
from mehvar.accounts.selectors import agent_get, agent_page, team_choices, team_get
from mehvar.conversations.models import Channel, Priority
from mehvar.core.digits import localize
from mehvar.core.errors import DomainError, Invalid, NotFound
from mehvar.core.permissions import can, require
from mehvar.customers.models import Tier
from mehvar.service_levels import selectors
from mehvar.service_levels.business_time import DAY_NAMES
from mehvar.service_levels.errors import ServiceLevelErrorCode as Code
from mehvar.service_levels.forms import (
    TIME_ZONES,
    AgentProfileForm,
    CalendarForm,
    PolicyForm,
    RuleForm,
    SectionedForm,
    TeamSettingsForm,
)
from mehvar.service_levels.models import (
    AgentProfile,
    AssignmentMode,
    BusinessCalendar,
    BusinessHoursCondition,
    RoutingRule,
    SlaPolicy,
)
from mehvar.service_levels.services import configuration
from mehvar.service_levels.services.assignment import agent_profile_update

PAGE_SIZE = 50
MAX_POSITION = 10_000
MANAGE = "service_levels.manage"
CHANNELS: dict[str, Any] = dict(Channel.choices)
PRIORITIES: dict[str, Any] = dict(Priority.choices)
TIERS: dict[str, Any] = dict(Tier.choices)
HOURS: dict[str, Any] = dict(BusinessHoursCondition.choices)
MODES: dict[str, Any] = dict(AssignmentMode.choices)
Listing = list[tuple[Any, list[Any]]]  # (label, values) pairs; empty values are left out


def _agent(request: HttpRequest) -> Agent:
    assert isinstance(request.user, Agent)  # login_required: an authenticated agent
    return request.user


def _status(error: DomainError) -> int:
    # Bad input on a page is a 400 there, not the API's 422.
    return 400 if isinstance(error, Invalid) else error.status


def _error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "service_levels/error.html", {"error": error.detail},
                  status=_status(error))


def _overview_url(anchor: str = "") -> str:
    return reverse("service-levels") + (f"#{anchor}" if anchor else "")


# --- the overview --------------------------------------------------------------------------


def _listing(*pairs: tuple[Any, Iterable[Any]]) -> Listing:
    return [(label, items) for label, values in pairs if (items := list(values))]


def _labels(values: Iterable[str], labels: Mapping[str, Any]) -> list[Any]:
    return [labels.get(value, value) for value in values]


def _ids(values: Iterable[int]) -> list[str]:
    return [localize(str(value)) for value in values]


def minutes_text(minutes: int | None) -> str:
    """A target as hours and minutes ("1 h 30 min"), in the agent's digits; "" for none."""
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        text = _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}
    elif hours:
        text = _("%(hours)d h") % {"hours": hours}
    else:
        text = _("%(minutes)d min") % {"minutes": rest}
    return localize(str(text))


def _rule_row(rule: RoutingRule) -> dict[str, Any]:
    hours = [] if rule.business_hours == BusinessHoursCondition.ANY else [rule.business_hours]
    return {
        "rule": rule,
        "conditions": _listing(
            (_("Channels"), _labels(rule.channels, CHANNELS)),
            (_("Languages"), rule.languages), (_("Keywords"), rule.keywords),
            (_("Tags"), rule.tags), (_("Intents"), rule.intents),
            (_("Customer tiers"), _labels(rule.tiers, TIERS)),
            (_("Customer segment ids"), _ids(rule.segment_ids)),
            (_("Business hours"), _labels(hours, HOURS))),
        "actions": _listing(
            (_("Route to team"), [rule.team.name] if rule.team is not None else []),
            (_("Set priority"), _labels([rule.priority] if rule.priority else [], PRIORITIES)),
            (_("Add tags"), rule.add_tags)),
    }


def _policy_row(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "policy": policy,
        "conditions": _listing(
            (_("Customer tiers"), _labels(policy.tiers, TIERS)),
            (_("Priorities"), _labels(policy.priorities, PRIORITIES)),
            (_("Channels"), _labels(policy.channels, CHANNELS)),
            (_("Customer segment ids"), _ids(policy.segment_ids))),
        "targets": _listing(
            (_("First response"), filter(None, [minutes_text(policy.first_response_minutes)])),
            (_("Next response"), filter(None, [minutes_text(policy.next_response_minutes)])),
            (_("Resolution"), filter(None, [minutes_text(policy.resolution_minutes)]))),
    }


def _calendar_row(calendar: BusinessCalendar) -> dict[str, Any]:
    weekly: Mapping[str, list[str]] = calendar.weekly_hours or {}
    return {
        "calendar": calendar,
        "days": [(WEEKDAYS[index], ", ".join(weekly.get(day, [])))
                 for index, day in enumerate(DAY_NAMES)],
        "holidays": len(calendar.holidays.all()),  # prefetched by calendar_list
    }


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """Rules and policies in the order they are tried, calendars and teams by name; a fixed
    number of queries whatever their numbers."""
    agent = _agent(request)
    try:
        rules = selectors.rule_list(actor=agent)
        policies = selectors.policy_list(actor=agent)
        calendars = selectors.calendar_list(actor=agent)
        team_settings = {row.team_id: row for row in selectors.team_settings_list(actor=agent)}
        teams = team_choices(actor=agent)
    except DomainError as error:
        return _error_page(request, error)
    team_rows = []
    for team in teams:
        row = team_settings.get(team.pk)
        team_rows.append({"team": team,
                          "mode": MODES[row.assignment_mode if row else AssignmentMode.MANUAL],
                          "calendar": row.calendar if row is not None else None})
    return render(request, "service_levels/overview.html", {
        "rules": [_rule_row(rule) for rule in rules],
        "policies": [_policy_row(policy) for policy in policies],
        "calendars": [_calendar_row(calendar) for calendar in calendars],
        "teams": team_rows, "may_manage": can(agent, MANAGE),
    })


# --- form pages ----------------------------------------------------------------------------


def _attach_error(form: SectionedForm, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.detail))


def _form_page(request: HttpRequest, form: SectionedForm, page: Mapping[str, Any],
               status: int = 200) -> HttpResponse:
    """`page`: title, and for an existing object its name, delete_url and delete_label;
    back (url, label) when the page does not go back to the overview."""
    return render(request, "service_levels/form.html", {"form": form, **page}, status=status)


def _submit(request: HttpRequest, form: SectionedForm, page: Mapping[str, Any],
            save: Callable[[], object], done: str) -> HttpResponse:
    """Validate, call the service, go to `done`; otherwise the form again with the error."""
    if not form.is_valid():
        return _form_page(request, form, page, status=400)
    try:
        save()
    except DomainError as error:
        _attach_error(form, error)
        return _form_page(request, form, page, status=_status(error))
    return HttpResponseRedirect(done)


def _delete(request: HttpRequest, delete: Callable[[Agent], object], anchor: str
            ) -> HttpResponse:
    try:
        delete(_agent(request))
    except DomainError as error:
        return _error_page(request, error)
    return HttpResponseRedirect(_overview_url(anchor))


def _next_position(rows: Any) -> int:
    last = rows.last()
    return min(last.position + 10, MAX_POSITION) if last is not None else 10


# --- routing rules -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    try:
        require(agent, MANAGE)
        teams = team_choices(actor=agent)
    except DomainError as error:
        return _error_page(request, error)
    page = {"title": _("New routing rule")}
    if request.method != "POST":
        return _form_page(request, RuleForm(teams=teams), page)
    form = RuleForm(request.POST, teams=teams)
    return _submit(request, form, page, lambda: configuration.routing_rule_create(
        actor=agent, position=_next_position(selectors.rule_list(actor=agent)), **form.values()),
        _overview_url("rules"))


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    agent = _agent(request)
    try:
        require(agent, MANAGE)
        rule = selectors.rule_get(actor=agent, rule_id=rule_id)
        teams = team_choices(actor=agent)
    except DomainError as error:
        return _error_page(request, error)
    page = {"title": _("Edit routing rule"), "name": rule.name,
            "delete_url": reverse("service-levels-rule-delete", args=[rule.pk]),
            "delete_label": _("Delete this rule")}
    if request.method != "POST":
        return _form_page(request, RuleForm(initial=RuleForm.initial_for(rule), teams=teams),
                          page)
    form = RuleForm(request.POST, teams=teams)
    return _submit(request, form, page, lambda: configuration.routing_rule_update(
        actor=agent, rule_id=rule.pk, **form.values()), _overview_url("rules"))


@login_required
@require_POST
def rule_delete_action(request: HttpRequest, rule_id: int) -> HttpResponse:
    return _delete(request, lambda agent: configuration.routing_rule_delete(
        actor=agent, rule_id=rule_id), "rules")


@login_required
@require_POST
def rule_move(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Swap the rule with its neighbour above or below and save the whole new order."""
    agent = _agent(request)
    direction = request.POST.get("direction", "")
    try:
        require(agent, MANAGE)
        order = list(selectors.rule_list(actor=agent).values_list("pk", flat=True))
        if rule_id not in order:
            raise NotFound(Code.RULE_NOT_FOUND, _("No routing rule has this id."))
        if direction not in {"up", "down"}:
            raise Invalid(Code.RULE_INVALID, _("Move a rule up or down."), field="direction")
        here = order.index(rule_id)
        there = here - 1 if direction == "up" else here + 1
        if 0 <= there < len(order):
            order[here], order[there] = order[there], order[here]
            configuration.routing_rules_reorder(actor=agent, rule_ids=order)
    except DomainError as error:
        return _error_page(request, error)
    return HttpResponseRedirect(_overview_url("rules"))


# --- SLA policies --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def policy_new(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    try:
        require(agent, MANAGE)
    except DomainError as error:
        return _error_page(request, error)
    page = {"title": _("New SLA policy")}
    if request.method != "POST":
        initial = {"position": _next_position(selectors.policy_list(actor=agent))}
        return _form_page(request, PolicyForm(initial=initial), page)
    form = PolicyForm(request.POST)
    return _submit(request, form, page,
                   lambda: configuration.sla_policy_create(actor=agent, **form.values()),
                   _overview_url("policies"))


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    agent = _agent(request)
    try:
        require(agent, MANAGE)
        policy = selectors.policy_get(actor=agent, policy_id=policy_id)
    except DomainError as error:
        return _error_page(request, error)
    page = {"title": _("Edit SLA policy"), "name": policy.name,
            "delete_url": reverse("service-levels-policy-delete", args=[policy.pk]),
            "delete_label": _("Delete this policy")}
    if request.method != "POST":
        return _form_page(request, PolicyForm(initial=PolicyForm.initial_for(policy)), page)
    form = PolicyForm(request.POST)
    return _submit(request, form, page, lambda: configuration.sla_policy_update(
        actor=agent, policy_id=policy.pk, **form.values()), _overview_url("policies"))


@login_required
@require_POST
def policy_delete_action(request: HttpRequest, policy_id: int) -> HttpResponse:
    return _delete(request, lambda agent: configuration.sla_policy_delete(
        actor=agent, policy_id=policy_id), "policies")


# --- calendars -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def calendar_new(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    try:
        require(agent, MANAGE)
    except DomainError as error:
        return _error_page(request, error)
    page = {"title": _("New calendar"), "time_zones": TIME_ZONES}
    if request.method != "POST":
        return _form_page(request, CalendarForm(), page)
    form = CalendarForm(request.POST)

    def save() -> None:
        # One transaction: a calendar whose holidays are refused is not kept either.
        with transaction.atomic():
            calendar = configuration.calendar_create(actor=agent, **form.values())
            if form.cleaned_data["holidays"]:
                configuration.calendar_set_holidays(
                    actor=agent, calendar_id=calendar.pk, holidays=form.cleaned_data["holidays"])

    return _submit(request, form, page, save, _overview_url("calendars"))


@login_required
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, calendar_id: int) -> HttpResponse:
    agent = _agent(request)
    try:
        require(agent, MANAGE)
        calendar = selectors.calendar_get(actor=agent, calendar_id=calendar_id)
    except DomainError as error:
        return _error_page(request, error)
    holidays = [(holiday.date, holiday.name) for holiday in calendar.holidays.all()]
    page = {"title": _("Edit calendar"), "name": calendar.name, "time_zones": TIME_ZONES,
            "delete_url": reverse("service-levels-calendar-delete", args=[calendar.pk]),
            "delete_label": _("Delete this calendar")}
    if request.method != "POST":
        return _form_page(request, CalendarForm(
            initial=CalendarForm.initial_for(calendar, holidays)), page)
    form = CalendarForm(request.POST)

    def save() -> None:
        with transaction.atomic():
            configuration.calendar_update(actor=agent, calendar_id=calendar.pk, **form.values())
            if sorted(form.cleaned_data["holidays"]) != holidays:  # unchanged: no recompute
                configuration.calendar_set_holidays(
                    actor=agent, calendar_id=calendar.pk, holidays=form.cleaned_data["holidays"])

    return _submit(request, form, page, save, _overview_url("calendars"))


@login_required
@require_POST
def calendar_delete_action(request: HttpRequest, calendar_id: int) -> HttpResponse:
    return _delete(request, lambda agent: configuration.calendar_delete(
        actor=agent, calendar_id=calendar_id), "calendars")


# --- teams ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    agent = _agent(request)
    try:
        require(agent, MANAGE)
        team = team_get(actor=agent, team_id=team_id)
        current = selectors.team_settings_list(actor=agent).filter(team_id=team.pk).first()
        calendars = list(selectors.calendar_list(actor=agent))
    except DomainError as error:
        return _error_page(request, error)
    page = {"title": _("Team assignment and business hours"), "name": team.name}
    if request.method != "POST":
        initial = {"assignment_mode": current.assignment_mode if current else
                   AssignmentMode.MANUAL,
                   "calendar_id": str(current.calendar_id or "") if current else ""}
        return _form_page(request, TeamSettingsForm(initial=initial, calendars=calendars),
                          page)
    form = TeamSettingsForm(request.POST, calendars=calendars)
    return _submit(request, form, page, lambda: configuration.team_service_update(
        actor=agent, team_id=team.pk, **form.values()), _overview_url("teams"))


# --- agents --------------------------------------------------------------------------------


@login_required
@require_GET
def agent_list_page(request: HttpRequest) -> HttpResponse:
    """Active agents by username, a page at a time, with availability, capacity, languages
    and skills (agents without a profile yet show the defaults)."""
    agent = _agent(request)
    try:
        require(agent, "service_levels.view")
        page = agent_page(actor=agent, cursor=request.GET.get("cursor", "")[:200] or None,
                          limit=PAGE_SIZE)
        profiles = selectors.agent_profiles(actor=agent, agent_ids=[row.pk for row in page.items])
    except DomainError as error:
        return _error_page(request, error)
    next_query = QueryDict(mutable=True)
    if page.next_cursor:
        next_query["cursor"] = page.next_cursor
    return render(request, "service_levels/agents.html", {
        "rows": [(row, profiles.get(row.pk) or AgentProfile(agent_id=row.pk))
                 for row in page.items],
        "next_url": f"?{next_query.urlencode()}" if page.next_cursor else "",
        "may_edit": can(agent, "agent.service_profile"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def agent_edit(request: HttpRequest, agent_id: int) -> HttpResponse:
    actor = _agent(request)
    try:
        require(actor, "agent.service_profile")
        target = agent_get(actor=actor, agent_id=agent_id)
        profile = (selectors.agent_profiles(actor=actor, agent_ids=[target.pk]).get(target.pk)
                   or AgentProfile(agent_id=target.pk))
    except DomainError as error:
        return _error_page(request, error)
    page = {"title": _("Agent's routing profile"), "name": target.name,
            "back": (reverse("service-levels-agents"), _("Back to the agents"))}
    if request.method != "POST":
        return _form_page(request, AgentProfileForm(
            initial=AgentProfileForm.initial_for(profile)), page)
    form = AgentProfileForm(request.POST)
    return _submit(request, form, page, lambda: agent_profile_update(
        actor=actor, agent_id=target.pk, **form.values()), reverse("service-levels-agents"))
