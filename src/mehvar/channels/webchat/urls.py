"""URLs of the webchat channel (mounted by mehvar.urls)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
