"""Small facts about an incoming request, shared by the audit-logging callers."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The peer address as the WSGI server saw it (the proxy in front must pass the real
    one through), or None when there is no request or no address."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None
