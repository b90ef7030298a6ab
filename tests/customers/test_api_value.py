"""Orders, the orders import, the value recompute and tier rules over HTTP: role matrices,
validation, unknown ids, shapes and query counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mehvar.accounts.services import token_create
from mehvar.customers.models import Customer, CustomerOrder, TierRule
from mehvar.customers.services import customer_create
from mehvar.customers.value_services import order_record, tier_rule_create
from tests.customers.helpers import csv_file, insert_conversation

pytestmark = pytest.mark.django_db

MARCH_21 = datetime(2025, 3, 21, tzinfo=UTC)


@pytest.fixture
def customer(agent):
    return customer_create(actor=agent, name="محمد العبدالله", lifetime_value="12.5",
                           identities=[("email", "mohammad@example.sa")])


def as_role(request, api_as, role):
    return api_as(None if role == "anonymous" else request.getfixturevalue(role))


def upload(request, role, data: bytes, name: str = "orders.csv"):
    """POST the file as multipart form data, as a browser or curl -F sends it."""
    headers = {}
    if role != "anonymous":
        secret = token_create(actor=request.getfixturevalue(role), name="tests").secret
        headers = {"Authorization": f"Bearer {secret}"}
    return Client().post("/api/v1/customers/orders/import",
                         {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
                         headers=headers)


# --- the customer's value in its profile ---------------------------------------------------


def test_the_profile_shows_order_count_and_profitability(api_as, agent, analyst,
                                                         customer) -> None:
    insert_conversation(customer=customer)
    order_record(actor=agent, customer=customer, amount="100.25", ordered_at=MARCH_21)
    body = api_as(analyst).get(f"customers/{customer.pk}").json()
    assert {key: body[key] for key in ("lifetime_value", "cost_to_serve", "profitability",
                                       "order_count", "tier")} == {
        "lifetime_value": "100.25", "cost_to_serve": "2.00", "profitability": "98.25",
        "order_count": 1, "tier": "standard"}


# --- orders --------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 201), ("supervisor", 201)])
def test_record_matrix(request, api_as, customer, role, status) -> None:
    response = as_role(request, api_as, role).post(f"customers/{customer.pk}/orders", {
        "amount": "99.90", "ordered_at": "2025-03-21T14:30:00+03:30", "external_id": "ΑΡ-7"})
    assert response.status_code == status
    assert CustomerOrder.objects.count() == (1 if status == 201 else 0)


def test_record_returns_the_order_and_is_idempotent(api_as, agent, customer) -> None:
    client = api_as(agent)
    body = {"amount": 99.9, "ordered_at": "2025-03-21T14:30:00+03:30", "external_id": "ΑΡ-7"}
    first = client.post(f"customers/{customer.pk}/orders", body).json()
    again = client.post(f"customers/{customer.pk}/orders", body).json()
    assert first == again == {
        "id": first["id"], "customer_id": customer.pk, "external_id": "ΑΡ-7", "amount": "99.90",
        "ordered_at": "2025-03-21T11:00:00Z", "created_at": first["created_at"]}
    conflict = client.post(f"customers/{customer.pk}/orders", {**body, "amount": 100})
    assert (conflict.status_code, conflict.json()["error"], conflict.json()["field"]) == (
        409, "order_external_id_taken", "external_id")


@pytest.mark.parametrize(
    ("_case", "body", "error"),
    [
        ("no date", {"amount": "1"}, "validation_error"),
        ("negative amount", {"amount": "-1", "ordered_at": "2025-03-21T10:00Z"},
         "validation_error"),
        ("three decimals", {"amount": "1.005", "ordered_at": "2025-03-21T10:00Z"},
         "validation_error"),
        ("not a date", {"amount": "1", "ordered_at": "۲۱ مارس"}, "validation_error"),
        ("external id too long", {"amount": "1", "ordered_at": "2025-03-21T10:00Z",
                                  "external_id": "x" * 201}, "validation_error"),
        ("in the future", {"amount": "1", "ordered_at": (datetime.now(UTC) + timedelta(days=9))
                           .isoformat()}, "order_date_invalid"),
    ],
)
def test_record_rejects_invalid_input_with_422(api_as, agent, customer, _case, body,
                                               error) -> None:
    response = api_as(agent).post(f"customers/{customer.pk}/orders", body)
    assert (response.status_code, response.json()["error"]) == (422, error)
    assert not CustomerOrder.objects.exists()


def test_orders_list_pages_latest_first(api_as, agent, analyst, customer) -> None:
    for days in (3, 1, 2):
        order_record(actor=agent, customer=customer, amount=str(days),
                     ordered_at=MARCH_21 + timedelta(days=days))
    client = api_as(analyst)
    first = client.get(f"customers/{customer.pk}/orders", limit=2).json()
    rest = client.get(f"customers/{customer.pk}/orders", cursor=first["next_cursor"]).json()
    assert [item["amount"] for item in first["items"] + rest["items"]] == [
        "3.00", "2.00", "1.00"]
    assert rest["next_cursor"] is None
    assert api_as(None).get(f"customers/{customer.pk}/orders").status_code == 401


@pytest.mark.parametrize("size", [3, 30])
def test_orders_list_query_count_is_constant(api_as, agent, analyst, customer,
                                             django_assert_num_queries, size) -> None:
    CustomerOrder.objects.bulk_create([
        CustomerOrder(customer=customer, amount=Decimal(number), ordered_at=MARCH_21,
                      external_id=f"سفارش-{number}") for number in range(size)])
    client = api_as(analyst)
    client.get(f"customers/{customer.pk}/orders")  # first use of the token
    with django_assert_num_queries(3):  # token, customer exists, orders
        response = client.get(f"customers/{customer.pk}/orders", limit=100)
    assert len(response.json()["items"]) == size


def test_unknown_customer_is_404_for_orders(api_as, agent) -> None:
    client = api_as(agent)
    responses = [client.get("customers/-1/orders"),
                 client.post("customers/-1/orders", {"amount": "1",
                                                     "ordered_at": "2025-03-21T10:00Z"})]
    assert [(r.status_code, r.json()["error"]) for r in responses] == [
        (404, "customer_not_found")] * 2


# --- the orders import ---------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 403), ("supervisor", 200),
                                              ("admin", 200)])
def test_import_matrix(request, customer, role, status) -> None:
    response = upload(request, role, csv_file("customer,amount,ordered_at",
                                              f"{customer.pk},1,2025-03-21"))
    assert response.status_code == status
    assert CustomerOrder.objects.count() == (1 if status == 200 else 0)


def test_import_answers_counts_and_row_errors(request, customer) -> None:
    response = upload(request, "supervisor", csv_file(
        "customer,amount,ordered_at,external_id",
        "MOHAMMAD@example.sa,٢٥٠٫٧٥,٢٠٢٥-٠٣-٢١,فاتورة-١",
        "unknown@example.sa,1,2025-03-21,",
        f"{customer.pk},1٫5٫5,2025-03-21,"), name="سفارش‌ها.csv")
    assert response.status_code == 200
    assert response.json() == {
        "rows": 3, "created": 1, "unchanged": 0, "error_count": 2, "customers": 1,
        "errors": [
            {"line": 3, "column": "customer", "code": "import_customer_not_found",
             "detail": "No customer has this id, email address or phone number."},
            {"line": 4, "column": "amount", "code": "money_invalid",
             "detail": "Write the amount as a number, such as 1250.50."}]}
    assert Customer.objects.get(pk=customer.pk).lifetime_value == Decimal("250.75")


@pytest.mark.parametrize(("_case", "data", "error"), [
    ("broken UTF-8", b"customer,amount,ordered_at\n\xc3\x28,1,2025-03-21\n",
     "import_encoding_invalid"),
    ("no header", b"\n", "import_header_invalid"),
])
def test_import_refuses_a_bad_file_with_422(request, customer, _case, data, error) -> None:
    response = upload(request, "supervisor", data)
    assert (response.status_code, response.json()["error"], response.json()["field"]) == (
        422, error, "file")


def test_import_without_a_file_is_422(api_as, supervisor) -> None:
    response = api_as(supervisor).post("customers/orders/import", {"customer": 1})
    assert (response.status_code, response.json()["error"]) == (422, "validation_error")


# --- the value recompute -------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 403), ("supervisor", 200)])
def test_recompute_matrix(request, api_as, customer, role, status) -> None:
    insert_conversation(customer=customer)
    response = as_role(request, api_as, role).post("customers/value/recompute",
                                                   {"customer_ids": [customer.pk, -1]})
    assert response.status_code == status
    assert Customer.objects.get(pk=customer.pk).cost_to_serve == (
        Decimal("2.00") if status == 200 else Decimal("0.00"))


def test_recompute_answers_what_it_did(api_as, supervisor, customer) -> None:
    insert_conversation(customer=customer)
    response = api_as(supervisor).post("customers/value/recompute",
                                       {"customer_ids": [customer.pk, -1]})
    assert response.json() == {"scheduled": False, "customers": 1, "changed": 1,
                               "tiers_changed": 0}


def test_recompute_of_everyone_is_scheduled(api_as, supervisor, customer,
                                            django_capture_on_commit_callbacks) -> None:
    insert_conversation(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(supervisor).post("customers/value/recompute", {})
    assert (response.status_code, response.json()["scheduled"]) == (202, True)
    assert Customer.objects.get(pk=customer.pk).cost_to_serve == Decimal("2.00")


@pytest.mark.parametrize("body", [{"customer_ids": []}, {"customer_ids": list(range(501))},
                                  {"customer_ids": ["ένα"]}])
def test_recompute_rejects_bad_ids_with_422(api_as, supervisor, body) -> None:
    response = api_as(supervisor).post("customers/value/recompute", body)
    assert (response.status_code, response.json()["error"]) == (422, "validation_error")


# --- tier rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 403), ("supervisor", 403),
                                              ("admin", 201)])
def test_tier_rule_create_matrix(request, api_as, role, status) -> None:
    response = as_role(request, api_as, role).post("tier-rules", {
        "tier": "gold", "position": 1, "min_revenue": "1000", "min_profitability": "-20.5"})
    assert response.status_code == status
    assert TierRule.objects.count() == (1 if status == 201 else 0)


def test_tier_rules_are_listed_in_order_and_edited(api_as, admin, analyst) -> None:
    later = tier_rule_create(actor=admin, tier="silver", position=9, min_orders=2)
    first = tier_rule_create(actor=admin, tier="platinum", position=1, min_revenue="50000")
    client = api_as(admin)
    patched = client.patch(f"tier-rules/{later.pk}", {"min_orders": None, "is_active": False})
    listed = api_as(analyst).get("tier-rules").json()
    assert [item["id"] for item in listed["items"]] == [first.pk, later.pk]
    assert {key: patched.json()[key] for key in ("tier", "position", "min_revenue",
                                                  "min_profitability", "min_orders",
                                                  "is_active")} == {
        "tier": "silver", "position": 9, "min_revenue": None, "min_profitability": None,
        "min_orders": None, "is_active": False}
    assert api_as(analyst).patch(f"tier-rules/{first.pk}", {"position": 2}).status_code == 403
    assert client.delete(f"tier-rules/{first.pk}").status_code == 204
    assert list(TierRule.objects.values_list("pk", flat=True)) == [later.pk]


@pytest.mark.parametrize(("_case", "body"), [
    ("unknown tier", {"tier": "diamond"}),
    ("negative position", {"tier": "gold", "position": -1}),
    ("negative revenue", {"tier": "gold", "min_revenue": "-1"}),
    ("orders as text", {"tier": "gold", "min_orders": "πέντε"}),
])
def test_tier_rule_rejects_bad_input_with_422(api_as, admin, _case, body) -> None:
    response = api_as(admin).post("tier-rules", body)
    assert (response.status_code, response.json()["error"]) == (422, "validation_error")
    assert not TierRule.objects.exists()


def test_unknown_tier_rule_is_404(api_as, admin) -> None:
    client = api_as(admin)
    responses = [client.patch("tier-rules/-1", {"position": 1}), client.delete("tier-rules/-1")]
    assert [(r.status_code, r.json()["error"]) for r in responses] == [
        (404, "tier_rule_not_found")] * 2


@pytest.mark.parametrize("size", [2, 20])
def test_tier_rule_list_query_count_is_constant(api_as, admin, analyst,
                                                django_assert_num_queries, size) -> None:
    for number in range(size):
        tier_rule_create(actor=admin, tier="gold", position=number)
    client = api_as(analyst)
    client.get("tier-rules")  # first use of the token
    with django_assert_num_queries(2):  # token, rules
        response = client.get("tier-rules")
    assert len(response.json()["items"]) == size
