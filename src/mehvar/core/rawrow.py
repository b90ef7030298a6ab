"""Read and write single model rows by statements built once, for the hot paths (every
inbound message, every reply, every conversation opened).

The ORM spends more CPU compiling a small select_related query, an INSERT or a one-row
UPDATE than PostgreSQL spends running it; this module keeps the SQL text and the column
converters per model, computed once. Reads build instances with Model.from_db, so a row
comes back exactly as the ORM would return it (aware datetimes and decoded JSON on SQLite
too); writes prepare each value with the field's own get_db_prep_save, as the ORM does.
Writes send no model signals (Mehvar's models have no save receivers). Use it only where a
profile shows the ORM's cost; everywhere else the ORM.

On PostgreSQL, writes whose result nobody reads back may be held inside `deferred_writes`
and sent as WITH clauses of the transaction's next statement: each round trip costs the
process and the server more CPU than the statement itself does.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
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
    generated = _key_generated(instance)
    sql, fields = _insert_statement(type(instance), using, generated, ignore_conflicts)
    params = _row_values(instance, fields, connection)
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
    _mark_saved([instance], using)
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
    generated = _key_generated(instances[0])
    sql, fields = _insert_statement(type(instances[0]), using, generated, False, len(instances))
    params = [value for instance in instances
              for value in _row_values(instance, fields, connection)]
    with statement_cursor(connection) as cursor:
        cursor.execute(sql, params)
        if generated and connection.features.can_return_rows_from_bulk_insert:
            for instance, (pk,) in zip(instances, cursor.fetchall(), strict=True):
                instance.pk = pk
    _mark_saved(instances, using)


def _key_generated(instance: Model) -> bool:
    """Whether the database generates the instance's key (an auto key not set)."""
    return type(instance)._meta.auto_field is not None and instance.pk is None


def _row_values(instance: Model, fields: Sequence[Field[Any, Any]],
                connection: BaseDatabaseWrapper) -> list[Any]:
    """The instance's values for an INSERT of `fields`, prepared as save() prepares them."""
    return [field.get_db_prep_save(field.pre_save(instance, True), connection)
            for field in fields]


def _mark_saved(instances: Sequence[Model], using: str) -> None:
    for instance in instances:
        instance._state.adding = False
        instance._state.db = using


def _mirror_increments(instance: Model, increments: Sequence[str]) -> None:
    for name in increments:
        setattr(instance, name, getattr(instance, name) + 1)


def update(instance: Model, fields: Sequence[str], *, increments: Sequence[str] = (),
           by: str = "pk", using: str = "default") -> int:
    """UPDATE the named fields of the instance's row, as save(update_fields=...) would; the
    row is the one whose `by` field (a unique one: the primary key by default) has the
    instance's value. Each of `increments` is raised by one in the database (and on the
    instance). The number of rows changed (0: there is no such row)."""
    connection = connections[using]
    sql, params = _update_sql(connection, instance, fields, increments, by)
    with statement_cursor(connection) as cursor:
        cursor.execute(sql, params)
        changed = int(cursor.rowcount)
    _mirror_increments(instance, increments)
    return changed


def _update_sql(connection: BaseDatabaseWrapper, instance: Model, fields: Sequence[str],
                increments: Sequence[str], by: str) -> tuple[str, list[Any]]:
    model = type(instance)
    key = model._meta.pk if by == "pk" else model._meta.get_field(by)
    assert isinstance(key, Field)
    sql, targets = _update_statement(model, connection.alias, tuple(fields), tuple(increments),
                                     key.name)
    params = [field.get_db_prep_save(field.pre_save(instance, False), connection)
              for field in targets]
    params.append(key.get_db_prep_save(getattr(instance, key.attname), connection))
    return sql, params


# --- writes that ride on the next statement ---------------------------------------------------


@contextmanager
def deferred_writes(*, using: str = "default") -> Iterator[None]:
    """Inside a transaction on PostgreSQL, the writes made by `insert_later`,
    `insert_many_later`, `update_later` and `upsert_later` are held and sent as
    data-modifying WITH clauses of the transaction's next statement, whatever runs it
    (rawrow or the ORM): one round trip fewer for each. Leaving the block normally sends
    what is still held; an exception drops it (the transaction is rolled back anyway).
    Elsewhere (SQLite, no transaction) those writes run at once.

    Safe because a held write never has to be seen: a statement that names a held write's
    table, one that cannot carry a WITH clause, and a second write to a table with a held
    update all send the held writes first, on their own. A write's failure surfaces on the
    statement it rode on, in the same transaction. Savepoint statements send what is held
    first too, so a rollback to a savepoint undoes exactly the writes made after it. A
    nested block leaves the holding to the outer one."""
    connection = connections[using]
    if (connection.vendor != "postgresql" or not connection.in_atomic_block
            or getattr(_held, using, None) is not None):  # nested: the outer block holds
        yield
        return
    held = _HeldWrites(using)
    setattr(_held, using, held)
    try:
        with connection.execute_wrapper(held):
            yield
            held.send(connection)
    finally:
        held.writes.clear()
        delattr(_held, using)


def insert_later(instance: Model, *, using: str = "default") -> None:
    """`insert` for a row whose generated key nobody reads (it stays None when held)."""
    held = getattr(_held, using, None)
    if held is None:
        insert(instance, using=using)
        return
    held.add_insert([instance])


def insert_many_later(instances: Sequence[Model], *, using: str = "default") -> None:
    """`insert_many` for rows whose generated keys nobody reads."""
    held = getattr(_held, using, None)
    if held is None:
        insert_many(instances, using=using)
    elif instances:
        held.add_insert(list(instances))


