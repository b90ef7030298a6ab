"""Customers and organizations over HTTP: auth, role matrix, validation, 404s, shapes, queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mehvar.core.models import TimelineEvent
from mehvar.core.timeline import timeline_event, timeline_record_many
from mehvar.customers.models import Customer, Identity, Organization
from mehvar.customers.services import customer_create, customer_merge, organization_create
from tests.customers.helpers import insert_conversation
from tests.factories.customers import CustomerFactory, IdentityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(agent):
    organization = organization_create(actor=agent, name="فروشگاه آنلاین پارس")
    return customer_create(actor=agent, name="فاطمه احمدی", language="fa", tier="gold",
                           lifetime_value="1500.5", organization_id=organization.pk,
                           identities=[("email", "fatemeh@example.ir"),
                                       ("phone", "+989121234567")])


def as_role(request, api_as, role):
    return api_as(None if role == "anonymous" else request.getfixturevalue(role))


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 200),
                                              ("agent", 200), ("admin", 200)])
def test_list_and_get_need_a_signed_in_agent(request, api_as, customer, role, status) -> None:
    client = as_role(request, api_as, role)
    assert client.get("customers").status_code == status
    assert client.get(f"customers/{customer.pk}").status_code == status


def test_get_shows_the_profile_with_identities_and_organization(api_as, analyst,
                                                                customer) -> None:
    body = api_as(analyst).get(f"customers/{customer.pk}").json()
    assert {key: body[key] for key in ("name", "language", "tier", "lifetime_value",
                                       "cost_to_serve", "merged_into_id")} == {
        "name": "فاطمه احمدی", "language": "fa", "tier": "gold", "lifetime_value": "1500.50",
        "cost_to_serve": "0.00", "merged_into_id": None}
    assert body["organization"] == {"id": customer.organization_id,
                                    "name": "فروشگاه آنلاین پارس"}
    assert [(item["kind"], item["value"], item["is_primary"]) for item in body["identities"]] == [
        ("email", "fatemeh@example.ir", True), ("phone", "+989121234567", True)]


def test_list_searches_by_identity_and_name(api_as, analyst, customer) -> None:
    client = api_as(analyst)
    by_phone = client.get("customers", identity="+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷").json()
    by_name = client.get("customers", q="فاطمه احمدي").json()
    assert [item["id"] for item in by_phone["items"]] == [customer.pk]
    assert [item["id"] for item in by_name["items"]] == [customer.pk]
    assert by_phone["next_cursor"] is None


@pytest.mark.parametrize(
    ("_case", "params"),
    [("limit too big", {"limit": 101}), ("limit zero", {"limit": 0}),
     ("unknown tier", {"tier": "diamond"}), ("q too long", {"q": "ن" * 201})],
)
def test_list_rejects_bad_filters(api_as, analyst, _case, params) -> None:
    response = api_as(analyst).get("customers", **params)
    assert (response.status_code, response.json()["error"]) == (422, "validation_error")


def test_list_rejects_a_forged_cursor(api_as, analyst) -> None:
    response = api_as(analyst).get("customers", cursor="bm90LWEtY3Vyc29y")
    assert (response.status_code, response.json()["error"]) == (422, "invalid_cursor")


def test_unknown_customer_is_404_everywhere(api_as, admin) -> None:
    client = api_as(admin)
    responses = [
        client.get("customers/-1"), client.patch("customers/-1", {"name": "x"}),
        client.delete("customers/-1"), client.post("customers/-1/identities",
                                                   {"kind": "email", "value": "a@b.co"}),
        client.delete("customers/-1/identities/-1"), client.post("customers/-1/merge",
                                                                 {"source_id": -2}),
        client.get("customers/-1/duplicates"), client.get("customers/-1/timeline"),
        client.get("customers/-1/360"),
    ]
    assert [(response.status_code, response.json()["error"]) for response in responses] == (
        [(404, "customer_not_found")] * 4 + [(404, "identity_not_found")]
        + [(404, "customer_not_found")] * 4)


@pytest.mark.parametrize("size", [3, 30])
def test_list_query_count_is_constant(api_as, analyst, django_assert_num_queries, size) -> None:
    for row in CustomerFactory.create_batch(size):
        IdentityFactory.create_batch(2, customer=row)
    client = api_as(analyst)
    client.get("customers")  # first use of the token records its last-use time
    with django_assert_num_queries(3):  # token, customers with organization, identities
        response = client.get("customers", limit=100)
    assert len(response.json()["items"]) == size


# --- creating and editing ------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 201), ("admin", 201)])
def test_create_matrix(request, api_as, role, status) -> None:
    response = as_role(request, api_as, role).post("customers", {
        "name": "Ελένη Κωνσταντίνου", "lifetime_value": "12.5",
        "identities": [{"kind": "email", "value": "Eleni@Example.GR"}]})
    assert response.status_code == status
    assert Customer.objects.count() == (1 if status == 201 else 0)


def test_create_returns_the_new_profile(api_as, agent) -> None:
    body = api_as(agent).post("customers", {
        "name": "يوسف الحداد", "segment_tags": ["vip"], "consent": {"sms": False},
        "identities": [{"kind": "whatsapp", "value": "+966 50 123 4567"}]}).json()
    assert (body["name"], body["lifetime_value"], body["segment_tags"], body["consent"]) == (
        "يوسف الحداد", "0.00", ["vip"], {"sms": False})
    assert [(item["kind"], item["value"]) for item in body["identities"]] == [
        ("whatsapp", "+966501234567")]


@pytest.mark.parametrize(
    ("_case", "body", "error"),
    [
        ("no name", {"language": "fa"}, "validation_error"),
        ("empty name", {"name": ""}, "validation_error"),
        ("negative money", {"name": "x", "lifetime_value": -1}, "validation_error"),
        ("three decimals", {"name": "x", "cost_to_serve": "1.005"}, "validation_error"),
        ("unknown identity kind", {"name": "x", "identities": [{"kind": "pager", "value": "1"}]},
         "validation_error"),
        ("too many identities", {"name": "x", "identities": [
            {"kind": "external", "value": str(n)} for n in range(21)]}, "validation_error"),
        ("invalid email", {"name": "x", "identities": [{"kind": "email", "value": "a@b"}]},
         "identity_invalid"),
        ("unknown time zone", {"name": "x", "time_zone": "Asia/Atlantis"}, "time_zone_invalid"),
        ("unknown organization", {"name": "x", "organization_id": 987654},
         "organization_not_found"),
    ],
)
def test_create_rejects_invalid_input_with_422(api_as, agent, _case, body, error) -> None:
    response = api_as(agent).post("customers", body)
    assert (response.status_code, response.json()["error"]) == (422, error)
    assert Customer.objects.count() == 0


def test_create_with_a_taken_identity_is_409(api_as, agent, customer) -> None:
    response = api_as(agent).post("customers", {
        "name": "Someone", "identities": [{"kind": "email", "value": "FATEMEH@example.ir"}]})
    assert (response.status_code, response.json()["error"]) == (409, "identity_taken")
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 200)])
def test_update_matrix(request, api_as, customer, role, status) -> None:
    response = as_role(request, api_as, role).patch(f"customers/{customer.pk}",
                                                    {"tier": "platinum"})
    assert response.status_code == status
    assert Customer.objects.get(pk=customer.pk).tier == ("platinum" if status == 200 else "gold")


def test_update_changes_only_the_fields_sent(api_as, agent, customer) -> None:
    body = api_as(agent).patch(f"customers/{customer.pk}",
                               {"notes": "خرید عمده", "organization_id": None}).json()
    assert (body["notes"], body["organization"], body["tier"]) == ("خرید عمده", None, "gold")
    event = TimelineEvent.objects.get(customer=customer, verb="customer.updated")
    assert event.before == {"notes": "", "organization_id": customer.organization_id}


@pytest.mark.parametrize(("_case", "body", "error"), [
    ("empty name", {"name": ""}, "validation_error"),
    ("null name", {"name": None}, "name_invalid"),
    ("bad language", {"language": "x!"}, "language_invalid"),
])
def test_update_rejects_invalid_input_with_422(api_as, agent, customer, _case, body,
                                               error) -> None:
    response = api_as(agent).patch(f"customers/{customer.pk}", body)
    assert (response.status_code, response.json()["error"]) == (422, error)
    assert Customer.objects.get(pk=customer.pk).name == "فاطمه احمدی"


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("agent", 403),
                                              ("supervisor", 403), ("admin", 204)])
def test_delete_matrix(request, api_as, customer, role, status) -> None:
    response = as_role(request, api_as, role).delete(f"customers/{customer.pk}")
    assert response.status_code == status
    assert Customer.objects.filter(pk=customer.pk).exists() is (status != 204)


def test_delete_with_conversations_is_409(api_as, admin, customer) -> None:
    insert_conversation(customer=customer)
    response = api_as(admin).delete(f"customers/{customer.pk}")
    assert (response.status_code, response.json()["error"]) == (409, "customer_has_conversations")


# --- identities ----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 201)])
def test_identity_add_matrix(request, api_as, customer, role, status) -> None:
    response = as_role(request, api_as, role).post(f"customers/{customer.pk}/identities",
                                                   {"kind": "telegram", "value": "@Fatemeh_A"})
    assert response.status_code == status
    assert list(Identity.objects.filter(kind="telegram").values_list("value", flat=True)) == (
        ["fatemeh_a"] if status == 201 else [])


def test_identity_add_errors(api_as, agent, customer) -> None:
    other = customer_create(actor=agent, name="Other")
    client = api_as(agent)
    invalid = client.post(f"customers/{other.pk}/identities", {"kind": "phone", "value": "12"})
    taken = client.post(f"customers/{other.pk}/identities",
                        {"kind": "phone", "value": "00989121234567"})
    shape = client.post(f"customers/{other.pk}/identities", {"kind": "phone"})
    assert [(r.status_code, r.json()["error"]) for r in (invalid, taken, shape)] == [
        (422, "identity_invalid"), (409, "identity_taken"), (422, "validation_error")]
    assert invalid.json()["field"] == "value"


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 204)])
def test_identity_remove_matrix(request, api_as, customer, role, status) -> None:
    identity = customer.identities.get(kind="phone")
    response = as_role(request, api_as, role).delete(
        f"customers/{customer.pk}/identities/{identity.pk}")
    assert response.status_code == status
    assert Identity.objects.filter(pk=identity.pk).exists() is (status != 204)


def test_identity_of_another_customer_cannot_be_removed_through_this_one(api_as, agent,
                                                                        customer) -> None:
    other = customer_create(actor=agent, name="Other")
    identity = customer.identities.get(kind="phone")
    response = api_as(agent).delete(f"customers/{other.pk}/identities/{identity.pk}")
    assert (response.status_code, response.json()["error"]) == (404, "identity_not_found")
    assert Identity.objects.filter(pk=identity.pk).exists()


# --- merge, duplicates ---------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 403), ("supervisor", 200),
                                              ("admin", 200)])
def test_merge_matrix(request, api_as, agent, customer, role, status) -> None:
    source = customer_create(actor=agent, name="Fatemeh Ahmadi",
                             identities=[("email", "f.ahmadi@example.com")])
    response = as_role(request, api_as, role).post(f"customers/{customer.pk}/merge",
                                                   {"source_id": source.pk})
    assert response.status_code == status
    merged = status == 200
    assert Customer.objects.get(pk=source.pk).merged_into_id == (customer.pk if merged else None)
    assert source.identities.count() == (0 if merged else 1)


def test_merge_answers_with_the_survivor_and_redirects_the_source(api_as, agent, supervisor,
                                                                  customer) -> None:
    source = customer_create(actor=agent, name="Fatemeh Ahmadi",
                             identities=[("email", "f.ahmadi@example.com")])
    client = api_as(supervisor)
    body = client.post(f"customers/{customer.pk}/merge", {"source_id": source.pk}).json()
    assert (body["id"], len(body["identities"])) == (customer.pk, 3)
    assert client.get(f"customers/{source.pk}").json()["merged_into_id"] == customer.pk


def test_merge_errors(api_as, agent, supervisor, customer) -> None:
    other = customer_create(actor=agent, name="Other")
    client = api_as(supervisor)
    into_self = client.post(f"customers/{customer.pk}/merge", {"source_id": customer.pk})
    bad_body = client.post(f"customers/{customer.pk}/merge", {"source_id": "one"})
    unknown_source = client.post(f"customers/{customer.pk}/merge", {"source_id": -1})
    customer_merge(actor=supervisor, source=other, target=customer)
    already = client.post(f"customers/{customer.pk}/merge", {"source_id": other.pk})
    assert [(r.status_code, r.json()["error"]) for r in (into_self, bad_body, unknown_source,
                                                         already)] == [
        (422, "customer_merge_into_self"), (422, "validation_error"),
        (404, "customer_not_found"), (409, "customer_already_merged")]


def test_duplicates_list_reasons(api_as, agent, analyst, customer) -> None:
    twin = customer_create(actor=agent, name="فاطمه احمدي",
                           identities=[("whatsapp", "+989121234567")])
    body = api_as(analyst).get(f"customers/{customer.pk}/duplicates").json()
    assert [(item["customer"]["id"], item["reasons"]) for item in body["items"]] == [
        (twin.pk, ["same_phone", "same_name"])]


# --- timeline and 360 ----------------------------------------------------------------------


def test_timeline_pages_with_actor(api_as, analyst, agent, customer) -> None:
    client = api_as(analyst)
    first = client.get(f"customers/{customer.pk}/timeline", limit=2).json()
    rest = client.get(f"customers/{customer.pk}/timeline", cursor=first["next_cursor"]).json()
    assert [item["verb"] for item in first["items"] + rest["items"]] == [
        "identity.added", "identity.added", "customer.created"]
    assert first["items"][0]["actor"] == {"id": agent.pk, "name": "agent"}
    assert rest["next_cursor"] is None


def history(customer, agent, conversations: int, events: int) -> None:
    start = timezone.now() - timedelta(days=10)
    for number in range(conversations):
        insert_conversation(customer=customer, channel=["email", "sms"][number % 2],
                            assignee=agent, at=start + timedelta(minutes=number),
                            with_message=False)
    timeline_record_many([timeline_event(verb="customer.updated", actor_id=agent.pk,
                                         customer_id=customer.pk) for _ in range(events)])


def test_360_shape(api_as, agent, analyst, customer) -> None:
    history(customer, agent, conversations=3, events=1)
    body = api_as(analyst).get(f"customers/{customer.pk}/360", limit=2).json()
    assert body["customer"]["id"] == customer.pk
    assert body["organization"]["name"] == "فروشگاه آنلاین پارس"
    item = body["conversations"]["items"][0]
    assert {key: item[key] for key in ("subject", "status", "priority", "channel", "language",
                                       "assignee", "team")} == {
        "subject": "سفارش من هنوز نرسیده", "status": "open", "priority": "normal",
        "channel": "email", "language": "fa", "assignee": {"id": agent.pk, "name": "agent"},
        "team": None}
    assert body["conversations"]["next_cursor"] is not None
    assert len(body["timeline"]["items"]) == 2
    assert body["stats"] == {"by_status": {"open": 3}, "by_channel": {"email": 2, "sms": 1}}


@pytest.mark.parametrize(("conversations", "events"), [(2, 5), (40, 200)])
def test_360_query_count_is_constant(api_as, agent, analyst, customer,
                                     django_assert_num_queries, conversations, events) -> None:
    history(customer, agent, conversations=conversations, events=events)
    client = api_as(analyst)
    client.get(f"customers/{customer.pk}/360")  # first use of the token
    with django_assert_num_queries(6):  # token + the five of selectors.customer_360
        response = client.get(f"customers/{customer.pk}/360")
    assert response.status_code == 200


# --- organizations -------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("analyst", 403),
                                              ("agent", 201)])
def test_organization_create_matrix(request, api_as, role, status) -> None:
    response = as_role(request, api_as, role).post(
        "organizations", {"name": "شركة النخيل للاتصالات", "domain": "Nakheel.example"})
    assert response.status_code == status
    assert list(Organization.objects.values_list("domain", flat=True)) == (
        ["nakheel.example"] if status == 201 else [])


def test_organization_read_update_delete(api_as, agent, admin, analyst) -> None:
    organization = organization_create(actor=agent, name="Northwind Retail")
    path = f"organizations/{organization.pk}"
    assert api_as(None).get("organizations").status_code == 401
    assert [item["name"] for item in api_as(analyst).get("organizations").json()["items"]] == [
        "Northwind Retail"]
    assert api_as(analyst).get(path).json()["name"] == "Northwind Retail"
    assert api_as(analyst).patch(path, {"notes": "x"}).status_code == 403
    assert api_as(agent).patch(path, {"notes": "Αθήνα"}).json()["notes"] == "Αθήνα"
    assert api_as(agent).delete(path).status_code == 403
    assert Organization.objects.filter(pk=organization.pk).exists()
    assert api_as(admin).delete(path).status_code == 204
    assert not Organization.objects.exists()


def test_organization_errors(api_as, agent) -> None:
    client = api_as(agent)
    responses = [client.get("organizations/-1"), client.patch("organizations/-1", {"notes": ""}),
                 client.delete("organizations/-1"), client.post("organizations", {"name": ""}),
                 client.post("organizations", {"name": "x", "domain": "a b"})]
    assert [(r.status_code, r.json()["error"]) for r in responses] == [
        (404, "organization_not_found"), (404, "organization_not_found"),
        (404, "organization_not_found"), (422, "validation_error"), (422, "domain_invalid")]
