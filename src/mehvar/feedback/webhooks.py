"""Outgoing webhooks: issue trackers receive new and changed feedback items as JSON POSTs.

Each event for each subscribed endpoint is a WebhookDelivery row written in the transaction
that changed the item, and sent by a task after commit. The body is signed with HMAC-SHA256
over "<timestamp>.<body>" with the endpoint's secret:

    X-Mehvar-Signature: sha256=<hex>     X-Mehvar-Timestamp: <unix seconds>
    X-Mehvar-Delivery: <uuid>            X-Mehvar-Event: feedback_item.created

so a receiver can refuse old timestamps (replays) and repeated delivery ids. A failure, a
timeout or an answer other than 2xx is retried with exponential backoff
(MEHVAR_WEBHOOK_RETRY_SECONDS, doubling, at most an hour) up to MEHVAR_WEBHOOK_MAX_ATTEMPTS,
then the delivery is failed and shown to admins. Every try is a WebhookAttempt row. Redirects
are not followed; only http and https URLs are accepted, and a host that resolves to a
private, loopback, link-local or reserved address is refused at every attempt (so an
endpoint cannot reach the server's own network) unless MEHVAR_WEBHOOK_ALLOW_PRIVATE."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.services import audit_record
from mehvar.core.background import backoff, enqueue, enqueue_on_commit
from mehvar.core.errors import Invalid, NotFound
from mehvar.core.permissions import Actor, require
from mehvar.feedback.errors import FeedbackErrorCode as Code
from mehvar.feedback.models import (
    FeedbackItem,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)
SEND_TASK = "mehvar.feedback.tasks.webhook_send_task"
MAX_BODY_LOGGED = 2000
MAX_RESPONSE_READ = 64 * 1024
SWEEP_BATCH = 500
USER_AGENT = "Mehvar-Webhook/1"


# --- endpoints -----------------------------------------------------------------------------


def _clean_url(value: object) -> str:
    url = value.strip() if isinstance(value, str) else ""
    parts = urllib.parse.urlsplit(url) if len(url) <= 500 else None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        raise Invalid(Code.WEBHOOK_INVALID, _("Give an http or https URL of at most 500 "
                                              "characters."), field="url")
    return url


@transaction.atomic
def webhook_endpoint_save(*, actor: Actor, endpoint_id: int | None = None, name: str,
                          url: str, secret: str, is_active: bool = True,
                          events: Sequence[str] = ()) -> WebhookEndpoint:
    """Register (no id) or change an endpoint; admins only. No events means every event."""
    require(actor, "webhook.manage")
    name = " ".join(name.split()) if isinstance(name, str) else ""
    if not name or len(name) > 100:
        raise Invalid(Code.WEBHOOK_INVALID, _("Give a name of 1 to 100 characters."),
                      field="name")
    url = _clean_url(url)
    if not isinstance(secret, str) or not 16 <= len(secret) <= 200:
        raise Invalid(Code.WEBHOOK_INVALID, _("The secret has 16 to 200 characters."),
                      field="secret")
    chosen = list(dict.fromkeys(events or WebhookEvent.values))
    if any(event not in WebhookEvent.values for event in chosen):
        raise Invalid(Code.WEBHOOK_INVALID,
                      _("Events are feedback_item.created and feedback_item.changed."),
                      field="events")
    values = {"name": name, "url": url, "secret": secret, "is_active": bool(is_active),
              "events": chosen}
    if endpoint_id is None:
        endpoint = WebhookEndpoint.objects.create(created_at=timezone.now(), **values)
    else:
        found = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
        if found is None:
            raise NotFound(Code.WEBHOOK_NOT_FOUND, _("No webhook endpoint has this id."))
        endpoint = found
        for field, value in values.items():
            setattr(endpoint, field, value)
        endpoint.save(update_fields=list(values))
    audit_record(actor_id=actor.pk, action="webhook.saved", target_type="webhook_endpoint",
                 target_id=endpoint.pk, data={"name": name, "url": url, "events": chosen,
                                              "is_active": values["is_active"]})
    return endpoint


# --- deliveries ----------------------------------------------------------------------------


def item_payload(item: FeedbackItem) -> dict[str, Any]:
    """What a receiver gets about an item (no customer's personal data)."""
    area = item.area.name if item.area_id and item.area else None
    return {"id": item.pk, "title": item.title, "description": item.description,
            "status": item.status, "area": area,
            "created_at": item.created_at.isoformat(), "updated_at": item.updated_at.isoformat(),
            "shipped_at": item.shipped_at.isoformat() if item.shipped_at else None,
            "url": f"{settings.MEHVAR_PUBLIC_URL}{reverse('feedback-item', args=[item.pk])}"}


def webhook_announce(*, event: str, item: FeedbackItem) -> list[WebhookDelivery]:
    """Queue the event for every active endpoint that wants it (inside the caller's
    transaction; sent after commit)."""
    endpoints = [endpoint for endpoint in WebhookEndpoint.objects.filter(is_active=True)
                 .only("pk", "events") if event in endpoint.events]
    if not endpoints:
        return []
    now = timezone.now()
    payload = {"event": event, "occurred_at": now.isoformat(), "item": item_payload(item)}
    deliveries = WebhookDelivery.objects.bulk_create([
        WebhookDelivery(endpoint_id=endpoint.pk, delivery_id=str(uuid.uuid4()), event=event,
                        payload=payload, created_at=now, next_attempt_at=now)
        for endpoint in endpoints])
    for delivery in WebhookDelivery.objects.filter(
            delivery_id__in=[row.delivery_id for row in deliveries]).only("pk"):
        enqueue_on_commit(SEND_TASK, delivery.pk)
    return deliveries


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Mehvar-Signature value: HMAC-SHA256 of "<timestamp>.<body>"."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is answered as it is: a failure, not a new target


_OPENER = urllib.request.build_opener(_NoRedirect)


def webhook_send(*, delivery_id: int) -> WebhookDelivery | None:
    """Try one due delivery (the task); None when it is not due (done, or taken)."""
    now = timezone.now()
    base = settings.MEHVAR_WEBHOOK_RETRY_SECONDS
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("endpoint")
                    .filter(pk=delivery_id, status__in=[WebhookDeliveryStatus.PENDING,
                                                        WebhookDeliveryStatus.RETRYING],
                            next_attempt_at__lte=now)
                    .first())
        if delivery is None:
            return None
        delivery.attempts += 1
        # A lease: a worker killed mid-send leaves the row due again after it.
        delivery.next_attempt_at = now + timedelta(
            seconds=max(base, settings.MEHVAR_WEBHOOK_TIMEOUT_SECONDS) * 5)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    code, body, error, took = _post(delivery)
    succeeded = code is not None and 200 <= code < 300
    with transaction.atomic():
        WebhookAttempt.objects.create(delivery=delivery, attempted_at=now, status_code=code,
                                      error=error[:500], response_body=body[:MAX_BODY_LOGGED],
                                      duration_ms=took)
        if succeeded:
            delivery.status, delivery.next_attempt_at = WebhookDeliveryStatus.DELIVERED, None
            delivery.finished_at = timezone.now()
        elif delivery.attempts >= settings.MEHVAR_WEBHOOK_MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = WebhookDeliveryStatus.FAILED, None
            delivery.finished_at = timezone.now()
        else:
            delivery.status = WebhookDeliveryStatus.RETRYING
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts,
                                                                base_seconds=base)
        delivery.save(update_fields=["status", "next_attempt_at", "finished_at"])
    return delivery


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, str, int]:
    """POST the signed body; (status code or None, response body, error, milliseconds)."""
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    endpoint = delivery.endpoint
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
        "X-Mehvar-Event": delivery.event, "X-Mehvar-Delivery": delivery.delivery_id,
        "X-Mehvar-Timestamp": timestamp,
        "X-Mehvar-Signature": signature(endpoint.secret, timestamp, body)})
    started = time.monotonic()
    try:
        parts = urllib.parse.urlsplit(endpoint.url)
        if parts.scheme not in {"http", "https"}:
            raise ValueError("only http and https URLs are sent to")
        if not settings.MEHVAR_WEBHOOK_ALLOW_PRIVATE:
            _refuse_private(parts.hostname or "", parts.port)
        with _OPENER.open(request, timeout=settings.MEHVAR_WEBHOOK_TIMEOUT_SECONDS) as answer:
            text = answer.read(MAX_RESPONSE_READ).decode("utf-8", "replace")
            return answer.status, text, "", _ms(started)
    except urllib.error.HTTPError as error:  # non-2xx (3xx included: no redirects)
        text = error.read(MAX_RESPONSE_READ).decode("utf-8", "replace") if error.fp else ""
        return error.code, text, f"HTTP {error.code}", _ms(started)
    except (urllib.error.URLError, OSError, ValueError) as error:  # timeouts are OSErrors
        return None, "", f"{type(error).__name__}: {error}", _ms(started)


def _refuse_private(host: str, port: int | None) -> None:
    """ValueError when the host resolves to an address of a private network."""
    for *_rest, address in socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP):
        ip = ipaddress.ip_address(str(address[0]).split("%")[0])
        if (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
                or ip.is_multicast or ip.is_unspecified):
            raise ValueError(f"{host} resolves to a private address ({ip}): refused")


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def webhook_sweep() -> int:
    """Enqueue deliveries whose retry time (or a dead worker's lease) has come."""
    now = timezone.now()
    due = list(WebhookDelivery.objects
               .filter(status__in=[WebhookDeliveryStatus.PENDING,
                                   WebhookDeliveryStatus.RETRYING], next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    for delivery_id in due:
        enqueue(SEND_TASK, delivery_id)
    return len(due)
