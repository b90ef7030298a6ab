"""The web chat's visitor API end to end: sessions, messages through the inbound pipeline into
a "webchat" conversation of the visitor's customer, agents' replies fetched by polling (never
internal notes), e-mail and transcript, limits, CORS, and clear JSON errors for bad input."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from mehvar.accounts.models import Agent
from mehvar.channels.models import ChatSession, InboundEnvelope, OutboundKind, OutboundMessage
from mehvar.channels.webchat.selectors import chat_session_for_token
from mehvar.channels.webchat.services import chat_message_post
from mehvar.conversations.models import Conversation, Message, Status
from mehvar.conversations.services.conversations import conversation_set_status
from mehvar.conversations.services.messages import message_add
from mehvar.customers.models import Identity
from mehvar.customers.services import customer_create
from tests.web.helpers import browser

PERSIAN = "سلام، سفارش ۴۵۱۲ من هنوز نرسیده است."
ARABIC = "مرحباً، لم تصل فاتورة شهر مارس بعد."
GREEK = "Καλησπέρα, η παραγγελία μου δεν έφτασε ακόμα."


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    # The rate limits count in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


class Visitor:
    """A widget's side of the API: a session token and JSON calls to /chat/."""

    def __init__(self, client: Client | None = None) -> None:
        self.client = client or Client()
        self.token = ""

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra} if self.token else extra

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        data = body if isinstance(body, bytes | str) else json.dumps(body or {})
        return self.client.post(
            f"/chat/{path}",
            data=data,
            content_type="application/json",
            headers=self.headers(**headers),
        )

    def get(self, path: str, **headers: str) -> Any:
        return self.client.get(f"/chat/{path}", headers=self.headers(**headers))

    def start(self, language: str = "fa", page_url: str = "https://shop.example/") -> Any:
        response = self.post("sessions", {"language": language, "page_url": page_url})
        assert response.status_code == 201, response.content
        self.token = response.json()["token"]
        return response

    def say(self, text: str, client_id: str | None = None) -> Any:
        return self.post("messages", {"client_id": client_id or str(uuid.uuid4()), "text": text})

    def poll(self, after: int = 0) -> Any:
        response = self.get(f"messages?after={after}")
        assert response.status_code == 200, response.content
        return response.json()

    @property
    def session(self) -> ChatSession:
        visit = chat_session_for_token(token=self.token)
        assert visit is not None
        return visit.session


@pytest.fixture
def visitor() -> Visitor:
    return Visitor()


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == code
    assert isinstance(body["detail"], str)
    assert body["detail"]


# --- sessions ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_session_start_shows_the_token_once_and_stores_only_its_hash(visitor: Visitor) -> None:
    response = visitor.start(
        language="fa-IR", page_url="https://shop.example/cart?email=a@b.example#pay"
    )
    body = response.json()
    assert body["language"] == "fa"
    assert body["dir"] == "rtl"
    session = ChatSession.objects.get()
    assert session.token_hash == hashlib.sha256(visitor.token.encode()).hexdigest()
    assert visitor.token not in json.dumps(list(ChatSession.objects.values()), default=str)
    # the query (which may name the visitor) is not kept
    assert session.page_url == "https://shop.example/cart"
    visitor_id = visitor.token.split(".")[0]
    identity = Identity.objects.get(kind="webchat")
    assert identity.value == visitor_id
    assert identity.customer_id == session.customer_id
    assert visitor_id[:6].upper() in session.customer.name
    assert session.customer.language == "fa"


@pytest.mark.django_db
def test_session_language_falls_back_to_the_default(visitor: Visitor) -> None:
    assert visitor.start(language="tlh").json()["language"] == "en"


@pytest.mark.django_db
def test_sessions_per_address_are_limited(visitor: Visitor, settings: Any) -> None:
    settings.MEHVAR_WEBCHAT_SESSIONS_PER_HOUR = 2
    visitor.start()
    visitor.start()
    assert_error(visitor.post("sessions", {}), 429, "chat_rate_limited")
    assert ChatSession.objects.count() == 2


# --- messages through the pipeline ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_messages_in_three_scripts_make_one_webchat_conversation(visitor: Visitor) -> None:
    visitor.start()
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for client_id, text in zip(ids, [PERSIAN, ARABIC, GREEK], strict=True):
        response = visitor.say(text, client_id)
        assert response.status_code == 202
        assert response.json() == {"client_id": client_id, "duplicate": False}
    conversation = Conversation.objects.get()
    assert conversation.channel == "webchat"
    assert conversation.customer_id == visitor.session.customer_id  # in the customer 360
    assert conversation.subject == PERSIAN
    texts = list(conversation.messages.order_by("id").values_list("text", flat=True))
    assert texts == [PERSIAN, ARABIC, GREEK]
    polled = visitor.poll()
    assert [m["text"] for m in polled["messages"]] == [PERSIAN, ARABIC, GREEK]
    assert [m["client_id"] for m in polled["messages"]] == ids
    assert {m["author"] for m in polled["messages"]} == {"visitor"}
    assert polled["last_id"] == polled["messages"][-1]["id"]
    assert visitor.session.conversation_id == conversation.pk
    assert visitor.poll(after=polled["last_id"])["messages"] == []


