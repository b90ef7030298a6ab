"""REST API for the conversations context."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["conversations"])
