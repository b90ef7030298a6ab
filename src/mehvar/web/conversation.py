"""The conversation page: the thread, the composer, the conversation's properties edited in
place, and the customer 360 beside it.

Reads go through selectors and writes through services (both check the agent's role). With
htmx a property change swaps only the properties block and the thread; without JavaScript
every form posts and redirects back (post/redirect/get)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from mehvar.accounts.models import Agent
from mehvar.accounts.selectors import agent_choices, team_choices
from mehvar.channels.errors import ChannelErrorCode
from mehvar.channels.models import CallDirection, CallOutcome, OutboundMessage, PhoneCall
from mehvar.channels.selectors import (
    calls_for_messages,
    chat_visitor_typing,
    deliveries_for_messages,
    delivery_get,
    route_for_conversation,
)
from mehvar.channels.services.calls import call_log, format_duration
from mehvar.channels.services.outbound import outbound_retry
from mehvar.conversations.models import (
    AuthorKind,
    Conversation,
    Message,
    MessageFlag,
    Priority,
    Status,
)
from mehvar.conversations.selectors import (
    attachment_get,
    conversation_get,
    conversation_neighbours,
    conversation_thread,
    conversation_version,
    version_of,
)
from mehvar.conversations.services.conversations import (
    conversation_assign,
    conversation_set_priority,
    conversation_set_status,
    conversation_set_tags,
)
from mehvar.conversations.services.messages import AttachmentUpload, message_add
from mehvar.core.errors import DomainError, Invalid
from mehvar.core.models import TimelineEvent
from mehvar.core.permissions import can
from mehvar.customers.selectors import customer_360
from mehvar.intelligence.models import Intent
from mehvar.service_levels.selectors import customer_waiting
from mehvar.web.customer_forms import split_tags
from mehvar.web.inbox import inbox_query
from mehvar.web.insights import InsightView, conversation_insight_context, insight_views
from mehvar.web.service import service_context, service_event_line

THREAD_WINDOW = 50
PANEL_CONVERSATIONS = 10
MAX_TAG_INPUT = 2_000
MAX_CALL_FIELD = 200
FLAG_LABELS: dict[str, Any] = dict(MessageFlag.choices)
# Route channels whose replies reach the customer (web chat: the widget fetches them).
SENDING_CHANNELS = {"email", "sms", "whatsapp", "telegram", "webchat"}
# Numbers an agent may call back: the address of a messaging route is a phone number.
PHONE_ROUTES = {"sms", "whatsapp"}
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_CLOCK_PART = re.compile(r"[0-9]{1,5}")


def _agent(request: HttpRequest) -> Agent:
    assert isinstance(request.user, Agent)  # login_required: an authenticated agent
    return request.user


def _neighbours(agent: Agent, conversation: Conversation,
                inbox: str) -> tuple[int | None, int | None]:
    """Previous and next conversation of the inbox list the agent came from (its query
    string travels in `?inbox=`); none when there is no list or it does not parse."""
    if not inbox:
        return None, None
    try:
        chosen = inbox_query(QueryDict(inbox[:2000]))
    except DomainError:
        return None, None
    team_ids = list(agent.teams.values_list("id", flat=True))
    return conversation_neighbours(actor=agent, conversation=conversation, sort=chosen.sort,
                                   **chosen.list_filters(agent, team_ids))


def _properties_context(agent: Agent, conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation": conversation,
        # Reversed once: the forms below use them a dozen times.
        "page_url": reverse("conversation", args=[conversation.pk]),
        "properties_url": reverse("conversation-properties", args=[conversation.pk]),
        "statuses": [choice for choice in Status.choices if choice[0] != Status.NEW],
        "priorities": Priority.choices,
        "agents": agent_choices(actor=agent),
        "teams": team_choices(actor=agent),
        "tag_text": ", ".join(tag.name for tag in conversation.tags.all()),
        "may_update": can(agent, "conversation.update") and conversation.status != Status.CLOSED,
        "may_assign": can(agent, "conversation.assign") and conversation.status != Status.CLOSED,
    }


def _thread_context(agent: Agent, conversation: Conversation,
                    before: str | None) -> dict[str, Any]:
    thread = conversation_thread(actor=agent, conversation_id=conversation.pk, before=before,
                                 limit=THREAD_WINDOW)
    names = _Names(agent)
    items = [(item, None) if isinstance(item, Message) else (item, names.describe(item))
             for item in thread.items]
    intents = _add_facts(agent, [item for item in thread.items if isinstance(item, Message)])
    return {"conversation": conversation, "thread": thread, "items": items, "intents": intents,
            "may_correct": can(agent, "insight.correct")}


@dataclass(frozen=True)
class MessageFacts:
    """What the channels context knows of a message, shown beside it: the delivery of a
    public reply, the call it records, the flags of its original; and what the intelligence
    models found in it."""

    delivery: OutboundMessage | None
    call: PhoneCall | None
    call_duration: str
    flags: list[Any]
    insight: InsightView | None


def _add_facts(agent: Agent, messages: list[Message]) -> list[Intent]:
    """`message.facts` on every message: four queries for the whole window, whatever its
    size (the deliveries of public agent messages, the calls, the insights and the intents
    to correct them with). Returns those intents."""
    public_replies = [message.pk for message in messages
                      if message.author_kind == AuthorKind.AGENT and not message.is_internal]
    deliveries = deliveries_for_messages(actor=agent, message_ids=public_replies)
    calls = calls_for_messages(actor=agent, message_ids=[message.pk for message in messages])
    insights, intents = insight_views(agent, [message.pk for message in messages
                                              if message.author_kind != AuthorKind.SYSTEM
                                              and not message.is_internal])
    for message in messages:
        call = calls.get(message.pk)
        # Not a column: the template reads it beside the message's own fields.
        cast(Any, message).facts = MessageFacts(
            delivery=deliveries.get(message.pk), call=call,
            call_duration=format_duration(call.duration_seconds) if call else "",
            flags=[FLAG_LABELS.get(flag, flag) for flag in message.flags or []],
            insight=insights.get(message.pk))
    return intents


def _route_context(agent: Agent, conversation: Conversation) -> dict[str, Any]:
    """Where replies go (shown by the composer) and the call form's choices."""
    route = route_for_conversation(actor=agent, conversation_id=conversation.pk)
    may_log_call = can(agent, "call.log") and conversation.status != Status.CLOSED
    return {
        "route": route,
        "route_sends": route is not None and route.channel in SENDING_CHANNELS,
        "may_log_call": may_log_call,
        "call_directions": CallDirection.choices,
        "call_outcomes": CallOutcome.choices,
        "call_number": route.address if route and route.channel in PHONE_ROUTES else "",
        "call_is_public": conversation.channel == "phone",
    }


