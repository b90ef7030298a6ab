"""Reads for organizations and customers: lists, search by name or any identity, duplicates,
the timeline and the customer 360. Every function authorizes and runs a fixed number of
queries whatever the amount of data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.conversations import selectors as conversation_selectors
from mehvar.core.errors import Conflict, Invalid, NotFound
from mehvar.core.models import TimelineEvent
from mehvar.core.pagination import Page, keyset_page
from mehvar.core.permissions import Actor, require
from mehvar.core.text import normalize_text
from mehvar.customers.errors import CustomerErrorCode as Code
from mehvar.customers.identities import identity_candidates
from mehvar.customers.merging import (
    ORDERS,
    TOMBSTONES,
    customer_references,
    merged_profile,
    order_overlap,
)
from mehvar.customers.models import (
    Customer,
    CustomerOrder,
    Identity,
    IdentityKind,
    Organization,
    Segment,
    TierRule,
)
from mehvar.customers.segments import CustomerFacts, segment_contains, segment_q

DEFAULT_PAGE_SIZE = 25
MAX_QUERY_LENGTH = 200
ACTOR_FIELDS = ("actor__id", "actor__username", "actor__display_name", "actor__first_name",
                "actor__last_name")
_REASON_BY_KIND: dict[str, str] = {
    IdentityKind.EMAIL: "same_email",
    IdentityKind.PHONE: "same_phone",
    IdentityKind.WHATSAPP: "same_phone",
}


@dataclass(frozen=True)
class Customer360:
    customer: Customer
    organization: Organization | None
    identities: list[Identity]
    conversations: Page[Any]
    timeline: Page[TimelineEvent]
    stats: dict[str, dict[str, int]]


@dataclass(frozen=True)
class MergePreview:
    """What customer_merge(source, target) would do now: `moves` has the same keys and counts
    as the merge's recorded `moved`; `profile` lists (field, target's value, merged value) for
    the profile fields that would change."""

    source: Customer
    target: Customer
    moves: dict[str, int]
    profile: list[tuple[str, Any, Any]]


class DuplicateSuggestion(NamedTuple):
    customer: Customer
    reasons: list[str]


def _identities_prefetch() -> Prefetch[Any]:
    return Prefetch("identities", queryset=Identity.objects.order_by("kind", "-is_primary", "pk"))


def _customers() -> QuerySet[Customer]:
    return Customer.objects.select_related("organization").prefetch_related(
        _identities_prefetch())


# --- organizations -------------------------------------------------------------------------


def organization_get(*, actor: Actor, organization_id: int) -> Organization:
    require(actor, "organization.view")
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise NotFound(Code.ORGANIZATION_NOT_FOUND, _("No organization has this id."))
    return organization


def organization_list(
    *, actor: Actor, q: str | None = None, cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> Page[Organization]:
    """Newest first; `q` matches the normalised name or the domain."""
    require(actor, "organization.view")
    queryset = Organization.objects.all()
    key = normalize_text(q or "")[:MAX_QUERY_LENGTH]
    if key:
        queryset = queryset.filter(Q(name_key__contains=key) | Q(domain__contains=key))
    return keyset_page(queryset, field="created_at", cursor=cursor, limit=limit)


# --- customers -----------------------------------------------------------------------------


def customer_get(*, actor: Actor, customer_id: int) -> Customer:
    """The customer with organization and identities; a merged customer is returned as it is
    (with `merged_into_id`) so that callers can redirect to the survivor."""
    require(actor, "customer.view")
    customer = _customers().filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(Code.CUSTOMER_NOT_FOUND, _("No customer has this id."))
    return customer


def customer_list(
    *,
    actor: Actor,
    q: str | None = None,
    identity: str | None = None,
    organization_id: int | None = None,
    tier: str | None = None,
    journey_stage: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> Page[Customer]:
    """Live customers, newest first, with organization and identities (two queries).

    `q` matches the normalised name (Arabic/Persian letter variants, Greek accents and case
    fold) or, exactly, any identity it could be; `identity` matches identities only, whatever
    the kind or format it is typed in (Persian digits, spaces, capitals, @handles)."""
    require(actor, "customer.view")
    queryset = _customers().filter(merged_into__isnull=True)
    if q and q.strip():
        key = normalize_text(q)[:MAX_QUERY_LENGTH]
        queryset = queryset.filter(Q(name_key__contains=key) | Q(pk__in=_identity_matches(q)))
    if identity and identity.strip():
        queryset = queryset.filter(pk__in=_identity_matches(identity))
    if organization_id is not None:
        queryset = queryset.filter(organization_id=organization_id)
    if tier:
        queryset = queryset.filter(tier=tier)
    if journey_stage:
        queryset = queryset.filter(journey_stage=journey_stage)
    return keyset_page(queryset, field="created_at", cursor=cursor, limit=limit)


def identity_get(*, actor: Actor, customer_id: int, identity_id: int) -> Identity:
    """One identity of one customer (NotFound when the identity belongs to someone else)."""
    require(actor, "customer.view")
    identity = Identity.objects.filter(pk=identity_id, customer_id=customer_id).first()
    if identity is None:
        raise NotFound(Code.IDENTITY_NOT_FOUND, _("No identity has this id."))
    return identity


def _identity_matches(raw: str) -> QuerySet[Identity, Any]:
    """Customer ids (as a subquery) having an identity that `raw` could denote."""
    values, keys = identity_candidates(raw[:MAX_QUERY_LENGTH * 2])
    return Identity.objects.filter(Q(value__in=values) | Q(match_key__in=keys)).values(
        "customer_id")


def customer_duplicates(
    *, actor: Actor, customer: Customer, limit: int = 10
) -> list[DuplicateSuggestion]:
    """Live customers that are probably the same person: sharing an identity's match key
    (email without +tag, one phone number over phone and WhatsApp, ...) or the normalised name.
    Most reasons first, then newest."""
    require(actor, "customer.view")
    reasons: dict[int, list[str]] = {}
    keys = Identity.objects.filter(customer_id=customer.pk).values("match_key")
    for customer_id, kind in (
        Identity.objects.filter(match_key__in=keys, customer__merged_into__isnull=True)
        .exclude(customer_id=customer.pk)
        .values_list("customer_id", "kind")
        .order_by("customer_id", "kind")[: limit * 20]
    ):
        reason = _REASON_BY_KIND.get(kind, f"same_{kind}")
        if reason not in reasons.setdefault(customer_id, []):
            reasons[customer_id].append(reason)
    if customer.name_key:
        for customer_id in (
            Customer.objects.filter(name_key=customer.name_key, merged_into__isnull=True)
            .exclude(pk=customer.pk)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)[:limit]
        ):
            reasons.setdefault(customer_id, []).append("same_name")
    if not reasons:
        return []
    found = _customers().in_bulk(list(reasons))
    ranked = sorted(found.values(), key=lambda row: (len(reasons[row.pk]), row.created_at,
                                                      row.pk), reverse=True)
    return [DuplicateSuggestion(row, reasons[row.pk]) for row in ranked[:limit]]


def customer_timeline(
    *, actor: Actor, customer_id: int, cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> Page[TimelineEvent]:
    """The customer's events, newest first, with the acting agent."""
    require(actor, "customer.view")
    if not Customer.objects.filter(pk=customer_id).exists():
        raise NotFound(Code.CUSTOMER_NOT_FOUND, _("No customer has this id."))
    return _timeline_page(customer_id=customer_id, cursor=cursor, limit=limit)


