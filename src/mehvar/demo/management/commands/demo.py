"""`mehvar demo [--no-serve] [--seed N] [--customers N] [--conversations N]`: build the demo
company "Pardis Market" (once), print the logins, then serve it."""

from __future__ import annotations

import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

from mehvar import cli
from mehvar.core.env import env_str
from mehvar.demo.build import ADMIN_USERNAME, build_demo, demo_exists
from mehvar.demo.people import ADMIN_PASSWORD, STAFF, STAFF_PASSWORD


def _size(low: int, high: int) -> Any:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError as error:
            raise ArgumentTypeError(f"{raw!r} is not a whole number") from error
        if not low <= value <= high:
            raise ArgumentTypeError(f"give a number from {low} to {high}")
        return value
    return parse


class Command(BaseCommand):
    help = "Build the multilingual demo company Pardis Market, print the logins and serve it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--no-serve", action="store_true",
                            help="Build the demo and print the logins, but do not start the "
                                 "server.")
        parser.add_argument("--seed", type=int, default=1404,
                            help="Random seed: the same seed builds the same company.")
        parser.add_argument("--customers", type=_size(20, 20_000), default=300,
                            help="Customer records, likely duplicates included (default 300).")
        parser.add_argument("--conversations", type=_size(1, 200_000), default=1500,
                            help="Conversations (default 1500).")

    def handle(self, *args: Any, **options: Any) -> None:
        self._migrate_if_needed()
        if demo_exists():
            self.stdout.write(_("The demo company is already there; nothing was added."))
        else:
            started = time.perf_counter()
            self.stdout.write(_("Building the demo company Pardis Market…"))
            counts = build_demo(seed=options["seed"], customers=options["customers"],
                                conversations=options["conversations"],
                                progress=self.stdout.write)
            seconds = time.perf_counter() - started
            self.stdout.write(self.style.SUCCESS(
                _("Built in %(seconds).1f s: %(agents)d agents, %(teams)d teams, "
                  "%(organizations)d organizations, %(customers)d customers (%(duplicates)d "
                  "likely duplicates), %(conversations)d conversations, %(messages)d messages "
                  "(%(notes)d internal notes).") % {
                    "seconds": seconds, "agents": counts.agents, "teams": counts.teams,
                    "organizations": counts.organizations, "customers": counts.customers,
                    "duplicates": counts.duplicates, "conversations": counts.conversations,
                    "messages": counts.messages, "notes": counts.internal_notes}))
        self._print_logins()
        if not options["no_serve"]:
            cli.main(["serve"])

    def _migrate_if_needed(self) -> None:
        """`mehvar demo` on a fresh machine: create the database first."""
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write(_("Creating the database tables…"))
            call_command("migrate", interactive=False, verbosity=0)

    def _print_logins(self) -> None:
        url = f"http://{env_str('MEHVAR_BIND', '127.0.0.1:8000')}"
        agents = ", ".join(m.username for m in STAFF if m.role == "agent")
        lines = [
            "",
            _("Mehvar: %(url)s") % {"url": url},
            _("  Sign in:          %(url)s/signin") % {"url": url},
            _("  Admin login:      %(user)s / %(password)s") % {
                "user": ADMIN_USERNAME, "password": ADMIN_PASSWORD},
            _("  Agent login:      %(user)s / %(password)s  (every agent: %(agents)s)") % {
                "user": "omar", "password": STAFF_PASSWORD, "agents": agents},
            _("  Supervisor login: %(user)s / %(password)s") % {
                "user": "supervisor", "password": STAFF_PASSWORD},
            _("  Analyst login:    %(user)s / %(password)s") % {
                "user": "analyst", "password": STAFF_PASSWORD},
            _("  API docs:         %(url)s/api/v1/docs") % {"url": url},
            "",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.write(self.style.WARNING(_(
            "These are demo passwords printed for anyone to read: use this database to try "
            "Mehvar out, never for real customers.")))
