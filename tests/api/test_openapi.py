"""The checked-in spec (docs/openapi.json) matches the code, and the docs page is served."""

from __future__ import annotations

import json
from pathlib import Path

from django.test import Client

from mehvar.api.api import api

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_checked_in_spec_matches_the_code() -> None:
    generated = json.loads(json.dumps(api.get_openapi_schema()))
    checked_in = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    assert generated == checked_in, "API changed: run `make openapi` and commit docs/openapi.json"


def test_spec_and_docs_page_are_served_without_auth(db: None) -> None:
    client = Client()
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["info"]["title"] == "Mehvar API"
    assert client.get("/api/v1/docs").status_code == 200
