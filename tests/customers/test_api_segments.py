"""Saved segments over HTTP: role matrices, validation, unknown ids, members, counts and query
counts."""

from __future__ import annotations

import pytest

from mehvar.customers.models import Segment
from mehvar.customers.segment_services import segment_create
from mehvar.customers.services import customer_create
from tests.factories.customers import CustomerFactory, IdentityFactory

pytestmark = pytest.mark.django_db

GOLD = [{"field": "tier", "op": "in", "value": ["gold", "platinum"]}]


def as_role(request, api_as, role):
    return api_as(None if role == "anonymous" else request.getfixturevalue(role))


@pytest.fixture
def segment(supervisor):
    return segment_create(actor=supervisor, name="مشتریان طلایی", description="Χρυσοί πελάτες",
                          conditions=GOLD)


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 200),
                                              ("agent", 200), ("admin", 200)])
def test_reading_needs_a_signed_in_agent(request, api_as, segment, role, status) -> None:
    client = as_role(request, api_as, role)
    paths = ["segments", f"segments/{segment.pk}", f"segments/{segment.pk}/members",
             f"segments/{segment.pk}/count"]
    assert [client.get(path).status_code for path in paths] == [status] * 4


def test_get_shows_the_segment(api_as, analyst, supervisor, segment) -> None:
    body = api_as(analyst).get(f"segments/{segment.pk}").json()
    assert body == {
        "id": segment.pk, "name": "مشتریان طلایی", "description": "Χρυσοί πελάτες",
        "match": "all", "conditions": GOLD, "created_by": {"id": supervisor.pk,
                                                           "name": "supervisor"},
        "created_at": body["created_at"], "updated_at": body["updated_at"]}


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 403), ("supervisor", 201),
                                              ("admin", 201)])
def test_create_matrix(request, api_as, role, status) -> None:
    response = as_role(request, api_as, role).post("segments", {
        "name": "عملاء في خطر", "match": "any", "conditions": [
            {"field": "last_contact_days", "op": "gt", "value": 90},
            {"field": "journey_stage", "op": "eq", "value": "at_risk"}]})
    assert response.status_code == status
    assert Segment.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 403), ("supervisor", 200)])
def test_update_matrix(request, api_as, segment, role, status) -> None:
    response = as_role(request, api_as, role).patch(f"segments/{segment.pk}",
                                                    {"match": "any"})
    assert response.status_code == status
    assert Segment.objects.get(pk=segment.pk).match == ("any" if status == 200 else "all")


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 403), ("supervisor", 204)])
def test_delete_matrix(request, api_as, segment, role, status) -> None:
    response = as_role(request, api_as, role).delete(f"segments/{segment.pk}")
    assert response.status_code == status
    assert Segment.objects.filter(pk=segment.pk).exists() is (status != 204)


def test_update_changes_only_what_is_sent(api_as, supervisor, segment) -> None:
    body = api_as(supervisor).patch(f"segments/{segment.pk}", {"name": "VIP"}).json()
    assert (body["name"], body["description"], body["conditions"]) == (
        "VIP", "Χρυσοί πελάτες", GOLD)


@pytest.mark.parametrize(
    ("_case", "body", "error", "field"),
    [
        ("no name", {"conditions": GOLD}, "validation_error", None),
        ("too many conditions", {"name": "x", "conditions": GOLD * 21}, "validation_error",
         None),
        ("value list too long", {"name": "x", "conditions": [
            {"field": "organization", "op": "in", "value": list(range(1, 52))}]},
         "validation_error", None),
        ("null value", {"name": "x", "conditions": [{"field": "tier", "op": "eq",
                                                     "value": None}]},
         "validation_error", None),
        ("a flag as value", {"name": "x", "conditions": [{"field": "order_count", "op": "gt",
                                                          "value": True}]},
         "validation_error", None),
        ("unknown match", {"name": "x", "match": "most"}, "validation_error", None),
        ("unknown field", {"name": "x", "conditions": [{"field": "mood", "op": "gt",
                                                        "value": 4}]},
         "segment_field_unknown", "conditions.0.field"),
        ("wrong operator", {"name": "x", "conditions": [{"field": "segment_tag", "op": "eq",
                                                         "value": "vip"}]},
         "segment_op_invalid", "conditions.0.op"),
        ("wrong value", {"name": "x", "conditions": [{"field": "lifetime_value", "op": "gt",
                                                      "value": "πολλά"}]},
         "segment_value_invalid", "conditions.0.value"),
    ],
)
def test_create_rejects_invalid_input_with_422(api_as, supervisor, _case, body, error,
                                               field) -> None:
    response = api_as(supervisor).post("segments", body)
    assert (response.status_code, response.json()["error"],
            response.json().get("field")) == (422, error, field)
    assert not Segment.objects.exists()


