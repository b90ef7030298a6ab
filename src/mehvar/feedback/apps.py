from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "mehvar.feedback"
    label = "feedback"
    verbose_name = _("Voice of the customer")

    def ready(self) -> None:
        # A conversation solved invites its customer to the survey, in the same transaction;
        # complaints past their due time escalate every five minutes.
        from mehvar.conversations.lifecycle import register_lifecycle_hook
        from mehvar.core.periodic import register_periodic
        from mehvar.feedback.services import on_conversation_change

        register_lifecycle_hook(on_conversation_change)
        register_periodic("feedback.complaints_escalate",
                          task_path="mehvar.feedback.tasks.complaints_escalate_task",
                          every_seconds=300)
