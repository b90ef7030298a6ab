"""Error codes of the customers context (stable, machine-readable, snake_case)."""

from __future__ import annotations

from enum import StrEnum


class CustomerErrorCode(StrEnum):
    CUSTOMER_NOT_FOUND = "customer_not_found"
    CUSTOMER_MERGED = "customer_merged"
    CUSTOMER_ALREADY_MERGED = "customer_already_merged"
    CUSTOMER_MERGE_INTO_SELF = "customer_merge_into_self"
    CUSTOMER_HAS_CONVERSATIONS = "customer_has_conversations"
    CUSTOMER_IN_USE = "customer_in_use"
    CUSTOMER_RESOLVE_NEEDS_INPUT = "customer_resolve_needs_input"
    NAME_INVALID = "name_invalid"
    LANGUAGE_INVALID = "language_invalid"
    TIME_ZONE_INVALID = "time_zone_invalid"
    CHOICE_INVALID = "choice_invalid"
    SEGMENT_TAGS_INVALID = "segment_tags_invalid"
    ATTRIBUTES_INVALID = "attributes_invalid"
    CONSENT_INVALID = "consent_invalid"
    MONEY_INVALID = "money_invalid"
    NOTES_INVALID = "notes_invalid"
    DOMAIN_INVALID = "domain_invalid"
    IDENTITY_KIND_INVALID = "identity_kind_invalid"
    IDENTITY_INVALID = "identity_invalid"
    IDENTITY_TAKEN = "identity_taken"
    IDENTITY_NOT_FOUND = "identity_not_found"
    ORGANIZATION_NOT_FOUND = "organization_not_found"
