"""The admin site shows customers and organizations read-only, searchable by normalised name."""

from __future__ import annotations

import pytest
from django.test import Client

from mehvar.customers.services import customer_create, organization_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def test_customer_changelist_searches_and_the_change_page_is_read_only(staff_client,
                                                                       agent) -> None:
    organization = organization_create(actor=agent, name="فروشگاه آنلاین پارس")
    customer = customer_create(actor=agent, name="فاطمه کریمی", organization_id=organization.pk,
                               identities=[("email", "fatemeh@example.ir")])
    changelist = staff_client.get("/admin/customers/customer/", {"q": "کریمی"})
    change = staff_client.get(f"/admin/customers/customer/{customer.pk}/change/")
    assert (changelist.status_code, change.status_code) == (200, 200)
    assert "فاطمه کریمی" in changelist.content.decode()
    assert "fatemeh@example.ir" in change.content.decode()
    assert 'name="_save"' not in change.content.decode()
    assert staff_client.get("/admin/customers/customer/add/").status_code == 403


def test_organization_changelist_loads(staff_client, agent) -> None:
    organization_create(actor=agent, name="Αθηναϊκή Τηλεπικοινωνίες", domain="athens.example")
    response = staff_client.get("/admin/customers/organization/")
    assert response.status_code == 200
    assert "Αθηναϊκή Τηλεπικοινωνίες" in response.content.decode()
