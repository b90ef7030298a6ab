"""Administration of service levels: business-hours calendars and holidays, SLA policies,
routing rules and teams' assignment settings. Every change is audited; a change to a policy
or a calendar re-evaluates the clocks of the open conversations that use it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.selectors import team_get
from mehvar.accounts.services import audit_record
from mehvar.conversations.models import Channel, Priority
from mehvar.core.background import enqueue_on_commit
from mehvar.core.errors import Conflict, Invalid, NotFound
from mehvar.core.permissions import Actor, require
from mehvar.core.timezones import is_time_zone
from mehvar.customers.models import Tier
from mehvar.service_levels.business_time import Schedule, format_weekly, parse_weekly
from mehvar.service_levels.config_cache import config_changed
from mehvar.service_levels.errors import ServiceLevelErrorCode as Code
from mehvar.service_levels.models import (
    AssignmentMode,
    BusinessCalendar,
    BusinessHoursCondition,
    Holiday,
    RoutingRule,
    SlaPolicy,
    TeamServiceSettings,
)
from mehvar.service_levels.validation import (
    clean_choices,
    clean_codes,
    clean_ids,
    clean_languages,
    clean_minutes,
    clean_name,
    clean_strings,
    clean_text,
    clean_whole,
)

MAX_HOLIDAYS = 366
RECOMPUTE_TASK = "mehvar.service_levels.tasks.sla_recompute_task"
MAX_POSITION = 10_000
MAX_RULES = 1000  # routing rules and policies a company may keep (all tried in order)


def _get(model: type[Model], pk: int, code: str, detail: Any) -> Any:
    row = model._default_manager.select_for_update().filter(pk=pk).first()
    if row is None:
        raise NotFound(code, detail)
    return row


def _next_position(model: type[RoutingRule] | type[SlaPolicy]) -> int:
    """After the last one: a new rule or policy is tried last until it is moved."""
    last = model.objects.aggregate(last=Max("position"))["last"]
    return 10 if last is None else last + 10


def _audit(actor: Actor, action: str, row: Model, data: Mapping[str, Any]) -> None:
    audit_record(actor_id=actor.pk, action=action, target_type=row._meta.model_name or "",
                 target_id=str(row.pk), data=dict(data))


# --- calendars -----------------------------------------------------------------------------


def _clean_calendar(values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in values:
        cleaned["name"] = clean_name(values["name"])
    zone = values.get("time_zone", "UTC")
    weekly = values.get("weekly_hours", {})
    if not isinstance(zone, str) or not is_time_zone(zone):
        raise Invalid(Code.CALENDAR_INVALID,
                      _("Give a time zone such as Asia/Tehran, Asia/Riyadh or Europe/Athens."),
                      field="time_zone")
    try:
        schedule = Schedule.build(zone, parse_weekly(weekly), frozenset())
    except (ValueError, TypeError, AttributeError) as error:
        raise Invalid(Code.CALENDAR_INVALID,
                      _("Give each day's hours as 09:00-17:00 (several separated by commas, "
                        "none overlapping), with at least one open day. %(problem)s")
                      % {"problem": error}, field="weekly_hours") from error
    cleaned["time_zone"] = schedule.time_zone
    cleaned["weekly_hours"] = format_weekly(schedule.weekly)
    if "is_default" in values:
        cleaned["is_default"] = bool(values["is_default"])
    return cleaned


@transaction.atomic
def calendar_create(*, actor: Actor, name: str, time_zone: str,
                    weekly_hours: Mapping[str, Any], is_default: bool = False
                    ) -> BusinessCalendar:
    require(actor, "service_levels.manage")
    values = _clean_calendar({"name": name, "time_zone": time_zone,
                              "weekly_hours": weekly_hours, "is_default": is_default})
    if values["is_default"]:
        BusinessCalendar.objects.filter(is_default=True).update(is_default=False)
    calendar = BusinessCalendar(**values)
    _save_named(calendar, create=True)
    config_changed()
    _audit(actor, "calendar.created", calendar, values)
    if values["is_default"]:  # conversations without a team calendar now count its hours
        enqueue_on_commit(RECOMPUTE_TASK, None, None, None)
    return calendar


@transaction.atomic
def calendar_update(*, actor: Actor, calendar_id: int, name: str | None = None,
                    time_zone: str | None = None, weekly_hours: Mapping[str, Any] | None = None,
                    is_default: bool | None = None) -> BusinessCalendar:
    """Change a calendar; open conversations counting its hours are recomputed (all of them
    when it becomes the default)."""
    require(actor, "service_levels.manage")
    calendar = _get(BusinessCalendar, calendar_id, Code.CALENDAR_NOT_FOUND,
                    _("No calendar has this id."))
    values = _clean_calendar({
        "name": calendar.name if name is None else name,
        "time_zone": calendar.time_zone if time_zone is None else time_zone,
        "weekly_hours": calendar.weekly_hours if weekly_hours is None else weekly_hours,
        "is_default": calendar.is_default if is_default is None else is_default})
    changed = {field: value for field, value in values.items()
               if getattr(calendar, field) != value}
    if not changed:
        return calendar
    if changed.get("is_default"):
        BusinessCalendar.objects.filter(is_default=True).update(is_default=False)
    for field, value in changed.items():
        setattr(calendar, field, value)
    _save_named(calendar, create=False, fields=[*changed, "updated_at"])
    config_changed()
    _audit(actor, "calendar.updated", calendar, changed)
    everything = "is_default" in changed
    enqueue_on_commit(RECOMPUTE_TASK, None, None if everything else calendar.pk, None)
    return calendar


def _save_named(calendar: BusinessCalendar, *, create: bool,
                fields: list[str] | None = None) -> None:
    """Save; a name taken (also by a concurrent save) is a Conflict on the name."""
    try:
        with transaction.atomic():
            calendar.save(force_insert=create, update_fields=fields)
    except IntegrityError as error:
        raise Conflict(Code.NAME_INVALID, _("A calendar with this name exists."),
                       field="name") from error


@transaction.atomic
def calendar_delete(*, actor: Actor, calendar_id: int) -> None:
    """Delete a calendar no team uses; open conversations that counted its hours move to
    their team's or the default calendar."""
    require(actor, "service_levels.manage")
    calendar = _get(BusinessCalendar, calendar_id, Code.CALENDAR_NOT_FOUND,
                    _("No calendar has this id."))
    if TeamServiceSettings.objects.filter(calendar=calendar).exists():
        raise Conflict(Code.CALENDAR_IN_USE,
                       _("A team uses this calendar: give the team other hours first."))
    _audit(actor, "calendar.deleted", calendar, {"name": calendar.name})
    calendar.delete()
    config_changed()
    enqueue_on_commit(RECOMPUTE_TASK, None, None, None)


