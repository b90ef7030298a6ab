"""Load one model row by hand-written SQL, for lookups on every request's hot path.

The ORM spends more CPU compiling a small select_related query (and RawQuerySet resolving
its columns) than PostgreSQL spends answering it; this module keeps the SQL text and the
column converters per model, computed once, and builds instances with Model.from_db, so a
row comes back exactly as the ORM would return it (aware datetimes and decoded JSON on
SQLite too). Use it only where a profile shows the ORM's cost; everywhere else the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Model

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, Any], Any]


def columns_sql(model: type[Model], alias: str) -> str:
    """`alias.col1, alias.col2, ...` for the model's concrete fields, in field order."""
    return ", ".join(f"{alias}.{field.column}" for field in model._meta.concrete_fields)


def row_width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


def fetch_rows(sql: str, params: Sequence[Any], *, using: str = "default") -> list[tuple[Any, ...]]:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def build(model: type[M], values: Sequence[Any], *, using: str = "default") -> M:
    """An instance from the model's concrete columns as `columns_sql` selected them."""
    connection = connections[using]
    converted = list(values)
    for index, converters in _converters(model, using):
        value = converted[index]
        for converter, expression in converters:
            value = converter(value, expression, connection)
        converted[index] = value
    return model.from_db(using, _attnames(model), converted)


@cache
def _attnames(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


@cache
def _converters(model: type[Model], using: str) -> list[tuple[int, list[tuple[Converter, Any]]]]:
    """Per column, the backend's and the field's converters (what the SQL compiler applies);
    a database alias names one backend for the life of the process."""
    connection = connections[using]
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        chain = [(converter, column) for converter in
                 connection.ops.get_db_converters(column) + column.get_db_converters(connection)]
        if chain:
            found.append((index, chain))
    return found
