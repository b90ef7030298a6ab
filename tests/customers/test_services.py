"""Customer, organization and identity services: validation, permissions, timeline, resolve."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from mehvar.accounts.models import AuditLogEntry
from mehvar.conversations.services.conversations import conversation_create
from mehvar.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from mehvar.core.models import TimelineEvent
from mehvar.customers.models import Customer, Identity, Organization
from mehvar.customers.services import (
    customer_create,
    customer_delete,
    customer_merge,
    customer_resolve,
    customer_update,
    identity_add,
    identity_remove,
    organization_create,
    organization_delete,
    organization_update,
)
from tests.customers.helpers import insert_conversation

pytestmark = pytest.mark.django_db


def verbs(customer: Customer) -> list[str]:
    return list(TimelineEvent.objects.filter(customer=customer).order_by("id")
                .values_list("verb", flat=True))


# --- customer_create -----------------------------------------------------------------------


def test_create_normalises_name_key_identities_and_records_events(agent) -> None:
    customer = customer_create(
        actor=agent, name="  علي   كريمي ", language="FA_ir", time_zone="Asia/Tehran",
        segment_tags=["vip", " vip ", "مشتری وفادار"], lifetime_value="1200.455",
        consent={"email_marketing": True},
        identities=[("email", "Ali.Karimi@Example.com"), ("phone", "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷"),
                    ("email", "ali@work.example.com")],
    )
    customer.refresh_from_db()
    assert (customer.name, customer.name_key) == ("علي كريمي", "علی کریمی")
    assert (customer.language, customer.time_zone) == ("fa-IR", "Asia/Tehran")
    assert customer.segment_tags == ["vip", "مشتری وفادار"]
    assert customer.lifetime_value == Decimal("1200.46")
    assert list(customer.identities.order_by("id").values_list("kind", "value", "is_primary")) == [
        ("email", "ali.karimi@example.com", True),
        ("phone", "+989121234567", True),
        ("email", "ali@work.example.com", False),
    ]
    assert verbs(customer) == ["customer.created", "identity.added", "identity.added",
                               "identity.added"]
    created = TimelineEvent.objects.get(customer=customer, verb="customer.created")
    assert (created.actor_id, created.after["lifetime_value"], created.after["name"]) == (
        agent.pk, "1200.46", "علي كريمي")


@pytest.mark.parametrize(
    ("_case", "changes", "code", "field"),
    [
        ("empty name", {"name": "   "}, "name_invalid", "name"),
        ("name with bidi override", {"name": "\u202eevil"}, "name_invalid", "name"),
        ("name too long", {"name": "ن" * 201}, "name_invalid", "name"),
        ("language", {"language": "persian!"}, "language_invalid", "language"),
        ("time zone", {"time_zone": "Mars/Olympus"}, "time_zone_invalid", "time_zone"),
        ("journey stage", {"journey_stage": "lost"}, "choice_invalid", "journey_stage"),
        ("tier", {"tier": "diamond"}, "choice_invalid", "tier"),
        ("tags not a list", {"segment_tags": "vip"}, "segment_tags_invalid", "segment_tags"),
        ("too many tags", {"segment_tags": [f"t{n}" for n in range(51)]},
         "segment_tags_invalid", "segment_tags"),
        ("negative money", {"lifetime_value": "-1"}, "money_invalid", "lifetime_value"),
        ("money not a number", {"cost_to_serve": "NaN"}, "money_invalid", "cost_to_serve"),
        ("attributes too big", {"custom_attributes": {"k": "x" * 16_001}},
         "attributes_invalid", "custom_attributes"),
        ("attributes not an object", {"custom_attributes": [1]}, "attributes_invalid",
         "custom_attributes"),
        ("consent not flags", {"consent": {"sms": "yes"}}, "consent_invalid", "consent"),
        ("unknown organization", {"organization_id": 987654}, "organization_not_found",
         "organization_id"),
        ("invalid identity", {"identities": [("email", "not-an-email")]}, "identity_invalid",
         "value"),
        ("unknown identity kind", {"identities": [("pager", "1")]}, "identity_kind_invalid",
         "kind"),
    ],
)
def test_create_rejects_invalid_fields(agent, _case, changes, code, field) -> None:
    with pytest.raises(Invalid) as caught:
        customer_create(actor=agent, **{"name": "Ελένη", **changes})
    assert (caught.value.code, caught.value.field) == (code, field)
    assert Customer.objects.count() == 0


def test_create_refuses_an_identity_of_another_customer(agent) -> None:
    customer_create(actor=agent, name="مریم", identities=[("email", "maryam@example.com")])
    with pytest.raises(Conflict) as caught:
        customer_create(actor=agent, name="Maryam",
                        identities=[("email", "MARYAM@example.com ")])
    assert caught.value.code == "identity_taken"
    assert Customer.objects.count() == 1


def test_analyst_cannot_create_a_customer(analyst) -> None:
    with pytest.raises(PermissionDenied):
        customer_create(actor=analyst, name="Νίκος")
    assert Customer.objects.count() == 0


# --- customer_update -----------------------------------------------------------------------


def test_update_records_only_the_changed_fields(agent) -> None:
    customer = customer_create(actor=agent, name="Γιώργος", tier="silver", notes="")
    updated = customer_update(actor=agent, customer=customer, name="ΓΙΏΡΓΟΣ Π.", tier="silver",
                              lifetime_value=Decimal("10"), notes="")
    assert (updated.name, updated.name_key, updated.lifetime_value) == (
        "ΓΙΏΡΓΟΣ Π.", "γιωργοσ π.", Decimal("10.00"))
    event = TimelineEvent.objects.get(customer=customer, verb="customer.updated")
    assert event.before == {"name": "Γιώργος", "lifetime_value": "0.00"}
    assert event.after == {"name": "ΓΙΏΡΓΟΣ Π.", "lifetime_value": "10.00"}
    assert Customer.objects.get(pk=customer.pk).name_key == "γιωργοσ π."


def test_update_without_changes_writes_nothing(agent) -> None:
    customer = customer_create(actor=agent, name="Priya", tier="gold")
    customer_update(actor=agent, customer=customer, tier="gold", name=" Priya ")
    assert verbs(customer) == ["customer.created"]


def test_update_of_a_merged_customer_is_a_conflict(agent, supervisor) -> None:
    source = customer_create(actor=agent, name="Sarah")
    target = customer_create(actor=agent, name="Sarah O'Connor")
    customer_merge(actor=supervisor, source=source, target=target)
    with pytest.raises(Conflict) as caught:
        customer_update(actor=agent, customer=source, name="Sara")
    assert caught.value.code == "customer_merged"


def test_analyst_cannot_update_and_nothing_changes(agent, analyst) -> None:
    customer = customer_create(actor=agent, name="James")
    with pytest.raises(PermissionDenied):
        customer_update(actor=analyst, customer=customer, name="Jim")
    assert Customer.objects.get(pk=customer.pk).name == "James"


def test_organization_can_be_set_and_detached(agent) -> None:
    organization = organization_create(actor=agent, name="شركة النخيل", domain="NAKHEEL.example")
    customer = customer_create(actor=agent, name="نورة", organization_id=organization.pk)
    assert customer.organization_id == organization.pk
    customer = customer_update(actor=agent, customer=customer, organization_id=None)
    assert Customer.objects.get(pk=customer.pk).organization_id is None


# --- customer_delete -----------------------------------------------------------------------


def test_only_admin_deletes_and_it_is_audited(agent, admin, supervisor) -> None:
    customer = customer_create(actor=agent, name="Ελένη", identities=[("phone", "+306912345678")])
    for who in (agent, supervisor):
        with pytest.raises(PermissionDenied):
            customer_delete(actor=who, customer=customer)
    assert Customer.objects.filter(pk=customer.pk).exists()
    customer_delete(actor=admin, customer=customer)
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert Identity.objects.count() == 0
    entry = AuditLogEntry.objects.get(action="customer.delete")
    assert (entry.actor_id, entry.target_id, entry.data) == (
        admin.pk, str(customer.pk), {"name": "Ελένη", "merged_ids": []})


def test_customer_with_conversations_cannot_be_deleted(agent, admin) -> None:
    customer = customer_create(actor=agent, name="محمد")
    conversation_create(actor=agent, subject="الفاتورة", channel="email", text="مرحبا",
                        customer_id=customer.pk)
    with pytest.raises(Conflict) as caught:
        customer_delete(actor=admin, customer=customer)
    assert caught.value.code == "customer_has_conversations"
    assert Customer.objects.filter(pk=customer.pk).exists()


# --- identities ----------------------------------------------------------------------------


def test_identity_add_is_idempotent_for_the_same_customer(agent) -> None:
    customer = customer_create(actor=agent, name="Νίκος")
    first = identity_add(actor=agent, customer=customer, kind="telegram", value="@Nikos_S")
    again = identity_add(actor=agent, customer=customer, kind="telegram", value="nikos_s")
    assert (again.pk, again.value, again.match_key) == (first.pk, "nikos_s", "telegram:nikos_s")
    assert verbs(customer) == ["customer.created", "identity.added"]


def test_identity_add_refuses_an_identity_of_another_customer(agent) -> None:
    owner = customer_create(actor=agent, name="Owner", identities=[("whatsapp", "+989121234567")])
    other = customer_create(actor=agent, name="Other")
    with pytest.raises(Conflict) as caught:
        identity_add(actor=agent, customer=other, kind="whatsapp", value="00989121234567")
    assert (caught.value.code, caught.value.field) == ("identity_taken", "value")
    assert list(Identity.objects.values_list("customer_id", flat=True)) == [owner.pk]


def test_identity_add_as_primary_replaces_the_primary_of_that_kind(agent) -> None:
    customer = customer_create(actor=agent, name="فاطمه", identities=[("email", "f@example.com")])
    identity_add(actor=agent, customer=customer, kind="email", value="fatemeh@example.ir",
                 is_primary=True)
    assert dict(customer.identities.values_list("value", "is_primary")) == {
        "f@example.com": False, "fatemeh@example.ir": True}


def test_identity_remove_records_the_removed_value(agent, analyst) -> None:
    customer = customer_create(actor=agent, name="Yusuf", identities=[("instagram", "@yusuf.h")])
    identity = customer.identities.get()
    with pytest.raises(PermissionDenied):
        identity_remove(actor=analyst, identity=identity)
    identity_remove(actor=agent, identity=identity)
    assert not Identity.objects.exists()
    event = TimelineEvent.objects.get(customer=customer, verb="identity.removed")
    assert event.before == {"kind": "instagram", "value": "yusuf.h"}


# --- customer_resolve ----------------------------------------------------------------------


def test_resolve_creates_a_customer_for_an_unknown_identity(agent) -> None:
    customer, created = customer_resolve(actor=agent, identity_kind="email",
                                         identity_value="Neo@Example.com", language="el")
    assert created is True
    assert (customer.name, customer.language) == ("neo@example.com", "el")
    assert list(customer.identities.values_list("kind", "value", "is_primary")) == [
        ("email", "neo@example.com", True)]


def test_resolve_finds_the_customer_by_identity_in_any_format(agent) -> None:
    existing = customer_create(actor=agent, name="علی", identities=[("phone", "+989121234567")])
    customer, created = customer_resolve(actor=None, identity_kind="phone",
                                         identity_value="+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷", name="Ali")
    assert (customer.pk, created) == (existing.pk, False)
    assert Customer.objects.count() == 1


def test_resolve_follows_a_merge_to_the_surviving_customer(agent, supervisor) -> None:
    source = customer_create(actor=agent, name="Eleni K")
    target = customer_create(actor=agent, name="Ελένη Κ")
    customer_merge(actor=supervisor, source=source, target=target)
    by_id, created = customer_resolve(actor=agent, customer_id=source.pk)
    assert (by_id.pk, created) == (target.pk, False)


def test_resolve_reports_unknown_ids_and_missing_input(agent) -> None:
    with pytest.raises(NotFound) as caught:
        customer_resolve(actor=agent, customer_id=-1)
    assert caught.value.code == "customer_not_found"
    with pytest.raises(Invalid) as caught_invalid:
        customer_resolve(actor=agent)
    assert caught_invalid.value.code == "customer_resolve_needs_input"


def test_analyst_cannot_create_a_customer_by_resolving(analyst) -> None:
    with pytest.raises(PermissionDenied):
        customer_resolve(actor=analyst, identity_kind="telegram", identity_value="@new_person")
    assert Customer.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_resolve_under_concurrency_creates_one_customer() -> None:
    barrier = threading.Barrier(4)
    results: list[tuple[int, bool]] = []

    def resolve() -> None:
        barrier.wait()
        customer, created = customer_resolve(actor=None, identity_kind="whatsapp",
                                             identity_value="+306912345678")
        results.append((customer.pk, created))
        connection.close()

    threads = [threading.Thread(target=resolve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({customer_id for customer_id, _created in results}) == 1
    assert sorted(created for _id, created in results) == [False, False, False, True]
    # the losers' customer rows were deleted again, and only the winner's creation recorded
    assert Customer.objects.count() == 1
    assert list(TimelineEvent.objects.order_by("id").values_list("verb", flat=True)) == [
        "customer.created", "identity.added"]


# --- organizations -------------------------------------------------------------------------


def test_organization_lifecycle_is_recorded(agent, admin) -> None:
    organization = organization_create(actor=agent, name="Αθηναϊκή Τηλεπικοινωνίες",
                                       domain="Τηλεπικοινωνίες.gr")
    assert (organization.name_key, organization.domain) == (
        "αθηναικη τηλεπικοινωνιεσ", "xn--kxalbflagfwatj1cb8f.gr")
    organization = organization_update(actor=agent, organization=organization, notes="VIP")
    customer = customer_create(actor=agent, name="Κώστας", organization_id=organization.pk)
    with pytest.raises(PermissionDenied):
        organization_delete(actor=agent, organization=organization)
    organization_delete(actor=admin, organization=organization)
    assert not Organization.objects.exists()
    assert Customer.objects.get(pk=customer.pk).organization_id is None
    assert list(TimelineEvent.objects.filter(customer=None).order_by("id").values_list(
        "verb", flat=True)) == ["organization.created", "organization.updated",
                                "organization.deleted"]


def test_organization_domain_must_be_a_host_name(agent) -> None:
    with pytest.raises(Invalid) as caught:
        organization_create(actor=agent, name="Northwind", domain="not a domain")
    assert (caught.value.code, caught.value.field) == ("domain_invalid", "domain")


# --- customer_merge ------------------------------------------------------------------------


@pytest.fixture
def pair(agent):
    """Two records of one person: Persian profile with email, Latin profile with WhatsApp."""
    target = customer_create(
        actor=agent, name="علی‌رضا کریمی", segment_tags=["vip", "تهران"], lifetime_value="100.50",
        cost_to_serve="10", custom_attributes={"city": "تهران", "plan": "gold"},
        notes="مشتری قدیمی", identities=[("email", "alireza@example.com")],
    )
    source = customer_create(
        actor=agent, name="Alireza Karimi", language="en", segment_tags=["vip", "telecom"],
        lifetime_value="20", cost_to_serve="5.25", custom_attributes={"plan": "basic", "sim": 2},
        notes="Called about roaming", identities=[("whatsapp", "+989121234567"),
                                                   ("email", "a.karimi@example.com")],
    )
    return source, target


def test_merge_moves_identities_conversations_messages_and_timeline(pair, agent,
                                                                    supervisor) -> None:
    source, target = pair
    conversation = conversation_create(actor=agent, subject="Roaming در ترکیه کار نمی‌کند",
                                       channel="whatsapp", text="سلام، اینترنت ندارم",
                                       identity_kind="whatsapp", identity_value="+989121234567")
    assert conversation.customer_id == source.pk
    source_event_ids = set(TimelineEvent.objects.filter(customer=source).values_list("pk",
                                                                                      flat=True))
    merged = customer_merge(actor=supervisor, source=source, target=target)
    assert merged.pk == target.pk
    assert sorted(target.identities.values_list("value", "is_primary")) == [
        ("+989121234567", True), ("a.karimi@example.com", False),
        ("alireza@example.com", True)]
    conversation.refresh_from_db()
    assert conversation.customer_id == target.pk
    assert list(conversation.messages.values_list("author_customer_id", flat=True)) == [target.pk]
    assert set(TimelineEvent.objects.filter(pk__in=source_event_ids).values_list(
        "customer_id", flat=True)) == {target.pk}
    assert not TimelineEvent.objects.filter(customer=source).exists()
    source.refresh_from_db()
    assert source.merged_into_id == target.pk


def test_merge_combines_the_profiles(pair, supervisor) -> None:
    source, target = pair
    customer_merge(actor=supervisor, source=source, target=target)
    target.refresh_from_db()
    assert target.segment_tags == ["vip", "تهران", "telecom"]
    assert target.custom_attributes == {"city": "تهران", "plan": "gold", "sim": 2}
    assert (target.lifetime_value, target.cost_to_serve) == (Decimal("120.50"), Decimal("15.25"))
    assert target.notes == "مشتری قدیمی\n\nCalled about roaming"
    assert (target.name, target.language) == ("علی‌رضا کریمی", "en")


def test_merge_is_recorded_in_the_timeline_and_the_audit_log(pair, supervisor) -> None:
    source, target = pair
    insert_conversation(customer=source)
    customer_merge(actor=supervisor, source=source, target=target)
    event = TimelineEvent.objects.get(verb="customer.merged")
    moved = {"core.timelineevent.customer": 3, "conversations.conversation.customer": 1,
             "conversations.message.author_customer": 1, "customers.identity.customer": 2,
             "customers.customer.merged_into": 0, "channels.chatsession.customer": 0,
             "customers.customerorder.customer": 0, "feedback.invitation.customer": 0,
             "feedback.response.customer": 0, "feedback.complaint.customer": 0,
             "feedback.feedbackasker.customer": 0, "feedback.feedbackcomment.customer": 0}
    assert (event.customer_id, event.actor_id) == (target.pk, supervisor.pk)
    assert event.before == {"source_id": source.pk, "segment_tags": ["vip", "تهران"],
                            "custom_attributes": {"city": "تهران", "plan": "gold"},
                            "lifetime_value": "100.50", "cost_to_serve": "10.00",
                            "notes": "مشتری قدیمی", "language": ""}
    assert event.after["source_id"] == source.pk
    assert event.after["moved"] == moved
    assert event.after["lifetime_value"] == "120.50"
    entry = AuditLogEntry.objects.get(action="customer.merge")
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.data) == (
        supervisor.pk, "customer", str(target.pk), {"source_id": source.pk, "moved": moved})


def test_merge_into_self_is_invalid(pair, supervisor) -> None:
    _source, target = pair
    with pytest.raises(Invalid) as caught:
        customer_merge(actor=supervisor, source=target, target=target)
    assert (caught.value.code, caught.value.field) == ("customer_merge_into_self", "source_id")


@pytest.mark.parametrize("_case", ["source already merged", "target already merged"])
def test_merge_with_an_already_merged_customer_is_a_conflict(agent, supervisor, _case) -> None:
    first = customer_create(actor=agent, name="Sarah")
    second = customer_create(actor=agent, name="Sarah O.")
    survivor = customer_create(actor=agent, name="Sarah O'Connor")
    customer_merge(actor=supervisor, source=first, target=survivor)
    source, target = (first, second) if _case == "source already merged" else (second, first)
    with pytest.raises(Conflict) as caught:
        customer_merge(actor=supervisor, source=source, target=target)
    assert caught.value.code == "customer_already_merged"
    assert Customer.objects.get(pk=second.pk).merged_into_id is None


@pytest.mark.parametrize("role", ["analyst", "agent"])
def test_roles_below_supervisor_cannot_merge_and_nothing_changes(pair, make_agent, role) -> None:
    source, target = pair
    with pytest.raises(PermissionDenied):
        customer_merge(actor=make_agent(role), source=source, target=target)
    assert Customer.objects.get(pk=source.pk).merged_into_id is None
    assert source.identities.count() == 2
    assert not TimelineEvent.objects.filter(verb="customer.merged").exists()
    assert not AuditLogEntry.objects.filter(action="customer.merge").exists()


def test_customers_merged_earlier_follow_the_source_to_the_new_target(agent, supervisor) -> None:
    oldest = customer_create(actor=agent, name="Νίκος")
    middle = customer_create(actor=agent, name="Νίκος Σ.")
    survivor = customer_create(actor=agent, name="Νίκος Σταύρου")
    customer_merge(actor=supervisor, source=oldest, target=middle)
    customer_merge(actor=supervisor, source=middle, target=survivor)
    assert dict(Customer.objects.filter(pk__in=[oldest.pk, middle.pk]).values_list(
        "pk", "merged_into_id")) == {oldest.pk: survivor.pk, middle.pk: survivor.pk}


def test_deleting_a_survivor_deletes_its_merged_tombstones(agent, supervisor, admin) -> None:
    source = customer_create(actor=agent, name="Γιάννης")
    target = customer_create(actor=agent, name="Ιωάννης")
    customer_merge(actor=supervisor, source=source, target=target)
    customer_delete(actor=admin, customer=target)
    assert not Customer.objects.exists()
    assert AuditLogEntry.objects.get(action="customer.delete").data == {
        "name": "Ιωάννης", "merged_ids": [source.pk]}


def test_survivor_whose_tombstone_still_has_a_conversation_is_not_deleted(agent, supervisor,
                                                                         admin) -> None:
    source = customer_create(actor=agent, name="Γιάννης")
    target = customer_create(actor=agent, name="Ιωάννης")
    customer_merge(actor=supervisor, source=source, target=target)
    insert_conversation(customer=source)  # written by a caller that skipped customer_resolve
    with pytest.raises(Conflict) as caught:
        customer_delete(actor=admin, customer=target)
    assert caught.value.code == "customer_has_conversations"
    assert Customer.objects.count() == 2


def test_resolve_drops_an_unusable_display_name_and_language(agent) -> None:
    customer, created = customer_resolve(actor=agent, identity_kind="telegram",
                                         identity_value="@Nikos_S", name="\u202eadmin\x00",
                                         language="not a language")
    assert (created, customer.name, customer.language) == (True, "nikos_s", "")
