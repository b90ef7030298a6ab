"""Row helpers shared by the customers context's services: lock a row, apply changes and
report what changed, make values JSON-safe for timeline events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mehvar.core.errors import NotFound


def locked(model: type[models.Model], pk: int | None, code: str) -> Any:
    """The row, locked for the rest of the transaction; NotFound(code) when it is gone."""
    row = model._default_manager.select_for_update().filter(pk=pk).first()
    if row is None:
        raise NotFound(code, _("Not found."))
    return row


def apply(row: models.Model, values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Set the values that differ; return (before, after) of those only."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, value in values.items():
        current = getattr(row, field)
        if current != value:
            before[field], after[field] = current, value
            setattr(row, field, value)
    return before, after


def jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: str(value) if isinstance(value, Decimal) else value
            for key, value in values.items()}


def reject_unknown(changes: Mapping[str, Any], allowed: Sequence[str]) -> None:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(unknown)}")
