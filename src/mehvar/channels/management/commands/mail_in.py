"""`mehvar mail_in [--mailbox ADDRESS]`: store one mail read from standard input, for an
MTA's pipe transport (Postfix `pipe`, Exim `pipe`; see docs/operations/email.md).

Exit codes follow sysexits.h, which MTAs understand: 0 stored (also when it was already
stored), 65 (EX_DATAERR) empty or oversized input, 67 (EX_NOUSER) unknown --mailbox, 75
(EX_TEMPFAIL) the database is unavailable, so the MTA keeps the mail and retries."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from mehvar.channels.email.lmtp import mailbox_for_address, message_size_limit
from mehvar.channels.email.receive import mail_receive

EX_DATAERR = 65
EX_NOUSER = 67
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Store one mail read from standard input (for an MTA's pipe transport)."
    # Nothing to check, and a check must not fail a delivery the MTA would then bounce.
    requires_system_checks: list[str] = []
    # call_command("mail_in", stdin=BytesIO(raw)) in tests.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--mailbox", metavar="ADDRESS",
                            help="The mailbox the mail was sent to (its address).")

    def handle(self, *args: Any, **options: Any) -> None:
        stream: BinaryIO = options.get("stdin") or sys.stdin.buffer
        limit = message_size_limit()
        raw = _without_mbox_line(stream.read(limit + 1))
        if len(raw) > limit:
            raise CommandError(f"The message is larger than {limit} bytes.",
                               returncode=EX_DATAERR)
        if not raw.strip():
            raise CommandError("No message on standard input.", returncode=EX_DATAERR)
        try:
            mailbox = None
            if options["mailbox"]:
                mailbox = mailbox_for_address(options["mailbox"])
                if mailbox is None:
                    raise CommandError(f"No active mailbox has the address "
                                       f"{options['mailbox']}.", returncode=EX_NOUSER)
            envelope, created = mail_receive(raw=raw, mailbox=mailbox, source="mail-in")
        except DatabaseError as error:
            raise CommandError(f"The database is unavailable, try again later: {error}",
                               returncode=EX_TEMPFAIL) from error
        if options["verbosity"] > 1:
            self.stdout.write(f"{'Stored' if created else 'Already stored'}: "
                              f"envelope {envelope.pk}")


def _without_mbox_line(raw: bytes) -> bytes:
    """Drop the "From sender date" line that Exim's pipe transport (and procmail) put
    before the message; it is not a header."""
    if raw.startswith(b"From "):
        return raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    return raw