@pytest.mark.django_db(transaction=True)
def test_a_repeated_post_of_the_same_message_changes_nothing(visitor: Visitor) -> None:
    visitor.start()
    client_id = str(uuid.uuid4())
    assert visitor.say(PERSIAN, client_id).json()["duplicate"] is False
    again = visitor.say(PERSIAN, client_id)
    assert again.status_code == 202
    assert again.json()["duplicate"] is True
    assert InboundEnvelope.objects.count() == 1
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_messages_processed_together_continue_one_conversation(visitor: Visitor) -> None:
    """The second message is received before the first is processed (a busy worker): both
    envelopes name no conversation, and still the chat stays one conversation."""
    visitor.start()
    visit = chat_session_for_token(token=visitor.token)
    assert visit is not None
    with transaction.atomic():  # both are processed at commit, in order
        chat_message_post(visit=visit, body={"client_id": str(uuid.uuid4()), "text": ARABIC})
        chat_message_post(visit=visit, body={"client_id": str(uuid.uuid4()), "text": GREEK})
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_agent_reply_is_fetched_and_internal_notes_never_are(
    visitor: Visitor,
    make_agent: Any,
) -> None:
    agent: Agent = make_agent(username="sara", display_name="سارا", last_name="Secret")
    visitor.start()
    visitor.say(PERSIAN)
    seen = visitor.poll()["last_id"]
    conversation = Conversation.objects.get()
    message_add(
        actor=agent,
        conversation=conversation,
        text="یادداشت داخلی: مشتری VIP است",
        is_internal=True,
    )
    reply = message_add(actor=agent, conversation=conversation, text="سلام! سفارش شما فردا می‌رسد.")
    polled = visitor.poll(after=seen)
    assert polled["messages"] == [
        {
            "id": reply.pk,
            "author": "agent",
            "name": "سارا",
            "text": "سلام! سفارش شما فردا می‌رسد.",
            "created_at": reply.created_at.isoformat(),
            "client_id": "",
        }
    ]
    assert "یادداشت" not in json.dumps(visitor.poll(), ensure_ascii=False)
    # no route pushes web-chat replies: the widget fetches them
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_after_a_closed_conversation_the_chat_goes_on_in_a_new_one(
    visitor: Visitor,
    agent: Agent,
) -> None:
    visitor.start()
    visitor.say(GREEK)
    visitor.poll()
    first = Conversation.objects.get()
    conversation_set_status(actor=agent, conversation=first, status=Status.CLOSED)
    visitor.say(ARABIC)
    second = Conversation.objects.exclude(pk=first.pk).get()
    polled = visitor.poll()
    assert [m["text"] for m in polled["messages"]] == [ARABIC]
    assert visitor.session.conversation_id == second.pk
    assert second.customer_id == first.customer_id


@pytest.mark.django_db(transaction=True)
def test_a_poll_costs_the_same_queries_whatever_the_conversation_size(
    visitor: Visitor,
    agent: Agent,
    django_assert_num_queries: Any,
) -> None:
    visitor.start()
    visitor.say(PERSIAN)
    visitor.poll()
    conversation = Conversation.objects.get()
    for size in (2, 20):
        while conversation.messages.count() < size:
            message_add(actor=agent, conversation=conversation, text="Ναι, αμέσως.")
        # the session, its newest processed envelope, the messages
        with django_assert_num_queries(3):
            assert len(visitor.poll()["messages"]) == size


@pytest.mark.django_db
def test_typing_is_noted_on_the_session(visitor: Visitor) -> None:
    visitor.start()
    assert visitor.session.visitor_typing_at is None
    assert visitor.post("typing").status_code == 204
    assert visitor.session.visitor_typing_at is not None


# --- limits and bad input ------------------------------------------------------------------


@pytest.mark.django_db
def test_messages_per_session_are_rate_limited(visitor: Visitor, settings: Any) -> None:
    settings.MEHVAR_WEBCHAT_MESSAGES_PER_MINUTE = 3
    visitor.start()
    for text in (PERSIAN, ARABIC, GREEK):
        assert visitor.say(text).status_code == 202
    assert_error(visitor.say("one more"), 429, "chat_rate_limited")
    assert InboundEnvelope.objects.count() == 3
    # another visitor is not held back
    other = Visitor()
    other.start()
    assert other.say(GREEK).status_code == 202


