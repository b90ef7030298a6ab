"""customer_merge_preview: the same rules and numbers as customer_merge, refused for the same
reasons, a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mehvar.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.customers.merging import customer_references
from mehvar.customers.selectors import customer_merge_preview
from mehvar.customers.services import customer_create, customer_merge, organization_create
from tests.customers.helpers import insert_conversation

pytestmark = pytest.mark.django_db


def test_preview_matches_what_the_merge_moves_and_sets(agent, supervisor) -> None:
    # Given
    organization = organization_create(actor=agent, name="شركة النخيل")
    target = customer_create(actor=agent, name="مریم حسینی", segment_tags=["طلایی"],
                             lifetime_value="10", consent={"email": True}, notes="یادداشت",
                             identities=[("email", "maryam@example.com")])
    source = customer_create(actor=agent, name="Μαρία", language="el", time_zone="Europe/Athens",
                             segment_tags=["VIP", "طلایی"], lifetime_value="2.50",
                             consent={"email": False, "sms": True}, notes="Σημείωση",
                             organization_id=organization.pk,
                             identities=[("phone", "+30 691 234 5678"),
                                         ("email", "maria@example.gr")])
    for channel in ("email", "sms"):
        insert_conversation(customer=source, channel=channel)
    # When
    preview = customer_merge_preview(actor=agent, source_id=source.pk, target_id=target.pk)
    customer_merge(actor=supervisor, source=source, target=target)
    # Then
    event = TimelineEvent.objects.filter(verb="customer.merged", customer=target).get()
    assert preview.moves == event.after["moved"]
    assert preview.moves["customers.identity.customer"] == 2
    assert preview.moves["conversations.conversation.customer"] == 2
    assert preview.moves["conversations.message.author_customer"] == 2
    target.refresh_from_db()
    assert {field: after for field, _before, after in preview.profile} == {
        "segment_tags": ["طلایی", "VIP"], "consent": {"email": True, "sms": True},
        "lifetime_value": Decimal("12.50"), "notes": "یادداشت\n\nΣημείωση", "language": "el",
        "time_zone": "Europe/Athens", "organization_id": organization.pk,
    }
    for field, _before, after in preview.profile:
        assert getattr(target, field) == after, field


def test_preview_refuses_what_the_merge_refuses(agent, supervisor) -> None:
    one = customer_create(actor=agent, name="يوسف")
    two = customer_create(actor=agent, name="Γιάννης")
    three = customer_create(actor=agent, name="Sara")
    with pytest.raises(Invalid) as into_self:
        customer_merge_preview(actor=agent, source_id=one.pk, target_id=one.pk)
    with pytest.raises(NotFound) as unknown:
        customer_merge_preview(actor=agent, source_id=-1, target_id=one.pk)
    customer_merge(actor=supervisor, source=one, target=two)
    with pytest.raises(Conflict) as merged:
        customer_merge_preview(actor=agent, source_id=one.pk, target_id=three.pk)
    assert (into_self.value.code, unknown.value.code, merged.value.code) == (
        "customer_merge_into_self", "customer_not_found", "customer_already_merged")


def test_analyst_may_preview_and_inactive_agents_may_not(analyst, make_agent) -> None:
    one = customer_create(actor=make_agent("agent"), name="Ελένη")
    two = customer_create(actor=make_agent("agent"), name="إلينا")
    assert customer_merge_preview(actor=analyst, source_id=one.pk, target_id=two.pk).moves
    analyst.is_active = False
    with pytest.raises(PermissionDenied):
        customer_merge_preview(actor=analyst, source_id=one.pk, target_id=two.pk)


@pytest.mark.parametrize("size", [1, 10])
def test_preview_query_count_is_fixed(agent, django_assert_num_queries, size: int) -> None:
    source = customer_create(actor=agent, name="Νίκος")
    target = customer_create(actor=agent, name="نیکو")
    for _number in range(size):
        insert_conversation(customer=source)
    # customers, identities, one count per reference (identities, conversations, messages,
    # timeline events, and any later context's) and the tombstones
    with django_assert_num_queries(2 + len(customer_references()) + 1):
        customer_merge_preview(actor=agent, source_id=source.pk, target_id=target.pk)
