"""Error codes of the service levels context (stable, machine-readable, snake_case)."""

from __future__ import annotations

from enum import StrEnum


class ServiceLevelErrorCode(StrEnum):
    CALENDAR_NOT_FOUND = "calendar_not_found"
    CALENDAR_INVALID = "calendar_invalid"
    CALENDAR_IN_USE = "calendar_in_use"
    HOLIDAY_INVALID = "holiday_invalid"
    POLICY_NOT_FOUND = "sla_policy_not_found"
    POLICY_INVALID = "sla_policy_invalid"
    RULE_NOT_FOUND = "routing_rule_not_found"
    RULE_INVALID = "routing_rule_invalid"
    NAME_INVALID = "name_invalid"
    CHOICES_INVALID = "choices_invalid"
    LIST_INVALID = "list_invalid"
    TEAM_NOT_FOUND = "team_not_found"
    CAPACITY_INVALID = "capacity_invalid"
    AVAILABILITY_INVALID = "availability_invalid"
    HANDOFF_NOTE_REQUIRED = "handoff_note_required"
    HANDOFF_SAME_TEAM = "handoff_same_team"
    REQUEST_NOT_FOUND = "internal_request_not_found"
    REQUEST_INVALID = "internal_request_invalid"
    REQUEST_FINISHED = "internal_request_finished"
    DUE_INVALID = "due_invalid"
