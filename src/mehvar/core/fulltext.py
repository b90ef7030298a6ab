"""Full-text matching over normalised "search key" columns, one engine per database vendor.

A search key is the text through `core.text.normalize_text` (letter variants folded,
diacritics, tatweel and joiners dropped, casefolded), reduced to its words joined by single
spaces, so that the database's own tokenizer sees exactly the words we see in Python. The
query goes through the same two steps; each query word must then start a word of the row
(word-prefix match), all words ANDed.

- PostgreSQL: a stored generated column `<key>_vector = to_tsvector('simple', key)` (not in
  the Django model: PostgreSQL computes it on every write) with a GIN index, matched with
  `<key>_vector @@ to_tsquery('simple', 'w1:* & w2:*')`. The stored vector keeps a row check
  cheap when the planner walks an id index instead of the GIN index (created in the owning
  context's migration).
- SQLite: an FTS5 external-content table `<table>_fts` over the key column, kept in sync by
  triggers (same migration); the match is `pk IN (SELECT rowid FROM fts WHERE fts MATCH ...)`.

Query words contain only letters and digits (`[^\\W_]+`), so they cannot carry operators
into either query language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func
from django.db.models.sql.compiler import SQLCompiler

from mehvar.core.text import WORD, normalize_text

MAX_TERMS = 8
MAX_TERM_LENGTH = 64


def search_key(text: str) -> str:
    """The normalised words of `text`, space-separated: what a search key column stores."""
    return " ".join(WORD.findall(normalize_text(text)))


def query_terms(query: str) -> list[str]:
    """The distinct normalised words of a query (at most MAX_TERMS, each cut to
    MAX_TERM_LENGTH characters), in the order typed."""
    words = (word[:MAX_TERM_LENGTH] for word in WORD.findall(normalize_text(query)))
    return list(dict.fromkeys(words))[:MAX_TERMS]


def vector_column(column: str) -> str:
    """The PostgreSQL-only stored tsvector column generated from a search key column."""
    return f"{column}_vector"


def tsquery(terms: Sequence[str]) -> str:
    """PostgreSQL `to_tsquery` text: every term as a prefix, ANDed."""
    return " & ".join(f"{term}:*" for term in terms)


def fts5_query(terms: Sequence[str]) -> str:
    """SQLite FTS5 MATCH text: every term as a quoted prefix, ANDed."""
    return " AND ".join(f'"{term}" *' for term in terms)


class FullTextMatch(Func):
    """A boolean condition for `.filter()`: the row's search key `column` holds every term
    as a word prefix. `fts_table` is the SQLite FTS5 table indexing that column. With
    `use_index=False` PostgreSQL checks each row it reads instead of reading the GIN index
    (for a scan bounded by another condition); SQLite always asks its FTS5 table."""

    output_field = BooleanField()

    def __init__(
        self, column: str, *, fts_table: str, terms: Sequence[str], use_index: bool = True
    ) -> None:
        if not terms:
            raise ValueError("FullTextMatch needs at least one term")
        super().__init__(F("pk"), F(column))
        self.column = column
        self.use_index = use_index
        self.fts_table = fts_table
        self.terms = list(terms)

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        pk_expression, column_expression = self.get_source_expressions()
        if connection.vendor == "postgresql":
            # `"alias"."column"` -> `"alias"."column_vector"`, the stored tsvector column.
            column_sql, column_params = compiler.compile(column_expression)
            name = connection.ops.quote_name(self.column)
            vector_sql = column_sql.removesuffix(name) + connection.ops.quote_name(
                vector_column(self.column))
            # ts_match_vq is what @@ calls, in a form no index can serve: for row-by-row
            # checks that the planner must not turn into a full read of the GIN index.
            template = ("{vector} @@ to_tsquery('simple'::regconfig, %s)" if self.use_index
                        else "ts_match_vq({vector}, to_tsquery('simple'::regconfig, %s))")
            return template.format(vector=vector_sql), [*column_params, tsquery(self.terms)]
        if connection.vendor == "sqlite":
            pk_sql, pk_params = compiler.compile(pk_expression)
            table = connection.ops.quote_name(self.fts_table)
            return (f"{pk_sql} IN (SELECT rowid FROM {table} WHERE {table} MATCH %s)",
                    [*pk_params, fts5_query(self.terms)])
        raise NotSupportedError(f"full-text search is not available on {connection.vendor}")


# --- schema (used by migrations: the SQL is the same for every indexed column) -------------


def install_sql(vendor: str, *, table: str, column: str) -> list[str]:
    """Statements creating the full-text index of `table.column` for this vendor."""
    if vendor == "postgresql":
        vector = vector_column(column)
        return [f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{vector}" tsvector '
                f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, \"{column}\")) STORED",
                f'CREATE INDEX IF NOT EXISTS "{table}_{column}_fts" ON "{table}" '
                f'USING gin ("{vector}")']
    if vendor == "sqlite":
        fts = f"{table}_fts"
        insert = f'INSERT INTO "{fts}"(rowid, "{column}") VALUES (new.id, new."{column}");'
        delete = (f'INSERT INTO "{fts}"("{fts}", rowid, "{column}") '
                  f'VALUES (\'delete\', old.id, old."{column}");')
        return [
            f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5("{column}", '
            f"content='{table}', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
            f'CREATE TRIGGER IF NOT EXISTS "{fts}_ai" AFTER INSERT ON "{table}" '
            f"BEGIN {insert} END",
            f'CREATE TRIGGER IF NOT EXISTS "{fts}_ad" AFTER DELETE ON "{table}" '
            f"BEGIN {delete} END",
            f'CREATE TRIGGER IF NOT EXISTS "{fts}_au" AFTER UPDATE OF "{column}" ON "{table}" '
            f"BEGIN {delete} {insert} END",
            f"INSERT INTO \"{fts}\"(\"{fts}\") VALUES ('rebuild')",
        ]
    return []


def uninstall_sql(vendor: str, *, table: str, column: str) -> list[str]:
    """The reverse of install_sql."""
    if vendor == "postgresql":
        return [f'DROP INDEX IF EXISTS "{table}_{column}_fts"',
                f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS "{vector_column(column)}"']
    if vendor == "sqlite":
        fts = f"{table}_fts"
        return [*(f'DROP TRIGGER IF EXISTS "{fts}_{suffix}"' for suffix in ("ai", "ad", "au")),
                f'DROP TABLE IF EXISTS "{fts}"']
    return []
