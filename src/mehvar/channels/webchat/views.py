"""The web chat's HTTP side: the widget script and its strings, the visitor API, the demo page.

API views stay thin: authenticate, parse, call one service or selector, answer JSON. What
they share (CORS, errors, bodies, tokens) is in webchat.http."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_safe

from mehvar.channels.webchat import services, surveys
from mehvar.channels.webchat.errors import WebchatErrorCode as Code
from mehvar.channels.webchat.http import authenticate, json_body, visitor_api, with_cors
from mehvar.channels.webchat.selectors import ChatMessage, chat_messages_after
from mehvar.core.errors import Invalid

WIDGET_PATH = Path(__file__).resolve().parent.parent / "static/channels/webchat/widget.js"
# The embed URL has no version in it, so a year's cache would keep an old widget on
# visitors' machines; a day, then a revalidation answered 304 by the ETag.
WIDGET_MAX_AGE_SECONDS = 86_400
STRINGS_MAX_AGE_SECONDS = 3_600
MAX_AFTER = 2**63 - 1

# Everything the widget says, translated like the rest of Mehvar; the widget asks for them
# in the visitor's language (GET strings?lang=xx).
WIDGET_STRINGS: dict[str, Any] = {
    "open": _("Chat with us"),
    "close": _("Close the chat"),
    "title": _("Chat with us"),
    "intro": _("Ask us anything. We answer here, usually within a few minutes."),
    "message_label": _("Your message"),
    "send": _("Send"),
    "you": _("You"),
    "support": _("Support team"),
    "sending": _("Sending…"),
    "failed": _("Not sent."),
    "retry": _("Try again"),
    "too_fast": _("You are sending messages too quickly. Please wait a moment."),
    "error": _("Something went wrong. Please try again."),
    "offline": _("Cannot reach the chat. We keep trying."),
    "new_reply": _("New reply"),
    "email_toggle": _("Email me a copy of this chat"),
    "email_label": _("Your email address"),
    "email_send": _("Send the transcript"),
    "email_sent": _("We have sent the transcript to %(email)s."),
    "email_invalid": _("Enter a valid email address."),
    "email_nothing": _("Write a message first; then we can send you the transcript."),
    "messages_label": _("Messages"),
    "survey_comment": _("Anything you would like to add?"),
    "survey_send": _("Send"),
    "survey_thanks": _("Thank you for your answer."),
}


@require_safe
def widget_js(request: HttpRequest) -> HttpResponse:
    """The embeddable script (GET /chat/widget.js), cacheable by every site that embeds it."""
    body = WIDGET_PATH.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    response: HttpResponse
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={WIDGET_MAX_AGE_SECONDS}"
    # Sites that isolate themselves (Cross-Origin-Embedder-Policy) load only resources
    # that say they may be embedded.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def widget_strings(request: HttpRequest) -> HttpResponse:
    """{"lang", "dir", "strings"} for the widget, in `lang` or the nearest language we have."""
    language = services.widget_language(request.GET.get("lang", ""))
    with translation.override(language):
        strings = {key: str(text) for key, text in WIDGET_STRINGS.items()}
    response = JsonResponse(
        {"lang": language, "dir": _direction(language), "strings": strings},
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = f"public, max-age={STRINGS_MAX_AGE_SECONDS}"
    return with_cors(request, response)


def _direction(language: str) -> str:
    return "rtl" if translation.get_language_info(language)["bidi"] else "ltr"


@visitor_api(["POST"])
def sessions(request: HttpRequest) -> HttpResponse:
    """Start a chat: {"language", "page_url"} → 201 {"token", "language", "dir"}."""
    body = json_body(request)
    session, token = services.chat_session_start(
        language=body.get("language"),
        page_url=body.get("page_url"),
        client_address=request.META.get("REMOTE_ADDR"),
    )
    return JsonResponse(
        {"token": token, "language": session.language, "dir": _direction(session.language)},
        status=201,
    )


@visitor_api(["GET", "POST"])
def messages(request: HttpRequest) -> HttpResponse:
    """GET ?after=<id>: the visible messages after that id. POST {"client_id", "text"}:
    accept a message (202 at once; the pipeline stores it)."""
    visit = authenticate(request)
    if request.method == "POST":
        envelope, created = services.chat_message_post(visit=visit, body=json_body(request))
        return JsonResponse(
            {"client_id": envelope.external_id.partition(":")[2], "duplicate": not created},
            status=202,
        )
    after = _after(request.GET.get("after", "0"))
    session = services.chat_session_sync(visit=visit)
    items = (
        []
        if session.conversation_id is None
        else chat_messages_after(conversation_id=session.conversation_id, after=after)
    )
    return JsonResponse(
        {
            "messages": [_message_out(item) for item in items],
            "last_id": items[-1].id if items else after,
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _after(value: str) -> int:
    if value.isascii() and value.isdigit() and len(value) <= 19 and int(value) <= MAX_AFTER:
        return int(value)
    raise Invalid(
        Code.AFTER_INVALID, _("`after` must be a message id (a whole number)."), field="after"
    )


def _message_out(message: ChatMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "author": "visitor" if message.is_visitor else "agent",
        "name": "" if message.is_visitor else message.name,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
        "client_id": message.client_id,
    }


@visitor_api(["GET", "POST"])
def survey(request: HttpRequest) -> HttpResponse:
    """GET: the survey of this chat once it is solved ({"survey": null} until then). POST
    {"score", "comment"}: the visitor's answer, stored like any survey response."""
    visit = authenticate(request)
    session = services.chat_session_sync(visit=visit)
    if request.method == "POST":
        if session.conversation_id is None:
            raise Invalid(Code.CONVERSATION_MISSING, _("This chat has no survey to answer."))
        body = json_body(request)
        score = surveys.chat_survey_answer(conversation_id=session.conversation_id,
                                           score=body.get("score"),
                                           comment=body.get("comment", ""))
        return JsonResponse({"score": score})
    offer = (None if session.conversation_id is None
             else surveys.chat_survey_offer(conversation_id=session.conversation_id))
    return JsonResponse({"survey": offer}, json_dumps_params={"ensure_ascii": False})


@visitor_api(["POST"])
def typing(request: HttpRequest) -> HttpResponse:
    services.chat_typing(visit=authenticate(request))
    return HttpResponse(status=204)


@visitor_api(["POST"])
def email(request: HttpRequest) -> HttpResponse:
    """{"email"} → the address is kept for this session (and the customer, when free)."""
    visit = authenticate(request)
    address = services.chat_email_leave(visit=visit, email=json_body(request).get("email"))
    return JsonResponse({"email": address})


@visitor_api(["POST"])
def transcript(request: HttpRequest) -> HttpResponse:
    """{"time_zone"} → 202: the transcript is queued to the address left before."""
    visit = authenticate(request)
    outbound = services.chat_transcript_send(
        visit=visit, time_zone=json_body(request).get("time_zone", "")
    )
    return JsonResponse({"email": outbound.recipient}, status=202)


@require_GET
def demo(request: HttpRequest) -> HttpResponse:
    """A made-up company page with the widget on it, in the request's language (or ?lang=)."""
    language = services.widget_language(request.GET.get("lang") or translation.get_language())
    with translation.override(language):
        return render(
            request,
            "channels/webchat/demo.html",
            {
                "languages": [
                    (code, translation.get_language_info(code)["name_local"])
                    for code in ("en", "ar", "fa", "el")
                ]
            },
        )
