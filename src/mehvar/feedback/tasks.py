"""Background work of the feedback context."""

from __future__ import annotations

from mehvar.core.background import task
from mehvar.feedback.complaints import complaints_escalate_overdue


@task()
def complaints_escalate_task() -> int:
    """Complaints past their due time escalate to the team lead (periodic, every 5 minutes)."""
    return complaints_escalate_overdue()
