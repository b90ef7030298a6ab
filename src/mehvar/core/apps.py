from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "mehvar.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from mehvar.core.periodic import register_periodic

        register_periodic("core.prune_task_results",
                          task_path="mehvar.core.tasks.task_results_prune_task",
                          every_seconds=3600)
