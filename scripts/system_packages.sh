#!/usr/bin/env bash
# Debian packages the test suite needs. Idempotent: installs only what is missing.
#   gettext            the catalogue check (xgettext, msgfmt)
#   chromium           the browser tests in tests/browser (Playwright drives /usr/bin/chromium;
#                      Playwright's own browser downloads are never used)
#   fonts-dejavu-core  Arabic, Persian and Greek glyphs for the browser tests' screenshots
#   dovecot-imapd      a real IMAP server for tests/channels/test_imap.py (started per test
#                      session from tests/channels/dovecot.py; the system service is unused)
set -euo pipefail
need=()
command -v xgettext >/dev/null || need+=(gettext)
command -v chromium >/dev/null || need+=(chromium)
dpkg-query -W -f='${Status}' fonts-dejavu-core 2>/dev/null | grep -q "ok installed" \
  || need+=(fonts-dejavu-core)
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
fi
