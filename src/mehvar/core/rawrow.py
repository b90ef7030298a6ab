"""Read and write single model rows by statements built once, for the hot paths (every
inbound message, every reply, every conversation opened).

The ORM spends more CPU compiling a small select_related query, an INSERT or a one-row
UPDATE than PostgreSQL spends running it; this module keeps the SQL text and the column
converters per model, computed once. Reads build instances with Model.from_db, so a row
comes back exactly as the ORM would return it (aware datetimes and decoded JSON on SQLite
too); writes prepare each value with the field's own get_db_prep_save, as the ORM does.
Writes send no model signals (Mehvar's models have no save receivers). Use it only where a
profile shows the ORM's cost; everywhere else the ORM.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import Any, TypeVar

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)
# PostgreSQL: this transaction commits without waiting for the disk. A select-list item, so
# it rides on a statement the transaction runs anyway (set_config's third argument: local).
ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true)"
Converter = Callable[[Any, Any, Any], Any]


def columns_sql(model: type[Model], alias: str) -> str:
    """`alias.col1, alias.col2, ...` for the model's concrete fields, in field order."""
    return ", ".join(f"{alias}.{field.column}" for field in model._meta.concrete_fields)


def row_width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


def fetch_rows(sql: str, params: Sequence[Any], *, using: str = "default") -> list[tuple[Any, ...]]:
    with statement_cursor(connections[using]) as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


_kept = threading.local()  # per thread: alias → the cursor kept for that connection


def statement_cursor(connection: BaseDatabaseWrapper) -> AbstractContextManager[Any]:
    """A cursor to run one statement with. On PostgreSQL one cursor per connection is kept
    and reused: psycopg reads a statement's whole result when it runs it, so nothing stays
    open between statements, and making a cursor per statement cost about 45 µs of CPU, a
    tenth of an inbound message's statements. A new cursor where queries are being logged
    (DEBUG, tests that count queries), with health checks on (Django runs them when a cursor
    is made), and on SQLite (a statement there stays open until its rows are read)."""
    if (connection.vendor != "postgresql" or connection.queries_logged
            or connection.settings_dict.get("CONN_HEALTH_CHECKS")):
        return connection.cursor()
    kept = getattr(_kept, connection.alias, None)
    raw = connection.connection
    if raw is None or raw.closed or kept is None or kept.cursor.connection is not raw:
        kept = connection.cursor()
        setattr(_kept, connection.alias, kept)
    return nullcontext(kept)


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


def insert(instance: Model, *, ignore_conflicts: bool = False, using: str = "default") -> bool:
    """INSERT the instance (every concrete column; an unset auto primary key is left to the
    database and read back), as save(force_insert=True) would. True when stored.

    `ignore_conflicts`: a row that would break a unique constraint is not stored and False
    is returned, instead of an IntegrityError that, inside a transaction, needs a savepoint
    around the insert to recover from (two more round trips on every insert)."""
    connection = connections[using]
    model = type(instance)
    generated = model._meta.auto_field is not None and instance.pk is None
    sql, fields = _insert_statement(model, using, generated, ignore_conflicts)
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection)
              for field in fields]
    with statement_cursor(connection) as cursor:
        cursor.execute(sql, params)
        if generated and connection.features.can_return_columns_from_insert:
            row = cursor.fetchone()  # SQLite counts RETURNING rows only once fetched
            if row is None:  # ignore_conflicts and a conflict
                return False
            instance.pk = row[0]
        elif cursor.rowcount == 0:  # ignore_conflicts and a conflict
            return False
        elif generated:
            instance.pk = cursor.lastrowid
    instance._state.adding = False
    instance._state.db = using
    return True


def insert_many(instances: Sequence[Model], *, using: str = "default") -> None:
    """INSERT rows of one model in one statement (every concrete column; unset auto primary
    keys are left to the database and read back in order, as bulk_create does on both
    backends). For the handful of rows a write records at once, e.g. timeline events: the
    ORM's bulk_create compiled its statement on every call."""
    if not instances:
        return
    if len(instances) == 1:
        insert(instances[0], using=using)
        return
    connection = connections[using]
    model = type(instances[0])
    generated = model._meta.auto_field is not None and instances[0].pk is None
    sql, fields = _insert_statement(model, using, generated, False, len(instances))
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection)
              for instance in instances for field in fields]
    with statement_cursor(connection) as cursor:
        cursor.execute(sql, params)
        if generated and connection.features.can_return_rows_from_bulk_insert:
            for instance, (pk,) in zip(instances, cursor.fetchall(), strict=True):
                instance.pk = pk
    for instance in instances:
        instance._state.adding = False
        instance._state.db = using


def update(instance: Model, fields: Sequence[str], *, increments: Sequence[str] = (),
           by: str = "pk", using: str = "default") -> int:
    """UPDATE the named fields of the instance's row, as save(update_fields=...) would; the
    row is the one whose `by` field (a unique one: the primary key by default) has the
    instance's value. Each of `increments` is raised by one in the database (and on the
    instance). The number of rows changed (0: there is no such row)."""
    connection = connections[using]
    model = type(instance)
    key = model._meta.pk if by == "pk" else model._meta.get_field(by)
    assert isinstance(key, Field)
    sql, targets = _update_statement(model, using, tuple(fields), tuple(increments), key.name)
    params = [field.get_db_prep_save(field.pre_save(instance, False), connection)
              for field in targets]
    params.append(key.get_db_prep_save(getattr(instance, key.attname), connection))
    with statement_cursor(connection) as cursor:
        cursor.execute(sql, params)
        changed = int(cursor.rowcount)
    for name in increments:
        setattr(instance, name, getattr(instance, name) + 1)
    return changed


@cache
def _insert_statement(model: type[Model], using: str, generated: bool, ignore_conflicts: bool,
                      rows: int = 1) -> tuple[str, list[Field[Any, Any]]]:
    connection = connections[using]
    features = connection.features
    quote = connection.ops.quote_name
    fields = [field for field in model._meta.concrete_fields
              if not (generated and field is model._meta.auto_field)]
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = (f"INSERT INTO {quote(model._meta.db_table)} "
           f"({', '.join(quote(_column(field)) for field in fields)}) "
           f"VALUES {', '.join([row] * rows)}")
    if ignore_conflicts:  # PostgreSQL and SQLite alike, any unique constraint or index
        sql += " ON CONFLICT DO NOTHING"
    returns = (features.can_return_rows_from_bulk_insert if rows > 1
               else features.can_return_columns_from_insert)
    if generated and returns:
        sql += f" RETURNING {quote(_column(model._meta.pk))}"
    return sql, fields


@cache
def _update_statement(model: type[Model], using: str, names: tuple[str, ...],
                      increments: tuple[str, ...], key_name: str
                      ) -> tuple[str, list[Field[Any, Any]]]:
    quote = connections[using].ops.quote_name
    fields = [_field(model, name) for name in names]
    assignments = [f"{quote(_column(field))} = %s" for field in fields]
    for name in increments:
        column = quote(_column(_field(model, name)))
        assignments.append(f"{column} = {column} + 1")
    sql = (f"UPDATE {quote(model._meta.db_table)} SET {', '.join(assignments)} "
           f"WHERE {quote(_column(_field(model, key_name)))} = %s")
    return sql, fields


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.concrete:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def _column(field: Any) -> str:
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{field!r} is not a column")
    return str(field.column)
