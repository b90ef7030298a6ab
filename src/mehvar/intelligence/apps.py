from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelligenceConfig(AppConfig):
    name = "mehvar.intelligence"
    label = "intelligence"
    verbose_name = _("Intelligence")

    def ready(self) -> None:
        # New public messages are enriched in batches in the background (queued by new
        # messages and every five seconds); a sweep catches what was missed further back;
        # models with new training data are retrained every night.
        from mehvar.conversations.lifecycle import register_lifecycle_hook
        from mehvar.core.periodic import register_periodic
        from mehvar.intelligence.services import on_conversation_change

        register_lifecycle_hook(on_conversation_change)
        register_periodic("intelligence.enrich_new",
                          task_path="mehvar.intelligence.tasks.enrich_new_task",
                          every_seconds=5)
        register_periodic("intelligence.enrich_sweep",
                          task_path="mehvar.intelligence.tasks.enrich_sweep_task",
                          every_seconds=60)
        register_periodic("intelligence.retrain",
                          task_path="mehvar.intelligence.tasks.retrain_task",
                          every_seconds=24 * 3600)