@transaction.atomic
def calendar_set_holidays(*, actor: Actor, calendar_id: int,
                          holidays: list[tuple[date, str]]) -> BusinessCalendar:
    """Replace the calendar's holidays (local dates, each with an optional name)."""
    require(actor, "service_levels.manage")
    calendar = _get(BusinessCalendar, calendar_id, Code.CALENDAR_NOT_FOUND,
                    _("No calendar has this id."))
    if len(holidays) > MAX_HOLIDAYS * 5:
        raise Invalid(Code.HOLIDAY_INVALID, _("Too many holidays."), field="holidays")
    rows: dict[date, Holiday] = {}
    for day, name in holidays:
        if not isinstance(day, date):
            raise Invalid(Code.HOLIDAY_INVALID,
                          _("A holiday is a date and a name of at most 100 characters."),
                          field="holidays")
        name = clean_text(name, field="holidays", max_length=100, code=Code.HOLIDAY_INVALID)
        rows[day] = Holiday(calendar=calendar, date=day, name=name)
    Holiday.objects.filter(calendar=calendar).delete()
    Holiday.objects.bulk_create(rows.values())
    calendar.save(update_fields=["updated_at"])  # the schedule cache keys on it
    config_changed()
    _audit(actor, "calendar.holidays_set", calendar,
           {"dates": sorted(day.isoformat() for day in rows)})
    enqueue_on_commit(RECOMPUTE_TASK, None, calendar.pk, None)
    return calendar


# --- SLA policies --------------------------------------------------------------------------

POLICY_FIELDS = ("name", "position", "is_active", "tiers", "segment_ids", "priorities",
                 "channels", "first_response_minutes", "next_response_minutes",
                 "resolution_minutes", "business_hours", "at_risk_percent")