@pytest.mark.django_db
def test_a_missing_malformed_or_unknown_token_is_refused(visitor: Visitor) -> None:
    visitor.start()
    real = visitor.token
    body = {"client_id": str(uuid.uuid4()), "text": PERSIAN}
    anonymous = Visitor()
    response = anonymous.post("messages", body)
    assert_error(response, 401, "chat_token_missing")
    assert response["WWW-Authenticate"] == "Bearer"
    for token in (
        "nonsense",
        real[:-1] + ("A" if real[-1] != "A" else "B"),
        "0123456789abcdef" + real[16:],
    ):
        anonymous.token = token
        assert_error(anonymous.post("messages", body), 401, "chat_session_invalid")
        assert_error(anonymous.get("messages?after=0"), 401, "chat_session_invalid")
    assert not InboundEnvelope.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"not json", 400, "chat_body_not_json"),
        (b"\xff\xfe", 400, "chat_body_not_json"),
        (b"[1, 2]", 400, "chat_body_not_json"),
        ({"text": PERSIAN}, 422, "chat_client_id_invalid"),
        ({"client_id": "not-a-uuid", "text": PERSIAN}, 422, "chat_client_id_invalid"),
        ({"client_id": 12, "text": PERSIAN}, 422, "chat_client_id_invalid"),
        ({"client_id": str(uuid.uuid4()), "text": ["سلام"]}, 422, "chat_text_invalid"),
        ({"client_id": str(uuid.uuid4())}, 422, "chat_text_invalid"),
        ({"client_id": str(uuid.uuid4()), "text": " \n "}, 422, "chat_message_empty"),
        ({"client_id": str(uuid.uuid4()), "text": "Ω" * 51}, 422, "chat_message_too_long"),
    ],
)
def test_bad_message_input_gets_a_clear_error_and_stores_nothing(
    visitor: Visitor,
    settings: Any,
    body: Any,
    status: int,
    code: str,
) -> None:
    settings.MEHVAR_MAX_MESSAGE_CHARS = 50
    visitor.start()
    assert_error(visitor.post("messages", body), status, code)
    assert not InboundEnvelope.objects.exists()


@pytest.mark.django_db
def test_an_oversized_body_is_refused_before_it_is_read(visitor: Visitor, settings: Any) -> None:
    settings.MEHVAR_MAX_MESSAGE_CHARS = 10
    visitor.start()
    body = json.dumps({"client_id": str(uuid.uuid4()), "text": "ب" * 40_000})
    assert_error(visitor.post("messages", body), 413, "chat_body_too_large")


@pytest.mark.django_db
def test_bad_poll_cursor_and_wrong_method_are_json_errors(visitor: Visitor) -> None:
    visitor.start()
    for after in ("abc", "-1", "1.5", "۱۲", "9" * 30):
        assert_error(visitor.get(f"messages?after={after}"), 422, "chat_after_invalid")
    response = visitor.get("sessions")
    assert_error(response, 405, "chat_method_not_allowed")
    assert "POST" in response["Allow"]


@pytest.mark.django_db
def test_a_poll_before_any_message_is_empty(visitor: Visitor) -> None:
    visitor.start()
    assert visitor.poll() == {"messages": [], "last_id": 0}


# --- e-mail and transcript -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_email_and_transcript_are_queued_and_sent_to_the_visitor(
    visitor: Visitor,
    make_agent: Any,
) -> None:
    agent = make_agent(username="nikos", display_name="Νίκος")
    visitor.start(language="el")
    visitor.say(GREEK)
    visitor.poll()
    conversation = Conversation.objects.get()
    message_add(actor=agent, conversation=conversation, text="Θα σας στείλουμε νέο δέμα.")
    message_add(actor=agent, conversation=conversation, text="εσωτερική σημείωση", is_internal=True)
    response = visitor.post("email", {"email": " Maria@Example.com "})
    assert response.status_code == 200
    assert response.json() == {"email": "Maria@Example.com"}
    identity = Identity.objects.get(kind="email")
    assert identity.customer_id == visitor.session.customer_id
    response = visitor.post("transcript", {"time_zone": "Europe/Athens"})
    assert response.status_code == 202
    outbound = OutboundMessage.objects.get()
    assert outbound.kind == OutboundKind.TRANSCRIPT
    assert outbound.channel == "email"
    assert outbound.recipient == "Maria@Example.com"
    assert outbound.conversation_id == conversation.pk
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["Maria@Example.com"]
    assert GREEK in sent.body
    assert "Νίκος:" in sent.body
    assert visitor.session.customer.name + ":" in sent.body
    assert "Europe/Athens" in sent.body
    assert "εσωτερική" not in sent.body


