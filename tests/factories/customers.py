"""factory_boy factories for the customers context: valid rows with multilingual names.

Tests of behaviour should create data through customers.services; these are for volume (query
counts at two sizes) and for `.build()` when no row is needed."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from mehvar.core.text import normalize_text
from mehvar.customers.identities import identity_match_key
from mehvar.customers.models import Customer, Identity, IdentityKind, Organization

CUSTOMER_NAMES = (
    "فاطمه احمدی", "علی‌رضا کریمی", "مریم حسینی",            # Persian
    "محمد العبدالله", "نورة القحطاني", "يوسف الحداد",          # Arabic
    "Γιώργος Παπαδόπουλος", "Ελένη Κωνσταντίνου", "Νίκος Σταύρου",  # Greek
    "Sarah O'Connor", "James Whitfield", "Priya Raman",          # English
)
ORGANIZATION_NAMES = (
    "فروشگاه آنلاین پارس", "شركة النخيل للاتصالات", "Αθηναϊκή Τηλεπικοινωνίες",
    "Northwind Retail",
)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Iterator(ORGANIZATION_NAMES)
    name_key = factory.LazyAttribute(lambda row: normalize_text(row.name))
    domain = factory.Sequence(lambda number: f"org{number}.example.com")


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Iterator(CUSTOMER_NAMES)
    name_key = factory.LazyAttribute(lambda row: normalize_text(row.name))
    language = factory.Iterator(("fa", "ar", "el", "en"))
    time_zone = factory.Iterator(("Asia/Tehran", "Asia/Riyadh", "Europe/Athens", "Europe/London"))


class IdentityFactory(DjangoModelFactory):
    """An email identity by default; pass kind/value (already normalised) for others."""

    class Meta:
        model = Identity

    customer = factory.SubFactory(CustomerFactory)
    kind = IdentityKind.EMAIL
    value = factory.Sequence(lambda number: f"customer{number}@example.com")
    match_key = factory.LazyAttribute(lambda row: identity_match_key(row.kind, row.value))
