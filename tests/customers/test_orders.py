"""Orders: recording one, importing a CSV file of them (good and bad rows, digits of every
script, encodings, limits), and what a merge does with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from mehvar.core.errors import Conflict, Invalid, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.customers.models import Customer, CustomerOrder
from mehvar.customers.orders_csv import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from mehvar.customers.selectors import customer_merge_preview
from mehvar.customers.services import customer_create, customer_merge, identity_add
from mehvar.customers.value_services import order_record, orders_import_csv
from tests.customers.helpers import csv_file
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db

MARCH_21 = datetime(2025, 3, 21, 10, 30, tzinfo=UTC)


@pytest.fixture
def fatemeh(agent):
    return customer_create(actor=agent, name="فاطمه احمدی", lifetime_value="0",
                           identities=[("email", "fatemeh@example.ir"),
                                       ("phone", "+989121234567")])


@pytest.fixture
def nikos(agent):
    return customer_create(actor=agent, name="Νίκος Σταύρου",
                           identities=[("email", "nikos@example.gr")])


def orders_of(customer: Customer) -> list[tuple[str, Decimal, datetime]]:
    return list(CustomerOrder.objects.filter(customer=customer).order_by("ordered_at", "pk")
                .values_list("external_id", "amount", "ordered_at"))


# --- order_record --------------------------------------------------------------------------


def test_record_stores_the_order_and_recomputes_the_value(agent, fatemeh) -> None:
    order_record(actor=agent, customer=fatemeh, amount="250.255", ordered_at=MARCH_21,
                 external_id=" سفارش-۱۲ ")
    order_record(actor=agent, customer=fatemeh, amount=100, ordered_at=MARCH_21 + timedelta(1))
    fatemeh.refresh_from_db()
    assert orders_of(fatemeh) == [("سفارش-۱۲", Decimal("250.26"), MARCH_21),
                                  ("", Decimal("100.00"), MARCH_21 + timedelta(1))]
    assert (fatemeh.lifetime_value, fatemeh.order_count) == (Decimal("350.26"), 2)
    event = TimelineEvent.objects.filter(customer=fatemeh, verb="order.recorded").first()
    assert (event.actor_id, event.after) == (agent.pk, {
        "order_id": event.after["order_id"], "amount": "250.26",
        "ordered_at": "2025-03-21T10:30:00+00:00", "external_id": "سفارش-۱۲"})


def test_recording_an_external_id_again_is_idempotent(agent, fatemeh) -> None:
    first = order_record(actor=agent, customer=fatemeh, amount="40", ordered_at=MARCH_21,
                         external_id="ΠΑΡ-2025-001")
    again = order_record(actor=agent, customer=fatemeh, amount="40.00", ordered_at=MARCH_21,
                         external_id="ΠΑΡ-2025-001")
    assert again.pk == first.pk
    assert CustomerOrder.objects.count() == 1
    assert TimelineEvent.objects.filter(verb="order.recorded").count() == 1


def test_the_same_external_id_with_other_values_is_a_conflict(agent, fatemeh) -> None:
    order_record(actor=agent, customer=fatemeh, amount="40", ordered_at=MARCH_21,
                 external_id="A-1")
    with pytest.raises(Conflict) as caught:
        order_record(actor=agent, customer=fatemeh, amount="41", ordered_at=MARCH_21,
                     external_id="A-1")
    assert (caught.value.code, caught.value.field) == ("order_external_id_taken", "external_id")
    assert orders_of(fatemeh) == [("A-1", Decimal("40.00"), MARCH_21)]


def test_two_customers_may_have_the_same_external_id(agent, fatemeh, nikos) -> None:
    for customer in (fatemeh, nikos):
        order_record(actor=agent, customer=customer, amount="9", ordered_at=MARCH_21,
                     external_id="1001")
    assert CustomerOrder.objects.filter(external_id="1001").count() == 2


@override_settings(TIME_ZONE="Asia/Tehran")
def test_a_time_without_offset_is_read_in_the_company_time_zone(agent, fatemeh) -> None:
    order = order_record(actor=agent, customer=fatemeh, amount="1",
                         ordered_at=datetime(2025, 3, 21, 14, 0))  # noqa: DTZ001
    order.refresh_from_db()
    assert order.ordered_at == datetime(2025, 3, 21, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("_case", "changes", "code", "field"),
    [
        ("negative amount", {"amount": "-1"}, "money_invalid", "amount"),
        ("amount not a number", {"amount": "χίλια"}, "money_invalid", "amount"),
        ("in the future", {"ordered_at": timezone.now() + timedelta(days=3)},
         "order_date_invalid", "ordered_at"),
        ("before 1900", {"ordered_at": datetime(1899, 12, 31, tzinfo=UTC)},
         "order_date_invalid", "ordered_at"),
        ("date only", {"ordered_at": "2025-03-21"}, "order_date_invalid", "ordered_at"),
        ("external id with a bidi override", {"external_id": "\u202e123"},
         "order_external_id_invalid", "external_id"),
        ("external id too long", {"external_id": "ب" * 201}, "order_external_id_invalid",
         "external_id"),
    ],
)
def test_record_rejects_invalid_input(agent, fatemeh, _case, changes, code, field) -> None:
    with pytest.raises(Invalid) as caught:
        order_record(actor=agent, customer=fatemeh,
                     **{"amount": "10", "ordered_at": MARCH_21, **changes})
    assert (caught.value.code, caught.value.field) == (code, field)
    assert not CustomerOrder.objects.exists()


def test_an_analyst_cannot_record_an_order(analyst, fatemeh) -> None:
    with pytest.raises(PermissionDenied):
        order_record(actor=analyst, customer=fatemeh, amount="10", ordered_at=MARCH_21)
    assert not CustomerOrder.objects.exists()
    assert Customer.objects.get(pk=fatemeh.pk).order_count == 0


def test_an_order_of_a_merged_customer_is_a_conflict(agent, supervisor, fatemeh, nikos) -> None:
    customer_merge(actor=supervisor, source=nikos, target=fatemeh)
    with pytest.raises(Conflict) as caught:
        order_record(actor=agent, customer=nikos, amount="10", ordered_at=MARCH_21)
    assert caught.value.code == "customer_merged"
    assert not CustomerOrder.objects.exists()


# --- orders_import_csv ---------------------------------------------------------------------


def test_import_stores_good_rows_and_reports_bad_ones(supervisor, agent, fatemeh,
                                                      nikos) -> None:
    # Given: ids, identities in any format, Persian and Arabic digits, and mistakes
    data = csv_file(
        "customer,amount,ordered_at,external_id",
        f"{nikos.pk},120.50,2025-03-21,ΝΚ-1",                        # 2: by id
        "FATEMEH@example.ir,١٢٥٠٫٥٠,۲۰۲۵-۰۳-۲۱T۱۴:۳۰+03:30,سفارش-۷",  # 3: Arabic amount
        "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷,۳۰۰,2025-03-22,",                          # 4: Persian phone
        "nobody@example.com,10,2025-03-21,",                         # 5: unknown customer
        f"{nikos.pk},\"12,50\",21/03/2025,",                         # 6: comma, bad date
        f"{nikos.pk},-5,2025-03-21,",                                # 7: negative
        f"{nikos.pk},10",                                            # 8: short row
        "",                                                          # blank: skipped
        f"#{nikos.pk},۱۰۰۰ ٬ ۰۰۰,2025-03-23 09:00,ΝΚ-2",              # 10: grouped digits
    )
    # When
    result = orders_import_csv(actor=supervisor, data=data)
    # Then
    assert (result.rows, result.created, result.unchanged, result.error_count,
            result.customers) == (8, 4, 0, 5, 2)
    assert [(error.line, error.column, error.code) for error in result.errors] == [
        (5, "customer", "import_customer_not_found"),
        (6, "amount", "money_invalid"), (6, "ordered_at", "order_date_invalid"),
        (7, "amount", "money_invalid"), (8, "", "import_format_invalid")]
    assert orders_of(fatemeh) == [
        ("سفارش-۷", Decimal("1250.50"), datetime(2025, 3, 21, 11, 0, tzinfo=UTC)),
        ("", Decimal("300.00"), datetime(2025, 3, 22, tzinfo=UTC))]
    fatemeh.refresh_from_db()
    assert (fatemeh.lifetime_value, fatemeh.order_count) == (Decimal("1550.50"), 2)
    assert list(TimelineEvent.objects.filter(verb="orders.imported").order_by("customer_id")
                .values_list("customer_id", "actor_id", "after")) == sorted([
        (fatemeh.pk, supervisor.pk, {"orders": 2, "amount": "1550.50"}),
        (nikos.pk, supervisor.pk, {"orders": 2, "amount": "1000120.50"})])


def test_importing_the_same_file_again_stores_nothing_new(supervisor, fatemeh) -> None:
    data = csv_file("customer,amount,ordered_at,external_id",
                    "fatemeh@example.ir,10,2025-03-21,A-1", "fatemeh@example.ir,20,2025-03-22,A-2")
    first = orders_import_csv(actor=supervisor, data=data)
    again = orders_import_csv(actor=supervisor, data=data)
    assert (first.created, first.unchanged, again.created, again.unchanged) == (2, 0, 0, 2)
    assert CustomerOrder.objects.count() == 2
    assert TimelineEvent.objects.filter(verb="orders.imported").count() == 1


def test_an_external_id_repeated_with_other_values_is_a_row_error(supervisor, fatemeh) -> None:
    order_record(actor=supervisor, customer=fatemeh, amount="10", ordered_at=MARCH_21,
                 external_id="A-1")
    result = orders_import_csv(actor=supervisor, data=csv_file(
        "customer,amount,ordered_at,external_id",
        "fatemeh@example.ir,11,2025-03-21T10:30Z,A-1",   # differs from the stored order
        "fatemeh@example.ir,5,2025-03-21,B-1",
        "fatemeh@example.ir,6,2025-03-21,B-1",           # differs from line 3
        "fatemeh@example.ir,5,2025-03-21,B-1"))          # repeats line 3
    assert [(error.line, error.column, error.code) for error in result.errors] == [
        (2, "external_id", "order_external_id_taken"),
        (4, "external_id", "order_external_id_taken")]
    assert (result.created, result.unchanged) == (1, 1)
    assert sorted(CustomerOrder.objects.values_list("external_id", "amount")) == [
        ("A-1", Decimal("10.00")), ("B-1", Decimal("5.00"))]


def test_excel_csv_with_bom_semicolons_and_spelled_out_headers(supervisor, nikos) -> None:
    data = csv_file("Ordered At;Customer;Amount;Notes", "2025-03-21;nikos@example.gr;99.90;Αθήνα",
                    bom=True)
    result = orders_import_csv(actor=supervisor, data=data)
    assert (result.created, result.errors) == (1, [])
    assert orders_of(nikos) == [("", Decimal("99.90"), datetime(2025, 3, 21, tzinfo=UTC))]


def test_a_row_without_the_optional_last_column_is_read(supervisor, nikos) -> None:
    result = orders_import_csv(actor=supervisor, data=csv_file(
        "customer,amount,ordered_at,external_id", f"{nikos.pk},7,2025-03-21"))
    assert (result.created, result.errors) == (1, [])


def test_orders_of_a_merged_customer_go_to_the_survivor(supervisor, fatemeh, nikos) -> None:
    customer_merge(actor=supervisor, source=nikos, target=fatemeh)
    result = orders_import_csv(actor=supervisor, data=csv_file(
        "customer,amount,ordered_at", f"{nikos.pk},15,2025-03-21",
        "nikos@example.gr,5,2025-03-21"))
    assert (result.created, result.customers) == (2, 1)
    assert Customer.objects.get(pk=fatemeh.pk).lifetime_value == Decimal("20.00")


def test_a_number_on_two_customers_is_not_guessed(agent, supervisor, fatemeh, nikos) -> None:
    identity_add(actor=agent, customer=nikos, kind="whatsapp", value="+989121234567")
    result = orders_import_csv(actor=supervisor, data=csv_file(
        "customer,amount,ordered_at", "00989121234567,15,2025-03-21"))
    assert [(error.line, error.code) for error in result.errors] == [
        (2, "import_customer_not_found")]
    assert not CustomerOrder.objects.exists()


@pytest.mark.parametrize(
    ("_case", "data", "code"),
    [
        ("broken UTF-8", b"customer,amount,ordered_at\r\n1,2,2025-03-21\r\n\xd8\xa8\xff,1,2\r\n",
         "import_encoding_invalid"),
        ("UTF-16", "customer,amount,ordered_at\r\n".encode("utf-16"), "import_encoding_invalid"),
        ("binary", b"customer,amount,ordered_at\r\n\x00\x01", "import_format_invalid"),
        ("empty", b"", "import_header_invalid"),
        ("no amount column", csv_file("customer,ordered_at", "1,2025-03-21"),
         "import_header_invalid"),
        ("a column twice", csv_file("customer,amount,amount,ordered_at"),
         "import_header_invalid"),
        ("unclosed quote", csv_file("customer,amount,ordered_at", '1,"2,2025-03-21'),
         "import_format_invalid"),
        ("too large", b"customer,amount,ordered_at\r\n" + b"1,1,2025-03-21\r\n" * (
            MAX_IMPORT_BYTES // 15), "import_file_too_large"),
        ("too many rows", csv_file("customer,amount,ordered_at",
                                   *["1,1,2025-03-21"] * (MAX_IMPORT_ROWS + 1)),
         "import_too_many_rows"),
    ],
)
def test_a_bad_file_is_refused_whole(supervisor, fatemeh, _case, data, code) -> None:
    with pytest.raises(Invalid) as caught:
        orders_import_csv(actor=supervisor, data=data)
    assert (caught.value.code, caught.value.field) == (code, "file")
    assert not CustomerOrder.objects.exists()


def test_the_encoding_error_names_its_line(supervisor) -> None:
    with pytest.raises(Invalid) as caught:
        orders_import_csv(actor=supervisor, data=b"customer,amount,ordered_at\r\n1,2,3\r\n\xff")
    assert "line 3" in str(caught.value.detail)


@pytest.mark.parametrize("role", ["analyst", "agent"])
def test_roles_below_supervisor_cannot_import(request, fatemeh, role) -> None:
    with pytest.raises(PermissionDenied):
        orders_import_csv(actor=request.getfixturevalue(role), data=csv_file(
            "customer,amount,ordered_at", f"{fatemeh.pk},1,2025-03-21"))
    assert not CustomerOrder.objects.exists()


@pytest.mark.parametrize("size", [10, 50])
def test_import_queries_do_not_grow_with_the_rows(supervisor, django_assert_num_queries,
                                                  size) -> None:
    customers = CustomerFactory.create_batch(size)
    data = csv_file("customer,amount,ordered_at,external_id",
                    *[f"{row.pk},{number + 1},2025-03-21,Σ-{number}"
                      for number, row in enumerate(customers)])
    # savepoint, lookup by id, merges, lock, known external ids, insert, events, and the
    # recompute: lock, orders, effort, call minutes, tier rules, update; release
    with django_assert_num_queries(14):
        result = orders_import_csv(actor=supervisor, data=data)
    assert (result.created, result.customers) == (size, size)


# --- merging customers with orders ---------------------------------------------------------


def test_merge_keeps_an_order_recorded_on_both_records_once(agent, supervisor, fatemeh,
                                                            nikos) -> None:
    # Given: the same shop order on both records, and one order only on the source
    for customer in (fatemeh, nikos):
        order_record(actor=agent, customer=customer, amount="100", ordered_at=MARCH_21,
                     external_id="SHOP-1")
    order_record(actor=agent, customer=nikos, amount="30", ordered_at=MARCH_21,
                 external_id="SHOP-2")
    # When
    preview = customer_merge_preview(actor=agent, source_id=nikos.pk, target_id=fatemeh.pk)
    customer_merge(actor=supervisor, source=nikos, target=fatemeh)
    # Then
    event = TimelineEvent.objects.get(verb="customer.merged")
    assert preview.moves == event.after["moved"]
    assert preview.moves["customers.customerorder.customer"] == 1
    assert sorted(CustomerOrder.objects.values_list("customer_id", "external_id")) == [
        (fatemeh.pk, "SHOP-1"), (fatemeh.pk, "SHOP-2")]
    fatemeh.refresh_from_db()
    assert (fatemeh.lifetime_value, fatemeh.order_count) == (Decimal("130.00"), 2)
    assert {field: after for field, _before, after in preview.profile} == {
        "lifetime_value": Decimal("130.00"), "order_count": 2}
