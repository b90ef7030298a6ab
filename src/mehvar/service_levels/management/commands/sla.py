"""`mehvar sla rebuild|recompute|tick`: maintenance of the service-level clocks."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mehvar.service_levels.services.backfill import service_states_rebuild_all
from mehvar.service_levels.services.clocks import sla_recompute, sla_tick


class Command(BaseCommand):
    help = ("rebuild: replay history into clocks for conversations without them (--all: for "
            "every conversation); recompute: re-evaluate every open conversation's clocks; "
            "tick: record the warnings and breaches that are due now.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "recompute", "tick"])
        parser.add_argument("--all", action="store_true",
                            help="rebuild: also conversations that have clocks already")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["action"] == "tick":
            result: Any = sla_tick()
        elif options["action"] == "recompute":
            result = sla_recompute()
        else:
            result = service_states_rebuild_all(everything=options["all"])
        self.stdout.write(f"{options['action']}: {result} "
                          f"({time.perf_counter() - started:.1f} s)")

