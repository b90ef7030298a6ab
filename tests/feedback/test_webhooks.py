"""Outgoing webhooks against a real local HTTP server: new and changed feedback items are
POSTed signed (HMAC-SHA256 over "<timestamp>.<body>"), a 500 is retried with backoff, a
redirect is not followed, the delivery gives up after the last attempt, and each attempt is
logged; only admins register endpoints."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from mehvar.accounts.models import Agent
from mehvar.core.errors import Invalid, PermissionDenied
from mehvar.feedback.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from mehvar.feedback.product import feedback_item_create, feedback_item_set_status
from mehvar.feedback.webhooks import webhook_endpoint_save, webhook_send, webhook_sweep

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "s3cret-for-the-tracker-۱۲۳"


class Receiver:
    """What the server got, and what it answers next (a queue of status codes)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []


@pytest.fixture(autouse=True)
def _private_network_allowed(settings: Any) -> None:
    # The receiving server runs on 127.0.0.1 in these tests; the default refuses it (below).
    settings.MEHVAR_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers.items()), body))
            code = state.answers.pop(0) if state.answers else 200
            self.send_response(code)
            if code == 302:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.end_headers()
            self.wfile.write(("x" * 5000 if code == 500 else "ok").encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/hooks/mehvar"
    server.shutdown()
    server.server_close()


def test_a_new_item_is_posted_signed(receiver: tuple[Receiver, str], admin: Agent,
                                     agent: Agent) -> None:
    state, url = receiver
    webhook_endpoint_save(actor=admin, name="ردیاب", url=url, secret=SECRET)
    item = feedback_item_create(actor=agent, title="Πληρωμή με δόσεις",
                                description="پرداخت قسطی")
    assert len(state.requests) == 1
    headers, body = state.requests[0]
    signed = headers["X-Mehvar-Timestamp"].encode() + b"." + body
    expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Mehvar-Signature"] == f"sha256={expected}"
    assert headers["X-Mehvar-Event"] == "feedback_item.created"
    payload = json.loads(body)
    assert (payload["event"], payload["item"]["id"], payload["item"]["title"],
            payload["item"]["description"]) == ("feedback_item.created", item.pk,
                                                 "Πληρωμή με δόσεις", "پرداخت قسطی")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, headers["X-Mehvar-Delivery"]) == (
        "delivered", 1, delivery.delivery_id)
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.response_body) == (200, "ok")


def test_a_500_is_retried_with_backoff_then_delivered(receiver: tuple[Receiver, str],
                                                      admin: Agent, agent: Agent,
                                                      supervisor: Agent) -> None:
    state, url = receiver
    webhook_endpoint_save(actor=admin, name="Tracker", url=url, secret=SECRET,
                          events=["feedback_item.changed"])
    item = feedback_item_create(actor=agent, title="Δόσεις")
    assert not state.requests  # "created" is not wanted by this endpoint
    state.answers = [500]
    feedback_item_set_status(actor=supervisor, item_id=item.pk, status="planned")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("retrying", 1)
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, len(attempt.response_body)) == (500, 2000)
    # Not due yet: the sweep leaves it; after the backoff it is sent again.
    assert webhook_sweep() == 0
    assert delivery.next_attempt_at is not None
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        assert webhook_sweep() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert len(state.requests) == 2
    first, second = (json.loads(body) for _headers, body in state.requests)
    assert first == second
    assert first["item"]["status"] == "planned"


def test_gives_up_after_the_last_attempt_and_redirects_are_not_followed(
        receiver: tuple[Receiver, str], admin: Agent, agent: Agent, settings: Any) -> None:
    settings.MEHVAR_WEBHOOK_MAX_ATTEMPTS = 2
    state, url = receiver
    webhook_endpoint_save(actor=admin, name="Tracker", url=url, secret=SECRET)
    state.answers = [302, 503]
    feedback_item_create(actor=agent, title="پرداخت")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying"
    assert len(state.requests) == 1  # the redirect's target was not asked
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        webhook_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
    assert list(WebhookAttempt.objects.order_by("pk").values_list("status_code", flat=True)
                ) == [302, 503]
    assert webhook_send(delivery_id=delivery.pk) is None  # finished: nothing more is sent


def test_an_unreachable_endpoint_is_logged_and_retried(admin: Agent, agent: Agent,
                                                       unused_tcp_port: int) -> None:
    webhook_endpoint_save(actor=admin, name="Down", url=f"http://127.0.0.1:{unused_tcp_port}/",
                          secret=SECRET)
    feedback_item_create(actor=agent, title="Δόσεις")
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "Error" in attempt.error
    assert WebhookDelivery.objects.get().status == "retrying"


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "javascript:1",
                                 "http://", "https://" + "a" * 500])
def test_only_http_urls(url: str, admin: Agent) -> None:
    with pytest.raises(Invalid) as caught:
        webhook_endpoint_save(actor=admin, name="x", url=url, secret=SECRET)
    assert caught.value.field == "url"
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "agent", "supervisor"])
def test_only_admins_register_endpoints(role: str, request: Any, api_as: Any) -> None:
    who = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        webhook_endpoint_save(actor=who, name="x", url="https://tracker.example/h",
                              secret=SECRET)
    assert api_as(who).get("/webhooks").status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_api(api_as: Any, admin: Agent, agent: Agent, receiver: tuple[Receiver, str],
             django_assert_num_queries: Any) -> None:
    _state, url = receiver
    client = api_as(admin)
    created = client.post("/webhooks", {"name": "Jira", "url": url, "secret": SECRET})
    assert created.status_code == 201
    body = created.json()
    assert "secret" not in body
    assert body["events"] == ["feedback_item.created", "feedback_item.changed"]
    assert client.post("/webhooks", {"name": "x", "url": "ftp://x", "secret": SECRET}
                       ).json()["error"] == "webhook_invalid"
    assert client.post("/webhooks", {"name": "x", "url": url, "secret": "short"}
                       ).status_code == 422
    assert client.get("/webhooks/999999/deliveries").json()["error"] == "webhook_not_found"
    assert client.put("/webhooks/999999", {"name": "x", "url": url, "secret": SECRET}
                      ).status_code == 404
    path = f"/webhooks/{body['id']}/deliveries"
    client.get(path)
    for size in (1, 3):
        while WebhookDelivery.objects.count() < size:
            feedback_item_create(actor=agent, title="Δόσεις")
        with django_assert_num_queries(4):  # token, endpoint, deliveries, attempts
            items = client.get(path).json()["items"]
        assert len(items) == size
        assert items[0]["attempt_log"][0]["status_code"] == 200
    assert client.get("/webhooks").json()["items"][0]["failed"] == 0


def test_a_private_address_is_refused_by_default(receiver: tuple[Receiver, str],
                                                 admin: Agent, agent: Agent,
                                                 settings: Any) -> None:
    state, url = receiver
    settings.MEHVAR_WEBHOOK_ALLOW_PRIVATE = False
    webhook_endpoint_save(actor=admin, name="داخلی", url=url, secret="s3cret-long-enough-1")
    feedback_item_create(actor=agent, title="Εσωτερικό")
    assert state.requests == []
    attempt = WebhookAttempt.objects.get()
    assert "private address" in attempt.error
    assert attempt.status_code is None
