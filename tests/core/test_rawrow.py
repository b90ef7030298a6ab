"""core.rawrow must return rows exactly as the ORM does, on SQLite and PostgreSQL alike."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mehvar.accounts.models import ApiToken
from mehvar.accounts.services import token_create
from mehvar.core import rawrow
from mehvar.customers.models import Customer
from mehvar.customers.services import customer_create

pytestmark = pytest.mark.django_db


def _fields(instance: object, model: type) -> dict[str, object]:
    return {field.attname: getattr(instance, field.attname)
            for field in model._meta.concrete_fields}


def test_a_customer_row_is_built_as_the_orm_loads_it(agent) -> None:
    created = customer_create(
        actor=agent, name="Ελένη Παπαδοπούλου", language="el", time_zone="Europe/Athens",
        segment_tags=["vip", "مشتری ویژه"], lifetime_value=Decimal("1250.50"),
        custom_attributes={"شهر": "تهران", "nested": {"kod": "ΑΒΓ-12"}},
        consent={"email": True, "sms": False}, notes="Προτιμά τηλεφωνική επικοινωνία",
        identities=[("email", "eleni@example.gr")],
    )
    sql = (f"SELECT {rawrow.columns_sql(Customer, 'c')} FROM {Customer._meta.db_table} AS c "
           "WHERE c.id = %s")
    rows = rawrow.fetch_rows(sql, [created.pk])

    built = rawrow.build(Customer, rows[0])

    assert _fields(built, Customer) == _fields(Customer.objects.get(pk=created.pk), Customer)
    assert timezone.is_aware(built.created_at)  # SQLite hands back text: it was converted
    assert built.custom_attributes["nested"] == {"kod": "ΑΒΓ-12"}  # JSON decoded
    assert built._state.adding is False
    assert built._state.db == "default"


def test_token_timestamps_come_back_aware(agent) -> None:
    issued = token_create(actor=agent, name="ci", expires_at=timezone.now() + timedelta(days=1))
    sql = (f"SELECT {rawrow.columns_sql(ApiToken, 't')} FROM {ApiToken._meta.db_table} AS t "
           "WHERE t.id = %s")

    built = rawrow.build(ApiToken, rawrow.fetch_rows(sql, [issued.token.pk])[0])

    assert timezone.is_aware(built.expires_at)
    assert built.expires_at == ApiToken.objects.get(pk=issued.token.pk).expires_at
    assert built.last_used_at is None


def test_no_row_is_an_empty_list(db) -> None:
    sql = (f"SELECT {rawrow.columns_sql(Customer, 'c')} FROM {Customer._meta.db_table} AS c "
           "WHERE c.id = %s")
    assert rawrow.fetch_rows(sql, [-1]) == []


# --- writes --------------------------------------------------------------------------------


def test_an_inserted_customer_reads_back_as_the_orm_would_have_saved_it(db) -> None:
    customer = Customer(
        name="مریم احمدی", name_key="مریم احمدی", language="fa", time_zone="Asia/Tehran",
        segment_tags=["vip", "مشتری ویژه"], lifetime_value=Decimal("990.25"),
        custom_attributes={"شهر": "اصفهان", "nested": {"κωδικός": "ΑΒΓ-7"}},
        consent={"email": True})

    rawrow.insert(customer)

    assert customer.pk is not None  # the generated key was read back
    assert customer._state.adding is False
    stored = Customer.objects.get(pk=customer.pk)
    assert _fields(stored, Customer) == _fields(customer, Customer)
    assert stored.custom_attributes["nested"] == {"κωδικός": "ΑΒΓ-7"}
    assert timezone.is_aware(stored.created_at)  # auto_now_add filled before the insert


def test_a_duplicate_insert_raises_the_integrity_error_the_orm_would(db) -> None:
    from django.db import IntegrityError, transaction

    from mehvar.customers.models import Identity

    customer = Customer(name="Νίκος", name_key="νικος")
    rawrow.insert(customer)
    rawrow.insert(Identity(customer=customer, kind="email", value="nikos@example.gr",
                           match_key="nikos@example.gr"))
    with pytest.raises(IntegrityError), transaction.atomic():
        rawrow.insert(Identity(customer=customer, kind="email", value="nikos@example.gr",
                               match_key="nikos@example.gr"))
    assert Identity.objects.filter(value="nikos@example.gr").count() == 1


def test_update_writes_only_the_named_fields_and_raises_counters(db) -> None:
    from mehvar.conversations.models import Conversation

    customer = Customer(name="Layla", name_key="layla")
    rawrow.insert(customer)
    now = timezone.now()
    conversation = Conversation(subject="طلبي لم يصل", customer=customer, channel="email",
                                created_at=now, updated_at=now, message_count=1)
    rawrow.insert(conversation)
    later = now + timedelta(minutes=5)
    conversation.updated_at, conversation.subject = later, "not written"

    changed = rawrow.update(conversation, ["updated_at"], increments=["message_count"])

    assert changed == 1
    assert conversation.message_count == 2
    stored = Conversation.objects.get(pk=conversation.pk)
    assert (stored.updated_at, stored.message_count, stored.subject) == (later, 2, "طلبي لم يصل")


def test_update_by_another_unique_field_and_of_a_missing_row(db) -> None:
    from mehvar.channels.models import ReplyRoute
    from mehvar.conversations.models import Conversation

    customer = Customer(name="Sara", name_key="sara")
    rawrow.insert(customer)
    now = timezone.now()
    conversation = Conversation(subject="Order", customer=customer, channel="email",
                                created_at=now, updated_at=now)
    rawrow.insert(conversation)
    ReplyRoute.objects.create(conversation=conversation, channel="email", address="a@example.net",
                              updated_at=now)

    moved = ReplyRoute(conversation_id=conversation.pk, address="b@example.net",
                       references=["<x@example.net>"], updated_at=now)
    assert rawrow.update(moved, ["address", "references"], by="conversation") == 1
    route = ReplyRoute.objects.get(conversation=conversation)
    assert (route.address, route.references, route.channel) == (
        "b@example.net", ["<x@example.net>"], "email")

    assert rawrow.update(ReplyRoute(conversation_id=-1, address="c@example.net"),
                         ["address"], by="conversation") == 0
    with pytest.raises(TypeError):
        rawrow.update(conversation, ["messages"])  # a relation, not a column


def test_an_ignored_conflict_stores_nothing_and_keeps_the_transaction_usable(db) -> None:
    from django.db import transaction

    from mehvar.customers.models import Identity

    customer = Customer(name="Ζωή", name_key="ζωη")
    rawrow.insert(customer)
    first = Identity(customer=customer, kind="email", value="zoi@example.gr",
                     match_key="zoi@example.gr")
    assert rawrow.insert(first, ignore_conflicts=True) is True
    with transaction.atomic():  # no savepoint around the repeat: none is needed
        repeat = Identity(customer=customer, kind="email", value="zoi@example.gr",
                          match_key="zoi@example.gr")
        assert rawrow.insert(repeat, ignore_conflicts=True) is False
        assert repeat.pk is None
        assert repeat._state.adding is True
        assert Identity.objects.filter(value="zoi@example.gr").count() == 1  # still usable
    assert first.pk == Identity.objects.get(value="zoi@example.gr").pk


def test_insert_many_stores_every_row_in_order_with_its_key(db) -> None:
    from mehvar.core.models import TimelineEvent
    from mehvar.core.timeline import timeline_event

    customer = Customer(name="Νίκος", name_key="νικοσ")
    rawrow.insert(customer)
    events = [timeline_event(verb=verb, actor_id=None, customer_id=customer.pk,
                             after={"note": note})
              for verb, note in [("customer.created", "مشتری جدید"), ("identity.added", "ένα"),
                                 ("customer.updated", "two")]]

    rawrow.insert_many(events)

    stored = list(TimelineEvent.objects.filter(customer=customer).order_by("pk"))
    assert [event.pk for event in events] == [event.pk for event in stored]
    assert [(event.verb, event.after) for event in stored] == [
        ("customer.created", {"note": "مشتری جدید"}), ("identity.added", {"note": "ένα"}),
        ("customer.updated", {"note": "two"})]
    rawrow.insert_many([])  # nothing to store: no statement at all


@pytest.mark.django_db(transaction=True)
def test_postgresql_statements_share_one_cursor_until_the_connection_changes() -> None:
    first = rawrow.statement_cursor(connection)
    with first as cursor:
        kept = cursor
    with rawrow.statement_cursor(connection) as cursor:
        again = cursor
    if connection.vendor == "postgresql":
        assert again is kept
    else:  # SQLite: a cursor per statement (an unread statement would stay open)
        assert again is not kept
    Customer.objects.create(name="Ελένη")
    # A new connection (Django closes one at the end of a request past its age): a new cursor
    connection.close()
    assert rawrow.fetch_rows("SELECT %s", [1]) == [(1,)]
    with rawrow.statement_cursor(connection) as cursor:
        assert cursor is not kept


def test_statements_are_counted_where_queries_are_logged(db) -> None:
    rawrow.fetch_rows("SELECT %s", [1])  # a kept cursor exists on PostgreSQL
    with CaptureQueriesContext(connection) as queries:
        rawrow.fetch_rows("SELECT %s", [2])
        rawrow.insert(Customer(name="مریم", name_key="مریم"))
    assert len(queries.captured_queries) == 2
