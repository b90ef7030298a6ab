"""Forms of the service-levels admin pages. They bound and shape the input (lists typed as
comma-separated text, weekly hours typed as "09:00-12:30, 13:30-17:00", holidays typed one per
line) into the services' keyword arguments; the services validate the values and write.

Numbers and times may be typed in Persian or Arabic digits; lists may be separated by the
Arabic comma "،" as well as ",". Forms never write to the database."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from mehvar.conversations.models import Channel, Priority
from mehvar.customers.models import Tier
from mehvar.service_levels.business_time import DAY_NAMES, parse_weekly
from mehvar.service_levels.models import (
    AgentProfile,
    AssignmentMode,
    BusinessCalendar,
    BusinessHoursCondition,
    RoutingRule,
    SlaPolicy,
)

MAX_TEXT = 4000
MAX_HOLIDAY_TEXT = 60_000
MAX_HOLIDAY_NAME = 100
MAX_ID = 2**31 - 1
MAX_MINUTES = 60 * 24 * 365
# Common zones offered in the time zone field's list; any IANA name may be typed.
TIME_ZONES = ("Asia/Tehran", "Asia/Riyadh", "Asia/Dubai", "Asia/Kuwait", "Asia/Qatar",
              "Asia/Baghdad", "Asia/Kabul", "Africa/Cairo", "Europe/Istanbul", "Europe/Athens",
              "Europe/Nicosia", "Europe/Berlin", "Europe/London", "America/New_York", "UTC")
_NATIVE_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)
_DASHES = str.maketrans({"–": "-", "—": "-", "−": "-"})
_LIST_SEPARATORS = re.compile(r"[,\u060c\n]")       # comma, Arabic comma, new line
_RANGE_SEPARATORS = re.compile(r"[,\u060c;\u061b]")  # commas and semicolons, both scripts
_HOLIDAY_LINE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\s+(.*))?", re.ASCII | re.DOTALL)


# Text, not type="number": Persian and Arabic digits can be typed (IntegerField reads them).
_NUMBER = forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"})


def ascii_digits(text: str) -> str:
    return text.translate(_NATIVE_DIGITS)


class ListField(forms.CharField):
    """Text in, a list of non-empty strings out: comma-separated, or one per line."""

    def __init__(self, *, per_line: bool = False, **kwargs: Any) -> None:
        self.per_line = per_line
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", MAX_TEXT)
        if "widget" not in kwargs:
            kwargs["widget"] = forms.TextInput(attrs={"dir": "auto"})
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ("\n" if self.per_line else ", ").join(str(item) for item in value)
        return value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value)
        parts = text.splitlines() if self.per_line else _LIST_SEPARATORS.split(text)
        return [part.strip() for part in parts if part.strip()]


class IdListField(ListField):
    """Comma-separated whole numbers (ids) in, a list of ints out."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[int]:  # type: ignore[override]
        ids: list[int] = []
        for part in super().clean(value):
            text = ascii_digits(part)
            if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ID:
                raise forms.ValidationError(
                    _("Give ids as whole numbers separated by commas; “%(value)s” is not one."),
                    code="invalid", params={"value": part[:20]})
            ids.append(int(text))
        return ids


def _checkboxes(label: Any, choices: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, choices=choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)


def _name_field() -> forms.CharField:
    return forms.CharField(label=_("Name"), max_length=100,
                           widget=forms.TextInput(attrs={"dir": "auto"}))


def _minutes_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=1, max_value=MAX_MINUTES,
                              widget=_NUMBER,
                              help_text=_("In minutes; empty for no target."))


def _languages_field() -> ListField:
    return ListField(label=_("Languages"), widget=forms.TextInput(attrs={"dir": "ltr"}),
                     help_text=_("Codes such as fa, ar, el or en, separated by commas."))


class SectionedForm(forms.Form):
    """A form shown as titled groups of fields (`sections`: legend, field names)."""

    sections: tuple[tuple[Any, tuple[str, ...]], ...] = ()

    def grouped(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.sections]


