"""URLs of the webchat channel (mounted by mehvar.urls under /chat/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from mehvar.channels.webchat import views

urlpatterns: list[URLPattern] = [
    path("widget.js", views.widget_js, name="webchat-widget"),
    path("strings", views.widget_strings, name="webchat-strings"),
    path("sessions", views.sessions, name="webchat-sessions"),
    path("messages", views.messages, name="webchat-messages"),
    path("typing", views.typing, name="webchat-typing"),
    path("survey", views.survey, name="webchat-survey"),
    path("email", views.email, name="webchat-email"),
    path("transcript", views.transcript, name="webchat-transcript"),
    path("demo", views.demo, name="webchat-demo"),
]
