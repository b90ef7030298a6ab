#!/usr/bin/env bash
# Debian packages the test suite needs (gettext for the catalogue check). Idempotent.
set -euo pipefail
need=()
command -v xgettext >/dev/null || need+=(gettext)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
