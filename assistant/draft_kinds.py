"""The one list of draft kinds, and of the report kinds built on them.

Every door reads this table: the CLI's choices (`draft --help`, `report --help`), the REST
request schemas (their `kind` enum) and the UI's menus. Adding a draft kind is one module plus
one `register_draft_kind(...)` line at the end of this file. The module provides

    SECTIONS: tuple[str, ...]              # the draft's sections, in the order shown
    def build(request: DraftRequest) -> Draft   # (assistant.drafts.build.DraftRequest)

and may provide `SECTION_LABELS = {"zh": {...}, "en": {...}}` and `TEMPLATES = {"zh": ...,
"en": ...}` (Jinja2 source); without them, prompts/drafts/labels.toml and the kind's template
`<kind>.<lang>.md.j2` are used when they exist, else the section's name and a generic template
that lists every section.

This module is deliberately light (standard library only, no `assistant.drafts` import): the
CLI lists the kinds in its help and must start in under a second, while the builders pull in
python-docx, numpy and the pydantic models. A kind's module is imported only when a draft of
that kind is built or rendered (`DraftKind.module()`).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

from assistant.errors import AssistantError

LANGS = ("zh", "en")


@dataclass(frozen=True)
class DraftKind:
    name: str  # as typed on the command line and sent to the API: "weekly-report"
    builder: str | ModuleType  # the kind's module, or its dotted name (imported when used)
    labels: Mapping[str, str]  # shown in menus and titles: {"zh": "周报", "en": "Weekly report"}

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.name

    def module(self) -> ModuleType:
        """The kind's module; importing it is the cost of building a draft, paid only then."""
        if isinstance(self.builder, ModuleType):
            return self.builder
        return importlib.import_module(self.builder)

    def sections(self) -> tuple[str, ...]:
        return tuple(self.module().SECTIONS)

    def section_labels(self, lang: str) -> dict[str, str]:
        """Section titles the kind's module supplies (may be empty: the defaults apply)."""
        table = getattr(self.module(), "SECTION_LABELS", {})
        return dict(table.get(lang, {}))

    def template(self, lang: str) -> str | None:
        """Jinja2 source from the kind's module, or None to use the template files."""
        templates: Mapping[str, str] = getattr(self.module(), "TEMPLATES", {})
        return templates.get(lang)


@dataclass(frozen=True)
class ReportOnlyKind:
    """A report written once over every project (not a per-project draft), e.g. portfolio."""

    name: str
    labels: Mapping[str, str]

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.name


_KINDS: dict[str, DraftKind] = {}
_REPORT_ONLY: dict[str, ReportOnlyKind] = {}


def register_draft_kind(
    name: str, builder: str | ModuleType, *, zh: str, en: str
) -> DraftKind:
    """Add a draft kind (or replace the one of that name); returns it."""
    if name in _REPORT_ONLY:
        raise ValueError(f"{name!r} is already a report kind; choose another name.")
    kind = DraftKind(name, builder, {"zh": zh, "en": en})
    _KINDS[name] = kind
    return kind


def unregister_draft_kind(name: str) -> None:
    _KINDS.pop(name, None)


def register_report_kind(name: str, *, zh: str, en: str) -> ReportOnlyKind:
    """Add a kind only `report` writes (the workspace must know how to write it)."""
    kind = ReportOnlyKind(name, {"zh": zh, "en": en})
    _REPORT_ONLY[name] = kind
    return kind


def draft_kinds() -> list[DraftKind]:
    """Every registered kind, in registration order (the order menus show them in)."""
    return list(_KINDS.values())


def draft_kind_names() -> list[str]:
    return list(_KINDS)


def check_draft_kind(name: str) -> DraftKind:
    """The registered kind called `name`; AssistantError naming the known ones otherwise."""
    try:
        return _KINDS[name]
    except KeyError:
        known = ", ".join(_KINDS)
        raise AssistantError(f"Unknown draft kind {name!r}; choose one of {known}.") from None


def report_kinds() -> list[DraftKind | ReportOnlyKind]:
    """What `report --kind` (and POST /api/v1/reports) accepts: the draft kinds, then the
    report-only kinds."""
    return [*_KINDS.values(), *_REPORT_ONLY.values()]


def report_kind_names() -> list[str]:
    return [kind.name for kind in report_kinds()]


def kind_label(name: str, lang: str) -> str:
    """A draft or report kind's name in `lang` (the name itself when unknown)."""
    found = _KINDS.get(name) or _REPORT_ONLY.get(name)
    return found.label(lang) if found else name


# fmt: off
register_draft_kind("weekly-report", "assistant.drafts.weekly", zh="周报", en="Weekly report")
register_draft_kind("requirements", "assistant.drafts.requirements", zh="需求文档",
                    en="Requirements document")
register_draft_kind("risk-list", "assistant.drafts.risk_register", zh="风险登记册",
                    en="Risk register")
# fmt: on
# The PMO's one document over every project (assistant.record.portfolio, written by the
# workspace), beside the draft kinds that `report` writes once per project.
PORTFOLIO = register_report_kind("portfolio", zh="项目组合报告", en="Portfolio report").name
