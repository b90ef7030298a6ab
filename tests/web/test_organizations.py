"""Organization pages: list and search, one organization with its customers, create and edit;
refused roles, bad input, unknown ids, escaping and query counts."""

from __future__ import annotations

import pytest

from mehvar.accounts.models import Agent
from mehvar.customers.models import Organization
from mehvar.customers.services import customer_create, organization_create
from tests.factories.customers import CustomerFactory, IdentityFactory, OrganizationFactory
from tests.web.helpers import browser

pytestmark = pytest.mark.django_db



def names(response) -> set[str]:
    return {row.name for row in response.context["page"].items}


@pytest.fixture
def orgs(agent: Agent) -> list[Organization]:
    return [organization_create(actor=agent, name=name, domain=domain) for name, domain in (
        ("فروشگاه آنلاین پارس", "pars.example.ir"), ("شركة النخيل للاتصالات", "nakheel.example.sa"),
        ("Αθηναϊκή Τηλεπικοινωνίες", "athens.example.gr"))]


def test_list_shows_every_script(agent, orgs) -> None:
    response = browser(agent).get("/organizations")
    assert response.status_code == 200
    assert names(response) == {"فروشگاه آنلاین پارس", "شركة النخيل للاتصالات",
                               "Αθηναϊκή Τηλεπικοινωνίες"}
    html = response.content.decode()
    assert '<bdi dir="auto">شركة النخيل للاتصالات</bdi>' in html
    assert f'href="/organizations/{orgs[0].pk}"' in html


@pytest.mark.parametrize(("query", "expected"), [
    ("پارس", {"فروشگاه آنلاین پارس"}),
    ("ΑΘΗΝΑΙΚΗ", {"Αθηναϊκή Τηλεπικοινωνίες"}),  # capitals, no accents
    ("nakheel.example", {"شركة النخيل للاتصالات"}),
    ("nothing like it", set()),
])
def test_search_by_name_or_domain(agent, orgs, query: str, expected: set[str]) -> None:
    assert names(browser(agent).get("/organizations", {"q": query})) == expected


def test_bad_cursor_is_a_400(agent) -> None:
    response = browser(agent).get("/organizations?cursor=%%%")
    assert response.status_code == 400
    assert "The cursor is not valid." in response.content.decode()


def test_organization_page_lists_its_customers(agent, orgs) -> None:
    customer_create(actor=agent, name="علی‌رضا کریمی", organization_id=orgs[0].pk)
    customer_create(actor=agent, name="Νίκος Σταύρου", organization_id=orgs[0].pk)
    customer_create(actor=agent, name="Elsewhere", organization_id=orgs[1].pk)
    response = browser(agent).get(f"/organizations/{orgs[0].pk}")
    assert response.status_code == 200
    assert names(response) == {"علی‌رضا کریمی", "Νίκος Σταύρου"}
    assert "pars.example.ir" in response.content.decode()


@pytest.mark.parametrize("path", ["/organizations/999999", "/organizations/999999/edit"])
def test_unknown_organization_is_a_404(agent, path: str) -> None:
    response = browser(agent).get(path)
    assert response.status_code == 404
    assert "No organization has this id." in response.content.decode()


def test_agent_creates_and_edits(agent) -> None:
    client = browser(agent)
    assert client.get("/organizations/new").status_code == 200
    created = client.post("/organizations/new", {
        "name": "شركة  الأمل", "domain": "Amal.Example.com", "notes": "عميل منذ ٢٠١٩"})
    organization = Organization.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/organizations/{organization.pk}"
    assert (organization.name, organization.domain) == ("شركة الأمل", "amal.example.com")
    edited = client.post(f"/organizations/{organization.pk}/edit",
                         {"name": "Ελπίδα Α.Ε.", "domain": "", "notes": ""})
    assert edited.status_code == 302
    organization.refresh_from_db()
    assert (organization.name, organization.domain, organization.notes) == ("Ελπίδα Α.Ε.", "", "")


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "", "domain": ""}, "name"),
    ({"name": "ok", "domain": "not a domain!"}, "domain"),
    ({"name": "x\u202ey", "domain": ""}, "name"),
    ({"name": "x" * 300, "domain": ""}, "name"),
])
def test_invalid_input_is_a_400_beside_the_field(agent, orgs, data, field: str) -> None:
    client = browser(agent)
    before = list(Organization.objects.values().order_by("pk"))
    for path in ("/organizations/new", f"/organizations/{orgs[0].pk}/edit"):
        response = client.post(path, data)
        assert response.status_code == 400
        assert list(response.context["form"].errors) == [field]
        assert '<p class="field-error" role="alert">' in response.content.decode()
    assert list(Organization.objects.values().order_by("pk")) == before


def test_analyst_can_view_but_not_change(analyst, orgs) -> None:
    client = browser(analyst)
    page = client.get(f"/organizations/{orgs[0].pk}").content.decode()
    assert "فروشگاه آنلاین پارس" in page
    assert f"/organizations/{orgs[0].pk}/edit" not in page
    assert "/organizations/new" not in client.get("/organizations").content.decode()
    before = list(Organization.objects.values().order_by("pk"))
    assert client.get("/organizations/new").status_code == 403
    assert client.get(f"/organizations/{orgs[0].pk}/edit").status_code == 403
    assert client.post("/organizations/new", {"name": "New"}).status_code == 403
    refused = client.post(f"/organizations/{orgs[0].pk}/edit", {"name": "Changed"})
    assert refused.status_code == 403
    assert "Your role does not allow this action (organization.update)." in (
        refused.content.decode())
    assert list(Organization.objects.values().order_by("pk")) == before


def test_hostile_names_are_escaped(agent) -> None:
    organization = OrganizationFactory(name="<script>alert(1)</script>\u202egnp.exe",
                                       notes="<img src=x onerror=alert(1)>")
    CustomerFactory(name="<b>bold</b>", organization=organization)
    client = browser(agent)
    for path in ("/organizations", f"/organizations/{organization.pk}",
                 f"/organizations/{organization.pk}/edit"):
        html = client.get(path).content.decode()
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
        assert "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("size", [2, 20])
def test_query_counts_do_not_grow(agent, django_assert_num_queries, size: int) -> None:
    organizations = OrganizationFactory.create_batch(size)
    for customer in CustomerFactory.create_batch(size, organization=organizations[0]):
        IdentityFactory(customer=customer)
    client = browser(agent)
    client.get("/organizations")  # warm-up
    with django_assert_num_queries(3):  # session, agent, organizations
        listed = client.get("/organizations")
    # session, agent, organization, its customers, their identities
    with django_assert_num_queries(5):
        detail = client.get(f"/organizations/{organizations[0].pk}")
    assert (len(listed.context["page"].items), len(detail.context["page"].items)) == (size, size)