class _Names:
    """Turns a system event into one line ("Status: Open → Solved"), with the agent and team
    names it mentions looked up once, only when an event needs them."""

    def __init__(self, actor: Agent) -> None:
        self.actor = actor
        self._agents: dict[int, str] | None = None
        self._teams: dict[int, str] | None = None
        self.statuses = dict(Status.choices)
        self.priorities = dict(Priority.choices)

    def agent(self, pk: Any) -> str:
        if self._agents is None:
            self._agents = {item.pk: item.name for item in agent_choices(actor=self.actor)}
        return self._agents.get(pk, str(_("nobody"))) if pk else str(_("nobody"))

    def team(self, pk: Any) -> str:
        if self._teams is None:
            self._teams = {item.pk: item.name for item in team_choices(actor=self.actor)}
        return self._teams.get(pk, str(_("no team"))) if pk else str(_("no team"))

    @staticmethod
    def label(labels: dict[str, Any], value: Any) -> str:
        return str(labels.get(str(value), value or "—"))

    def describe(self, event: TimelineEvent) -> str:
        before, after = event.before or {}, event.after or {}
        if event.verb == "conversation.status_changed":
            return str(_("Status: %(before)s → %(after)s") % {
                "before": self.label(self.statuses, before.get("status")),
                "after": self.label(self.statuses, after.get("status"))})
        if event.verb == "conversation.priority_changed":
            return str(_("Priority: %(before)s → %(after)s") % {
                "before": self.label(self.priorities, before.get("priority")),
                "after": self.label(self.priorities, after.get("priority"))})
        if event.verb == "conversation.assigned":
            return str(_("Assigned to %(agent)s (%(team)s)") % {
                "agent": self.agent(after.get("assignee_id")),
                "team": self.team(after.get("team_id"))})
        if event.verb == "conversation.tags_changed":
            return str(_("Tags: %(tags)s") % {
                "tags": ", ".join(after.get("tags") or []) or "—"})
        if event.verb == "conversation.created":
            return str(_("Conversation started"))
        return service_event_line(event, self.agent, self.team) or str(
            _("Conversation details changed"))


