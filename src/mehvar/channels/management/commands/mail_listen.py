"""`mehvar mail_listen [--lmtp|--smtp] [--bind 127.0.0.1:8025]`: receive mail from an MTA
over LMTP (the default) or SMTP and store it; runs until stopped (SIGTERM or Ctrl-C).

It has no authentication or TLS: bind it to the loopback or a private network that only
the MTA reaches."""

from __future__ import annotations

import signal
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mehvar.channels.email.lmtp import MailListener, Mode


class Command(BaseCommand):
    help = "Receive mail from an MTA over LMTP or SMTP."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        protocol = parser.add_mutually_exclusive_group()
        protocol.add_argument("--lmtp", dest="mode", action="store_const", const="lmtp",
                              help="Speak LMTP (the default).")
        protocol.add_argument("--smtp", dest="mode", action="store_const", const="smtp",
                              help="Speak SMTP; unknown recipients are refused.")
        parser.set_defaults(mode="lmtp")
        parser.add_argument("--bind", default="127.0.0.1:8025", metavar="HOST:PORT",
                            help="Address to listen on (default 127.0.0.1:8025).")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = _host_port(options["bind"])
        mode: Mode = options["mode"]
        listener = MailListener(mode=mode, hostname=host, port=port)
        stop = threading.Event()

        def on_signal(number: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        listener.start()
        self.stdout.write(f"Listening for {mode.upper()} on {host}:{port}", ending="\n")
        self.stdout.flush()
        try:
            while not stop.wait(1):
                pass
        finally:
            listener.stop()


def _host_port(bind: str) -> tuple[str, int]:
    host, _sep, port = bind.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--bind must be HOST:PORT, not {bind!r}.")
    return host, int(port)
