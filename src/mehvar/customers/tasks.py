"""Background tasks of the customers context (run by `mehvar worker`)."""

from __future__ import annotations

from mehvar.core.background import task
from mehvar.customers.value_services import customer_value_recompute_all


@task()
def customer_value_recompute_all_task() -> dict[str, int]:
    """Every live customer's revenue, cost to serve and tier, in batches (after a tier rule
    changed, or when a supervisor asked for it)."""
    result = customer_value_recompute_all(actor=None)
    return {"customers": result.customers, "changed": result.changed,
            "tiers_changed": result.tiers_changed}
