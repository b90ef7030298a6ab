"""Feedback to product: what customers ask of the product, filed by agents from survey
comments and from conversations tagged as feedback, grouped by product area. A customer
counts once per item (FeedbackAsker); when product marks an item shipped, every customer who
asked is told once, on their channel and in their language, unless they refused such news
(consent "product_updates": false). New and changed items go to the outgoing webhooks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.services import audit_record
from mehvar.channels.services.outbound import outbound_queue_system, route_get
from mehvar.conversations.selectors import conversation_brief, conversation_get, messages_page
from mehvar.core.errors import Conflict, Invalid, NotFound
from mehvar.core.permissions import Actor, require
from mehvar.core.timeline import timeline_record
from mehvar.feedback.errors import FeedbackErrorCode as Code
from mehvar.feedback.models import (
    FeedbackAsker,
    FeedbackComment,
    FeedbackItem,
    FeedbackSource,
    FeedbackStatus,
    ProductArea,
    Response,
    WebhookEvent,
)
from mehvar.feedback.webhooks import webhook_announce

MAX_TITLE = 200
MAX_TEXT = 5000
# Channels a shipped notice can travel on later (web chat and phone cannot).
DELIVERABLE = {"email", "sms", "whatsapp", "telegram"}
SHIPPED_KIND = "product_update"


def _clean_line(value: object, *, field: str, limit: int, required: bool = True) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if (required and not text) or len(text) > limit or "\x00" in text:
        raise Invalid(Code.FEEDBACK_INVALID,
                      _("Give %(field)s of 1 to %(limit)s characters.")
                      % {"field": field, "limit": limit}, field=field)
    return text


def _clean_text(value: object, *, field: str = "text", required: bool = False) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT or "\x00" in value:
        raise Invalid(Code.FEEDBACK_INVALID, _("Keep the text under %(max)s characters.")
                      % {"max": MAX_TEXT}, field=field)
    text = value.strip()
    if required and not text:
        raise Invalid(Code.FEEDBACK_INVALID, _("Write what the customer asked for."),
                      field=field)
    return text


# --- product areas -------------------------------------------------------------------------


@transaction.atomic
def product_area_save(*, actor: Actor, area_id: int | None = None, name: str,
                      description: str = "") -> ProductArea:
    """Create (no id) or rename a product area; admins only."""
    require(actor, "product_area.manage")
    name = _clean_line(name, field="name", limit=100)
    description = _clean_text(description, field="description")
    if area_id is None:
        area = ProductArea(name=name, description=description, created_at=timezone.now())
    else:
        found = ProductArea.objects.select_for_update().filter(pk=area_id).first()
        if found is None:
            raise NotFound(Code.AREA_NOT_FOUND, _("No product area has this id."))
        area = found
        if (area.name, area.description) == (name, description):
            return area
        area.name, area.description = name, description
    try:
        with transaction.atomic():
            area.save()
    except IntegrityError as error:
        raise Conflict(Code.AREA_TAKEN, _("Another product area has this name."),
                       field="name") from error
    audit_record(actor_id=actor.pk, action="product_area.saved", target_type="product_area",
                 target_id=area.pk, data={"name": name})
    return area


# --- items ---------------------------------------------------------------------------------


def _area(area_id: int | None) -> ProductArea | None:
    if area_id is None:
        return None
    area = ProductArea.objects.filter(pk=area_id).first()
    if area is None:
        raise Invalid(Code.AREA_NOT_FOUND, _("No product area has this id."), field="area_id")
    return area


def _locked_item(item_id: int) -> FeedbackItem:
    item = FeedbackItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound(Code.ITEM_NOT_FOUND, _("No feedback item has this id."))
    return item


@transaction.atomic
def feedback_item_create(*, actor: Actor, title: str, description: str = "",
                         area_id: int | None = None, response_id: int | None = None,
                         conversation_id: int | None = None, text: str = "") -> FeedbackItem:
    """A new item; with a survey answer or a conversation, its comment is filed under it
    (and its customer counts as asking)."""
    require(actor, "feedback_item.file")
    title = _clean_line(title, field="title", limit=MAX_TITLE)
    description = _clean_text(description, field="description")
    area = _area(area_id)
    source = _source(actor=actor, response_id=response_id, conversation_id=conversation_id,
                     text=text)
    now = timezone.now()
    item = FeedbackItem.objects.create(title=title, description=description, area=area,
                                       created_by_id=actor.pk, created_at=now, updated_at=now)
    if source is not None:
        _file(item, source, actor=actor, at=now)
    webhook_announce(event=WebhookEvent.ITEM_CREATED, item=item)
    return item


@transaction.atomic
def feedback_item_attach(*, actor: Actor, item_id: int, response_id: int | None = None,
                         conversation_id: int | None = None, text: str = "") -> FeedbackComment:
    """File one more comment under an existing item. A customer already asking is not
    counted again; the same answer or conversation twice is a conflict."""
    require(actor, "feedback_item.file")
    item = _locked_item(item_id)
    source = _source(actor=actor, response_id=response_id, conversation_id=conversation_id,
                     text=text)
    if source is None:
        raise Invalid(Code.FEEDBACK_INVALID,
                      _("Choose a survey answer or a conversation to file."),
                      field="response_id")
    now = timezone.now()
    comment = _file(item, source, actor=actor, at=now)
    item.updated_at = now
    item.save(update_fields=["updated_at"])
    webhook_announce(event=WebhookEvent.ITEM_CHANGED, item=item)
    return comment


def _source(*, actor: Actor, response_id: int | None, conversation_id: int | None,
            text: object) -> dict[str, Any] | None:
    """What is filed: a survey answer's comment, or a conversation's words (the text the
    agent picked, else the customer's first message)."""
    if response_id is not None and conversation_id is not None:
        raise Invalid(Code.FEEDBACK_INVALID,
                      _("File either a survey answer or a conversation, not both."),
                      field="conversation_id")
    if response_id is not None:
        response = (Response.objects.select_related("invitation")
                    .only("pk", "comment", "customer_id", "conversation_id",
                          "invitation__language").filter(pk=response_id).first())
        if response is None:
            raise NotFound(Code.RESPONSE_NOT_FOUND, _("No survey answer has this id."))
        if not response.comment.strip():
            raise Invalid(Code.FEEDBACK_INVALID, _("This answer has no comment to file."),
                          field="response_id")
        return {"source": FeedbackSource.SURVEY, "response_id": response.pk,
                "customer_id": response.customer_id,
                "conversation_id": response.conversation_id, "text": response.comment,
                "language": response.invitation.language}
    if conversation_id is not None:
        conversation = conversation_get(actor=actor, conversation_id=conversation_id)
        words = _clean_text(text) or _first_customer_words(conversation.pk)
        if not words:
            raise Invalid(Code.FEEDBACK_INVALID, _("Write what the customer asked for."),
                          field="text")
        return {"source": FeedbackSource.CONVERSATION, "response_id": None,
                "customer_id": conversation.customer_id, "conversation_id": conversation.pk,
                "text": words, "language": conversation.language}
    return None


def _first_customer_words(conversation_id: int) -> str:
    page = messages_page(conversation_id=conversation_id, cursor=None, limit=50)
    for message in page.items:
        if message.author_kind == "customer" and message.text.strip():
            return message.text.strip()[:MAX_TEXT]
    return ""


def _file(item: FeedbackItem, source: dict[str, Any], *, actor: Actor,
          at: Any) -> FeedbackComment:
    try:
        with transaction.atomic():
            comment = FeedbackComment.objects.create(item=item, filed_by_id=actor.pk,
                                                     created_at=at, **source)
    except IntegrityError as error:
        raise Conflict(Code.ALREADY_FILED, _("This is already filed under this item."),
                       field="response_id" if source["response_id"] else "conversation_id",
                       ) from error
    # One customer counts once per item: a second comment of theirs adds no asker.
    asker_new = not FeedbackAsker.objects.filter(item=item,
                                                 customer_id=source["customer_id"]).exists()
    if asker_new:
        try:
            with transaction.atomic():
                FeedbackAsker.objects.create(item=item, customer_id=source["customer_id"],
                                             conversation_id=source["conversation_id"],
                                             asked_at=at)
        except IntegrityError:  # filed at the same moment by another agent
            asker_new = False
    timeline_record(verb="feedback.filed", actor_id=actor.pk,
                    customer_id=source["customer_id"],
                    conversation_id=source["conversation_id"],
                    after={"item_id": item.pk, "title": item.title, "source": source["source"],
                           "counted": asker_new})
    return comment


@transaction.atomic
def feedback_item_update(*, actor: Actor, item_id: int, title: str | None = None,
                         description: str | None = None, area_id: int | None = None,
                         clear_area: bool = False) -> FeedbackItem:
    """Product's wording and grouping of an item: its title, description and area (None
    leaves a field as it is; `clear_area` takes the item out of its area)."""
    require(actor, "feedback_item.decide")
    item = _locked_item(item_id)
    before: dict[str, Any] = {}
    if title is not None:
        cleaned = _clean_line(title, field="title", limit=MAX_TITLE)
        if cleaned != item.title:
            before["title"], item.title = item.title, cleaned
    if description is not None:
        cleaned = _clean_text(description, field="description")
        if cleaned != item.description:
            before["description"], item.description = item.description, cleaned
    if clear_area or area_id is not None:
        area = None if clear_area else _area(area_id)
        if (area.pk if area else None) != item.area_id:
            before["area_id"], item.area = item.area_id, area
    if not before:
        return item
    item.updated_at = timezone.now()
    fields = ["area" if field == "area_id" else field for field in before]
    item.save(update_fields=[*fields, "updated_at"])
    audit_record(actor_id=actor.pk, action="feedback_item.update", target_type="feedback_item",
                 target_id=item.pk, data={"changed": sorted(before)})
    webhook_announce(event=WebhookEvent.ITEM_CHANGED, item=item)
    return item


@transaction.atomic
def feedback_item_set_status(*, actor: Actor, item_id: int, status: str) -> FeedbackItem:
    """Product's decision: under review, planned, shipped or declined. Shipping tells every
    customer who asked and was not told yet, on their channel, once."""
    require(actor, "feedback_item.decide")
    if status not in FeedbackStatus.values:
        raise Invalid(Code.FEEDBACK_INVALID,
                      _("The status is new, under_review, planned, shipped or declined."),
                      field="status")
    item = _locked_item(item_id)
    if item.status == status:
        return item
    before = item.status
    now = timezone.now()
    item.status, item.updated_at = status, now
    fields = ["status", "updated_at"]
    if status == FeedbackStatus.SHIPPED and item.shipped_at is None:
        item.shipped_at = now
        fields.append("shipped_at")
    item.save(update_fields=fields)
    audit_record(actor_id=actor.pk, action="feedback_item.status", target_type="feedback_item",
                 target_id=item.pk, data={"before": before, "after": status})
    if status == FeedbackStatus.SHIPPED:
        _tell_askers(item, at=now)
    webhook_announce(event=WebhookEvent.ITEM_CHANGED, item=item)
    return item


def _tell_askers(item: FeedbackItem, *, at: Any) -> int:
    """Queue the shipped notice for each asker not told yet (locked, so two clicks on
    "shipped" tell nobody twice); returns how many were told."""
    askers = list(FeedbackAsker.objects.select_for_update(of=("self",))
                  .select_related("customer")
                  .only("pk", "conversation_id", "customer__id", "customer__language",
                        "customer__consent")
                  .filter(item=item, notified_at__isnull=True).order_by("pk"))
    told = []
    for asker in askers:
        if asker.customer.consent.get("product_updates") is False:
            continue
        if asker.conversation_id is None:
            continue
        route = route_get(conversation_id=asker.conversation_id)
        conversation = conversation_brief(conversation_id=asker.conversation_id)
        if route is None or route.channel not in DELIVERABLE or conversation is None:
            continue
        language = (asker.customer.language or conversation.language
                    or settings.LANGUAGE_CODE)
        with translation.override(language):
            subject = gettext("What you asked for is here")
            text = gettext("Good news: what you asked us for is now available: "
                           "%(title)s. Thank you for telling us.") % {"title": item.title}
        outbound_queue_system(conversation=conversation, kind=SHIPPED_KIND,
                              channel=route.channel, recipient=route.address, text=text,
                              subject=subject)
        timeline_record(verb="feedback.shipped_told", actor_id=None,
                        customer_id=asker.customer.pk, conversation_id=conversation.pk,
                        after={"item_id": item.pk, "title": item.title,
                               "channel": route.channel})
        told.append(asker.pk)
    FeedbackAsker.objects.filter(pk__in=told).update(notified_at=at)
    return len(told)
