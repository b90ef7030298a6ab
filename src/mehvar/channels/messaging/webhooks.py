"""The messaging providers' webhooks: check the channel is on, check the body's size and the
provider's signature, commit the raw body as an envelope, answer.

Nothing else happens here: parsing, customers and conversations are the envelope task's
work, so a provider is answered in a few milliseconds and never times out and retries
because Mehvar was slow. What fails verification is refused and stores nothing; what passes
is stored before anything can go wrong with it."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from mehvar.channels.messaging import sms, telegram, whatsapp
from mehvar.channels.services.envelopes import envelope_receive

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _not_configured() -> HttpResponse:
    return HttpResponse(status=404)


def _too_large() -> HttpResponse:
    return HttpResponse(status=413)


def _refused(channel: str, request: HttpRequest) -> HttpResponse:
    # Logged so an operator can tell a wrong secret or proxy set-up from silence.
    logger.warning(
        "Refused a %s webhook with a missing or wrong signature from %s",
        channel,
        request.META.get("REMOTE_ADDR", "?"),
    )
    return HttpResponse(status=403)


def _body(request: HttpRequest) -> bytes | None:
    """The raw body, or None when it is over MAX_BODY_BYTES (judged on the declared length
    first, so an oversized body is not read)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return None
    body = request.body
    return body if len(body) <= MAX_BODY_BYTES else None


@csrf_exempt
@require_POST
def sms_twilio(request: HttpRequest) -> HttpResponse:
    config = sms.sms_settings()
    if config is None:
        return _not_configured()
    body = _body(request)
    if body is None:
        return _too_large()
    params = dict(request.POST.lists())
    if not sms.signature_valid(
        urls=_twilio_urls(request),
        params=params,
        given=request.headers.get("X-Twilio-Signature", ""),
        auth_token=config.auth_token,
    ):
        return _refused("sms", request)
    fields = {name: values[-1] for name, values in params.items() if values}
    envelope_receive(channel="sms", external_id=sms.external_id(fields, body), raw=body)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


def _twilio_urls(request: HttpRequest) -> list[str]:
    """The address Twilio signed, as we see it and in the forms it may have had: behind a
    TLS-terminating proxy we see http where Twilio wrote https, and Twilio's own validator
    accepts the URL with and without a default port. None of these lets a signature made for
    another account or body pass."""
    seen = request.build_absolute_uri()
    parts = urlsplit(seen)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    urls = [seen]
    for scheme in ("https", "http"):
        default_port = 443 if scheme == "https" else 80
        for port in ("", f":{parts.port or default_port}"):
            url = urlunsplit((scheme, host + port, parts.path, parts.query, ""))
            if url not in urls:
                urls.append(url)
    return urls


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_cloud(request: HttpRequest) -> HttpResponse:
    config = whatsapp.whatsapp_settings()
    if config is None:
        return _not_configured()
    if request.method == "GET":
        # Meta's subscription handshake: echo the challenge when the verify token matches.
        challenge = request.GET.get("hub.challenge", "")
        if (
            request.GET.get("hub.mode") == "subscribe"
            and challenge
            and whatsapp.token_valid(
                given=request.GET.get("hub.verify_token", ""), verify_token=config.verify_token
            )
        ):
            return HttpResponse(challenge[:200], content_type="text/plain")
        return HttpResponse(status=403)
    body = _body(request)
    if body is None:
        return _too_large()
    if not whatsapp.signature_valid(
        body=body,
        given=request.headers.get("X-Hub-Signature-256", ""),
        app_secret=config.app_secret,
    ):
        return _refused("whatsapp", request)
    envelope_receive(channel="whatsapp", external_id=whatsapp.external_id(body), raw=body)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def telegram_bot(request: HttpRequest) -> HttpResponse:
    config = telegram.telegram_settings()
    if config is None:
        return _not_configured()
    body = _body(request)
    if body is None:
        return _too_large()
    if not telegram.secret_valid(
        given=request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""),
        secret_token=config.secret_token,
    ):
        return _refused("telegram", request)
    envelope_receive(channel="telegram", external_id=telegram.external_id(body), raw=body)
    return HttpResponse(status=200)
