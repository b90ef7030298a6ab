from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "mehvar.channels"
    label = "channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        # Every public agent message is queued for delivery in the transaction storing it.
        from mehvar.channels.services.outbound import outbound_queue_reply
        from mehvar.conversations.outbox import register_public_message_hook
        from mehvar.core.periodic import register_periodic

        register_public_message_hook(outbound_queue_reply)
        register_periodic("channels.sweep", task_path="mehvar.channels.tasks.channels_sweep_task",
                          every_seconds=30)
        register_periodic("channels.mail_poll", task_path="mehvar.channels.tasks.mail_poll_task",
                          every_seconds=settings.MEHVAR_MAIL_POLL_SECONDS)
