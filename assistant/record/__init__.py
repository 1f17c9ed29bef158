"""The project's living record: registers of decisions, actions, risks, issues, change requests
and milestones built from every ingested document, and the project status they add up to.

`build_register` reads the manifest's documents (extraction cached per content hash in the
workspace); `select` filters a register; `project_status` sums it up.
"""

from assistant.record.models import KINDS, Mention, RecordItem, Register
from assistant.record.query import is_open, is_overdue, select
from assistant.record.store import (
    DocumentRef,
    FactsCache,
    build_register,
    documents_of,
    workspace_cache,
)

__all__ = [
    "KINDS",
    "DocumentRef",
    "FactsCache",
    "Mention",
    "RecordItem",
    "Register",
    "build_register",
    "documents_of",
    "is_open",
    "is_overdue",
    "select",
    "workspace_cache",
]
