"""Helpers for the page tests."""

from __future__ import annotations

from django.test import Client

from mehvar.accounts.models import Agent


def browser(agent: Agent) -> Client:
    """A test client with `agent`'s session (Django's force_login, no sign-in form)."""
    client = Client()
    client.force_login(agent)
    return client
