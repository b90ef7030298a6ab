"""Background work of the service levels context."""

from __future__ import annotations

from mehvar.core.background import task
from mehvar.service_levels.services.clocks import sla_recompute, sla_tick


@task()
def sla_tick_task() -> dict[str, int]:
    """Warnings and breaches whose time has come (periodic, every 30 seconds)."""
    return sla_tick()


@task()
def sla_recompute_task(policy_id: int | None, calendar_id: int | None,
                       team_id: int | None = None) -> int:
    """After a policy, calendar or team hours change: the clocks of the open conversations
    concerned (all of them when every filter is None)."""
    return sla_recompute(policy_id=policy_id, calendar_id=calendar_id, team_id=team_id)