@login_required
@require_GET
def conversation_page(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The page, or one of its fragments: `thread` and `properties` (live updates reload
    them), `customer` (the customer 360 beside the thread, loaded just after the page so the
    thread never waits for it)."""
    agent = _agent(request)
    try:
        conversation = conversation_get(actor=agent, conversation_id=conversation_id)
        fragment = request.GET.get("fragment", "")
        if fragment == "properties":
            return render(request, "web/conversation.html#properties",
                          _properties_context(agent, conversation))
        if fragment == "thread":
            return render(request, "web/conversation.html#thread", _thread_context(
                agent, conversation, request.GET.get("before") or None))
        if fragment == "customer":
            return render(request, "web/conversation.html#customer", {
                "conversation": conversation, "c360": customer_360(
                    actor=agent, customer_id=conversation.customer_id,
                    limit=PANEL_CONVERSATIONS),
                "waiting": customer_waiting(actor=agent, customer_id=conversation.customer_id)})
        context = _page_context(request, agent, conversation)
    except DomainError as error:
        return _error_page(request, error)
    return render(request, "web/conversation.html", context)


def _page_context(request: HttpRequest, agent: Agent,
                  conversation: Conversation) -> dict[str, Any]:
    inbox = (request.GET.get("inbox") or request.POST.get("inbox") or "")[:2000]
    previous_id, next_id = _neighbours(agent, conversation, inbox)
    properties = _properties_context(agent, conversation)
    thread = _thread_context(agent, conversation, request.GET.get("before") or None)
    return {
        **thread,
        **properties,
        **_route_context(agent, conversation),
        **service_context(agent, conversation, properties["teams"]),
        **conversation_insight_context(agent, conversation.pk, thread["intents"]),
        "inbox": inbox, "previous_id": previous_id, "next_id": next_id,
        "version": version_of(conversation.updated_at),
        "watch_typing": conversation.channel == "webchat",
        "may_reply": can(agent, "conversation.reply") and conversation.status != Status.CLOSED,
        "mention_agents": [{"username": item.username, "name": item.name}
                           for item in properties["agents"]],
    }


@login_required
@require_GET
def conversation_poll(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Live updates: 204 while the conversation's version is the one the page shows
    (`after`); otherwise a fresh poller and the `conversation-changed` event, on which the
    thread and the properties reload themselves. One primary-key lookup per poll, and on a
    web-chat page one indexed lookup of whether the visitor is typing."""
    agent = _agent(request)
    try:
        latest = conversation_version(actor=agent, conversation_id=conversation_id)
    except DomainError as error:
        return _error_page(request, error)
    after = request.GET.get("after", "")
    unchanged = after.isdigit() and int(after) >= latest
    # Web-chat pages also watch whether the visitor is typing (`typing` is 0 or 1 there).
    shown_typing = request.GET.get("typing")
    typing = (chat_visitor_typing(actor=agent, conversation_id=conversation_id)
              if shown_typing in ("0", "1") else None)
    if unchanged and (typing is None or typing == (shown_typing == "1")):
        return HttpResponse(status=204)
    response = render(request, "web/conversation.html#poller", {
        "conversation": {"pk": conversation_id}, "version": latest,
        "watch_typing": typing is not None, "visitor_typing": typing, "typing_swap": True})
    if not unchanged:
        response["HX-Trigger"] = "conversation-changed"
    return response


@login_required
@require_POST
def conversation_message(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The composer: a public reply or an internal note (with @mentions), with files."""
    agent = _agent(request)
    text = request.POST.get("text", "")
    is_internal = request.POST.get("kind") == "note"
    try:
        conversation = conversation_get(actor=agent, conversation_id=conversation_id)
    except DomainError as error:
        return _error_page(request, error)
    try:
        uploads = [AttachmentUpload(filename=upload.name or "", content_type=upload.content_type
                                    or "application/octet-stream", data=upload)
                   for upload in request.FILES.getlist("files")]
        message = message_add(actor=agent, conversation=conversation, text=text,
                              is_internal=is_internal, attachments=uploads)
    except DomainError as error:
        # The page again with the error beside the composer and the draft still in it.
        context = _page_context(request, agent, conversation)
        return render(request, "web/conversation.html", {
            **context, "composer_error": error.detail, "draft": text,
            "draft_is_note": is_internal}, status=_status(error))
    return HttpResponseRedirect(_page_url(conversation_id, request) + f"#m-{message.pk}")


# Property forms post `action` and its value; each maps to one service call.
def _apply(agent: Agent, conversation: Conversation, post: QueryDict) -> None:
    action = post.get("action", "")
    if action == "status":
        conversation_set_status(actor=agent, conversation=conversation,
                                status=post.get("status", ""))
    elif action == "solve":
        conversation_set_status(actor=agent, conversation=conversation, status=Status.SOLVED)
    elif action == "priority":
        conversation_set_priority(actor=agent, conversation=conversation,
                                  priority=post.get("priority", ""))
    elif action == "tags":
        raw = post.get("tags", "")[:MAX_TAG_INPUT]
        conversation_set_tags(actor=agent, conversation=conversation, tags=split_tags(raw))
    elif action == "assign_me":
        conversation_assign(actor=agent, conversation=conversation, assignee_id=agent.pk,
                            team_id=conversation.team_id)
    elif action == "assign":
        conversation_assign(actor=agent, conversation=conversation,
                            assignee_id=_optional_id(post.get("assignee", ""), "assignee"),
                            team_id=_optional_id(post.get("team", ""), "team"))
    else:
        raise Invalid("action_invalid", _("There is no such change."), field="action")


def _optional_id(raw: str, field: str) -> int | None:
    if raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Invalid("id_invalid", _("Choose one of the listed values."), field=field)
    return int(raw)


@login_required
@require_POST
def conversation_properties(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Assign, status, priority, tags in place: htmx swaps the properties block; a plain form
    post redirects back to the page."""
    agent = _agent(request)
    htmx = request.headers.get("HX-Request") == "true"
    try:
        conversation = conversation_get(actor=agent, conversation_id=conversation_id)
    except DomainError as error:
        return _error_page(request, error)
    try:
        _apply(agent, conversation, request.POST)
    except DomainError as error:
        if not htmx:
            return _error_page(request, error)
        conversation = conversation_get(actor=agent, conversation_id=conversation_id)
        return render(request, "web/conversation.html#properties", {
            **_properties_context(agent, conversation), "error": error.detail},
            status=_status(error))
    conversation = conversation_get(actor=agent, conversation_id=conversation_id)
    if htmx:
        response = render(request, "web/conversation.html#properties",
                          _properties_context(agent, conversation))
        response["HX-Trigger"] = "conversation-changed"
        return response
    return HttpResponseRedirect(_page_url(conversation_id, request))


@login_required
@require_GET
def conversation_attachment(request: HttpRequest, conversation_id: int,
                            attachment_id: int) -> HttpResponseBase:
    """Download a file: as an attachment with the stored type and nosniff, so a file a
    customer sent (HTML, SVG) is never rendered in Mehvar's origin. `?inline=1` serves an
    audio file inline for the thread's player (a call recording, a voice message); any other
    type still downloads. The sandbox policy stays on either way."""
    agent = _agent(request)
    try:
        attachment = attachment_get(actor=agent, conversation_id=conversation_id,
                                    attachment_id=attachment_id)
    except DomainError as error:
        return _error_page(request, error)
    inline = (request.GET.get("inline") == "1"
              and attachment.content_type.startswith("audio/"))
    response = FileResponse(attachment.file.open("rb"), as_attachment=not inline,
                            filename=attachment.filename,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


@login_required
@require_POST
def conversation_delivery_retry(request: HttpRequest, conversation_id: int,
                                delivery_id: int) -> HttpResponse:
    """"Send again" on a failed delivery: htmx swaps the delivery's state in place; a plain
    form post redirects back to the message."""
    agent = _agent(request)
    htmx = request.headers.get("HX-Request") == "true"
    try:
        delivery = delivery_get(actor=agent, conversation_id=conversation_id,
                                outbound_id=delivery_id)
        delivery = outbound_retry(actor=agent, outbound_id=delivery.pk)
    except DomainError as error:
        if not htmx:
            return _error_page(request, error)
        try:
            current = delivery_get(actor=agent, conversation_id=conversation_id,
                                   outbound_id=delivery_id)
        except DomainError:
            return _error_page(request, error)
        return render(request, "web/conversation.html#delivery", {
            "delivery": current, "delivery_error": error.detail}, status=_status(error))
    if htmx:
        return render(request, "web/conversation.html#delivery", {"delivery": delivery})
    anchor = f"#m-{delivery.message_id}" if delivery.message_id else ""
    return HttpResponseRedirect(_page_url(conversation_id, request) + anchor)


def parse_duration(raw: str) -> int:
    """Seconds from what an agent types: "4:05" (minutes:seconds), "1:02:03", or "12"
    (minutes); Persian and Arabic digits too; blank is 0."""
    text = raw.strip().translate(_DIGITS)
    if not text:
        return 0
    parts = text.split(":")
    if len(parts) > 3 or not all(_CLOCK_PART.fullmatch(part) for part in parts) \
            or any(int(part) >= 60 for part in parts[1:]):
        raise Invalid(ChannelErrorCode.CALL_INVALID,
                      _("Write the duration as minutes:seconds, such as 4:05."),
                      field="duration")
    if len(parts) == 1:
        return int(parts[0]) * 60
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds


@login_required
@require_POST
def conversation_call(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The "Log a call" form: the call's facts, notes and an optional recording."""
    agent = _agent(request)
    try:
        conversation = conversation_get(actor=agent, conversation_id=conversation_id)
    except DomainError as error:
        return _error_page(request, error)
    post = request.POST
    draft = {name: post.get(name, "")[:MAX_CALL_FIELD]
             for name in ("direction", "number", "duration", "outcome")}
    draft["notes"] = post.get("notes", "")
    upload = request.FILES.get("recording")
    try:
        call = call_log(
            actor=agent, conversation_id=conversation.pk, customer_id=None,
            direction=draft["direction"], number=draft["number"],
            duration_seconds=parse_duration(draft["duration"]), outcome=draft["outcome"],
            notes=draft["notes"],
            recording=AttachmentUpload(upload.name or "", upload.content_type or "", upload)
            if upload is not None else None)
    except DomainError as error:
        context = _page_context(request, agent, conversation)
        return render(request, "web/conversation.html", {
            **context, "call_error": error.detail, "call_error_field": error.field,
            "call_draft": draft}, status=_status(error))
    return HttpResponseRedirect(_page_url(conversation_id, request) + f"#m-{call.message_id}")


def _page_url(conversation_id: int, request: HttpRequest) -> str:
    """The page again, keeping the inbox list the agent came from."""
    url = reverse("conversation", args=[conversation_id])
    inbox = request.POST.get("inbox", "")[:2000]
    if not inbox:
        return url
    query = QueryDict(mutable=True)
    query["inbox"] = inbox
    return f"{url}?{query.urlencode()}"


def _status(error: DomainError) -> int:
    # Bad input on a page is a 400 there, not the API's 422.
    return 400 if isinstance(error, Invalid) else error.status


def _error_page(request: HttpRequest, error: DomainError, **draft: Any) -> HttpResponse:
    return render(request, "web/conversation_error.html", {"error": error.detail, **draft},
                  status=_status(error))
