"""Customer reads: search by name and identity, duplicates, timeline, the 360, query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mehvar.accounts.services import team_create
from mehvar.core.errors import NotFound, PermissionDenied
from mehvar.core.timeline import timeline_event, timeline_record_many
from mehvar.customers.selectors import (
    customer_360,
    customer_duplicates,
    customer_get,
    customer_list,
    customer_timeline,
    organization_list,
)
from mehvar.customers.services import customer_create, customer_merge, organization_create
from tests.customers.helpers import insert_conversation
from tests.factories.customers import CustomerFactory, IdentityFactory

pytestmark = pytest.mark.django_db


def names(page) -> list[str]:
    return [customer.name for customer in page.items]


@pytest.fixture
def people(agent):
    return {
        "fatemeh": customer_create(actor=agent, name="فاطمه کریمی", tier="gold",
                                   identities=[("phone", "+989121234567")]),
        "giorgos": customer_create(actor=agent, name="Γιώργος Παπαδόπουλος",
                                   journey_stage="at_risk",
                                   identities=[("email", "giorgos@example.gr")]),
        "maryam": customer_create(actor=agent, name="Maryam Hosseini",
                                  identities=[("email", "maryam@gmail.com"),
                                              ("whatsapp", "+306912345678")]),
    }


# --- customer_list -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "q", "expected"),
    [
        ("Persian name typed with Arabic yeh and kaf", "فاطمه كريمي", ["فاطمه کریمی"]),
        ("part of a name", "كريم", ["فاطمه کریمی"]),
        ("Greek without accents in capitals", "ΓΙΩΡΓΟΣ", ["Γιώργος Παπαδόπουλος"]),
        ("latin case-insensitive", "hosseini", ["Maryam Hosseini"]),
        ("q also finds an exact identity", "GIORGOS@example.gr", ["Γιώργος Παπαδόπουλος"]),
        ("nothing", "Νίκος", []),
    ],
)
def test_list_searches_names_with_letter_variants_folded(agent, people, _case, q,
                                                         expected) -> None:
    assert names(customer_list(actor=agent, q=q)) == expected


@pytest.mark.parametrize(
    ("_case", "identity", "expected"),
    [
        ("phone in Persian digits", "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷", ["فاطمه کریمی"]),
        ("phone with 00 and dashes", "0098-912-123-4567", ["فاطمه کریمی"]),
        ("email in capitals", "  GIORGOS@EXAMPLE.GR ", ["Γιώργος Παπαδόπουλος"]),
        ("gmail with dots and tag", "m.aryam+shop@gmail.com", ["Maryam Hosseini"]),
        ("whatsapp number searched as a phone", "+30 691 234 5678", ["Maryam Hosseini"]),
        ("unknown", "+14155552671", []),
        ("not an identity of any kind", "\u0000", []),
    ],
)
def test_list_finds_customers_by_any_identity(agent, people, _case, identity, expected) -> None:
    assert names(customer_list(actor=agent, identity=identity)) == expected


def test_national_phone_typed_in_persian_digits_uses_the_default_region(
        agent, people, settings) -> None:
    settings.MEHVAR_DEFAULT_PHONE_REGION = "IR"
    assert names(customer_list(actor=agent, identity="۰۹۱۲ ۱۲۳ ۴۵۶۷")) == ["فاطمه کریمی"]


def test_list_filters_and_hides_merged_customers(agent, supervisor, people) -> None:
    organization = organization_create(actor=agent, name="Northwind Retail")
    member = customer_create(actor=agent, name="James Whitfield", organization_id=organization.pk)
    customer_merge(actor=supervisor, source=people["maryam"], target=member)
    assert names(customer_list(actor=agent)) == [
        "James Whitfield", "Γιώργος Παπαδόπουλος", "فاطمه کریمی"]
    assert names(customer_list(actor=agent, tier="gold")) == ["فاطمه کریمی"]
    assert names(customer_list(actor=agent, journey_stage="at_risk")) == ["Γιώργος Παπαδόπουλος"]
    assert names(customer_list(actor=agent, organization_id=organization.pk)) == [
        "James Whitfield"]
    assert names(customer_list(actor=agent, identity="maryam@gmail.com")) == ["James Whitfield"]


def test_list_pages_with_a_cursor(agent, people) -> None:
    first = customer_list(actor=agent, limit=2)
    second = customer_list(actor=agent, limit=2, cursor=first.next_cursor)
    assert (names(first), names(second)) == (
        ["Maryam Hosseini", "Γιώργος Παπαδόπουλος"], ["فاطمه کریمی"])
    assert second.next_cursor is None


@pytest.mark.parametrize("size", [3, 30])
def test_list_runs_two_queries_at_any_size(agent, django_assert_num_queries, size) -> None:
    for customer in CustomerFactory.create_batch(size):
        IdentityFactory.create_batch(2, customer=customer)
    with django_assert_num_queries(2):  # customers with organization; their identities
        page = customer_list(actor=agent, limit=100)
        assert sum(len(customer.identities.all()) for customer in page.items) == 2 * size


def test_organization_list_matches_name_and_domain(agent) -> None:
    organization_create(actor=agent, name="شركة النخيل", domain="nakheel.example")
    organization_create(actor=agent, name="فروشگاه پارس", domain="pars.example")
    assert [org.name for org in organization_list(actor=agent, q="شرکه").items] == ["شركة النخيل"]
    assert [org.name for org in organization_list(actor=agent, q="PARS").items] == [
        "فروشگاه پارس"]


# --- customer_get / duplicates / timeline --------------------------------------------------


def test_get_returns_a_merged_customer_with_its_survivor(agent, supervisor, people) -> None:
    customer_merge(actor=supervisor, source=people["giorgos"], target=people["maryam"])
    assert customer_get(actor=agent, customer_id=people["giorgos"].pk).merged_into_id == (
        people["maryam"].pk)
    with pytest.raises(NotFound) as caught:
        customer_get(actor=agent, customer_id=-1)
    assert caught.value.code == "customer_not_found"


def test_duplicates_share_a_match_key_or_the_name(agent, supervisor) -> None:
    sarah = customer_create(actor=agent, name="Sarah O'Connor",
                            identities=[("email", "sara@example.com"), ("phone", "+306912345678")])
    by_email = customer_create(actor=agent, name="S. O'Connor",
                               identities=[("email", "sara+shop@example.com")])
    by_phone_and_name = customer_create(actor=agent, name="sarah o'connor",
                                        identities=[("whatsapp", "+306912345678")])
    by_name = customer_create(actor=agent, name="SARAH  O'CONNOR")
    merged = customer_create(actor=agent, name="Sarah O'Connor")
    customer_merge(actor=supervisor, source=merged, target=by_name)
    customer_create(actor=agent, name="Priya Raman", identities=[("email", "priya@example.com")])
    found = customer_duplicates(actor=agent, customer=sarah)
    assert [(row.customer.pk, row.reasons) for row in found] == [
        (by_phone_and_name.pk, ["same_phone", "same_name"]),
        (by_name.pk, ["same_name"]),
        (by_email.pk, ["same_email"]),
    ]


def test_timeline_pages_newest_first(agent) -> None:
    customer = customer_create(actor=agent, name="یوسف", identities=[("telegram", "@yusuf")])
    first = customer_timeline(actor=agent, customer_id=customer.pk, limit=1)
    second = customer_timeline(actor=agent, customer_id=customer.pk, limit=1,
                               cursor=first.next_cursor)
    assert ([event.verb for event in first.items], [event.verb for event in second.items]) == (
        ["identity.added"], ["customer.created"])
    assert second.next_cursor is None
    assert first.items[0].actor.pk == agent.pk
    with pytest.raises(NotFound):
        customer_timeline(actor=agent, customer_id=-1)


# --- customer_360 --------------------------------------------------------------------------


def fill_history(*, customer, agent, conversations: int, events: int) -> None:
    team = team_create(actor=None, name=f"پشتیبانی {conversations}")
    start = timezone.now() - timedelta(days=30)
    channels = ["email", "whatsapp", "telegram", "phone"]
    statuses = ["open", "pending", "solved"]
    for number in range(conversations):
        insert_conversation(customer=customer, channel=channels[number % 4],
                            status=statuses[number % 3], assignee=agent, team=team,
                            at=start + timedelta(hours=number), with_message=False)
    timeline_record_many([
        timeline_event(verb="customer.updated", actor_id=agent.pk, customer_id=customer.pk,
                       after={"n": number})
        for number in range(events)
    ])


def test_360_returns_profile_conversations_timeline_and_stats(agent) -> None:
    organization = organization_create(actor=agent, name="Αθηναϊκή Τηλεπικοινωνίες")
    customer = customer_create(actor=agent, name="Ελένη", organization_id=organization.pk,
                               identities=[("email", "eleni@example.gr"),
                                           ("whatsapp", "+306912345678")])
    fill_history(customer=customer, agent=agent, conversations=5, events=0)
    view = customer_360(actor=agent, customer_id=customer.pk, limit=2)
    assert (view.customer.pk, view.organization.pk) == (customer.pk, organization.pk)
    assert [identity.value for identity in view.identities] == [
        "eleni@example.gr", "+306912345678"]
    assert [conversation.channel for conversation in view.conversations.items] == [
        "email", "phone"]
    assert view.conversations.next_cursor is not None
    assert [event.verb for event in view.timeline.items] == ["identity.added", "identity.added"]
    assert view.stats == {
        "by_status": {"open": 2, "pending": 2, "solved": 1},
        "by_channel": {"email": 2, "whatsapp": 1, "telegram": 1, "phone": 1},
    }


@pytest.mark.parametrize(("conversations", "events"), [(2, 5), (40, 200)])
def test_360_runs_a_fixed_number_of_queries(agent, django_assert_num_queries, conversations,
                                            events) -> None:
    customer = customer_create(actor=agent, name="محمد العبدالله",
                               identities=[("phone", "+966501234567")])
    fill_history(customer=customer, agent=agent, conversations=conversations, events=events)
    # customer+organization, identities, conversations page, counts, timeline page
    with django_assert_num_queries(5):
        view = customer_360(actor=agent, customer_id=customer.pk, limit=25)
        assert [item.assignee.name for item in view.conversations.items][:1] == [agent.name]
        assert all(event.actor.name for event in view.timeline.items)


def test_360_needs_view_permission_and_a_known_customer(agent) -> None:
    inactive = agent
    inactive.is_active = False
    with pytest.raises(PermissionDenied):
        customer_360(actor=inactive, customer_id=1)
    inactive.is_active = True
    with pytest.raises(NotFound):
        customer_360(actor=agent, customer_id=-1)
