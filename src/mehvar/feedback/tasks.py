"""Background work of the feedback context."""

from __future__ import annotations

from mehvar.core.background import task
from mehvar.feedback.complaints import complaints_escalate_overdue
from mehvar.feedback.triggers import survey_schedules_run, surveys_due_send
from mehvar.feedback.webhooks import webhook_send, webhook_sweep


@task()
def complaints_escalate_task() -> int:
    """Complaints past their due time escalate to the team lead (periodic, every 5 minutes)."""
    return complaints_escalate_overdue()


@task()
def surveys_due_task() -> dict[str, int]:
    """Periodic (hourly): surveys asked days after solving, and segment surveys due."""
    return {"after_solved": surveys_due_send(), "segments": survey_schedules_run()}


@task()
def webhook_send_task(delivery_id: int) -> str:
    delivery = webhook_send(delivery_id=delivery_id)
    return delivery.status if delivery is not None else "skipped"


@task()
def webhooks_sweep_task() -> int:
    """Periodic (every 30 s): webhook deliveries whose retry time has come."""
    return webhook_sweep()
