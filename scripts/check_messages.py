"""Fail when a shipped catalogue (ar, fa, el) has untranslated or fuzzy entries, or when a
string marked in the code is missing from the catalogues (run by `make test`)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "mehvar"
LANGUAGES = ["ar", "fa", "el"]


def parse_po(path: Path) -> dict[str, tuple[str, bool]]:
    """msgid -> (msgstr, fuzzy). Plural forms count as translated when msgstr[0] is."""
    entries: dict[str, tuple[str, bool]] = {}
    msgid = msgstr = None
    fuzzy = False
    field = None
    lines = path.read_text(encoding="utf-8").splitlines() + [""]
    for line in lines:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgid "):
            msgid, field = _unquote(line[6:]), "id"
        elif line.startswith("msgid_plural "):
            field = "plural"
        elif line.startswith("msgstr ") or line.startswith("msgstr[0] "):
            msgstr, field = _unquote(line.split(" ", 1)[1]), "str"
        elif line.startswith("msgstr["):
            field = "other"
        elif line.startswith('"'):
            if field == "id" and msgid is not None:
                msgid += _unquote(line)
            elif field == "str" and msgstr is not None:
                msgstr += _unquote(line)
        elif not line.strip():
            if msgid:
                entries[msgid] = (msgstr or "", fuzzy)
            msgid = msgstr = None
            fuzzy = False
            field = None
    return entries


def _unquote(text: str) -> str:
    return text.strip()[1:-1]


def main() -> int:
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        # Extract the current strings into a scratch copy so the check never edits the tree.
        copy = Path(scratch) / "mehvar"
        subprocess.run(["cp", "-r", str(PACKAGE), str(copy)], check=True)
        subprocess.run(
            [sys.executable, "-m", "django", "makemessages", "--no-location", "--no-obsolete",
             *[arg for lang in LANGUAGES for arg in ("-l", lang)], "--verbosity", "0"],
            cwd=copy, check=True,
            env={"DJANGO_SETTINGS_MODULE": "mehvar.settings", "PATH": "/usr/bin:/bin",
                 "MEHVAR_VAR_DIR": scratch},
        )
        for lang in LANGUAGES:
            fresh = parse_po(copy / "locale" / lang / "LC_MESSAGES" / "django.po")
            for msgid, (msgstr, fuzzy) in fresh.items():
                if not msgstr:
                    problems.append(f"{lang}: untranslated: {msgid!r}")
                elif fuzzy:
                    problems.append(f"{lang}: fuzzy: {msgid!r}")
    for problem in problems[:50]:
        print(problem)
    if problems:
        print(f"{len(problems)} catalogue problems; run `make messages` and translate them.")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