def _timeline_page(*, customer_id: int, cursor: str | None, limit: int) -> Page[TimelineEvent]:
    events = (
        TimelineEvent.objects.filter(customer_id=customer_id)
        .select_related("actor")
        .only("id", "at", "verb", "customer_id", "conversation_id", "before", "after",
              *ACTOR_FIELDS)
    )
    return keyset_page(events, field="at", cursor=cursor, limit=limit)


def customer_360(
    *,
    actor: Actor,
    customer_id: int,
    conversations_cursor: str | None = None,
    timeline_cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> Customer360:
    """Profile, organization, identities, one page of conversations on every channel, one
    page of the timeline, and conversation counts by status and channel: five queries."""
    require(actor, "customer.view")
    require(actor, "conversation.view")
    customer = customer_get(actor=actor, customer_id=customer_id)
    conversations = conversation_selectors.conversation_list_for_customer(
        customer_id=customer.pk, cursor=conversations_cursor, limit=limit)
    counts = conversation_selectors.conversation_counts_for_customer(customer_id=customer.pk)
    return Customer360(
        customer=customer,
        organization=customer.organization,
        identities=list(customer.identities.all()),
        conversations=conversations,
        timeline=_timeline_page(customer_id=customer.pk, cursor=timeline_cursor, limit=limit),
        stats={"by_status": dict(counts.get("by_status", {})),
               "by_channel": dict(counts.get("by_channel", {}))},
    )


def customer_merge_preview(*, actor: Actor, source_id: int, target_id: int) -> MergePreview:
    """The effect of merging `source` into `target`, computed with the merge's own rules
    (customers.merging), refused for the same reasons the merge would refuse: into itself
    (Invalid), an unknown id (NotFound), one already merged (Conflict). One query per
    reference to customers plus two."""
    require(actor, "customer.view")
    if source_id == target_id:
        raise Invalid(Code.CUSTOMER_MERGE_INTO_SELF,
                      _("A customer cannot be merged into itself."), field="source_id")
    rows = _customers().in_bulk([source_id, target_id])
    if source_id not in rows or target_id not in rows:
        raise NotFound(Code.CUSTOMER_NOT_FOUND, _("No customer has this id."))
    source, target = rows[source_id], rows[target_id]
    if source.is_merged or target.is_merged:
        raise Conflict(Code.CUSTOMER_ALREADY_MERGED,
                       _("One of these customers was already merged into another."))
    orders = order_overlap(source_id=source_id, target_id=target_id)
    moves = {reference.key: orders.moving if reference.key == ORDERS
             else reference.model._base_manager.filter(**{reference.field: source_id}).count()
             for reference in customer_references()}
    moves[TOMBSTONES] = Customer.objects.filter(merged_into_id=source_id).count()
    profile = [(field, getattr(target, field), value)
               for field, value in merged_profile(source=source, target=target,
                                                  orders=orders).items()
               if getattr(target, field) != value]
    return MergePreview(source=source, target=target, moves=moves, profile=profile)


def customer_count(*, actor: Actor, q: str, cap: int = 1000) -> int:
    """How many live customers customer_list(q=...) finds, counting at most `cap` (global
    search shows "999+")."""
    require(actor, "customer.view")
    key = normalize_text(q)[:MAX_QUERY_LENGTH]
    if not key:
        return 0
    matching = Customer.objects.filter(merged_into__isnull=True).filter(
        Q(name_key__contains=key) | Q(pk__in=_identity_matches(q)))
    return matching.values("pk")[:cap].count()


# --- orders, tier rules --------------------------------------------------------------------


def order_list(
    *, actor: Actor, customer_id: int, cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> Page[CustomerOrder]:
    """The customer's orders, latest order date first (two queries)."""
    require(actor, "customer.view")
    if not Customer.objects.filter(pk=customer_id).exists():
        raise NotFound(Code.CUSTOMER_NOT_FOUND, _("No customer has this id."))
    return keyset_page(CustomerOrder.objects.filter(customer_id=customer_id),
                       field="ordered_at", cursor=cursor, limit=limit)


def tier_rule_list(*, actor: Actor) -> list[TierRule]:
    """Every tier rule (at most 50) in the order they are tried: position, then id."""
    require(actor, "tier_rule.view")
    return list(TierRule.objects.order_by("position", "pk"))


def tier_rule_get(*, actor: Actor, tier_rule_id: int) -> TierRule:
    require(actor, "tier_rule.view")
    rule = TierRule.objects.filter(pk=tier_rule_id).first()
    if rule is None:
        raise NotFound(Code.TIER_RULE_NOT_FOUND, _("No tier rule has this id."))
    return rule


# --- segments ------------------------------------------------------------------------------


def segment_list(
    *, actor: Actor, cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE
) -> Page[Segment]:
    """Saved segments, newest first, with who created them (one query)."""
    require(actor, "segment.view")
    return keyset_page(Segment.objects.select_related("created_by"), field="created_at",
                       cursor=cursor, limit=limit)


def segment_get(*, actor: Actor, segment_id: int) -> Segment:
    require(actor, "segment.view")
    segment = Segment.objects.select_related("created_by").filter(pk=segment_id).first()
    if segment is None:
        raise NotFound(Code.SEGMENT_NOT_FOUND, _("No segment has this id."))
    return segment


def segment_member_ids(*, segment: Segment, now: datetime | None = None) -> QuerySet[Any]:
    """A subquery of the segment's members' ids, for another context's filter (no role
    check: the caller has made its own)."""
    return Customer.objects.filter(segment_q(segment, now=now)).values("pk")


def segment_member_count(*, actor: Actor, segment: Segment, now: datetime | None = None) -> int:
    """How many live customers are in the segment now (one query)."""
    require(actor, "segment.view")
    require(actor, "customer.view")
    return Customer.objects.filter(segment_q(segment, now=now)).count()


def segment_members(
    *, actor: Actor, segment: Segment, cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE, now: datetime | None = None,
) -> Page[Customer]:
    """The segment's live customers, newest first, with organization and identities (two
    queries)."""
    require(actor, "segment.view")
    require(actor, "customer.view")
    return keyset_page(_customers().filter(segment_q(segment, now=now)), field="created_at",
                       cursor=cursor, limit=limit)


def segments_for_customer(customer: Customer, now: datetime | None = None) -> list[int]:
    """The ids of the segments the customer (a loaded row) is in, for routing rules and
    service-level policies: one query for the segments, one more only when a segment asks
    when the customer last wrote in. No permission check: for system paths."""
    return [segment.pk for segment in _segments_containing(customer, now)]


def customer_segments(*, actor: Actor, customer_id: int) -> list[Segment]:
    """The segments the customer is in now, by id (two queries, three when a segment asks
    when the customer last wrote in)."""
    require(actor, "segment.view")
    require(actor, "customer.view")
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(Code.CUSTOMER_NOT_FOUND, _("No customer has this id."))
    return _segments_containing(customer, None)


def _segments_containing(customer: Customer, now: datetime | None) -> list[Segment]:
    now = now or timezone.now()
    facts = CustomerFacts(customer)
    return [segment for segment in Segment.objects.only("pk", "name", "match", "conditions")
            .order_by("pk") if segment_contains(segment, customer, now, facts=facts)]
