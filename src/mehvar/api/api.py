"""The REST API v1: one NinjaAPI, one error shape, each context's router mounted here."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from mehvar.accounts.api import router as accounts_router
from mehvar.api.auth import AUTH
from mehvar.channels.api import router as channels_router
from mehvar.conversations.api import router as conversations_router
from mehvar.core.errors import DomainError
from mehvar.customers.api import router as customers_router
from mehvar.feedback.api import router as feedback_router
from mehvar.intelligence.api import router as intelligence_router
from mehvar.search.api import router as search_router
from mehvar.service_levels.api import router as service_levels_router

api = NinjaAPI(
    title="Mehvar API",
    version="1",
    description=(
        "Customer 360, conversations, agents and teams. Authenticate with "
        "`Authorization: Bearer <token>` (create one at POST /api/v1/tokens) or a session. "
        'Every error is `{"error": "<code>", "detail": "<text>"}`.'
    ),
    auth=AUTH,
    urls_namespace="api-v1",
)


def error_response(request: HttpRequest, code: str, detail: object, status: int) -> HttpResponse:
    return api.create_response(request, {"error": code, "detail": str(detail)}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body: dict[str, object] = {"error": exc.code, "detail": str(exc.detail)}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors[:20]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in {"body"})
        problems.append(f"{where}: {error.get('msg', '')}".strip(": "))
    return api.create_response(
        request,
        {"error": "validation_error", "detail": "; ".join(problems), "errors": exc.errors[:20]},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, "not_authenticated",
                          _("Send a valid API token or sign in."), 401)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, "not_found", _("Not found."), 404)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = "csrf_failed" if exc.status_code == 403 and "CSRF" in exc.message else "http_error"
    return error_response(request, code, exc.message, exc.status_code)


api.add_router("/", accounts_router)
api.add_router("/", customers_router)
api.add_router("/", conversations_router)
api.add_router("/", search_router)
api.add_router("/", channels_router)
api.add_router("/", service_levels_router)
api.add_router("/", feedback_router)
api.add_router("/", intelligence_router)
