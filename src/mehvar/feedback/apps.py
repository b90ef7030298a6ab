from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "mehvar.feedback"
    label = "feedback"
    verbose_name = _("Voice of the customer")

    def ready(self) -> None:
        # A conversation solved invites its customer to the survey, in the same transaction
        # (and is remembered for surveys asked days later); complaints past their due time
        # escalate every five minutes; delayed and segment surveys, and webhook retries, are
        # periodic; the web chat asks its survey through the channels' chat-survey seam.
        from mehvar.channels.webchat.surveys import register_chat_survey
        from mehvar.conversations.lifecycle import register_lifecycle_hook
        from mehvar.core.periodic import register_periodic
        from mehvar.feedback import chat, triggers
        from mehvar.feedback.services import on_conversation_change

        register_lifecycle_hook(on_conversation_change)
        register_lifecycle_hook(triggers.on_conversation_change)
        register_chat_survey(offer=chat.chat_survey_offer, answer=chat.chat_survey_answer)
        register_periodic("feedback.complaints_escalate",
                          task_path="mehvar.feedback.tasks.complaints_escalate_task",
                          every_seconds=300)
        register_periodic("feedback.surveys_due",
                          task_path="mehvar.feedback.tasks.surveys_due_task",
                          every_seconds=3600)
        register_periodic("feedback.webhooks_sweep",
                          task_path="mehvar.feedback.tasks.webhooks_sweep_task",
                          every_seconds=30)
