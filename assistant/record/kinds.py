"""The register kinds, the one list (CLI choices, REST schema and UI menus derive from it)."""

from typing import Literal

Kind = Literal["decision", "action", "risk", "issue", "change", "milestone"]
KINDS: tuple[str, ...] = ("decision", "action", "risk", "issue", "change", "milestone")
