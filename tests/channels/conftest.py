"""Fixtures of the channels tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from mehvar.channels.models import Mailbox, Security
from tests.channels.dovecot import Dovecot, DovecotUnavailable, dovecot_start, dovecot_stop

# --- Mail in: a real Dovecot IMAP server and mailboxes that read it ----------------------
# (tests/channels/test_imap.py; other fixtures go outside this block)

_folders = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot per test session (per xdist worker). When it cannot run, the tests that
    need it fail (not skip): CI must notice a missing IMAP server."""
    try:
        run = dovecot_start()
    except DovecotUnavailable as error:
        pytest.fail(f"Dovecot is needed for the IMAP tests: {error}", pytrace=False)
    yield run.server
    dovecot_stop(run)


@pytest.fixture
def imap_folder(dovecot: Dovecot) -> str:
    """A new, empty folder for one test (tests share the server, never a folder)."""
    name = f"Support{next(_folders)}"
    dovecot.create(name)
    return name


@pytest.fixture
def imap_mailbox(db: None, dovecot: Dovecot, imap_folder: str) -> Mailbox:
    """A mailbox that reads `imap_folder` of the test Dovecot (plain IMAP on 127.0.0.1)."""
    return Mailbox.objects.create(
        name="پشتیبانی", address="support@shop.example", imap_host=dovecot.host,
        imap_port=dovecot.port, imap_security=Security.NONE, imap_username=dovecot.user,
        imap_password=dovecot.password, imap_folder=imap_folder)


# --- end of mail-in fixtures --------------------------------------------------------------