def test_a_taken_name_is_409(api_as, supervisor, segment) -> None:
    response = api_as(supervisor).post("segments", {"name": "مشتریان طلایی"})
    assert (response.status_code, response.json()["error"]) == (409, "segment_name_taken")


def test_unknown_segment_is_404_everywhere(api_as, supervisor) -> None:
    client = api_as(supervisor)
    responses = [client.get("segments/-1"), client.patch("segments/-1", {"name": "x"}),
                 client.delete("segments/-1"), client.get("segments/-1/members"),
                 client.get("segments/-1/count")]
    assert [(r.status_code, r.json()["error"]) for r in responses] == [
        (404, "segment_not_found")] * 5


def test_members_and_count(api_as, agent, analyst, segment) -> None:
    gold = [customer_create(actor=agent, name=name, tier=tier) for name, tier in (
        ("فاطمه احمدی", "gold"), ("Γιώργος", "platinum"), ("يوسف", "gold"))]
    customer_create(actor=agent, name="Sarah", tier="silver")
    client = api_as(analyst)
    first = client.get(f"segments/{segment.pk}/members", limit=2).json()
    rest = client.get(f"segments/{segment.pk}/members", cursor=first["next_cursor"]).json()
    assert [item["name"] for item in first["items"] + rest["items"]] == [
        "يوسف", "Γιώργος", "فاطمه احمدی"]
    assert client.get(f"segments/{segment.pk}/count").json() == {"count": 3}
    assert client.get(f"customers/{gold[0].pk}/segments").json() == {
        "items": [{"id": segment.pk, "name": "مشتریان طلایی"}]}


def test_customer_segments_404_and_auth(api_as, analyst) -> None:
    response = api_as(analyst).get("customers/-1/segments")
    assert (response.status_code, response.json()["error"]) == (404, "customer_not_found")
    assert api_as(None).get("customers/-1/segments").status_code == 401


@pytest.mark.parametrize("size", [3, 30])
def test_list_query_count_is_constant(api_as, supervisor, analyst, django_assert_num_queries,
                                      size) -> None:
    for number in range(size):
        segment_create(actor=supervisor, name=f"Τμήμα {number}", conditions=GOLD)
    client = api_as(analyst)
    client.get("segments")  # first use of the token
    with django_assert_num_queries(2):  # token, segments with their creator
        response = client.get("segments", limit=100)
    assert len(response.json()["items"]) == size


@pytest.mark.parametrize("size", [3, 30])
def test_members_and_count_query_counts_are_constant(api_as, analyst, segment,
                                                     django_assert_num_queries, size) -> None:
    for row in CustomerFactory.create_batch(size, tier="gold"):
        IdentityFactory.create_batch(2, customer=row)
    client = api_as(analyst)
    client.get(f"segments/{segment.pk}/count")  # first use of the token
    with django_assert_num_queries(4):  # token, segment, customers with organization, identities
        members = client.get(f"segments/{segment.pk}/members", limit=100)
    with django_assert_num_queries(3):  # token, segment, count
        count = client.get(f"segments/{segment.pk}/count")
    assert (len(members.json()["items"]), count.json()) == (size, {"count": size})