def update_later(instance: Model, fields: Sequence[str], *, increments: Sequence[str] = (),
                 by: str = "pk", using: str = "default") -> None:
    """`update` whose count of changed rows nobody reads (the instance mirrors the
    increments at once)."""
    held = getattr(_held, using, None)
    if held is None:
        update(instance, fields, increments=increments, by=by, using=using)
        return
    connection = connections[using]
    sql, params = _update_sql(connection, instance, fields, increments, by)
    held.add(type(instance)._meta.db_table, sql, params)
    _mirror_increments(instance, increments)


def upsert_later(instance: Model, *, conflict: str, fields: Sequence[str],
                 using: str = "default") -> None:
    """INSERT the instance's row or, where a row with its value of `conflict` (a unique
    field) exists, set that row's `fields` to the instance's values: one statement on both
    backends, no read first, and no count to read back, so it may be held like the others."""
    connection = connections[using]
    model = type(instance)
    sql, columns = _upsert_statement(model, using, _key_generated(instance), conflict,
                                     tuple(fields))
    params = _row_values(instance, columns, connection)
    held = getattr(_held, using, None)
    if held is not None:
        held.add(model._meta.db_table, sql, params)
        return
    with statement_cursor(connection) as cursor:
        cursor.execute(sql, params)


_held = threading.local()  # per thread: alias → the _HeldWrites of a deferred_writes block
# A statement that can start with a WITH clause of data-modifying statements.
_CARRIES_WITH = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@dataclasses.dataclass
class _Held:
    """One held write: an UPDATE (or upsert) as SQL, or the rows of one model's INSERT."""

    table: str
    sql: str = ""
    params: list[Any] = dataclasses.field(default_factory=list)
    model: type[Model] | None = None  # an INSERT of `rows`, built when it is sent
    generated: bool = False
    rows: list[list[Any]] = dataclasses.field(default_factory=list)

    def statement(self, using: str) -> tuple[str, list[Any]]:
        if self.model is None:
            return self.sql, self.params
        sql, _fields = _insert_statement(self.model, using, self.generated, False,
                                         len(self.rows), returning=False)
        return sql, [value for row in self.rows for value in row]


class _HeldWrites:
    """The held writes of one deferred_writes block, and the execute wrapper that sends
    them (Django calls it for every statement on the connection)."""

    def __init__(self, using: str) -> None:
        self.using = using
        self.writes: list[_Held] = []

    def add_insert(self, instances: list[Model]) -> None:
        """Rows of one model join that model's held INSERT, in order: one statement, keys
        generated in the order of the calls (clauses of one WITH run in no set order)."""
        connection = connections[self.using]
        model = type(instances[0])
        generated = _key_generated(instances[0])
        _sql, fields = _insert_statement(model, self.using, generated, False, returning=False)
        rows = [_row_values(instance, fields, connection) for instance in instances]
        _mark_saved(instances, self.using)
        for held in self.writes:
            if held.model is model and held.generated == generated:
                held.rows.extend(rows)
                return
        self._hold(_Held(model._meta.db_table, model=model, generated=generated, rows=rows))

    def add(self, table: str, sql: str, params: list[Any]) -> None:
        self._hold(_Held(table, sql, params))

    def _hold(self, write: _Held) -> None:
        # Two writes in one statement must not touch the same row: a write to a table with
        # a held update or upsert, or an update to one with a held insert, waits for what is
        # held to be sent first.
        if any(held.table == write.table for held in self.writes):
            self.send(connections[self.using])
        self.writes.append(write)

    def take(self) -> tuple[str, list[Any]]:
        """The held writes as a WITH clause (ending in a space), and their parameters."""
        clauses, params = [], []
        for index, held in enumerate(self.writes):
            sql, values = held.statement(self.using)
            clauses.append(f"held_{index} AS ({sql})")
            params.extend(values)
        self.writes.clear()
        return f"WITH {', '.join(clauses)} ", params

    def send(self, connection: BaseDatabaseWrapper) -> None:
        """Send what is held now, as a statement of its own."""
        if self.writes:
            with statement_cursor(connection) as cursor:
                cursor.execute(*self._alone())

    def _alone(self) -> tuple[str, list[Any]]:
        if len(self.writes) == 1:
            return self.writes.pop().statement(self.using)
        prefix, params = self.take()
        return prefix + "SELECT 1", params

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool,
                 context: dict[str, Any]) -> Any:
        if not self.writes:
            return execute(sql, params, many, context)
        if (many or not isinstance(params, (list, tuple)) or not _CARRIES_WITH.match(sql)
                or any(held.table in sql for held in self.writes)):
            execute(*self._alone(), False, context)
            return execute(sql, params, many, context)
        prefix, held_params = self.take()
        return execute(prefix + sql, [*held_params, *params], many, context)


@cache
def _insert_statement(model: type[Model], using: str, generated: bool, ignore_conflicts: bool,
                      rows: int = 1, returning: bool = True) -> tuple[str, list[Field[Any, Any]]]:
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
    if generated and returns and returning:
        sql += f" RETURNING {quote(_column(model._meta.pk))}"
    return sql, fields


@cache
def _upsert_statement(model: type[Model], using: str, generated: bool, conflict: str,
                      names: tuple[str, ...]) -> tuple[str, list[Field[Any, Any]]]:
    sql, columns = _insert_statement(model, using, generated, False, returning=False)
    quote = connections[using].ops.quote_name
    updates = [quote(_column(_field(model, name))) for name in names]
    sql += (f" ON CONFLICT ({quote(_column(_field(model, conflict)))}) DO UPDATE SET "
            + ", ".join(f"{column} = EXCLUDED.{column}" for column in updates))
    return sql, columns


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
