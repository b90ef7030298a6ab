"""`mehvar mail_poll`: read new mail from every IMAP mailbox once and exit.

`--idle` keeps running instead: one thread per mailbox waits with IMAP IDLE and reads new
mail as soon as the server announces it (or polls every MEHVAR_MAIL_POLL_SECONDS where the
server has no IDLE). Mailboxes added or switched on later are picked up within that
interval; a deactivated one is dropped. `mehvar worker` polls on its own schedule too; the
overlap is harmless, as a mail read twice is stored once."""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from mehvar.channels.email.imap import imap_mailboxes, mailbox_watch, mailboxes_poll

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Read new mail from the IMAP mailboxes (once, or continuously with --idle)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--idle", action="store_true",
                            help="Keep running: wait for new mail with IMAP IDLE.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["idle"]:
            created = mailboxes_poll()
            if options["verbosity"] > 0:
                self.stdout.write(f"{created} new mail(s) stored.")
            return
        stop = threading.Event()
        try:
            _watch_all(stop)
        except KeyboardInterrupt:
            stop.set()


def _watch_all(stop: threading.Event) -> None:
    watchers: dict[int, threading.Thread] = {}
    while not stop.is_set():
        try:
            close_old_connections()
            mailbox_ids = list(imap_mailboxes().values_list("pk", flat=True))
        except DatabaseError:
            logger.exception("Could not list the mailboxes; trying again")
            mailbox_ids = []
        for mailbox_id in mailbox_ids:
            watcher = watchers.get(mailbox_id)
            if watcher is None or not watcher.is_alive():
                # Daemon threads: stopping the command ends an IDLE in progress too.
                watcher = threading.Thread(target=mailbox_watch, args=(mailbox_id,),
                                           kwargs={"stop": stop}, daemon=True,
                                           name=f"mehvar-mail-{mailbox_id}")
                watcher.start()
                watchers[mailbox_id] = watcher
        stop.wait(settings.MEHVAR_MAIL_POLL_SECONDS)
