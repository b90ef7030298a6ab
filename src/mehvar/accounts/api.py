"""REST API for the accounts context."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["accounts"])
