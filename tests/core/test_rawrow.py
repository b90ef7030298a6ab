"""core.rawrow must return rows exactly as the ORM does, on SQLite and PostgreSQL alike."""

from datetime import timedelta
from decimal import Decimal

import pytest
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
