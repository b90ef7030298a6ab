"""Every operation in the spec answers hostile input with a 4xx and our error shape, never a 500.

The cases are generated from the OpenAPI spec, so a new endpoint is covered the day it lands.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from mehvar.accounts.models import Agent
from mehvar.accounts.services import token_create
from mehvar.api.api import api

PATH_VALUES = ["-1", "0", "abc", "99999999999999999999", "%00", "١٢"]
BODIES: list[tuple[str, bytes]] = [
    ("not_json", b"{this is not json"),
    ("broken_utf8", b'{"subject": "\xff\xfe\xfd", "name": "\xc3\x28"}'),
    ("wrong_types", b'{"subject": 12, "name": [], "text": {"a": 1}, "status": 7, "tags": "x"}'),
    ("array", b"[1, 2, 3]"),
    ("null", b"null"),
    ("huge_string", b'{"name": "' + b"\xd8\xa8" * 300_000 + b'", "subject": "x"}'),
    ("deep_nesting", b'{"custom_attributes": ' + b"[" * 2000 + b"]" * 2000 + b"}"),
    ("bidi_and_controls", '{"name": "\u202eevil\u0000", "subject": "\u2066x"}'.encode()),
]
QUERY_VALUES = {"limit": "-5", "cursor": "@@not-a-cursor@@", "status": "\u202e", "q": "'; DROP"}


def operations() -> Iterator[tuple[str, str]]:
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method in methods:
            yield method.upper(), path


def fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


@pytest.fixture
def admin_client(make_agent: Callable[..., Agent]) -> Client:
    admin = make_agent("admin", username="fuzz-admin")
    secret = token_create(actor=admin, name="fuzz").secret
    return Client(headers={"Authorization": f"Bearer {secret}"}, raise_request_exception=False)


def assert_client_error(response: Any, label: str) -> None:
    assert response.status_code < 500, f"{label}: {response.status_code} {response.content[:300]!r}"
    if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
        assert set(response.json()) >= {"error", "detail"}, label


@pytest.mark.django_db
def test_no_operation_answers_hostile_input_with_a_server_error(admin_client: Client) -> None:
    seen = 0
    for method, path in operations():
        for value in PATH_VALUES if "{" in path else ["-"]:
            url = fill(path, value)
            if method in {"POST", "PUT", "PATCH"}:
                for label, body in BODIES:
                    response = admin_client.generic(method, url, body,
                                                     content_type="application/json")
                    assert_client_error(response, f"{method} {url} {label}")
                    seen += 1
            else:
                response = admin_client.generic(method, url, data="", QUERY_STRING="&".join(
                    f"{key}={quote(val)}" for key, val in QUERY_VALUES.items()))
                assert_client_error(response, f"{method} {url}")
                seen += 1
    assert seen > 0
