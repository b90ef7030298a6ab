"""docs/subsystems/permissions.md shows exactly the rules of core.permissions."""

from __future__ import annotations

import re
from pathlib import Path

from mehvar.core.permissions import ACTION_MIN_ROLE, ROLE_RANK, can

DOC = Path(__file__).resolve().parents[2] / "docs/subsystems/permissions.md"
ROLES_IN_ORDER = sorted(ROLE_RANK, key=ROLE_RANK.__getitem__)


class RoleHolder:
    """Just the three attributes `can` reads, so the check needs no database."""

    def __init__(self, role: str) -> None:
        self.pk = 1
        self.role = role
        self.is_active = True


def documented_matrix() -> dict[str, dict[str, bool]]:
    text = DOC.read_text(encoding="utf-8")
    header = re.search(r"^\| action \| (.+?) \| what it covers \|$", text, flags=re.MULTILINE)
    assert header is not None, "the action table header is missing"
    roles = [cell.strip() for cell in header.group(1).split("|")]
    assert roles == ROLES_IN_ORDER
    matrix = {}
    for action, cells in re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| (.+?) \|[^|]*\|$", text,
                                    flags=re.MULTILINE):
        marks = [cell.strip() for cell in cells.split("|")]
        matrix[action] = {role: mark == "✓" for role, mark in zip(roles, marks, strict=True)}
    return matrix


def test_the_table_lists_every_action_once_in_code_order() -> None:
    assert list(documented_matrix()) == list(ACTION_MIN_ROLE)


def test_the_table_matches_who_may_do_what() -> None:
    expected = {action: {role: can(RoleHolder(role), action) for role in ROLES_IN_ORDER}
                for action in ACTION_MIN_ROLE}
    assert documented_matrix() == expected