# --- routing rules -------------------------------------------------------------------------


class RuleForm(SectionedForm):
    name = _name_field()
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    channels = _checkboxes(_("Channels"), Channel.choices)
    languages = _languages_field()
    keywords = ListField(
        label=_("Keywords"), per_line=True,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 4}),
        help_text=_("One per line, in any script; a conversation matches when its subject or "
                    "first message contains one of them."))
    tags = ListField(label=_("Tags"), help_text=_("Separated by commas."))
    intents = ListField(label=_("Intents"), help_text=_("Separated by commas."))
    tiers = _checkboxes(_("Customer tiers"), Tier.choices)
    segment_ids = IdListField(
        label=_("Customer segment ids"),
        help_text=_("Separated by commas. Segments are managed on the segments page."))
    business_hours = forms.ChoiceField(label=_("Business hours"),
                                       choices=BusinessHoursCondition.choices,
                                       initial=BusinessHoursCondition.ANY)
    team_id = forms.ChoiceField(label=_("Route to team"), required=False)
    priority = forms.ChoiceField(label=_("Set priority"), required=False,
                                 choices=[("", _("Do not change the priority")), *Priority.choices])
    add_tags = ListField(label=_("Add tags"), help_text=_("Separated by commas."))

    sections = (
        (_("Rule"), ("name", "is_active")),
        (_("Conditions (all that are filled in must hold)"),
         ("channels", "languages", "keywords", "tags", "intents", "tiers", "segment_ids",
          "business_hours")),
        (_("Actions"), ("team_id", "priority", "add_tags")),
    )

    def __init__(self, *args: Any, teams: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team_id"]
        assert isinstance(team, forms.ChoiceField)
        team.choices = [("", _("Do not change the team")),
                        *((str(row.pk), row.name) for row in teams)]

    @staticmethod
    def initial_for(rule: RoutingRule) -> dict[str, Any]:
        return {"name": rule.name, "is_active": rule.is_active, "channels": rule.channels,
                "languages": rule.languages, "keywords": rule.keywords, "tags": rule.tags,
                "intents": rule.intents, "tiers": rule.tiers, "segment_ids": rule.segment_ids,
                "business_hours": rule.business_hours, "team_id": str(rule.team_id or ""),
                "priority": rule.priority, "add_tags": rule.add_tags}

    def values(self) -> dict[str, Any]:
        """routing_rule_create / routing_rule_update keyword arguments."""
        values = dict(self.cleaned_data)
        values["team_id"] = int(values["team_id"]) if values["team_id"] else None
        return values


# --- SLA policies --------------------------------------------------------------------------


class PolicyForm(SectionedForm):
    name = _name_field()
    position = forms.IntegerField(
        label=_("Position"), min_value=0, max_value=10_000, initial=10,
        widget=_NUMBER,
        help_text=_("Active policies are tried from the lowest position; the first that "
                    "matches applies."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    tiers = _checkboxes(_("Customer tiers"), Tier.choices)
    priorities = _checkboxes(_("Priorities"), Priority.choices)
    channels = _checkboxes(_("Channels"), Channel.choices)
    segment_ids = IdListField(
        label=_("Customer segment ids"),
        help_text=_("Separated by commas. Segments are managed on the segments page."))
    first_response_minutes = _minutes_field(_("First response"))
    next_response_minutes = _minutes_field(_("Next response"))
    resolution_minutes = _minutes_field(_("Resolution"))
    business_hours = forms.BooleanField(
        label=_("Count business hours only"), required=False, initial=True,
        help_text=_("Otherwise the targets count every hour, day and night (24/7)."))
    at_risk_percent = forms.IntegerField(
        label=_("At risk after (percent of the target)"), min_value=0, max_value=99, initial=75,
        widget=_NUMBER)

    sections = (
        (_("Policy"), ("name", "position", "is_active")),
        (_("Conditions (all that are filled in must hold)"),
         ("tiers", "priorities", "channels", "segment_ids")),
        (_("Targets"), ("first_response_minutes", "next_response_minutes",
                        "resolution_minutes", "business_hours", "at_risk_percent")),
    )

    @staticmethod
    def initial_for(policy: SlaPolicy) -> dict[str, Any]:
        return {name: getattr(policy, name) for name in (
            "name", "position", "is_active", "tiers", "priorities", "channels", "segment_ids",
            "first_response_minutes", "next_response_minutes", "resolution_minutes",
            "business_hours", "at_risk_percent")}

    def values(self) -> dict[str, Any]:
        """sla_policy_create / sla_policy_update keyword arguments."""
        return dict(self.cleaned_data)


# --- calendars -----------------------------------------------------------------------------


def _day_field(label: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=200,
                           widget=forms.TextInput(attrs={"dir": "ltr",
                                                         "placeholder": "09:00-17:00"}))


class CalendarForm(SectionedForm):
    name = _name_field()
    time_zone = forms.CharField(
        label=_("Time zone"), max_length=64, initial="UTC",
        widget=forms.TextInput(attrs={"dir": "ltr", "list": "time-zones",
                                      "autocomplete": "off"}),
        help_text=_("A name such as Asia/Tehran, Asia/Riyadh or Europe/Athens."))
    is_default = forms.BooleanField(
        label=_("Default calendar"), required=False,
        help_text=_("Used by teams that have no calendar of their own."))
    hours_mon = _day_field(WEEKDAYS[0])
    hours_tue = _day_field(WEEKDAYS[1])
    hours_wed = _day_field(WEEKDAYS[2])
    hours_thu = _day_field(WEEKDAYS[3])
    hours_fri = _day_field(WEEKDAYS[4])
    hours_sat = _day_field(WEEKDAYS[5])
    hours_sun = _day_field(WEEKDAYS[6])
    holidays = forms.CharField(
        label=_("Holidays"), required=False, max_length=MAX_HOLIDAY_TEXT,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 8}),
        help_text=_("One a line: the date as YYYY-MM-DD, then its name, e.g. "
                    "“2027-03-21 Nowruz”."))

    sections = (
        (_("Calendar"), ("name", "time_zone", "is_default")),
        (_("Weekly hours (e.g. 09:00-12:30, 13:30-17:00; empty: closed)"),
         tuple(f"hours_{day}" for day in DAY_NAMES)),
        (_("Holidays"), ("holidays",)),
    )

    @staticmethod
    def initial_for(calendar: BusinessCalendar,
                    holidays: Sequence[tuple[date, str]]) -> dict[str, Any]:
        weekly: Mapping[str, Any] = calendar.weekly_hours or {}
        initial: dict[str, Any] = {"name": calendar.name, "time_zone": calendar.time_zone,
                                   "is_default": calendar.is_default}
        for day in DAY_NAMES:
            initial[f"hours_{day}"] = ", ".join(weekly.get(day, []))
        initial["holidays"] = "\n".join(f"{day.isoformat()} {name}".strip()
                                        for day, name in holidays)
        return initial

    def clean_time_zone(self) -> str:
        zone = str(self.cleaned_data["time_zone"]).strip()
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError) as error:
            raise forms.ValidationError(
                _("“%(zone)s” is not a time zone; use a name such as Asia/Tehran."),
                code="invalid", params={"zone": zone}) from error
        return zone

    def clean_holidays(self) -> list[tuple[date, str]]:
        holidays: list[tuple[date, str]] = []
        seen: dict[date, int] = {}
        for number, raw in enumerate(str(self.cleaned_data["holidays"]).splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            match = _HOLIDAY_LINE.fullmatch(ascii_digits(line[:10]) + line[10:])
            day = _date(match.group(1)) if match else None
            name = (match.group(2) or "").strip() if match else ""
            if day is None or len(name) > MAX_HOLIDAY_NAME:
                raise forms.ValidationError(
                    _("Line %(number)d, “%(line)s”, is not a date as YYYY-MM-DD followed by a "
                      "name of at most 100 characters."),
                    code="invalid", params={"number": number, "line": line[:120]})
            if day in seen:
                raise forms.ValidationError(
                    _("Line %(number)d repeats the date of line %(first)d."),
                    code="duplicate", params={"number": number, "first": seen[day]})
            seen[day] = number
            holidays.append((day, name))
        return holidays

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        weekly: dict[str, list[str]] = {}
        for day in DAY_NAMES:
            field = f"hours_{day}"
            if field not in cleaned:
                continue  # already has an error (too long)
            ranges = _ranges(self, field, day, str(cleaned[field]))
            if ranges:
                weekly[day] = ranges
        if not weekly and not any(f"hours_{day}" in self.errors for day in DAY_NAMES):
            self.add_error(None, _("Give business hours for at least one day."))
        cleaned["weekly_hours"] = weekly
        return cleaned

    def values(self) -> dict[str, Any]:
        """calendar_create / calendar_update keyword arguments (holidays are apart)."""
        data = self.cleaned_data
        return {"name": data["name"], "time_zone": data["time_zone"],
                "weekly_hours": data["weekly_hours"], "is_default": data["is_default"]}


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _ranges(form: forms.Form, field: str, day: str, text: str) -> list[str]:
    """One day's "09:00-12:30, 13:30-17:00" as a list of ranges; errors go beside the field."""
    ranges = [part.strip() for part in _RANGE_SEPARATORS.split(
        ascii_digits(text).translate(_DASHES)) if part.strip()]
    for part in ranges:
        try:
            parse_weekly({day: [part]})
        except ValueError:
            form.add_error(field, forms.ValidationError(
                _("“%(range)s” is not a time range between 00:00 and 24:00 such as "
                  "09:00-17:00."), code="invalid", params={"range": part[:40]}))
            return []
    try:
        parse_weekly({day: ranges})
    except ValueError:
        form.add_error(field, forms.ValidationError(_("These hours overlap."), code="overlap"))
        return []
    return ranges


# --- teams and agents ----------------------------------------------------------------------


class TeamSettingsForm(SectionedForm):
    assignment_mode = forms.ChoiceField(
        label=_("Assignment"), choices=AssignmentMode.choices, initial=AssignmentMode.MANUAL,
        widget=forms.RadioSelect,
        help_text=_("Round-robin and least loaded assign new conversations to online members "
                    "who have room under their capacity."))
    calendar_id = forms.ChoiceField(label=_("Business hours"), required=False)

    sections = ((_("Team settings"), ("assignment_mode", "calendar_id")),)

    def __init__(self, *args: Any, calendars: Iterable[BusinessCalendar], **kwargs: Any
                 ) -> None:
        super().__init__(*args, **kwargs)
        calendar = self.fields["calendar_id"]
        assert isinstance(calendar, forms.ChoiceField)
        calendar.choices = [("", _("The default calendar")),
                            *((str(row.pk), row.name) for row in calendars)]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"assignment_mode": data["assignment_mode"],
                "calendar_id": int(data["calendar_id"]) if data["calendar_id"] else None}


class AgentProfileForm(SectionedForm):
    capacity = forms.IntegerField(
        label=_("Capacity"), min_value=0, max_value=500,
        widget=_NUMBER,
        help_text=_("How many active conversations automatic assignment gives this agent."))
    languages = _languages_field()
    skills = ListField(label=_("Skills"),
                       help_text=_("Separated by commas; matched against conversation tags."))

    sections = ((_("Routing profile"), ("capacity", "languages", "skills")),)

    @staticmethod
    def initial_for(profile: AgentProfile) -> dict[str, Any]:
        return {"capacity": profile.capacity, "languages": profile.languages,
                "skills": profile.skills}

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
