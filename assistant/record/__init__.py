"""The project's living record: registers of decisions, actions, risks, issues, change requests
and milestones built from every ingested document, and the project status they add up to.

`build_register` reads the manifest's documents (extraction cached per content hash in the
workspace); `select` filters a register; `project_status` sums it up. Names are imported when
first used (PEP 562): the CLI lists the register kinds without loading the extractors.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "KINDS": "kinds",
    "Mention": "models",
    "RecordItem": "models",
    "Register": "models",
    "is_open": "query",
    "is_overdue": "query",
    "select": "query",
    "DocumentRef": "store",
    "FactsCache": "store",
    "build_register": "store",
    "documents_of": "store",
    "workspace_cache": "store",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