def _clean_policy(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise Invalid(Code.POLICY_INVALID, _("Unknown fields."), field=sorted(unknown)[0])
    cleaned: dict[str, Any] = {}
    for field, value in values.items():
        if field == "name":
            cleaned[field] = clean_name(value)
        elif field in {"position", "at_risk_percent"}:
            upper = 99 if field == "at_risk_percent" else MAX_POSITION
            cleaned[field] = clean_whole(value, field=field, upper=upper,
                                         code=Code.POLICY_INVALID)
        elif field in {"is_active", "business_hours"}:
            cleaned[field] = bool(value)
        elif field == "tiers":
            cleaned[field] = clean_choices(value, Tier.values, field=field)
        elif field == "priorities":
            cleaned[field] = clean_choices(value, Priority.values, field=field)
        elif field == "channels":
            cleaned[field] = clean_choices(value, Channel.values, field=field)
        elif field == "segment_ids":
            cleaned[field] = clean_ids(value, field=field)
        else:
            cleaned[field] = clean_minutes(value, field=field)
    return cleaned


@transaction.atomic
def sla_policy_create(*, actor: Actor, **values: Any) -> SlaPolicy:
    require(actor, "service_levels.manage")
    cleaned = _clean_policy(values)
    if "name" not in cleaned:
        raise Invalid(Code.NAME_INVALID, _("Give the policy a name."), field="name")
    cleaned.setdefault("position", _next_position(SlaPolicy))
    policy = SlaPolicy.objects.create(**cleaned)
    config_changed()
    _audit(actor, "sla_policy.created", policy, cleaned)
    return policy


@transaction.atomic
def sla_policy_update(*, actor: Actor, policy_id: int, **values: Any) -> SlaPolicy:
    """Change a policy; the clocks of open conversations under it are recomputed."""
    require(actor, "service_levels.manage")
    policy = _get(SlaPolicy, policy_id, Code.POLICY_NOT_FOUND, _("No SLA policy has this id."))
    cleaned = {field: value for field, value in _clean_policy(values).items()
               if getattr(policy, field) != value}
    if not cleaned:
        return policy
    for field, value in cleaned.items():
        setattr(policy, field, value)
    policy.save(update_fields=[*cleaned, "updated_at"])
    config_changed()
    _audit(actor, "sla_policy.updated", policy, cleaned)
    enqueue_on_commit(RECOMPUTE_TASK, policy.pk, None, None)
    return policy


@transaction.atomic
def sla_policy_delete(*, actor: Actor, policy_id: int) -> None:
    require(actor, "service_levels.manage")
    policy = _get(SlaPolicy, policy_id, Code.POLICY_NOT_FOUND, _("No SLA policy has this id."))
    _audit(actor, "sla_policy.deleted", policy, {"name": policy.name})
    policy.delete()
    config_changed()


# --- routing rules -------------------------------------------------------------------------

RULE_FIELDS = ("name", "position", "is_active", "channels", "languages", "keywords", "tags",
               "intents", "tiers", "segment_ids", "business_hours", "team_id", "priority",
               "add_tags")


def _clean_rule(actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise Invalid(Code.RULE_INVALID, _("Unknown fields."), field=sorted(unknown)[0])
    cleaned: dict[str, Any] = {}
    for field, value in values.items():
        if field == "name":
            cleaned[field] = clean_name(value)
        elif field == "position":
            cleaned[field] = clean_whole(value, field=field, upper=MAX_POSITION,
                                         code=Code.RULE_INVALID)
        elif field == "is_active":
            cleaned[field] = bool(value)
        elif field == "channels":
            cleaned[field] = clean_choices(value, Channel.values, field=field)
        elif field == "tiers":
            cleaned[field] = clean_choices(value, Tier.values, field=field)
        elif field == "languages":
            cleaned[field] = clean_languages(value, field=field)
        elif field in {"tags", "add_tags"}:
            cleaned[field] = clean_codes(value, field=field)
        elif field in {"keywords", "intents"}:
            cleaned[field] = clean_strings(value, field=field)
        elif field == "segment_ids":
            cleaned[field] = clean_ids(value, field=field)
        elif field == "business_hours":
            cleaned[field] = clean_choices([value], BusinessHoursCondition.values,
                                           field=field)[0]
        elif field == "priority":
            cleaned[field] = clean_choices([value], Priority.values, field=field)[0] \
                if value else ""
        elif field == "team_id":
            cleaned[field] = _team_id(actor, value)
    return cleaned


def _team_id(actor: Actor, team_id: Any) -> int | None:
    if team_id is None:
        return None
    try:
        return team_get(actor=actor, team_id=int(team_id)).pk
    except (NotFound, TypeError, ValueError) as error:
        raise Invalid(Code.TEAM_NOT_FOUND, _("No team has this id."), field="team_id") from error


def _check_rule_acts(rule: RoutingRule) -> None:
    if rule.team_id is None and not rule.priority and not rule.add_tags:
        raise Invalid(Code.RULE_INVALID,
                      _("A rule must route to a team, set a priority or add tags."),
                      field="team_id")


@transaction.atomic
def routing_rule_create(*, actor: Actor, **values: Any) -> RoutingRule:
    require(actor, "service_levels.manage")
    cleaned = _clean_rule(actor, values)
    if "name" not in cleaned:
        raise Invalid(Code.NAME_INVALID, _("Give the rule a name."), field="name")
    cleaned.setdefault("position", _next_position(RoutingRule))
    rule = RoutingRule(**cleaned)
    _check_rule_acts(rule)
    rule.save()
    config_changed()
    _audit(actor, "routing_rule.created", rule, cleaned)
    return rule


@transaction.atomic
def routing_rule_update(*, actor: Actor, rule_id: int, **values: Any) -> RoutingRule:
    require(actor, "service_levels.manage")
    rule = _get(RoutingRule, rule_id, Code.RULE_NOT_FOUND, _("No routing rule has this id."))
    cleaned = {field: value for field, value in _clean_rule(actor, values).items()
               if getattr(rule, field) != value}
    if not cleaned:
        return rule
    for field, value in cleaned.items():
        setattr(rule, field, value)
    _check_rule_acts(rule)
    rule.save(update_fields=[*cleaned, "updated_at"])
    config_changed()
    _audit(actor, "routing_rule.updated", rule, cleaned)
    return rule


@transaction.atomic
def routing_rule_delete(*, actor: Actor, rule_id: int) -> None:
    require(actor, "service_levels.manage")
    rule = _get(RoutingRule, rule_id, Code.RULE_NOT_FOUND, _("No routing rule has this id."))
    _audit(actor, "routing_rule.deleted", rule, {"name": rule.name})
    rule.delete()
    config_changed()


@transaction.atomic
def routing_rules_reorder(*, actor: Actor, rule_ids: list[int]) -> list[RoutingRule]:
    """The named rules take positions 10, 20, … in the given order (name every rule to set
    the whole order; a rule left out keeps its position)."""
    require(actor, "service_levels.manage")
    ids = clean_ids(rule_ids, field="rule_ids", max_items=MAX_RULES)
    rules = {rule.pk: rule for rule in RoutingRule.objects.select_for_update().filter(pk__in=ids)}
    missing = [rule_id for rule_id in ids if rule_id not in rules]
    if missing:
        raise NotFound(Code.RULE_NOT_FOUND, _("No routing rule has this id."))
    ordered = [rules[rule_id] for rule_id in ids]
    for index, rule in enumerate(ordered, start=1):
        rule.position = index * 10
    RoutingRule.objects.bulk_update(ordered, ["position"])
    config_changed()
    audit_record(actor_id=actor.pk, action="routing_rule.reordered", target_type="routingrule",
                 target_id="", data={"rule_ids": ids})
    return ordered


# --- team settings -------------------------------------------------------------------------


@transaction.atomic
def team_service_update(*, actor: Actor, team_id: int, assignment_mode: str | None = None,
                        calendar_id: int | Any | None = ..., ) -> TeamServiceSettings:
    """A team's assignment mode and business hours (None: the default calendar)."""
    require(actor, "service_levels.manage")
    team = team_get(actor=actor, team_id=team_id)
    settings, _created = TeamServiceSettings.objects.select_for_update().get_or_create(team=team)
    before = (settings.assignment_mode, settings.calendar_id)
    if assignment_mode is not None:
        settings.assignment_mode = clean_choices([assignment_mode], AssignmentMode.values,
                                                 field="assignment_mode")[0]
    if calendar_id is not ...:
        if calendar_id is not None and not BusinessCalendar.objects.filter(
                pk=calendar_id).exists():
            raise Invalid(Code.CALENDAR_NOT_FOUND, _("No calendar has this id."),
                          field="calendar_id")
        settings.calendar_id = calendar_id
    if (settings.assignment_mode, settings.calendar_id) == before:
        return settings
    settings.save(update_fields=["assignment_mode", "calendar"])
    config_changed()
    _audit(actor, "team.service_settings_changed", settings,
           {"assignment_mode": settings.assignment_mode, "calendar_id": settings.calendar_id})
    if settings.calendar_id != before[1]:  # the team's open conversations count other hours
        enqueue_on_commit(RECOMPUTE_TASK, None, None, team.pk)
    return settings
