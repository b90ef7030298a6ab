"""Error codes of the accounts context (stable, machine-readable, snake_case)."""

from __future__ import annotations

from enum import StrEnum


class AccountErrorCode(StrEnum):
    AGENT_NOT_FOUND = "agent_not_found"
    AGENT_ROLE_INVALID = "agent_role_invalid"
    AGENT_USERNAME_TAKEN = "agent_username_taken"
    TEAM_NOT_FOUND = "team_not_found"
    TEAM_MEMBER_INACTIVE = "team_member_inactive"
    TOKEN_NOT_FOUND = "token_not_found"
    TOKEN_NAME_INVALID = "token_name_invalid"
    TOKEN_EXPIRY_IN_PAST = "token_expiry_in_past"
    INVALID_CURSOR = "invalid_cursor"
    LANGUAGE_INVALID = "language_invalid"
    TIME_ZONE_INVALID = "time_zone_invalid"
