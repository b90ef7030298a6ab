"""Error codes of global search (stable, machine-readable, snake_case)."""

from __future__ import annotations

from enum import StrEnum


class SearchErrorCode(StrEnum):
    QUERY_EMPTY = "search_query_empty"
    QUERY_TOO_LONG = "search_query_too_long"
    KIND_INVALID = "search_kind_invalid"
