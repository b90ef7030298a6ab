"""HTTP plumbing of the visitor API: CORS, bearer tokens, JSON bodies and JSON errors.

The widget runs on the company's site, so every call is cross-origin: no cookies, no CSRF
token (the bearer token in a header is what a forged cross-site form cannot send), and CORS
headers on every answer, errors included, so that the widget can read why it was refused.
Every refusal is {"error": code, "detail": text} with a 4xx status, never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from mehvar.channels.webchat.errors import (
    BadRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    Unauthorized,
)
from mehvar.channels.webchat.errors import WebchatErrorCode as Code
from mehvar.channels.webchat.selectors import Visit, chat_session_for_token
from mehvar.core.errors import DomainError, PermissionDenied

View = Callable[[HttpRequest], HttpResponse]
PREFLIGHT_MAX_AGE_SECONDS = 86_400
# JSON may spell a character as "\uXXXX" (6 bytes); the rest of a body is a few fields.
BYTES_PER_CHARACTER = 6
BODY_OVERHEAD_BYTES = 16 * 1024


def allowed_origins() -> list[str]:
    """MEHVAR_WEBCHAT_ALLOWED_ORIGINS as a list (a comma-separated string or a list); empty
    means any origin."""
    value = settings.MEHVAR_WEBCHAT_ALLOWED_ORIGINS
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip().rstrip("/") for item in items if item.strip()]


def origin_allowed(request: HttpRequest, origin: str) -> bool:
    allowed = allowed_origins()
    if not allowed or not origin:  # no Origin: not a browser's cross-site call
        return True
    own = f"{request.scheme}://{request.get_host()}"
    return origin in allowed or origin == own


def with_cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    origin = request.headers.get("Origin", "")
    if not allowed_origins():
        response["Access-Control-Allow-Origin"] = "*"
    elif origin and origin_allowed(request, origin):
        response["Access-Control-Allow-Origin"] = origin
        patch_vary_headers(response, ["Origin"])
    return response


def error_response(error: DomainError) -> JsonResponse:
    response = JsonResponse(
        {"error": str(error.code), "detail": str(error.detail)}, status=error.status
    )
    response["Cache-Control"] = "no-store"
    if error.status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


def visitor_api(methods: Sequence[str]) -> Callable[[View], View]:
    """A visitor API view: answers the CORS preflight, refuses a disallowed origin or method,
    turns domain errors into JSON, and puts CORS headers on whatever it answers."""
    allowed_methods = ", ".join([*methods, "OPTIONS"])

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest) -> HttpResponse:
            origin = request.headers.get("Origin", "")
            response: HttpResponse
            if not origin_allowed(request, origin):
                response = error_response(
                    PermissionDenied(Code.ORIGIN_NOT_ALLOWED, _("This site may not use this chat."))
                )
            elif request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Access-Control-Allow-Methods"] = allowed_methods
                response["Access-Control-Allow-Headers"] = (
                    "Authorization, Content-Type, Accept-Language"
                )
                response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
            elif request.method not in methods:
                response = error_response(
                    MethodNotAllowed(
                        Code.METHOD_NOT_ALLOWED, _("This address does not answer that method.")
                    )
                )
                response["Allow"] = allowed_methods
            else:
                try:
                    response = view(request)
                except DomainError as error:
                    response = error_response(error)
                response.setdefault("Cache-Control", "no-store")
            return with_cors(request, response)

        return wrapper

    return decorate


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The body as a JSON object; an empty body is an empty object. Refuses a body larger
    than a message of MEHVAR_MAX_MESSAGE_CHARS needs before reading it."""
    limit = settings.MEHVAR_MAX_MESSAGE_CHARS * BYTES_PER_CHARACTER + BODY_OVERHEAD_BYTES
    too_large = PayloadTooLarge(Code.BODY_TOO_LARGE, _("The request body is too large."))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large
    try:
        raw = request.body
    except RequestDataTooBig as error:
        raise too_large from error
    if len(raw) > limit:
        raise too_large
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise _not_an_object() from error
    if not isinstance(data, dict):
        raise _not_an_object()
    return data


def _not_an_object() -> BadRequest:
    return BadRequest(Code.BODY_NOT_JSON, _("Send a JSON object in the request body."))


def authenticate(request: HttpRequest) -> Visit:
    """The visitor whose session the "Authorization: Bearer <token>" header opens."""
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            Code.TOKEN_MISSING, _("Send the chat token in an Authorization: Bearer header.")
        )
    visit = chat_session_for_token(token=token.strip())
    if visit is None:
        raise Unauthorized(
            Code.SESSION_INVALID,
            _("This chat session does not exist or has ended; start a new one."),
        )
    return visit
