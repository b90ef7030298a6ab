from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceLevelsConfig(AppConfig):
    name = "mehvar.service_levels"
    label = "service_levels"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        # Every opened conversation, message and status change reaches routing and the clocks
        # in the transaction that stores it; the tick finds warnings and breaches.
        from mehvar.conversations.lifecycle import register_lifecycle_hook
        from mehvar.core.periodic import register_periodic
        from mehvar.service_levels.services.lifecycle import on_conversation_change

        register_lifecycle_hook(on_conversation_change)
        register_periodic("service_levels.tick",
                          task_path="mehvar.service_levels.tasks.sla_tick_task",
                          every_seconds=30)
