"""URLs of the messaging channel (mounted by mehvar.urls under /hooks/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from mehvar.channels.messaging import webhooks

urlpatterns: list[URLPattern] = [
    path("sms/twilio", webhooks.sms_twilio, name="hooks-sms-twilio"),
    path("whatsapp", webhooks.whatsapp_cloud, name="hooks-whatsapp"),
    path("telegram", webhooks.telegram_bot, name="hooks-telegram"),
]