@pytest.mark.django_db(transaction=True)
def test_an_address_of_another_customer_is_kept_but_not_taken(
    visitor: Visitor,
    agent: Agent,
) -> None:
    owner = customer_create(
        actor=agent, name="مریم رضایی", identities=[("email", "maryam@example.com")]
    )
    visitor.start()
    visitor.say(PERSIAN)
    response = visitor.post("email", {"email": "maryam@example.com"})
    assert response.status_code == 200  # the visitor is not told who else uses it
    assert Identity.objects.get(kind="email").customer_id == owner.pk
    assert visitor.post("transcript", {"time_zone": "Asia/Tehran"}).status_code == 202
    assert OutboundMessage.objects.get().recipient == "maryam@example.com"
    assert mail.outbox[0].to == ["maryam@example.com"]


@pytest.mark.django_db(transaction=True)
def test_transcript_needs_an_address_and_a_conversation(visitor: Visitor) -> None:
    visitor.start()
    assert_error(visitor.post("transcript", {}), 409, "chat_email_missing")
    assert visitor.post("email", {"email": "dimitra@example.gr"}).status_code == 200
    assert_error(visitor.post("transcript", {}), 409, "chat_conversation_missing")
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_transcripts_per_session_are_limited(visitor: Visitor) -> None:
    visitor.start()
    visitor.say(ARABIC)
    visitor.post("email", {"email": "ahmad@example.com"})
    for _ in range(3):
        assert visitor.post("transcript", {"time_zone": "Mars/Olympus"}).status_code == 202
    assert_error(visitor.post("transcript", {}), 429, "chat_rate_limited")
    assert OutboundMessage.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["", "not an address", "a@", 42, "x" * 250 + "@example.com"])
def test_a_bad_address_is_refused(visitor: Visitor, address: Any) -> None:
    visitor.start()
    assert_error(visitor.post("email", {"email": address}), 422, "chat_email_invalid")
    assert not Identity.objects.filter(kind="email").exists()


# --- CORS ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_preflight_is_answered_for_any_origin_by_default() -> None:
    response = Client().options(
        "/chat/messages",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "POST", "OPTIONS"}
    assert "Authorization" in response["Access-Control-Allow-Headers"]
    assert "Content-Type" in response["Access-Control-Allow-Headers"]
    assert int(response["Access-Control-Max-Age"]) > 0


@pytest.mark.django_db
def test_errors_carry_cors_headers_so_the_widget_can_read_them() -> None:
    response = Client().get("/chat/messages?after=0", headers={"Origin": "https://a.example"})
    assert_error(response, 401, "chat_token_missing")
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
def test_allowed_origins_are_enforced(settings: Any) -> None:
    settings.MEHVAR_WEBCHAT_ALLOWED_ORIGINS = "https://shop.example, https://www.shop.example"
    allowed = Visitor()
    response = allowed.post("sessions", {}, Origin="https://shop.example")
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "Origin" in response["Vary"]
    refused = Visitor().post("sessions", {}, Origin="https://evil.example")
    assert_error(refused, 403, "chat_origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in refused
    preflight = Client().options("/chat/sessions", headers={"Origin": "https://evil.example"})
    assert preflight.status_code == 403
    # Mehvar's own pages (the demo) may always use it
    own = Visitor().post("sessions", {}, Origin="http://testserver")
    assert own.status_code == 201
    assert ChatSession.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_agent_sees_the_visitor_typing_until_the_message_arrives(
    visitor: Visitor, agent: Agent
) -> None:
    visitor.start(language="el")
    visitor.say("Γεια σας, έχω μια ερώτηση")
    conversation = Conversation.objects.get(channel="webchat")
    page = browser(agent)
    context = page.get(f"/conversations/{conversation.pk}").context
    assert context["watch_typing"] is True
    poll = f"/conversations/{conversation.pk}/poll?after={context['version']}&typing="
    assert page.get(poll + "0").status_code == 204  # nobody types: nothing to say

    assert visitor.post("typing").status_code == 204
    typing = page.get(poll + "0")
    assert typing.status_code == 200
    assert "HX-Trigger" not in typing  # the thread has not changed: it is not reloaded
    html = typing.content.decode()
    assert 'id="visitor-typing"' in html
    assert 'hx-swap-oob="true"' in html
    assert "typing=1" in html
    assert page.get(poll + "1").status_code == 204  # already shown

    visitor.say("Πού είναι η παραγγελία μου;")  # the message clears it
    assert visitor.session.visitor_typing_at is None
    changed = page.get(poll + "1")
    assert changed["HX-Trigger"] == "conversation-changed"
    assert "typing=0" in changed.content.decode()

