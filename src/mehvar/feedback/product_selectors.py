"""Reads of feedback to product: items with the number and total lifetime value of the
customers asking (one query per list, whatever its size), an item with its comments and
customers, product areas, what is waiting to be filed, and webhook endpoints with their
deliveries. Customers' value is read through the items' own foreign keys (the customers
context's `lifetime_value`, kept by its value recompute)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.selectors import AGENT_NAME_FIELDS
from mehvar.conversations.selectors import conversation_list
from mehvar.core.errors import NotFound
from mehvar.core.pagination import Page, keyset_page
from mehvar.core.permissions import Actor, require
from mehvar.feedback.errors import FeedbackErrorCode as Code
from mehvar.feedback.models import (
    FeedbackAsker,
    FeedbackComment,
    FeedbackItem,
    ProductArea,
    Response,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

MONEY = DecimalField(max_digits=16, decimal_places=2)
SORTS = {"customers": ("-customer_count", "-customer_value", "-pk"),
         "value": ("-customer_value", "-customer_count", "-pk"),
         "newest": ("-created_at", "-pk")}
MAX_BOARD = 500


def _with_figures(rows: QuerySet[FeedbackItem]) -> QuerySet[FeedbackItem]:
    """Items with `customer_count` and `customer_value` (sum of the askers' lifetime value),
    as subqueries: no join multiplies the rows."""
    askers = FeedbackAsker.objects.filter(item=OuterRef("pk")).order_by().values("item")
    count = askers.annotate(total=Count("pk")).values("total")
    value = askers.annotate(total=Sum("customer__lifetime_value")).values("total")
    return rows.select_related("area").annotate(
        customer_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        customer_value=Coalesce(Subquery(value, output_field=MONEY), Value(Decimal("0")),
                                output_field=MONEY))


def feedback_item_page(*, actor: Actor, cursor: str | None, limit: int,
                       status: str | None = None, area_id: int | None = None,
                       ) -> Page[FeedbackItem]:
    """Items newest first, by status or area (their indexes), with their figures."""
    require(actor, "feedback_item.view")
    rows = _with_figures(FeedbackItem.objects.all())
    if status:
        rows = rows.filter(status=status)
    if area_id is not None:
        rows = rows.filter(area_id=area_id)
    return keyset_page(rows, field="created_at", cursor=cursor, limit=limit)


def feedback_board(*, actor: Actor, sort: str = "customers", status: str | None = None,
                   ) -> list[tuple[ProductArea | None, list[FeedbackItem]]]:
    """The items grouped by area (areas by name, items without an area last), sorted by
    the customers asking, their value, or newest; at most MAX_BOARD items, one query."""
    require(actor, "feedback_item.view")
    rows = _with_figures(FeedbackItem.objects.all())
    if status:
        rows = rows.filter(status=status)
    items = list(rows.order_by(*SORTS.get(sort, SORTS["customers"]))[:MAX_BOARD])
    groups: dict[int | None, list[FeedbackItem]] = {}
    for item in items:
        groups.setdefault(item.area_id, []).append(item)
    areas = {item.area_id: item.area for item in items}
    return sorted(((areas[key], group) for key, group in groups.items()),
                  key=lambda pair: (pair[0] is None, pair[0].name if pair[0] else ""))


def feedback_item_get(*, actor: Actor, item_id: int) -> FeedbackItem:
    """One item with its figures, its comments (oldest first, with customer and filer) and
    its askers (with customer name and value): three queries."""
    require(actor, "feedback_item.view")
    comments = (FeedbackComment.objects.select_related("customer", "filed_by")
                .only("id", "item_id", "source", "text", "language", "created_at",
                      "response_id", "conversation_id", "customer__id", "customer__name",
                      *(f"filed_by__{name}" for name in AGENT_NAME_FIELDS))
                .order_by("created_at", "pk"))
    askers = (FeedbackAsker.objects.select_related("customer")
              .only("id", "item_id", "asked_at", "notified_at", "conversation_id",
                    "customer__id", "customer__name", "customer__lifetime_value")
              .order_by("asked_at", "pk"))
    item = (_with_figures(FeedbackItem.objects.all())
            .prefetch_related(Prefetch("comments", queryset=comments),
                              Prefetch("askers", queryset=askers))
            .filter(pk=item_id).first())
    if item is None:
        raise NotFound(Code.ITEM_NOT_FOUND, _("No feedback item has this id."))
    return item


def product_area_list(*, actor: Actor) -> list[ProductArea]:
    """Every area by name (a company keeps a few dozen at most)."""
    require(actor, "feedback_item.view")
    return list(ProductArea.objects.order_by("name", "pk"))


def feedback_item_choices(*, actor: Actor) -> list[FeedbackItem]:
    """Open items to attach a comment to, newest first (ids and titles)."""
    require(actor, "feedback_item.view")
    return list(FeedbackItem.objects.exclude(status__in=["shipped", "declined"])
                .only("id", "title").order_by("-created_at", "-pk")[:MAX_BOARD])


def unfiled_comments(*, actor: Actor, cursor: str | None, limit: int) -> Page[Response]:
    """Survey answers with a comment not yet filed under any item, newest first."""
    require(actor, "feedback_item.view")
    filed = FeedbackComment.objects.filter(response_id=OuterRef("pk"))
    rows = (Response.objects.select_related("customer").exclude(comment="")
            .filter(~Exists(filed))
            .only("invitation_id", "kind", "score", "comment", "answered_at",
                  "conversation_id", "customer__id", "customer__name"))
    return keyset_page(rows, field="answered_at", cursor=cursor, limit=limit)


def tagged_conversations(*, actor: Actor, cursor: str | None, limit: int) -> Any:
    """Conversations carrying the feedback tag (MEHVAR_FEEDBACK_TAG), newest first, through
    the conversations context's list."""
    require(actor, "feedback_item.view")
    return conversation_list(actor=actor, tag=settings.MEHVAR_FEEDBACK_TAG, cursor=cursor,
                             limit=limit)


# --- webhooks ------------------------------------------------------------------------------


def webhook_endpoint_list(*, actor: Actor) -> list[WebhookEndpoint]:
    """Every endpoint with its count of failed deliveries (one query)."""
    require(actor, "webhook.manage")
    return list(WebhookEndpoint.objects.annotate(
        failed=Count("deliveries", filter=Q(deliveries__status="failed")))
        .order_by("name", "pk"))


def webhook_endpoint_get(*, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    require(actor, "webhook.manage")
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(Code.WEBHOOK_NOT_FOUND, _("No webhook endpoint has this id."))
    return endpoint


def webhook_delivery_page(*, actor: Actor, endpoint_id: int, cursor: str | None,
                          limit: int) -> Page[WebhookDelivery]:
    """An endpoint's deliveries newest first, each with its attempts (two queries)."""
    endpoint = webhook_endpoint_get(actor=actor, endpoint_id=endpoint_id)
    attempts = WebhookAttempt.objects.order_by("attempted_at", "pk")
    rows = (WebhookDelivery.objects.filter(endpoint=endpoint)
            .prefetch_related(Prefetch("attempt_log", queryset=attempts)))
    return keyset_page(rows, field="created_at", cursor=cursor, limit=limit)
