"""The admin site shows customers, organizations, orders, tier rules and segments read-only,
searchable by normalised name."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from mehvar.customers.segment_services import segment_create
from mehvar.customers.services import customer_create, organization_create
from mehvar.customers.value_services import order_record, tier_rule_create

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


def test_orders_tier_rules_and_segments_are_shown_read_only(staff_client, agent, admin) -> None:
    customer = customer_create(actor=agent, name="Ελένη Κωνσταντίνου")
    order_record(actor=agent, customer=customer, amount="12.5", ordered_at=timezone.now(),
                 external_id="ΠΑΡ-1")
    tier_rule_create(actor=admin, tier="gold", min_revenue="1000")
    segment_create(actor=admin, name="عملاء مميزون")
    pages = [staff_client.get(f"/admin/customers/{model}/")
             for model in ("customerorder", "tierrule", "segment")]
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert "ΠΑΡ-1" in pages[0].content.decode()
    assert "عملاء مميزون" in pages[2].content.decode()
    assert staff_client.get("/admin/customers/segment/add/").status_code == 403
