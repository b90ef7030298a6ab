"""Write the generated OpenAPI spec to docs/openapi.json (a test fails when it drifts)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

SPEC_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def spec_text() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mehvar.settings")
    import django

    django.setup()
    from mehvar.api.api import api

    return json.dumps(api.get_openapi_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> int:
    SPEC_PATH.write_text(spec_text(), encoding="utf-8")
    sys.stdout.write(f"wrote {SPEC_PATH}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
