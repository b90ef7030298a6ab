"""A throwaway Dovecot IMAP server for the mail tests: its own config, port, users and
maildirs in a temporary folder, started in the foreground and stopped with the session.

Mail is put into it the way any client does, with IMAP APPEND, so the tests read exactly
what a real mailbox hands out (UIDs, UIDVALIDITY, flags, IDLE)."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from mehvar.channels.email.imap import imap_folder_name, imap_login

DOVECOT = "/usr/sbin/dovecot"
START_TIMEOUT_SECONDS = 20.0


class DovecotUnavailable(RuntimeError):
    """Dovecot is missing or would not start; the message says why and how to fix it."""


class Dovecot(NamedTuple):
    host: str
    port: int
    user: str
    password: str

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap_login(conn, self.user, self.password)
        return conn

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver one message with IMAP APPEND (a separate connection, as an MTA would)."""
        conn = self.connect()
        try:
            status, data = conn.append(folder_quote(folder), None, None, raw)
            if status != "OK":
                raise AssertionError(f"APPEND to {folder} failed: {data!r}")
        finally:
            conn.logout()

    def recreate(self, folder: str) -> None:
        """Delete a folder and create it again: a new UIDVALIDITY, UIDs from 1 again."""
        conn = self.connect()
        try:
            for status, data in (conn.delete(folder_quote(folder)),
                                 conn.create(folder_quote(folder))):
                if status != "OK":
                    raise AssertionError(f"Recreating {folder} failed: {data!r}")
        finally:
            conn.logout()

    def create(self, folder: str) -> None:
        conn = self.connect()
        try:
            status, data = conn.create(folder_quote(folder))
            if status != "OK":
                raise AssertionError(f"CREATE {folder} failed: {data!r}")
        finally:
            conn.logout()

    def flags(self, folder: str = "INBOX") -> list[bytes]:
        """Each message's FLAGS item, in sequence order."""
        conn = self.connect()
        try:
            _status, count = conn.select(folder_quote(folder), readonly=True)
            if count[0] == b"0":
                return []
            _status, data = conn.fetch("1:*", "(FLAGS)")
            return [item for item in data if isinstance(item, bytes)]
        finally:
            conn.logout()


def folder_quote(folder: str) -> str:
    """A folder name as an IMAP quoted string (modified UTF-7 for non-ASCII names)."""
    return imap_folder_name(folder)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Accounts(NamedTuple):
    login_user: str
    internal_user: str
    internal_group: str
    mail_uid: int
    mail_gid: int


def _accounts() -> _Accounts:
    """Who the service processes and the mail belong to.

    As an ordinary user everything runs as that user. Dovecot refuses to run its login
    process as root and to let root own mail, so as root (CI) the package's unprivileged
    accounts are used: dovenull to log in, dovecot for the internal services and the mail."""
    if os.getuid() != 0:
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        return _Accounts(user, user, group, os.getuid(), os.getgid())
    try:
        login = pwd.getpwnam("dovenull")
        internal = pwd.getpwnam("dovecot")
    except KeyError as error:
        raise DovecotUnavailable(
            "Running as root needs the dovenull and dovecot accounts that the Debian package "
            "dovecot-core creates; reinstall it with scripts/system_packages.sh.") from error
    return _Accounts(login.pw_name, internal.pw_name, grp.getgrgid(internal.pw_gid).gr_name,
                     internal.pw_uid, internal.pw_gid)


def _config(root: Path, port: int, users_file: Path, accounts: _Accounts) -> str:
    user = pwd.getpwuid(os.getuid()).pw_name
    return f"""\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain
# A wrong password is a test case here: answer it at once.
auth_failure_delay = 0
disable_plaintext_auth = no
default_login_user = {accounts.login_user}
default_internal_user = {accounts.internal_user}
default_internal_group = {accounts.internal_group}
first_valid_uid = 0
first_valid_gid = 0
mail_uid = {accounts.mail_uid}
mail_gid = {accounts.mail_gid}
mail_location = maildir:{root}/mail/%u/Maildir
# New mail wakes IDLE through inotify; this is the fallback where inotify is missing.
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {users_file}
}}
userdb {{
  driver = passwd-file
  args = {users_file}
  default_fields = home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  # No auth penalty (a growing wait after a failed login): Dovecot's documented switch.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
# Auth reads the users file, which only the current user can reach.
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
"""


class DovecotRun(NamedTuple):
    server: Dovecot
    process: subprocess.Popen[bytes]
    root: Path


def dovecot_start(*, user: str = "support",
                  password: str = "پشتیبانی-secret") -> DovecotRun:
    """Write a config into a new folder, start Dovecot in the foreground and wait for its
    greeting. Raises DovecotUnavailable with the reason (and the log) when it cannot run.

    The folder is made with tempfile rather than pytest's tmp_path: Dovecot's unprivileged
    processes must be able to reach its sockets, and pytest's folders are private (0700)."""
    if not os.access(DOVECOT, os.X_OK):
        raise DovecotUnavailable(
            f"{DOVECOT} is missing: the IMAP tests need Dovecot. Install it with "
            "scripts/system_packages.sh (Debian package dovecot-imapd).")
    root = Path(tempfile.mkdtemp(prefix="mehvar-dovecot-"))
    root.chmod(0o755)
    accounts = _accounts()
    for folder in ("run", "state", "mail"):
        (root / folder).mkdir()
    (root / "mail").chmod(0o700)
    os.chown(root / "mail", accounts.mail_uid, accounts.mail_gid)
    users_file = root / "users"
    users_file.write_text(f"{user}:{{PLAIN}}{password}::::::\n", encoding="utf-8")
    users_file.chmod(0o600)
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(_config(root, port, users_file, accounts), encoding="utf-8")
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    run = DovecotRun(Dovecot("127.0.0.1", port, user, password), process, root)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        if _greets(run.server):
            return run
        time.sleep(0.1)
    _terminate(process)
    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
    log = root / "dovecot.log"
    message = (
        f"Dovecot did not start on 127.0.0.1:{port} (exit {process.returncode}).\n"
        f"Output: {output.strip()}\n"
        f"Log: {log.read_text(errors='replace').strip() if log.exists() else '(none)'}\n"
        f"Config: {config}; check it with doveconf -n -c {config}")
    raise DovecotUnavailable(message)


def _greets(server: Dovecot) -> bool:
    try:
        with socket.create_connection((server.host, server.port), timeout=1) as probe:
            return probe.recv(100).startswith(b"* OK")
    except OSError:
        return False


def dovecot_stop(run: DovecotRun) -> None:
    _terminate(run.process)
    if run.process.stdout:
        run.process.stdout.close()
    shutil.rmtree(run.root, ignore_errors=True)


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
