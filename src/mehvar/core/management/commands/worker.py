"""`mehvar worker`: the database task worker plus the periodic scheduler.

`--burst` enqueues the periodic jobs that are due, processes everything queued, and exits.
Without it the worker runs until stopped, enqueueing due periodic jobs every few seconds
from a background thread. `--cpu` keeps the worker, and its PostgreSQL backends where the
server runs on this machine, on the CPUs given (`mehvar.core.affinity`)."""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string

from mehvar.core.affinity import parse_cpu_list, pin_process
from mehvar.core.periodic import periodic_enqueue_due
from mehvar.core.worker import TaskWorker

logger = logging.getLogger(__name__)
SCHEDULER_TICK_SECONDS = 5.0


class Command(BaseCommand):
    help = "Run background tasks and periodic jobs (mail polling, retries)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--burst", action="store_true",
                            help="Process what is queued (and due) and exit.")
        parser.add_argument("--interval", type=float, default=0.5,
                            help="Seconds to wait when the queue is empty.")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument(
            "--cpu", type=_cpu_list, default=None, metavar="LIST",
            help="Run on these CPUs (0, 0-1, 0,2), and pin the worker's PostgreSQL backends "
                 "to them where the server runs on this machine: one worker per core, each "
                 "with its backend beside it.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cpu"] is not None:
            pin_process(options["cpu"])
        periodic_enqueue_due(force=options["burst"])
        if not options["burst"]:
            threading.Thread(target=_schedule_forever, name="mehvar-scheduler",
                             daemon=True).start()
        worker = TaskWorker(
            queue_names=["*"], interval=options["interval"], batch=options["burst"],
            backend_name="default", startup_delay=not options["burst"],
            max_tasks=options["max_tasks"], worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()


def _cpu_list(text: str) -> set[int]:
    try:
        return parse_cpu_list(text)
    except ValueError as error:
        raise ArgumentTypeError(str(error)) from error


def _schedule_forever() -> None:
    stop = threading.Event()
    while not stop.wait(SCHEDULER_TICK_SECONDS):
        try:
            close_old_connections()
            periodic_enqueue_due()
        except Exception:
            logger.exception("Periodic scheduling failed; trying again in %ss",
                             SCHEDULER_TICK_SECONDS)
