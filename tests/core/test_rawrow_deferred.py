"""core.rawrow.deferred_writes: on PostgreSQL, writes nobody reads back ride on the
transaction's next statement; nothing that runs later can miss them or see them half done.
Elsewhere (SQLite, outside a transaction) the same calls write at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, transaction

from mehvar.core import rawrow
from mehvar.core.models import TimelineEvent
from mehvar.core.timeline import timeline_event
from mehvar.customers.models import Customer

pytestmark = pytest.mark.django_db
EVENTS = TimelineEvent._meta.db_table


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("held writes are PostgreSQL's; the SQLite run checks they write at once")


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """The statements the server receives (held writes included), in order."""
    sent: list[str] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool,
               context: dict[str, Any]) -> Any:
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):  # inside deferred_writes: sees what it sends
        yield sent


def event(verb: str) -> TimelineEvent:
    return timeline_event(verb=verb, actor_id=None, after={"متن": "سلام", "κείμενο": "γεια"})


def customer(name: str) -> Customer:
    created = Customer(name=name, name_key=name, language="ar")
    rawrow.insert(created)
    return created


def events_stored() -> list[str]:
    return [verb for (verb,) in rawrow.fetch_rows(
        f"SELECT verb FROM {EVENTS} ORDER BY id", [])]


@pytest.mark.usefixtures("postgres")
def test_a_held_insert_rides_on_the_next_statement_as_a_with_clause() -> None:
    with transaction.atomic(), rawrow.deferred_writes(), statements_sent() as sent:
        rawrow.insert_later(event("message.added"))
        assert sent == []  # held, not sent
        rawrow.fetch_rows("SELECT %s", [1])
        assert len(sent) == 1
        assert sent[0].startswith(f'WITH held_0 AS (INSERT INTO "{EVENTS}"')
        assert sent[0].endswith("SELECT %s")

    assert events_stored() == ["message.added"]


@pytest.mark.usefixtures("postgres")
def test_a_statement_that_names_a_held_table_sees_the_write_sent_before_it() -> None:
    with transaction.atomic(), rawrow.deferred_writes(), statements_sent() as sent:
        rawrow.insert_many_later([event("message.added"), event("conversation.status_changed")])
        stored = events_stored()
        assert len(sent) == 2  # the held insert alone, then the read

    assert stored == ["message.added", "conversation.status_changed"]


@pytest.mark.usefixtures("postgres")
def test_leaving_the_block_sends_what_is_still_held() -> None:
    with transaction.atomic():
        with rawrow.deferred_writes():
            rawrow.insert_later(event("customer.created"))
            rawrow.insert_later(event("identity.added"))
        assert events_stored() == ["customer.created", "identity.added"]


@pytest.mark.usefixtures("postgres")
def test_an_error_drops_what_is_held_and_later_statements_carry_nothing() -> None:
    def hold_then_fail() -> None:
        with rawrow.deferred_writes():
            rawrow.insert_later(event("message.added"))
            raise ZeroDivisionError

    with transaction.atomic():
        with pytest.raises(ZeroDivisionError):
            hold_then_fail()
        with statements_sent() as sent:
            assert events_stored() == []
        assert sent == [f"SELECT verb FROM {EVENTS} ORDER BY id"]


@pytest.mark.usefixtures("postgres")
def test_a_second_update_of_a_table_sends_the_first_before_it_is_held() -> None:
    row = customer("ليلى")
    with transaction.atomic(), rawrow.deferred_writes(), statements_sent() as sent:
        row.name = "ليلى حسن"
        rawrow.update_later(row, ["name"])
        row.name = "ليلى حسن علي"
        rawrow.update_later(row, ["name"])  # the same row: never two writes in one statement
        assert len(sent) == 1

    assert Customer.objects.get(pk=row.pk).name == "ليلى حسن علي"


@pytest.mark.usefixtures("postgres")
def test_an_orm_statement_carries_held_writes_too() -> None:
    row = customer("Νίκος")
    with transaction.atomic(), rawrow.deferred_writes(), statements_sent() as sent:
        rawrow.insert_later(event("message.added"))
        renamed = Customer.objects.filter(pk=row.pk).update(name="Νίκος Π.")
        assert renamed == 1  # the count is the carrying statement's own
        assert len(sent) == 1

    assert events_stored() == ["message.added"]
    assert Customer.objects.get(pk=row.pk).name == "Νίκος Π."


def test_outside_a_deferred_writes_block_the_writes_run_at_once() -> None:
    written = event("message.added")
    with transaction.atomic():
        rawrow.insert_later(written)
        assert events_stored() == ["message.added"]
    assert written.pk is not None


def test_on_sqlite_the_writes_run_at_once_in_the_block() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL run checks held writes")
    with transaction.atomic(), rawrow.deferred_writes(), statements_sent() as sent:
        rawrow.insert_later(event("conversation.created"))
        assert sent[0].startswith(f'INSERT INTO "{EVENTS}"')


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_nothing_is_held() -> None:
    written = event("message.added")
    with rawrow.deferred_writes():
        rawrow.insert_later(written)
        assert events_stored() == ["message.added"]
    assert written.pk is not None


@pytest.mark.parametrize("held", [False, True])
def test_an_upsert_inserts_then_updates_only_the_named_fields(held: bool) -> None:
    first, second = customer("سارا"), customer("مریم")
    with transaction.atomic(), (rawrow.deferred_writes() if held else transaction.atomic()):
        # Customer.name_key is not unique: upsert on the primary key stands in for any
        # unique field; the row exists, so only `name` changes
        rawrow.upsert_later(Customer(pk=first.pk, name="سارا رضایی", name_key="x",
                                     language="fa"), conflict="id", fields=["name"])
        rawrow.upsert_later(Customer(pk=second.pk + 1000, name="Ελένη", name_key="ελενη",
                                     language="el"), conflict="id", fields=["name"])

    updated = Customer.objects.get(pk=first.pk)
    assert (updated.name, updated.name_key, updated.language) == ("سارا رضایی", "سارا", "ar")
    assert Customer.objects.get(pk=second.pk + 1000).name == "Ελένη"


@pytest.mark.usefixtures("postgres")
def test_a_savepoint_rolled_back_undoes_only_the_writes_made_inside_it() -> None:
    def hold_in_a_savepoint_then_fail() -> None:
        with transaction.atomic():  # a savepoint
            rawrow.insert_later(event("identity.added"))
            raise ZeroDivisionError

    with transaction.atomic(), rawrow.deferred_writes():
        rawrow.insert_later(event("customer.created"))
        with pytest.raises(ZeroDivisionError):
            hold_in_a_savepoint_then_fail()
        rawrow.insert_later(event("message.added"))
        with rawrow.deferred_writes():  # nested: the outer block keeps holding
            rawrow.insert_later(event("conversation.created"))
        assert events_stored() == ["customer.created", "message.added", "conversation.created"]
